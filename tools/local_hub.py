"""Run the course's JupyterHub on this machine: one instructor, two students, a local exchange.

    .venv/bin/python -m tools.local_hub             # make hub: http://127.0.0.1:8000, Ctrl-C stops
    .venv/bin/python -m tools.local_hub --remove    # delete the local users and the state folder

The hub is JupyterHub from requirements.txt with deploy/local_hub_config.py, its proxy
configurable-http-proxy from deploy/node_modules (``npm ci`` in deploy/ when it is missing or
older than deploy/package-lock.json). Everything it writes is in the state folder
(``artifacts/hub`` by default): the hub's database and log, the users' homes, the exchange.

As root, the users are real system users (``useradd``, password locked: they can log in to the
hub and nowhere else), so nbgrader's exchange works with the permissions of a real hub. Their
servers need a Python they can run: the course's .venv when they can reach it, otherwise a copy
of .venv's interpreter in the state folder with a venv that imports the packages of .venv (a
.venv whose interpreter is under /root, as pyenv's is, is out of their reach). Not as root, every server runs as you in its own folder (SimpleLocalProcessSpawner):
the same pages, without the exchange's permission checks. tools/e2e_hub.py drives this hub.

``LocalHub.serve_edition`` builds the student edition (tools/student_edition.py, a one-commit
git repository) into the state folder and serves it as a ``file://`` repository, the address the
book's JupyterHub button (an nbgitpuller link) pulls from on this hub.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from autograder.sandbox import python_outside_home as mirror_venv
from gancourse import addresses as course_addresses
from tools import student_edition

REPOSITORY = Path(__file__).resolve().parent.parent
DEPLOY = REPOSITORY / "deploy"
PROXY = DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy"
PROBE = "import jupyterhub.singleuser, jupyterlab, nbgrader, gancourse"
#: The student edition's folder name: what nbgitpuller names the students' clone of it.
EDITION_NAME = "gan-course"


def _kill_and_wait(processes: list) -> None:
    """Kill each psutil process (one already gone is fine) and wait up to 10 s for them all."""
    import psutil

    for proc in processes:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(processes, timeout=10)


class HubError(RuntimeError):
    """The local hub could not be prepared or started; the message says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_proxy() -> Path:
    """Install configurable-http-proxy from deploy/package-lock.json unless it is up to date."""
    installed = DEPLOY / "node_modules" / ".package-lock.json"
    lock = DEPLOY / "package-lock.json"
    if PROXY.exists() and installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return PROXY
    npm = shutil.which("npm")
    if npm is None:
        raise HubError("npm not found: the hub's proxy needs Node.js 20 or newer and npm")
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=DEPLOY,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0 or not PROXY.exists():
        raise HubError(f"npm ci in deploy/ failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return PROXY


class LocalHub:
    """The course hub on 127.0.0.1 with its users, for `make hub` and the end-to-end test."""

    def __init__(
        self,
        state: Path,
        port: int = 8000,
        prefix: str = "gan-",
        password: str | None = None,
        system_users: bool | None = None,
        remove_users: bool = False,
    ):
        self.state = Path(state).resolve()
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.instructor = f"{prefix}instructor"
        self.students = [f"{prefix}student1", f"{prefix}student2"]
        self.password = password or os.environ.get("GANCOURSE_HUB_PASSWORD") or ""
        self.system_users = os.geteuid() == 0 if system_users is None else system_users
        self.remove_users = remove_users
        self.exchange = self.state / "exchange"
        self.edition = self.state / "edition" / EDITION_NAME  # serve_edition() writes it
        self.log = self.state / "jupyterhub.log"
        self.python = sys.executable
        self.library_path = ""  # LD_LIBRARY_PATH for self.python, when it is a copy
        self.created: list[str] = []
        self.process: subprocess.Popen | None = None

    @property
    def users(self) -> list[str]:
        return [self.instructor, *self.students]

    def home(self, user: str) -> Path:
        return self.state / "home" / user

    def course(self, user: str) -> Path:
        """Where an instructor's course repository is (a link to this one)."""
        return self.home(user) / "gan-course"

    # Setting up -------------------------------------------------------------------------------
    def prepare(self) -> None:
        self.stop_leftovers()
        ensure_proxy()
        (self.state / "home").mkdir(parents=True, exist_ok=True)
        self.state.chmod(0o755)  # the users' servers go through it to their homes
        (self.state / "home").chmod(0o755)
        self.exchange.mkdir(exist_ok=True)
        # nbgrader's exchange root: everyone may write; course folders then get their own modes.
        self.exchange.chmod(0o1777)
        if not self.password:
            saved = self.state / "hub-password"
            if not saved.is_file():
                saved.write_text(secrets.token_urlsafe(12))
                saved.chmod(0o600)
            self.password = saved.read_text().strip()
        for user in self.users:
            self._ensure_user(user)
        self.python = self._user_python()

    def _ensure_user(self, name: str) -> None:
        home = self.home(name)
        if self.system_users:
            try:
                entry = pwd.getpwnam(name)
                if entry.pw_dir != str(home):
                    subprocess.run(["usermod", "--home", str(home), name], check=True)
                if self.remove_users:
                    self.created.append(name)  # left over from an interrupted run: ours to remove
            except KeyError:
                subprocess.run(
                    ["useradd", "--no-create-home", "--home-dir", str(home)]
                    + ["--shell", "/bin/bash", "--user-group", name],
                    check=True,
                )
                self.created.append(name)
            entry = pwd.getpwnam(name)
            home.mkdir(exist_ok=True)
            os.chown(home, entry.pw_uid, entry.pw_gid)
            home.chmod(0o700)
        else:
            home.mkdir(exist_ok=True)
        if name == self.instructor:
            # The instructor's course: this repository, linked where a hub's instructor keeps
            # their clone (the formgrader wants the course inside the home).
            course = self.course(name)
            if not course.is_symlink():
                course.symlink_to(REPOSITORY, target_is_directory=True)

    def serve_edition(self, assignments: list[str] | None = None) -> course_addresses.Addresses:
        """Build the student edition into ``self.edition``, a git repository with one commit on
        the edition's branch, readable by every user; return its addresses
        (``gancourse.addresses``: the edition at its ``file://`` URL, this hub).

        Git refuses to serve a repository that another uid owns ("dubious ownership"), so as root
        each user's ``~/.gitconfig`` lists it in ``safe.directory``: their nbgitpuller clones it
        as they would clone the edition from GitHub."""
        addresses = course_addresses.load(
            None,
            environ={
                "GANCOURSE_EDITION_REPOSITORY": self.edition.as_uri(),
                "GANCOURSE_HUB_URL": self.url,
            },
        )
        student_edition.build(self.edition, git=True, addresses=addresses, assignments=assignments)
        folders = [p for p in self.edition.rglob("*") if p.is_dir()]
        for folder in (self.edition.parent, self.edition, *folders):
            folder.chmod(folder.stat().st_mode | 0o755)
        for path in self.edition.rglob("*"):
            if path.is_file() and not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o444)
        if self.system_users:
            trusted = str(self.edition / ".git")
            for user in self.users:
                known = self.run_as(
                    user,
                    ["git", "config", "--global", "--get-all", "safe.directory"],
                    cwd=self.home(user),
                )
                if trusted in known.stdout.splitlines():
                    continue
                added = self.run_as(
                    user,
                    ["git", "config", "--global", "--add", "safe.directory", trusted],
                    cwd=self.home(user),
                )
                if added.returncode != 0:
                    raise HubError(f"{user} cannot trust the edition's repository: {added.stderr}")
        return addresses

    def _user_python(self) -> str:
        if not self.system_users:
            return sys.executable
        if self._runs_for_users(sys.executable) is None:
            return sys.executable
        python, library = mirror_venv(self.state / "python")
        python, self.library_path = str(python), str(library)
        problem = self._runs_for_users(python)
        if problem is not None:
            raise HubError(f"the hub's users cannot import the course's packages:\n{problem}")
        return python

    def _runs_for_users(self, python: str) -> str | None:
        """None when a student can run ``python`` and import the course's packages, else why."""
        try:
            result = self.run_as(self.students[0], [python, "-c", PROBE], timeout=120)
        except OSError as err:  # the interpreter itself is out of reach
            return str(err)
        return None if result.returncode == 0 else result.stderr[-2000:]

    def user_env(self, user: str) -> dict[str, str]:
        """The environment of a command run as ``user`` (what their server's terminal has)."""
        env = {
            "PATH": os.pathsep.join(
                [str(Path(self.python).parent), "/usr/local/bin", "/usr/bin", "/bin"]
            ),
            "HOME": str(self.home(user)),
            "USER": user,
            "LOGNAME": user,
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "NBGRADER_EXCHANGE": str(self.exchange),
            "TF_CPP_MIN_LOG_LEVEL": "3",  # as on the hub (deploy/jupyterhub_config.py)
        }
        if self.library_path:
            env["LD_LIBRARY_PATH"] = self.library_path
        if user == self.instructor:
            env["GANCOURSE_REPOSITORY"] = str(self.course(user))
            env["GANCOURSE_GRADING_DIR"] = str(self.home(user) / "grading")
        return env

    def run_as(self, user: str, args: list[str], cwd: Path = REPOSITORY, timeout: float = 900):
        """Run a command as one of the hub's users (as yourself without system users)."""
        identity = {}
        if self.system_users:
            entry = pwd.getpwnam(user)
            identity = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        return subprocess.run(
            args,
            cwd=cwd,
            env=self.user_env(user),
            capture_output=True,
            text=True,
            timeout=timeout,
            **identity,
        )

    # Running ----------------------------------------------------------------------------------
    def start(self, timeout: float = 120) -> None:
        env = dict(
            os.environ,
            GANCOURSE_HUB_STATE=str(self.state),
            GANCOURSE_HUB_PORT=str(self.port),
            GANCOURSE_HUB_API_PORT=str(free_port()),
            GANCOURSE_HUB_PROXY_API_PORT=str(free_port()),
            GANCOURSE_HUB_PASSWORD=self.password,
            GANCOURSE_HUB_PYTHON=self.python,
            GANCOURSE_HUB_LD_LIBRARY_PATH=self.library_path,
            GANCOURSE_HUB_SYSTEM_USERS="1" if self.system_users else "0",
            GANCOURSE_HUB_USERS=json.dumps(
                {"instructors": [self.instructor], "students": self.students}
            ),
        )
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(DEPLOY / "local_hub_config.py")],
                cwd=self.state,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HubError(f"JupyterHub exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise HubError(
            f"JupyterHub did not answer on {self.url} within {timeout:.0f} s:\n{self.log_tail()}"
        )

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.is_file() else ""

    def stop(self) -> None:
        """Stop the hub, its proxy and every user's server and kernel; remove our users."""
        import psutil

        spawned: list[psutil.Process] = []
        if self.process is not None and self.process.poll() is None:
            try:
                spawned = psutil.Process(self.process.pid).children(recursive=True)
            except psutil.Error:
                pass
            self.process.send_signal(signal.SIGTERM)  # the hub stops the servers and the proxy
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.system_users:
            uids = set()
            for user in self.users:
                try:
                    uids.add(pwd.getpwnam(user).pw_uid)
                except KeyError:
                    pass
            for proc in psutil.process_iter(["uids"]):
                if proc.info["uids"] and proc.info["uids"].real in uids:
                    spawned.append(proc)
        _kill_and_wait(spawned)
        if self.remove_users:
            for user in self.created:
                subprocess.run(["userdel", user], capture_output=True)
            self.created = []

    def stop_leftovers(self) -> None:
        """End what a killed earlier run with these users left running: hub, proxy, servers.

        Found by their environment (the hub and its proxy carry GANCOURSE_HUB_USERS, each
        server JUPYTERHUB_USER), so nothing else on the machine is touched; killed by pid.
        """
        import psutil

        mine = {os.getpid(), *(p.pid for p in psutil.Process().parents())}
        found = []
        for proc in psutil.process_iter():
            if proc.pid in mine:
                continue
            try:
                env = proc.environ()
            except psutil.Error:
                continue
            hub_users = json.loads(env.get("GANCOURSE_HUB_USERS", "{}") or "{}")
            if self.instructor in hub_users.get("instructors", []) or (
                env.get("JUPYTERHUB_USER") in self.users
            ):
                found.append(proc)
        _kill_and_wait(found)

    def remove(self) -> None:
        """Delete the hub's system users and its state folder (`--remove`)."""
        self.stop_leftovers()
        if self.system_users:
            for user in self.users:
                subprocess.run(["userdel", user], capture_output=True)
        shutil.rmtree(self.state, ignore_errors=True)

    def __enter__(self) -> LocalHub:
        try:
            self.prepare()
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--state", type=Path, default=REPOSITORY / "artifacts" / "hub")
    parser.add_argument("--prefix", default="gan-", help="user names: PREFIXinstructor, ...")
    parser.add_argument(
        "--no-system-users",
        action="store_true",
        help="run every server as yourself even as root (no useradd)",
    )
    parser.add_argument("--remove", action="store_true", help="delete the users and the state")
    args = parser.parse_args(argv)
    hub = LocalHub(
        args.state, args.port, args.prefix, system_users=False if args.no_system_users else None
    )
    if args.remove:
        hub.remove()
        print(f"removed {', '.join(hub.users)} and {hub.state}")
        return 0
    try:
        hub.prepare()
        hub.start()
    except HubError as err:
        hub.stop()
        print(f"error: {err}", file=sys.stderr)
        return 1
    kind = "system users" if hub.system_users else f"folders of {pwd.getpwuid(os.getuid()).pw_name}"
    print(
        f"""
The GAN course's JupyterHub: {hub.url}/
  instructor: {hub.instructor}   students: {", ".join(hub.students)}   ({kind})
  password (all three): {hub.password}
  exchange: {hub.exchange}   hub log: {hub.log}

Release ps1 to the students from the instructor's JupyterLab terminal (~/gan-course is a link
to {REPOSITORY}):
  cd ~/gan-course && python -m autograder.pipeline release ps1-gan-foundations
(or from the formgrader: Nbgrader > Formgrader > Manage Assignments).
Ctrl-C stops the hub and every server; `python -m tools.local_hub --remove` deletes the users.
""",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        hub.process.wait()
        print(f"JupyterHub exited:\n{hub.log_tail()}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, SystemExit):
        return 0
    finally:
        hub.stop()


if __name__ == "__main__":
    sys.exit(main())
