# The course's commands. `make help` lists them. Every target that needs Python first makes sure
# .venv exists and matches requirements.txt and pyproject.toml, so a fresh clone needs nothing else.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BOOK_FLAGS := -W -n --keep-going
PYTEST_ARGS ?=
# Tools that other tools start by name (alembic, jupyter, the kernel) come from the venv.
export PATH := $(abspath $(BIN)):$(PATH)

.DEFAULT_GOAL := help
.PHONY: help venv student-edition test-install browser sandbox book site test test-fast assignments validate autograde release collect feedback export wrong-solutions screenshots lint format clean clean-book lock hub e2e bench bench-quality weights quality

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  make %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert (3, 11) <= sys.version_info[:2] < (3, 14), "Python 3.11 to 3.13 is required, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

venv: $(STAMP) ## Create or update .venv from requirements.txt (pinned)

book: $(STAMP) ## Build the book into _build/html (executes notebooks, cached) with the addresses
	# The configuration = _config.yml + addresses.toml (or GANCOURSE_*); the cache is cleared when
	# gancourse/, data/weights/ or the lock changed (tools/book_config.py).
	$(BIN)/python -m tools.book_config prepare
	# Level 3 keeps TensorFlow's C++ start-up chatter (no-GPU notices) out of the rendered pages.
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/jupyter-book build . --config _build/book-config.yml $(BOOK_FLAGS)

site: book ## The deployable book: _build/site (the HTML, .nojekyll; refuses placeholder addresses)
	$(BIN)/python -m tools.book_config site

browser: ## Install Debian's Chromium for the browser tests (needs root; skipped if present)
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version)"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "install Debian's chromium (sudo apt-get install chromium) for the browser tests"; fi

sandbox: $(STAMP) ## Set up the grading sandbox (as root: bubblewrap, throwaway users, cgroups)
	@if [ "$$(id -u)" = 0 ]; then $(BIN)/python -m autograder.sandbox setup; \
	else echo "the grading sandbox needs root once: sudo make sandbox (grading itself runs as root too)"; fi

screenshots: book browser ## Open every built page in headless Chromium; screenshots in artifacts/
	$(BIN)/python tools/browse_book.py --out artifacts/screenshots

test: $(STAMP) browser sandbox ## Run the whole test suite (data, package, assignments, book build)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) ## Run the tests that take seconds, not minutes
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

assignments: $(STAMP) ## Regenerate assignments/ (student versions) from solutions/
	$(BIN)/python -m autograder.pipeline generate

validate: $(STAMP) ## nbgrader validate: solutions must pass, released notebooks must fail
	$(BIN)/python -m autograder.pipeline validate

SUBMISSIONS ?= autograder/work/submitted
OUT ?= autograder/work/graded
JOBS ?= 2
# AUTOGRADE_ARGS=--no-course-gradebook grades without recording in the course gradebook.
AUTOGRADE_ARGS ?=
autograde: $(STAMP) ## Grade SUBMISSIONS=<dir>/<student>/<assignment>/ into OUT=<dir> and the course gradebook (root, sandboxed)
	$(BIN)/python -m autograder.pipeline autograde $(SUBMISSIONS) $(OUT) --jobs $(JOBS) $(AUTOGRADE_ARGS)

release: $(STAMP) ## Release ASSIGNMENT=<name> to the hub's exchange (nbgrader release_assignment)
	$(BIN)/python -m autograder.pipeline release $(ASSIGNMENT)

collect: $(STAMP) ## Collect ASSIGNMENT=<name> from the exchange into autograder/work/submitted
	$(BIN)/python -m autograder.pipeline collect $(ASSIGNMENT)

feedback: $(STAMP) ## Generate and release feedback for ASSIGNMENT=<name> (hidden tests stripped)
	$(BIN)/python -m autograder.pipeline feedback $(ASSIGNMENT)

export: $(STAMP) ## Export the gradebook to grades.csv (nbgrader export)
	$(BIN)/python -m autograder.pipeline export $(ASSIGNMENT)

wrong-solutions: $(STAMP) ## Show how every wrong solution of ASSIGNMENT=<name> is caught
	$(BIN)/python -m autograder.wrong_solutions $(ASSIGNMENT)

hub: $(STAMP) ## Start the course's JupyterHub on 127.0.0.1:8000 (an instructor, two students)
	$(BIN)/python -m tools.local_hub

e2e: $(STAMP) browser sandbox ## On a local hub in Chromium: release, fetch, validate, submit, grade, feedback
	$(BIN)/python -m tools.e2e_hub --out artifacts/e2e

bench: $(STAMP) ## Throughput vs the TF tutorial's step, and live time to quality on MNIST (JSON)
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python -m tools.bench_train --out artifacts/bench.json

bench-quality: $(STAMP) ## Live time to quality of the Fashion-MNIST DCGAN (up to 30 min; JSON)
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python -m tools.bench_train --quality fashion_mnist --steps 2 --rounds 1 --out artifacts/bench-quality.json

# The reference models of the labs, in the order the evaluation needs them (classifiers first).
# Each command resumes from its checkpoint, so an interrupted `make weights` picks up again.
weights: $(STAMP) ## Train every committed model into data/weights (about 4 hours on 2 idle CPU cores)
	$(BIN)/python -m gancourse.train --model classifier --dataset mnist --epochs 3
	$(BIN)/python -m gancourse.train --model classifier --dataset fashion_mnist --epochs 3
	$(BIN)/python -m gancourse.train --model dcgan --dataset mnist --epochs 60 --d-minibatch-std 4 --grid-every 5
	$(BIN)/python -m gancourse.train --model cdcgan --dataset mnist --epochs 12 --grid-every 4
	$(BIN)/python -m gancourse.train --model cdcgan --dataset fashion_mnist --epochs 20 --g-lr 0.0004 --d-lr 0.0004 --d-filters 32 --grid-every 5
	$(BIN)/python -m gancourse.train --model dcgan --dataset fashion_mnist --epochs 30 --grid-every 5
	$(BIN)/python -m gancourse.train --model wgan-gp --dataset mnist --epochs 197 --batch-size 64 --steps-per-epoch 150

# Every measure on 10,000 samples for each of three noise seeds (mean ± sd), beside what real data
# scores, and the course's targets; exits 1 while a committed model misses one.
quality: $(STAMP) ## The quality table of the committed GANs and their targets (writes data/weights/quality.json)
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python -m gancourse.evaluate --samples 10000

lint: $(STAMP) ## Lint and format (fixes locally; only checks when CI=true)
ifeq ($(CI),true)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/codespell
else
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/codespell
endif

format: lint ## Same as lint

lock: $(STAMP) ## Rewrite requirements.txt, requirements/runtime.txt and book.txt from .venv
	$(BIN)/python -m tools.locks

EDITION ?= _build/student-edition
# EDITION_ARGS="--assignments ps1-gan-foundations" publishes only the assignments handed out so far.
EDITION_ARGS ?=
student-edition: $(STAMP) ## Write the student edition (book, labs, released assignments, data, package) to EDITION=_build/student-edition
	$(BIN)/python -m tools.student_edition --out $(EDITION) $(EDITION_ARGS)

test-install: $(STAMP) ## A fresh venv from requirements/runtime.txt + the wheel: doctor, a lab, ps2, the student edition's labs (slow)
	$(BIN)/python -m pytest -x -m slow tests/test_install.py tests/test_student_edition.py $(PYTEST_ARGS)

clean-book: ## Remove the built book (keeps nothing cached)
	rm -rf _build

clean: clean-book ## Remove the built book, caches and nbgrader's working folder
	rm -rf autograder/work .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
