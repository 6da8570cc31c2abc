"""Hostile submissions: a library of attacks that the grading sandbox must contain.

``tests/test_attacks.py`` writes a class of submissions of problem set 1 in which most
students are hostile, grades it with ``pipeline.autograde`` once (sandboxed, recording in a
course gradebook of its own), and checks that every attack was contained: no attack scores
more than its notebook deserves, nothing secret reaches what the run writes, nothing of the
instructor's changes, nothing keeps running, and the honest students graded in the same run
get exactly their marks.

Every attack knows everything an attacker could: the real paths of the repository, the
solutions, the run's OUT folder, the course gradebook, the instructor's home and temp dir, the
dataset cache and the other students' folder are written into its code as literals. Code
attacks are appended to the first answer cell of a *blank* release (so the attacker deserves
0); a second variant puts several into a fully answered notebook (full marks, no more).

The classes (``core.CLASSES``), one module each:

1. ``persistence``: configs, startup files, the package, the dataset cache, grades, and
   detached processes that outlive the submission;
2. ``reading``: solutions, gradebooks, other students, ``/proc``, ``/root``;
3. ``denial``: killing the parent or everyone, locking the gradebooks;
4. ``limits``: a bounded fork bomb, busy loops, 2 GB into ``/dev/shm``, ``/tmp`` and the
   working folder, 3 GB into the sandbox's own root, the network, a 30 MB output line and a
   20 MB Markdown cell;
5. ``folders``: links to the solution or another student, non-UTF-8, odd and formula-like
   folder names, a FIFO for a notebook, and script in outputs and Markdown for the feedback
   page;
6. ``judging``: cheating the checks from the kernel (hooks that fake or hide a test's result,
   patched comparisons, a score written into a gradebook, the history printed, the setup cell
   deleted) and from the graded functions the probe calls (callers' frames read, the report
   forged, the probe patched, the reference answers sought, the probe killed).

An attack known to get through for now says so in ``known_gap`` (the test marks it xfail).

Never run an attack outside the pipeline's sandbox: they are written to do harm (bounded, and
with inert payloads, but harm).

    from autograder.attacks import ATTACKS, Targets, write_class
"""

from autograder.attacks import denial, folders, judging, limits, persistence, reading  # noqa: F401
from autograder.attacks.build import (
    HONEST_BLANK,
    HONEST_CORRECT,
    SUBMISSIONS,
    Planted,
    Submission,
    answered_release,
    attacked_notebook,
    write_class,
)
from autograder.attacks.core import (
    ATTACK_MARK,
    ATTACKS,
    CLASSES,
    DETACHED_SLEEP_S,
    DETACHED_TRIES_S,
    FILL_PREFIX,
    LEAK_MARKER,
    RESULT_MARKER,
    Attack,
    Targets,
)

__all__ = [
    "ATTACK_MARK",
    "ATTACKS",
    "CLASSES",
    "DETACHED_SLEEP_S",
    "DETACHED_TRIES_S",
    "FILL_PREFIX",
    "HONEST_BLANK",
    "HONEST_CORRECT",
    "LEAK_MARKER",
    "RESULT_MARKER",
    "SUBMISSIONS",
    "Attack",
    "Planted",
    "Submission",
    "Targets",
    "answered_release",
    "attacked_notebook",
    "write_class",
]
