"""Class 4, escaping the limits: processes, CPU, memory and disk, network, output size.

Each attack bounds itself (a few hundred processes, 2 GB, seconds of CPU), so that even if the
sandbox let it through it would not take the machine down; the test checks the bounds the
sandbox sets are the ones that held.
"""

from __future__ import annotations

from autograder.attacks.core import Targets, attack

#: Children the fork bomb starts: well below the jail's pids limit, a few hundred processes.
FORK_BOMB_CHILDREN = 300
BUSY_PROCESSES = 4
FILL_BYTES = 2 << 30
#: More than the test's memory limit (2500 MB): the memory cgroup, not the attack, must stop it.
FILL_ROOT_BYTES = 3 << 30
HUGE_LINE_BYTES = 30_000_000
# Just under the pipeline's notebook size limit (20 MiB), so the notebook is graded, not refused.
HUGE_MARKDOWN_BYTES = 20_000_000


@attack(4, depends=("processes", "honest"))
def fork_bomb(t: Targets) -> str:
    """A fork bomb, bounded here to a few hundred sleeping processes, each in its own session.

    Forks ``FORK_BOMB_CHILDREN`` children that call ``setsid`` and sleep a minute (longer than
    the rest of the notebook). Contained: the jail's pids limit holds whatever is left, every
    child is gone when the submission is done, no cgroup is left behind, and the other
    submissions are graded as they deserve.
    """
    return t.fill(
        """
        started = 0
        for _ in range(${children}):
            try:
                pid = _atk_os.fork()
            except OSError as error:
                return f"{started} children, then fork failed: {error}"
            if pid == 0:
                try:
                    _atk_os.setsid()
                    _atk_time.sleep(60)
                finally:
                    _atk_os._exit(0)
            started += 1
        return f"{started} sleeping children started"
        """,
        children=FORK_BOMB_CHILDREN,
    )


@attack(4, depends=("processes", "honest"))
def busy_loops(t: Targets) -> str:
    """Busy loops in several detached processes, to starve the submission graded beside it.

    Forks ``BUSY_PROCESSES`` children in sessions of their own that spin for up to 30 s, then
    lets the notebook go on. Contained: the jail's CPU share keeps the other submissions
    graded within their limits, and no spinning process outlives the submission.
    """
    return t.fill(
        """
        started = 0
        for _ in range(${processes}):
            if _atk_os.fork() == 0:
                try:
                    _atk_os.setsid()
                    end = _atk_time.time() + 30
                    while _atk_time.time() < end:
                        pass
                finally:
                    _atk_os._exit(0)
            started += 1
        return f"{started} spinning processes started"
        """,
        processes=BUSY_PROCESSES,
    )


def _fill(t: Targets, folders: list[str], suffix: str, total: int = FILL_BYTES) -> str:
    """Write up to FILL_BYTES into the first of ``folders`` that takes a file; report how much
    landed (``written=N``) and leave it there."""
    return t.fill(
        """
        block = bytes(64 << 20)
        for folder in ${folders}:
            path = _atk_os.path.join(folder, ${fill_prefix} + "-" + ${suffix})
            try:
                handle = open(path, "wb")
            except OSError as error:
                _atk_say("blocked:", path, error)
                continue
            written, stop = 0, "none"
            try:
                with handle:
                    while written < ${total}:
                        handle.write(block)
                        handle.flush()
                        written += len(block)
            except OSError as error:
                stop = f"{type(error).__name__}: {error}"
            try:
                written = _atk_os.path.getsize(path)
            except OSError:
                pass
            return f"written={written} into {path} (left there); stopped by {stop}"
        return "written=0: no folder took a file"
        """,
        folders=list(folders),
        suffix=suffix,
        total=total,
    )


@attack(4)
def fill_workdir(t: Targets) -> str:
    """Write 2 GB into the kernel's working folder, which lives on the host's disk.

    Contained: the jail's folder is removed with the jail; what can land there is bounded
    (checked: at most the size of the private ``/tmp``, 1 GiB), so that a student cannot fill
    the disk the other submissions and the pipeline write to.
    """
    return _fill(t, ["."], "workdir")


@attack(4, depends=("files",))
def fill_root(t: Targets) -> str:
    """Write 3 GB where the sandbox's own root is writable: the repository's path, seen inside.

    The sandbox makes the parents of its mount points (the repository's folder, for the
    environment) in a root of its own, a tmpfs with no size of its own; the attack writes
    there, by the repository's real path, and falls back on ``/``. Contained: nothing lands in
    the host's repository, and what lands counts against the submission's memory: it is
    stopped at its memory limit (``memory-limit``), never past it.
    """
    return _fill(t, [str(t.repository), "/"], "root", FILL_ROOT_BYTES)


