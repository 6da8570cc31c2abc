"""End to end: the course on a local JupyterHub, used in Chromium as its users would.

Starts the hub of `make hub` (tools/local_hub.py) in a fresh state folder with its own users,
builds the student edition there (tools/student_edition.py, a one-commit git repository served
to the hub at its ``file://`` URL), then, with Playwright driving Debian's Chromium
(``/usr/bin/chromium``, ``make browser``):

1. the instructor releases ps1 (``python -m autograder.pipeline release``, run as the
   instructor) and opens the formgrader in JupyterLab;
2. the first student logs in, opens the Assignment List, fetches ps1, opens the notebook, fills
   in the answers (the solution cells of solutions/ps1-gan-foundations, written through the
   Jupyter contents API of the student's own server, then the notebook is reloaded in the UI),
   clicks Validate in the notebook's toolbar and Submit in the Assignment List;
3. the second student opens a lab (``book/labs/data-pipelines.ipynb``) the way the book's
   JupyterHub button does: its nbgitpuller link (``tools.book_config.jupyterhub_link``, the
   code that builds the button) clones the student edition into the student's home and opens
   the lab from there in JupyterLab; the clone must hold the edition (the labs, the released
   assignments, the data, the package) and nothing private (no solutions, autograder, tests).
   Then the student fetches ps1 and submits it untouched;
4. the instructor collects, autogrades (``make autograde``, which also records the grades in
   the course gradebook), opens Manage Assignments > ps1 > its submissions in the formgrader,
   which shows 100 / 100 for the first student and 0 for the second, and releases the feedback
   (``python -m autograder.pipeline feedback --graded``);
5. each student clicks Fetch Feedback: the first one's feedback says 100 of 100 points, the
   second one's 0.

Every step is a screenshot in the output folder (``artifacts/e2e/`` by default), with the hub's
log and ``summary.json`` (the steps and how long each took; under ``edition``, the launch link and
what it pulled). No request may leave 127.0.0.1:
the browser aborts any other and the run fails. The hub, every server and the users are gone
at the end, whatever happened.

    .venv/bin/python -m tools.e2e_hub [--out artifacts/e2e] [--keep-state]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from urllib.parse import quote, urlencode, urlparse

from gancourse.grading import BEGIN_SOLUTION, END_SOLUTION
from tools.book_config import jupyterhub_link
from tools.browse_book import CHROMIUM, CHROMIUM_ARGS
from tools.local_hub import REPOSITORY, HubError, LocalHub, free_port

ASSIGNMENT = "ps1-gan-foundations"
SOLUTION = REPOSITORY / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
LAB_TIMEOUT = 180_000  # ms: the first server of a busy two-core machine takes its time
VALIDATE_TIMEOUT = 300_000  # ms: Validate runs the whole notebook, TensorFlow import included
FORMGRADER = ".jp-MainAreaWidget:visible iframe"  # nbgrader's formgrader, in a JupyterLab tab
#: The lab a student opens from the book's JupyterHub button (its path in the edition).
LAB = "book/labs/data-pipelines.ipynb"
#: What the student edition brings into a student's home, and what it must never bring.
EDITION_HAS = (LAB, "assignments", "data", "gancourse/__init__.py", "pyproject.toml")
EDITION_LACKS = (
    "solutions",
    "autograder",
    "tests",
    ".ci",
    "tools",
    "deploy",
    "gancourse/grading.py",
)
_MARKER = re.compile(rf"\s*({re.escape(BEGIN_SOLUTION)}|{re.escape(END_SOLUTION)})\s*$")


class E2EError(AssertionError):
    """A step did not do what a user would expect; the message says which and what was seen."""


def answered(notebook: dict) -> dict:
    """The released notebook with every answer cell replaced by the reference solution's."""
    solution = json.loads(SOLUTION.read_text())
    answers = {
        cell["metadata"]["nbgrader"]["grade_id"]: cell["source"]
        for cell in solution["cells"]
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    filled = copy.deepcopy(notebook)
    count = 0
    for cell in filled["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            # What a student types: the reference code without nbgrader's solution markers.
            lines = answers[meta["grade_id"]]
            lines = lines.splitlines(True) if isinstance(lines, str) else lines
            cell["source"] = "".join(line for line in lines if not _MARKER.match(line))
            count += 1
    if count == 0:
        raise E2EError(f"no answer cell found in the released {ASSIGNMENT}")
    return filled


class Run:
    """The browser, the screenshots and the time each step took."""

    def __init__(self, hub: LocalHub, browser, out: Path):
        self.hub, self.browser, self.out = hub, browser, out
        self.steps: list[dict] = []
        self.shots = 0
        self.external: list[str] = []  # requests for anything but 127.0.0.1, all aborted
        self.feedback_external: list[str] = []  # the same, from the feedback pages
        self.feedback_pages: list = []
        # nbgrader's formgrader page for one submission loads MathJax 2 from a CDN (its template
        # calls nbconvert's mathjax() with the CDN default); recorded apart, reported, aborted.
        self.formgrader_pages: list = []
        self.formgrader_external: list[str] = []
        self.pages: dict[str, object] = {}
        self.started = time.monotonic()
        self.last = self.started

    def step(self, name: str, page=None, **facts) -> None:
        """Record a finished step; screenshot ``page`` as NN-name.png."""
        now = time.monotonic()
        shot = None
        if page is not None:
            self.shots += 1
            shot = f"{self.shots:02d}-{name}.png"
            page.screenshot(path=str(self.out / shot))
        self.steps.append(
            {"step": name, "seconds": round(now - self.last, 1), "screenshot": shot, **facts}
        )
        print(f"[{now - self.started:6.1f} s] {name} {facts or ''}", flush=True)
        self.last = time.monotonic()

    def _route(self, route) -> None:
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            try:
                page = route.request.frame.page
            except Exception:  # a request of no page (a service worker)
                page = None
            record = self.feedback_external if page in self.feedback_pages else self.external
            if page in self.formgrader_pages:
                record = self.formgrader_external
            record.append(route.request.url)
            route.abort()

    def login(self, user: str):
        """A fresh browser profile, the hub's login form, and the user's JupyterLab."""
        context = self.browser.new_context(viewport={"width": 1400, "height": 900})
        context.route("**/*", self._route)
        page = context.new_page()
        page.goto(f"{self.hub.url}/hub/login")
        page.fill("#username_input", user)
        page.fill("#password_input", self.hub.password)
        page.click("#login_submit")
        page.wait_for_url(f"**/user/{user}/lab**", timeout=LAB_TIMEOUT)
        page.wait_for_selector("#jp-main-dock-panel", timeout=LAB_TIMEOUT)
        page.locator(".jp-Launcher-body, .jp-Launcher").first.wait_for(timeout=LAB_TIMEOUT)
        self.pages[user] = page
        return page

    def api(self, page, user: str, method: str, path: str, body: dict | None = None) -> dict:
        """A call to the Jupyter REST API of ``user``'s server, with the browser's login."""
        url = f"{self.hub.url}/user/{user}/api/{path}"
        cookies = page.context.cookies(url)  # the server's _xsrf cookie has the server's path
        xsrf = next((c["value"] for c in cookies if c["name"] == "_xsrf"), "")
        response = page.request.fetch(
            url,
            method=method,
            headers={"X-XSRFToken": xsrf, "Content-Type": "application/json"},
            data=json.dumps(body) if body is not None else None,
        )
        if not response.ok:
            raise E2EError(f"{method} {url}: HTTP {response.status} {response.text()[:500]}")
        return response.json() if response.text() else {}


# What a user does in JupyterLab -------------------------------------------------------------------
def open_assignment_list(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    page.wait_for_selector("#released_assignments_list", timeout=60_000)
    _wait_assignment_list_loaded(page)


def _wait_assignment_list_loaded(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('#released_assignments_list_loading') ||"
        " document.querySelector('#released_assignments_list_loading').offsetParent === null",
        timeout=60_000,
    )


def row(page, section: str, text: str = ASSIGNMENT):
    """The Assignment List's row of ``text`` in one of its sections (released, fetched, ...)."""
    return page.locator(f"#{section}_assignments_list .list_item", has_text=text).first


def fetch_assignment(page) -> None:
    released = row(page, "released")
    released.wait_for(timeout=60_000)
    released.get_by_role("button", name="Fetch").click()
    row(page, "fetched").wait_for(timeout=60_000)


def open_notebook_from_list(page) -> None:
    fetched = row(page, "fetched")
    notebook_link = fetched.locator("a", has_text=ASSIGNMENT)
    if not notebook_link.count():
        raise E2EError("the fetched assignment has no link to its notebook")
    fetched.locator("a").first.click()  # expands the assignment: its notebooks
    page.locator(f"#fetched_assignments_list a:text-is('{ASSIGNMENT}')").last.click()
    wait_notebook(page)


def wait_notebook(page) -> None:
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.wait_for(timeout=60_000)
    panel.locator(".jp-Cell").first.wait_for(timeout=60_000)
    # The kernel has started when the status bar says so.
    page.locator(".jp-StatusBar-Widget", has_text="| Idle").first.wait_for(timeout=LAB_TIMEOUT)


def switch_to_tab(page, title: str) -> None:
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=title).first.click()


def show_cell(page, text: str) -> None:
    """Scroll the notebook to the first cell whose source contains ``text``."""
    cell = page.locator(".jp-NotebookPanel:visible .jp-Cell", has_text=text).first
    cell.scroll_into_view_if_needed()


def submit_assignment(page) -> str:
    fetched = row(page, "fetched")
    fetched.get_by_role("button", name="Submit").click()
    submitted = row(page, "submitted")
    submitted.wait_for(timeout=60_000)
    return submitted.inner_text()


def formgrader_submissions(page) -> dict[str, tuple[str, str]]:
    """Manage Assignments > ASSIGNMENT's submissions in the formgrader: {student: (status, score)}.

    Clicking Manage Assignments loads the list afresh, with the submissions counted now.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    frame = page.frame_locator(FORMGRADER).first
    try:
        frame.locator(".nav a", has_text="Manage Assignments").click(timeout=30_000)
        assignment = frame.locator("#main-table tr", has_text=ASSIGNMENT).first
        # A link only when the gradebook holds submissions: the number is the link.
        assignment.locator("td.num-submissions a").click(timeout=60_000)
        frame.locator(".breadcrumb .active", has_text=ASSIGNMENT).wait_for(timeout=60_000)
        frame.locator("#main-table td.student-id").first.wait_for(state="attached", timeout=60_000)
    except PlaywrightTimeout as err:
        shown = frame.locator("body").inner_text(timeout=10_000)
        raise E2EError(
            f"the formgrader did not show {ASSIGNMENT}'s submissions ({err.message.splitlines()[0]})"
            f"; it showed:\n{shown[:2000]}"
        ) from None
    table = {}
    rows = frame.locator("#main-table tr")
    for index in range(rows.count()):
        cells = rows.nth(index)
        student = cells.locator("td.student-id").inner_text().strip()
        status = cells.locator("td.status").inner_text().strip()
        table[student] = (status, cells.locator("td.score").inner_text().strip())
    return table


def _submission_id(grading: Path, student: str) -> str:
    """The formgrader's id of ``student``'s ASSIGNMENT notebook in the course gradebook."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(grading / "gradebook.db")) as db:
        (found,) = db.execute(
            "select submitted_notebook.id from submitted_notebook"
            " join submitted_assignment on submitted_notebook.assignment_id = submitted_assignment.id"
            " join assignment on submitted_assignment.assignment_id = assignment.id"
            " where submitted_assignment.student_id = ? and assignment.name = ?",
            (student, ASSIGNMENT),
        ).fetchone()
    return found


def _git(hub: LocalHub, user: str, folder: Path, *args: str) -> str:
    result = hub.run_as(user, ["git", "-C", str(folder), *args], cwd=folder, timeout=60)
    if result.returncode != 0:
        raise E2EError(f"git {' '.join(args)} in {folder} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def open_lab_from_launch_link(run: Run, page, student: str, edition) -> dict:
    """The book's JupyterHub button for LAB, clicked by a logged-in ``student``: nbgitpuller
    clones the edition into their home and JupyterLab opens the lab from the clone."""
    hub = run.hub
    repository, branch = edition.edition_repository, edition.edition_branch
    folder = repository.rstrip("/").split("/")[-1]  # nbgitpuller's default target folder
    link = jupyterhub_link(hub.url, repository, branch, folder, LAB)
    lab = page.context.new_page()
    lab.goto(link)
    # nbgitpuller's page sends the browser on when the pull is done, or shows an error and stays.
    deadline = time.monotonic() + LAB_TIMEOUT / 1000
    while "/git-pull" in lab.url:
        failed = lab.locator("#container-error:not(.hidden)").count() > 0
        if failed or time.monotonic() > deadline:
            # The page shows the pull's log in a terminal widget; its API streams the same.
            query = urlencode({"repo": repository, "targetpath": folder, "branch": branch})
            api = f"{hub.url}/user/{student}/git-pull/api?{query}"
            log = page.request.get(api, timeout=LAB_TIMEOUT).text()
            raise E2EError(
                f"nbgitpuller did not open the lab from {link} ({'error' if failed else 'timeout'};"
                f" git's own messages are in jupyterhub.log); its log:\n{log[-3000:]}"
            )
        lab.wait_for_timeout(500)
    wait_notebook(lab)
    current = lab.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").first
    shown = current.inner_text().strip()
    sessions = run.api(page, student, "GET", "sessions")
    opened = [s for s in sessions if s.get("path") == f"{folder}/{LAB}"]
    if shown != Path(LAB).name or not opened:
        raise E2EError(
            f"the launch link should open {folder}/{LAB} in JupyterLab; the current tab is "
            f"{shown!r}, the sessions are {[s.get('path') for s in sessions]}"
        )

    clone = hub.home(student) / folder
    pulled = sorted(p.name for p in clone.iterdir()) if clone.is_dir() else []
    missing = [name for name in EDITION_HAS if not (clone / name).exists()]
    private = [name for name in EDITION_LACKS if (clone / name).exists()]
    if missing or private:
        raise E2EError(
            f"{student}'s clone {clone} should hold the student edition: missing {missing}, "
            f"private parts present {private}; it holds {pulled}"
        )
    if hub.system_users and clone.stat().st_uid != pwd.getpwnam(student).pw_uid:
        raise E2EError(f"{clone} is not {student}'s own: nbgitpuller did not clone it as them")
    origin = _git(hub, student, clone, "config", "--get", "remote.origin.url")
    commit = _git(hub, student, clone, "rev-parse", "HEAD")
    served = subprocess.run(
        ["git", "-C", str(hub.edition), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if origin != repository or commit != served:
        raise E2EError(
            f"{student}'s clone comes from {origin} at {commit}, not the student edition "
            f"{repository} at {served}"
        )
    facts = {"link": link, "folder": folder, "pulled": pulled, "commit": commit}
    run.step(f"{student.rsplit('-', 1)[-1]}-lab-from-launch-link", lab, **facts)
    lab.close()
    for session in opened:  # the lab's kernel is not needed any further
        run.api(page, student, "DELETE", f"sessions/{session['id']}")
    return {"repository": repository, "branch": branch, **facts}


# The scenario --------------------------------------------------------------------------------------
def instructor_step(hub: LocalHub, args: list[str], what: str) -> str:
    result = hub.run_as(hub.instructor, args)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise E2EError(f"{what} failed ({result.returncode}):\n{output[-4000:]}")
    return output


def scenario(run: Run) -> dict:
    hub = run.hub
    good, blank = hub.students
    python = hub.python
    grading = hub.home(hub.instructor) / "grading"

    # 0. The student edition, where the book's JupyterHub button pulls it from on this hub.
    edition = hub.serve_edition()
    files = sum(1 for p in hub.edition.rglob("*") if p.is_file() and ".git" not in p.parts)
    run.step("edition-served", None, repository=edition.edition_repository, files=files)

    # 1. The instructor releases ps1 and looks at the formgrader.
    instructor_step(hub, [python, "-m", "autograder.pipeline", "release", ASSIGNMENT], "release")
    outbound = hub.exchange / "gan-course" / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    if not outbound.is_file():
        raise E2EError(f"release left nothing in the exchange at {outbound}")
    run.step("instructor-released", None, exchange=str(outbound.relative_to(hub.state)))
    teacher = run.login(hub.instructor)
    teacher.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    menu = teacher.locator(".lm-Menu-itemLabel").all_inner_texts()
    if "Formgrader" not in menu:
        raise E2EError(f"the instructor's Nbgrader menu has no Formgrader: {menu}")
    teacher.locator(".lm-Menu-itemLabel").get_by_text("Formgrader", exact=True).click()
    frame = teacher.frame_locator(FORMGRADER).first
    frame.locator("text=ps1-gan-foundations").first.wait_for(timeout=120_000)
    run.step("instructor-formgrader", teacher, menu=[m for m in menu if m])

    # 2. The first student fetches ps1, answers, validates and submits.
    page = run.login(good)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    menu = [m for m in page.locator(".lm-Menu-itemLabel").all_inner_texts() if m]
    if menu != ["Assignment List"]:
        raise E2EError(f"a student's Nbgrader menu should hold the Assignment List only: {menu}")
    page.keyboard.press("Escape")
    run.step("student1-lab", page, nbgrader_menu=menu)
    open_assignment_list(page)
    row(page, "released").wait_for(timeout=60_000)
    run.step("student1-assignment-list", page)
    fetch_assignment(page)
    run.step("student1-fetched", page)
    open_notebook_from_list(page)
    show_cell(page, "YOUR CODE HERE")
    run.step("student1-notebook-as-released", page)

    path = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    model = run.api(page, good, "GET", f"contents/{quote(path)}?content=1&type=notebook")
    run.api(
        page,
        good,
        "PUT",
        f"contents/{quote(path)}",
        {"type": "notebook", "format": "json", "content": answered(model["content"])},
    )
    page.reload()
    page.wait_for_selector("#jp-main-dock-panel", timeout=LAB_TIMEOUT)
    wait_notebook(page)
    page.locator(".jp-NotebookPanel:visible .jp-Cell", has_text="YOUR CODE HERE").first.wait_for(
        state="detached", timeout=30_000
    )
    show_cell(page, "def ")
    run.step("student1-answers-filled-in", page)

    page.locator(".jp-NotebookPanel:visible").get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=VALIDATE_TIMEOUT)
    dialog_text = dialog.inner_text()
    run.step("student1-validated", page)
    if "Success! Your notebook passes all the tests" not in dialog_text:
        raise E2EError(f"Validate did not pass the answered notebook:\n{dialog_text[:2000]}")
    dialog.get_by_role("button").last.click()
    dialog.wait_for(state="detached", timeout=10_000)

    switch_to_tab(page, "Assignments")
    submitted = submit_assignment(page)
    run.step("student1-submitted", page, submitted=submitted.strip())

    # 3. The second student opens a lab from the book's JupyterHub button, then submits the
    # notebook as released.
    other = run.login(blank)
    run.step("student2-lab", None)
    pulled = open_lab_from_launch_link(run, other, blank, edition)
    other.bring_to_front()
    open_assignment_list(other)
    fetch_assignment(other)
    run.step("student2-fetched", other)
    submitted = submit_assignment(other)
    run.step("student2-submitted", other, submitted=submitted.strip())

    # 4. The instructor collects, autogrades and releases the feedback.
    collect = [python, "-m", "autograder.pipeline", "collect", ASSIGNMENT]
    if not hub.system_users:
        collect.append("--single-user")  # every server runs as you: the folders are yours
    instructor_step(hub, collect, "collect")
    collected = sorted(p.parent.name for p in (grading / "submitted").glob(f"*/{ASSIGNMENT}"))
    if collected != sorted(hub.students):
        raise E2EError(f"collect found {collected}, expected {sorted(hub.students)}")
    run.step("instructor-collected", None, students=collected)
    make_args = [
        "make",
        "autograde",
        f"SUBMISSIONS={grading / 'submitted'}",
        f"OUT={grading / 'graded'}",
        "JOBS=2",
    ]
    if os.geteuid() == 0:
        # Grading is sandboxed, which needs root: the hub's administrator runs it (sudo) with
        # the instructor's course settings; the pipeline hands the results to the instructor.
        result = subprocess.run(
            make_args,
            cwd=REPOSITORY,
            env=hub.user_env(hub.instructor),
            capture_output=True,
            text=True,
            timeout=900,
        )
        if result.returncode != 0:
            output = result.stdout + result.stderr
            raise E2EError(f"make autograde failed ({result.returncode}):\n{output[-4000:]}")
    else:
        make_args.append("AUTOGRADE_ARGS=--no-sandbox")  # a single-user hub of yourself
        make_args.append(f"BIN={Path(python).parent}")  # the Python the instructor can run
        instructor_step(hub, make_args, "make autograde")
    grades = {}
    for line in (grading / "graded" / "grades.csv").read_text().splitlines()[1:]:
        student, _, _, score, max_score, status = line.split(",")[:6]
        grades[student] = (float(score), float(max_score), status)
    run.step("instructor-autograded", None, grades=grades)
    if grades.get(good, (0,))[0] != 100.0 or grades[good][1] != 100.0:
        raise E2EError(f"the answered notebook should score 100/100: {grades}")
    if grades.get(blank, (None,))[0] != 0.0:
        raise E2EError(f"the untouched notebook should score 0: {grades}")
    teacher.bring_to_front()
    table = formgrader_submissions(teacher)
    shown = "\n".join(f"{s}: {status}, score {score!r}" for s, (status, score) in table.items())
    formgrader = {}
    for student, expected in ((good, 100.0), (blank, 0.0)):
        match = re.fullmatch(r"([\d.]+)\s*/\s*([\d.]+)", table.get(student, ("", ""))[1])
        if match is not None:
            formgrader[student] = (float(match.group(1)), float(match.group(2)))
        if formgrader.get(student) != (expected, 100.0):
            raise E2EError(
                f"the formgrader should show {student} with {expected:g} / 100; its "
                f"{ASSIGNMENT} submissions read:\n{shown}"
            )
    run.step(
        "instructor-formgrader-grades",
        teacher,
        scores={s: f"{score[0]:g} / {score[1]:g}" for s, score in formgrader.items()},
        status={s: status for s, (status, _) in table.items()},
    )
    # The formgrader's view of the blank submission shows each test's points and message.
    view = teacher.context.new_page()
    run.formgrader_pages.append(view)
    view.goto(
        f"{hub.url}/user/{hub.instructor}/formgrader/submissions/{_submission_id(grading, blank)}"
    )
    shown = view.locator("body").inner_text(timeout=60_000)
    if "Grader: 0 / 10 points" not in shown or "not written yet" not in shown:
        raise E2EError(
            f"the formgrader's view of {blank}'s notebook shows no verdicts:\n{shown[:2000]}"
        )
    run.step("instructor-formgrader-verdicts", view)
    view.close()
    feedback_args = [python, "-m", "autograder.pipeline", "feedback", ASSIGNMENT]
    output = instructor_step(hub, [*feedback_args, "--graded", str(grading / "graded")], "feedback")
    run.step("instructor-released-feedback", None, output=output.strip().splitlines()[-1:])

    # 5. Each student fetches the feedback and reads the score.
    scores = {}
    for student, expected in ((good, 100.0), (blank, 0.0)):
        page = run.pages[student]
        page.bring_to_front()
        switch_to_tab(page, "Assignments")
        page.locator("#refresh_assignments_list").click()
        _wait_assignment_list_loaded(page)
        submitted = row(page, "submitted")
        submitted.get_by_role("button", name="Fetch Feedback").click()
        submitted.locator("a", has_text="view feedback").wait_for(timeout=60_000)
        run.step(f"{student.rsplit('-', 1)[-1]}-fetched-feedback", page)
        submitted.locator("a", has_text="view feedback").click()
        folder = hub.home(student) / ASSIGNMENT / "feedback"
        html = sorted(folder.glob(f"*/{ASSIGNMENT}.html"))
        if not html:
            raise E2EError(f"no feedback fetched into {folder}")
        relative = html[-1].relative_to(hub.home(student))
        view = page.context.new_page()
        run.feedback_pages.append(view)
        view.goto(f"{hub.url}/user/{student}/files/{quote(str(relative))}")
        text = view.locator("body").inner_text()
        match = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", text)
        if match is None:
            raise E2EError(f"{student}'s feedback shows no score:\n{text[:1000]}")
        score = (float(match.group(1)), float(match.group(2)))
        scores[student] = score
        run.step(f"{student.rsplit('-', 1)[-1]}-feedback", view, score=f"{score[0]} / {score[1]}")
        if score != (expected, 100.0):
            raise E2EError(f"{student} should see {expected} / 100 in the feedback, saw {score}")
        summary = f"Your score: {expected:g} / 100"
        if summary not in text or text.index(summary) > text.index("Problem set 1"):
            raise E2EError(f"{student}'s feedback does not open with the summary:\n{text[:1000]}")
        view.close()
    return {
        "grades": grades,
        "formgrader_scores": formgrader,
        "feedback_scores": scores,
        "edition": pulled,
    }


def _interrupt(*_) -> None:
    raise KeyboardInterrupt("stopped by SIGTERM")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPOSITORY / "artifacts" / "e2e")
    parser.add_argument("--prefix", default="e2e-", help="user names: PREFIXinstructor, ...")
    parser.add_argument("--keep-state", action="store_true", help="keep the hub's state folder")
    parser.add_argument(
        "--no-system-users",
        action="store_true",
        help="run every server as yourself even as root (the fallback of non-root machines)",
    )
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).is_file():
        print(f"{CHROMIUM} not found: run `make browser` (Debian's chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    # A stopped run (a CI timeout sends SIGTERM) still stops the hub and removes its users.
    signal.signal(signal.SIGTERM, _interrupt)
    # The instructor's `make autograde` runs as another user, who cannot update .venv.
    if subprocess.run(["make", "-q", ".venv/.installed"], cwd=REPOSITORY).returncode != 0:
        print(
            ".venv is older than requirements.txt or pyproject.toml: run `make venv`",
            file=sys.stderr,
        )
        return 2
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    state = Path(tempfile.mkdtemp(prefix="gan-course-e2e-"))
    system_users = False if args.no_system_users else None
    hub = LocalHub(state, free_port(), args.prefix, system_users=system_users, remove_users=True)
    summary: dict = {"hub": hub.url, "state": str(state), "ok": False}
    started = time.monotonic()
    run = None
    try:
        with hub, sync_playwright() as pw:
            summary["hub_ready_seconds"] = round(time.monotonic() - started, 1)
            summary["system_users"] = hub.system_users
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            run = Run(hub, browser, args.out)
            try:
                summary.update(scenario(run))
                summary["scenario_seconds"] = round(time.monotonic() - started, 1)
                if run.external or run.feedback_external:
                    leaving = sorted(set(run.external + run.feedback_external))
                    raise E2EError(f"requests left 127.0.0.1: {leaving}")
                summary["ok"] = True
            finally:
                for user, page in run.pages.items():
                    if not summary["ok"] and not page.is_closed():
                        page.screenshot(path=str(args.out / f"failed-{user}.png"))
                browser.close()
    except Exception as err:  # a failed step, a hub that did not start, a browser timeout
        summary["error"] = f"{err.__class__.__name__}: {err}"
        if not isinstance(err, E2EError | HubError):
            traceback.print_exc()
        print(f"error: {summary['error']}", file=sys.stderr)
    finally:
        summary["seconds"] = round(time.monotonic() - started, 1)
        summary["steps"] = run.steps if run else []
        summary["external_requests"] = sorted(set(run.external)) if run else []
        # The feedback pages carry MathJax inside them: they must ask for nothing outside.
        summary["feedback_external_requests"] = sorted(set(run.feedback_external)) if run else []
        summary["formgrader_external_requests"] = (
            sorted(set(run.formgrader_external)) if run else []
        )
        if hub.log.is_file():
            shutil.copy2(hub.log, args.out / "jupyterhub.log")
        (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
        if not args.keep_state:
            shutil.rmtree(state, ignore_errors=True)
    print(f"e2e {'passed' if summary['ok'] else 'FAILED'} in {summary['seconds']} s: {args.out}")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