@attack(4)
def fill_shm(t: Targets) -> str:
    """Write 2 GB into ``/dev/shm``, the host's shared memory if it were shared.

    Contained: the jail's ``/dev/shm`` is a private tmpfs of 256 MiB: at most that lands, the
    host's ``/dev/shm`` gets nothing, and the run goes on.
    """
    return _fill(t, ["/dev/shm"], "shm")


@attack(4)
def fill_tmp(t: Targets) -> str:
    """Write 2 GB into ``/tmp`` (the host's temp dir, by its real path).

    Contained: the jail's ``/tmp`` is a private tmpfs of 1 GiB whose pages count against the
    submission's memory: at most that lands, the host's temp dir gets nothing, and the run goes
    on (the submission may be stopped at its memory limit).
    """
    return _fill(t, [str(t.host_tmp)], "tmp")


@attack(4)
def network(t: Targets) -> str:
    """Reach the network: the hub on loopback, PyPI, DNS, the cloud's metadata, host sockets.

    TCP to ``127.0.0.1`` and ``::1`` on the ports a hub machine listens on (SSH, HTTP,
    JupyterHub, Jupyter, databases), ``pypi.org:443`` by name and by address, DNS over UDP,
    ``169.254.169.254:80``, and the host's Unix sockets (D-Bus, Docker, systemd, nscd, X11).
    Each success prints the leak marker. Contained: no leak marker.
    """
    return t.fill(
        """
        import socket

        def tcp(host, port):
            socket.create_connection((host, port), timeout=1).close()

        def unix(path):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.settimeout(1)
                client.connect(path)

        def dns_over_udp():
            query = bytes.fromhex("abcd01000001000000000000") + b"\\x04pypi\\x03org\\x00\\x00\\x01\\x00\\x01"
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
                client.settimeout(1)
                client.sendto(query, ("8.8.8.8", 53))
                client.recvfrom(512)

        attempts = {f"tcp 127.0.0.1:{p}": (tcp, "127.0.0.1", p) for p in (22, 80, 443, 5432, 8000, 8080, 8081, 8888)}
        attempts["tcp [::1]:8000"] = (tcp, "::1", 8000)
        attempts["dns pypi.org"] = (socket.getaddrinfo, "pypi.org", 443)
        attempts["tcp pypi.org:443"] = (tcp, "pypi.org", 443)
        attempts["tcp 151.101.0.223:443"] = (tcp, "151.101.0.223", 443)
        attempts["tcp 169.254.169.254:80"] = (tcp, "169.254.169.254", 80)
        attempts["udp 8.8.8.8:53"] = (dns_over_udp,)
        for path in ("/run/dbus/system_bus_socket", "/var/run/docker.sock", "/run/systemd/private", "/var/run/nscd/socket", "/tmp/.X11-unix/X0", "\\0/tmp/.X11-unix/X0"):
            attempts[f"unix {path!r}"] = (unix, path)
        reached = []
        for what, (function, *arguments) in attempts.items():
            try:
                function(*arguments)
            except Exception as error:
                _atk_say("blocked:", what, type(error).__name__, error)
                continue
            reached.append(what)
            _atk_leak("network " + what)
        return f"reached {len(reached)} of {len(attempts)}: {reached}"
        """
    )


@attack(4)
def huge_output_line(t: Targets) -> str:
    """One 30 MB line of output, to blow up nbgrader, the autograded notebook and the feedback.

    Contained: the run finishes; the submission is graded for what it deserves; its feedback
    page and autograded notebook stay about the size of an honest one (outputs are capped).
    """
    return t.fill(
        """
        _atk_sys.stdout.write("A" * ${size} + "\\n")
        _atk_sys.stdout.flush()
        return "printed one line of " + str(${size}) + " bytes"
        """,
        size=HUGE_LINE_BYTES,
    )


@attack(4, kind="notebook")
def huge_markdown_cell(t: Targets, notebook) -> None:
    """A 20 MB Markdown cell (the notebook itself is edited; no code runs).

    Just under the pipeline's notebook size limit, so it is graded rather than refused, and
    rendered by the feedback's Markdown renderer. Contained: the run finishes in its time; the
    feedback page stays about the size of an honest one.
    """
    from nbformat.v4 import new_markdown_cell

    # Paragraphs of 10 kB: the notebook's JSON adds a few bytes per line, and must stay small
    # enough to be graded.
    words = "Lorem *ipsum* dolor sit amet, **consectetur** adipiscing elit, `sed` do eiusmod. "
    paragraph = words * (10_000 // len(words)) + "\n\n"
    text = "# My notes\n\n" + paragraph * (HUGE_MARKDOWN_BYTES // len(paragraph) + 1)
    notebook.cells.insert(1, new_markdown_cell(text[:HUGE_MARKDOWN_BYTES]))
