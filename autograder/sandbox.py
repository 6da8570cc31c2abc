"""The grading sandbox: every submission's code runs in bubblewrap, as a throwaway uid, in cgroups.

Student code is hostile. The pipeline (``autograder/pipeline.py``) never lets it run as the
instructor: the kernel that executes a submission is started by :class:`SandboxedKernelManager`
through ``autograder/sandbox_enter.py`` (join the submission's cgroups, drop root) and Debian's
``bwrap``, with

- its own user, pid, network, IPC, UTS and cgroup namespaces (``--unshare-all``): no network,
  no other process visible, nothing to signal outside;
- one unprivileged uid per concurrent slot (``gancourse-sbx-NN``, created by :func:`setup`), so
  two submissions graded side by side cannot touch each other even through a shared kernel
  object;
- a filesystem of read-only parts: ``/usr``, the Python environment (a copy of the base
  interpreter when the real one lives in a home the uid cannot enter, as pyenv's does under
  /root), a copy of the ``gancourse`` package, the datasets and a dataset cache the pipeline
  decoded before grading; and of private writable parts: the submission's scratch folder (the
  kernel's working directory), a size-bounded ``/tmp`` and ``/dev/shm``, and the kernel's
  connection folder. ``HOME``, ``IPYTHONDIR``, ``JUPYTER_CONFIG_DIR`` and ``MPLCONFIGDIR`` point
  into the private ``/tmp``, so a startup file or a config written there dies with the kernel.
  The repository, ``solutions/``, ``autograder/``, the gradebooks, ``OUT``, the other
  submissions and every home are not mounted at all;
- cgroup v1 ``memory`` (which counts tmpfs pages too), ``pids``, ``cpu`` (equal shares, so a
  busy loop slows only its own submission) and ``freezer``: at the end of every submission,
  not only at a limit, :meth:`Jail.destroy` freezes the cgroup, kills everything in it, and
  checks that it is empty, so nothing a submission started (``setsid``, a double fork)
  outlives its grading.

Setting it up needs root once: ``make sandbox`` (``python -m autograder.sandbox setup``)
installs ``bubblewrap`` with apt, creates the uids, the state folder and the cgroup parents.
Grading needs root too (creating cgroups, switching uid). Where any of that is missing,
:func:`check` raises :class:`SandboxError` with what to do; the pipeline then refuses to grade
rather than grade unsandboxed (``--no-sandbox`` exists for a trusted instructor's own checks).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from gancourse.data import FOLDERS
from gancourse.runtime import STUDENT_MODULES

#: Where the sandbox keeps its Python copy, its passwd file and the per-submission folders.
STATE = Path(os.environ.get("GANCOURSE_SANDBOX_STATE", "/var/lib/gancourse-sandbox"))
USER_PREFIX = "gancourse-sbx-"
#: Throwaway uids created by setup: the most submissions graded at once.
SLOTS = 16
CGROUP_ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpu", "freezer")
CGROUP_PARENT = "gancourse"
#: Tasks (processes and threads) per submission: TensorFlow starts a few dozen threads per core;
#: a fork bomb stops here.
PIDS_MAX = 1024
#: Private /tmp and /dev/shm sizes; their pages also count against the memory limit.
TMP_BYTES = 1 << 30
SHM_BYTES = 256 << 20
#: The jail's own folders (the scratch copy of the submission, the kernel's sockets) live on a
#: tmpfs of this size mounted for the jail: what the kernel writes there is bounded, and counted
#: against its memory cgroup, instead of filling the host's disk.
JAIL_DISK_BYTES = 512 << 20
#: The environment variable through which the worker learns its jail (a JSON file).
JAIL_ENV = "GANCOURSE_SANDBOX_JAIL"
ENTER = Path(__file__).with_name("sandbox_enter.py")
BWRAP = "/usr/bin/bwrap"
#: Where the sandboxed process sees its working folder.
SCRATCH_INSIDE = "/home/student"
#: The files of the course package a jail holds: the package's ``__init__.py`` and the modules
#: problem sets may import (:data:`gancourse.runtime.STUDENT_MODULES`). The others hold or lead
#: to the reference answers (networks, losses, train steps, sampler, trainer, weights): no jail
#: has them at all, and a module added to the package stays out until it is listed there.
STUDENT_PACKAGE_FILES = ("__init__.py",) + tuple(
    module.removeprefix("gancourse.") + ".py" for module in STUDENT_MODULES
)


class SandboxError(RuntimeError):
    """The sandbox cannot be used here; the message says what to do."""


# ---------------------------------------------------------------- the Python environment


def _readable_by_others(path: Path) -> bool:
    """Whether a uid that is neither owner nor group can reach ``path`` and read it."""
    path = Path(path).resolve()
    for parent in [*reversed(path.parents), path]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            return False
    return bool(path.stat().st_mode & stat.S_IROTH)


def python_outside_home(target: Path) -> tuple[Path, Path]:
    """A venv that other uids can run, with this environment's packages; its python.

    For users who cannot run this interpreter (it lives in a home they cannot enter, as pyenv's
    does under /root): a copy of the very same base interpreter (its binary, libpython and
    standard library, not its site-packages or tests; a system Python of another patch release
    is not good enough: 3.11.2's ``re`` breaks soupsieve, hence nbconvert's HTML), a venv on it
    whose .pth file adds this environment's site-packages, this environment's share/ and etc/
    linked (JupyterLab's assets, nbgrader's extensions, kernels), and its console scripts
    (alembic, jupyter, nbgrader) copied with the new interpreter. Returns the venv's python and
    the folder that must be on LD_LIBRARY_PATH (the copy's libpython).
    """
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    base, venv = target / "base", target / "venv"
    python, library = venv / "bin" / "python", base / "lib"
    marker = target / "mirrors"
    if python.exists() and marker.is_file() and marker.read_text() == sys.prefix:
        return python, library
    shutil.rmtree(target, ignore_errors=True)
    source = Path(sys.base_prefix)
    (base / "bin").mkdir(parents=True)
    interpreter = base / "bin" / f"python{version}"
    shutil.copy2(Path(sys._base_executable).resolve(), interpreter)
    library.mkdir()
    for shared in (source / "lib").glob("libpython*.so*"):
        shutil.copy2(shared.resolve(), library / shared.name)
    shutil.copytree(
        source / "lib" / f"python{version}",
        library / f"python{version}",
        ignore=shutil.ignore_patterns("site-packages", "test", "idlelib", "tkinter", "turtledemo"),
        symlinks=True,
    )
    (library / f"python{version}" / "site-packages").mkdir()
    env = dict(os.environ, LD_LIBRARY_PATH=str(library))
    subprocess.run(
        [str(interpreter), "-m", "venv", "--without-pip", str(venv)], check=True, env=env
    )
    site = venv / "lib" / f"python{version}" / "site-packages"
    own_site = sysconfig.get_path("purelib")
    (site / "_gancourse_venv.pth").write_text(f"import site; site.addsitedir({own_site!r})\n")
    for folder in ("share", "etc"):
        if (Path(sys.prefix) / folder).is_dir():
            (venv / folder).symlink_to(Path(sys.prefix) / folder)
    prefix = f"#!{sys.prefix}/bin/python"
    for script in sorted((Path(sys.prefix) / "bin").iterdir()):
        copy = venv / "bin" / script.name
        if copy.exists() or copy.is_symlink() or not script.is_file():
            continue
        try:
            text = script.read_text()
        except UnicodeDecodeError:
            continue
        first, _, rest = text.partition("\n")
        if first.startswith(prefix):
            copy.write_text(f"#!{python}\n{rest}")
            copy.chmod(0o755)
    marker.write_text(sys.prefix)
    return python, library


def _python_copy() -> Path:
    """Where this environment's copy lives: one per environment, so that two checkouts on one
    machine (a maintainer's and a CI clone) can each grade."""
    return STATE / "python" / hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class PythonEnvironment:
    """The interpreter a sandbox runs, and the folders it needs mounted read-only."""

    python: str
    mounts: tuple[str, ...]
    library_path: str = ""


@functools.cache  # what it reads changes only with `make sandbox`; a jail per submission asks
def python_environment() -> PythonEnvironment:
    """This environment, as a sandboxed uid can run it (see :func:`python_outside_home`)."""
    sites = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    if _readable_by_others(Path(sys.base_prefix)) and _readable_by_others(Path(sys.prefix)):
        mounts = {sys.prefix, sys.base_prefix}
        return PythonEnvironment(sys.executable, tuple(sorted(mounts)))
    for site in sites:
        if not _readable_by_others(Path(site)):
            raise SandboxError(
                f"{site} is not readable by other users: the sandboxed uids cannot import "
                "its packages. Put the course's environment outside a private home."
            )
    copy = _python_copy()
    marker = copy / "mirrors"
    if not (marker.is_file() and marker.read_text() == sys.prefix):
        raise SandboxError(f"no copy of this Python in {copy}: run `sudo make sandbox`")
    python, library = copy / "venv" / "bin" / "python", copy / "base" / "lib"
    return PythonEnvironment(str(python), tuple(sorted({str(copy), *sites})), str(library))


# ---------------------------------------------------------------- setup and checks


def slot_user(slot: int) -> pwd.struct_passwd:
    name = f"{USER_PREFIX}{slot:02d}"
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise SandboxError(f"no user {name}: run `sudo make sandbox`") from None


def check(slots: int = 1) -> PythonEnvironment:
    """Raise :class:`SandboxError` unless submissions can be graded sandboxed here."""
    if os.geteuid() != 0:
        raise SandboxError(
            "grading runs each submission as a throwaway user in its own cgroup, which needs "
            "root: run the pipeline with sudo (after `sudo make sandbox` once)"
        )
    if not Path(BWRAP).is_file():
        raise SandboxError(f"{BWRAP} not found: run `sudo make sandbox` (installs bubblewrap)")
    if slots > SLOTS:
        raise SandboxError(f"at most {SLOTS} submissions can be graded at once (--jobs)")
    for slot in range(slots):
        slot_user(slot)
    if not (STATE / "etc" / "passwd").is_file():
        raise SandboxError(f"no {STATE / 'etc' / 'passwd'} for the jails: run `sudo make sandbox`")
    for controller in CONTROLLERS:
        if not (CGROUP_ROOT / controller / "cgroup.procs").is_file():
            raise SandboxError(
                f"the cgroup v1 controller {controller!r} is not mounted at "
                f"{CGROUP_ROOT / controller}: the sandbox needs memory, pids, cpu and freezer"
            )
    return python_environment()


def setup(slots: int = SLOTS) -> None:
    """Install bubblewrap, create the throwaway users, the state folder and a Python copy."""
    if os.geteuid() != 0:
        raise SandboxError("`make sandbox` needs root: it installs bubblewrap and adds users")
    if not Path(BWRAP).is_file():
        print("installing bubblewrap with apt-get")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "bubblewrap"], check=True, env=env)
    for slot in range(slots):
        name = f"{USER_PREFIX}{slot:02d}"
        try:
            pwd.getpwnam(name)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir",
                 "/nonexistent", "--shell", "/usr/sbin/nologin", "--comment",
                 "GAN course grading sandbox", name],
                check=True,
            )  # fmt: skip
    STATE.mkdir(parents=True, exist_ok=True)
    STATE.chmod(0o755)
    for folder, mode in (("jails", 0o711), ("runs", 0o711), ("etc", 0o755)):
        (STATE / folder).mkdir(exist_ok=True)
        (STATE / folder).chmod(mode)
    for controller in CONTROLLERS:
        (CGROUP_ROOT / controller / CGROUP_PARENT).mkdir(exist_ok=True)
    _write_identity_files()  # the users exist now; they change only here
    if not (_readable_by_others(Path(sys.base_prefix)) and _readable_by_others(Path(sys.prefix))):
        os.umask(0o022)  # the copy must be readable by the sandbox uids
        python_outside_home(_python_copy())
    check(slots)
    result = run_sandboxed([python_environment().python, "-c", "import os; print(os.getuid())"])
    print(f"sandbox ready: {slots} slots, state in {STATE}; a probe ran as uid {result.strip()}")


# ---------------------------------------------------------------- one submission's jail


def _cgroup_dirs(name: str) -> list[Path]:
    return [CGROUP_ROOT / c / CGROUP_PARENT / name for c in CONTROLLERS]


@dataclass
class Jail:
    """What one submission may see and use; created and destroyed by the pipeline (root)."""

    slot: int
    memory_bytes: int
    root: str = ""  # STATE/jails/<name>: scratch/ and runtime/ live here
    name: str = ""
    uid: int = 0
    gid: int = 0
    #: (source, destination) pairs mounted read-only.
    mounts: list[tuple[str, str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    python: str = ""

    @property
    def scratch(self) -> Path:
        return Path(self.root) / "scratch"

    @property
    def runtime(self) -> Path:
        return Path(self.root) / "runtime"

    @property
    def cgroups(self) -> list[Path]:
        return _cgroup_dirs(self.name)

    @classmethod
    def create(
        cls, slot: int, memory_bytes: int, shared: RunFiles, files: dict[str, Path] | None = None
    ) -> Jail:
        """Make the cgroups and private folders of one submission; copy ``files`` into scratch."""
        user = slot_user(slot)
        environment = python_environment()
        name = f"{slot:02d}-{secrets.token_hex(8)}"
        root = STATE / "jails" / name
        root.mkdir(mode=0o711)
        options = f"size={JAIL_DISK_BYTES},mode=0711,nosuid,nodev"
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(root)], check=True)
        jail = cls(slot, memory_bytes, str(root), name, user.pw_uid, user.pw_gid)
        for folder in (jail.scratch, jail.runtime):
            folder.mkdir(mode=0o700)
            os.chown(folder, jail.uid, jail.gid)
        for target_name, source in (files or {}).items():
            target = jail.scratch / target_name
            shutil.copyfile(source, target, follow_symlinks=False)
            os.chown(target, jail.uid, jail.gid)
        for folder in jail.cgroups:
            folder.mkdir()
        memory, pids, cpu, _ = jail.cgroups
        (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
        (pids / "pids.max").write_text(str(PIDS_MAX))
        (cpu / "cpu.shares").write_text("1024")
        jail.python = environment.python
        jail.mounts = [(m, m) for m in environment.mounts] + shared.mounts
        if shared.library:
            # An environment with the course package installed (not editable) would hold the
            # reference answers: the run's copy, which does not, is mounted over it.
            for site in {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}:
                if (Path(site) / "gancourse" / "__init__.py").is_file():
                    jail.mounts.append((f"{shared.library}/gancourse", f"{site}/gancourse"))
        jail.env = {
            "PATH": f"{Path(environment.python).parent}:/usr/bin:/bin",
            "HOME": "/tmp/home",
            "USER": "student",
            "LANG": "C.UTF-8",
            "IPYTHONDIR": "/tmp/home/.ipython",
            "JUPYTER_CONFIG_DIR": "/tmp/home/.jupyter",
            "JUPYTER_DATA_DIR": "/tmp/home/.local/share/jupyter",
            "JUPYTER_RUNTIME_DIR": str(jail.runtime),
            "MPLCONFIGDIR": "/tmp/home/.config/matplotlib",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": shared.library,
            "TF_CPP_MIN_LOG_LEVEL": "2",
            **shared.env,
        }
        if environment.library_path:
            jail.env["LD_LIBRARY_PATH"] = environment.library_path
        return jail

    def save(self) -> Path:
        """Write this jail's description for the worker (:data:`JAIL_ENV` names the file)."""
        path = Path(self.root) / "jail.json"
        path.write_text(json.dumps(asdict(self)))
        path.chmod(0o600)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Jail:
        data = json.loads(Path(path).read_text())
        data["mounts"] = [tuple(m) for m in data["mounts"]]
        return cls(**data)

    def command(self, argv: list[str], chown: tuple[str, ...] = ()) -> list[str]:
        """The command line that runs ``argv`` inside this jail (to be started as root)."""
        bwrap = [
            BWRAP,
            "--unshare-all",
            "--die-with-parent",
            "--clearenv",
            "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/bin", "/bin",
            "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/sbin", "/sbin",
            "--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache",
            # Fontconfig's configuration: without it every plot prints a fontconfig error.
            "--ro-bind-try", "/etc/fonts", "/etc/fonts",
            "--ro-bind", str(STATE / "etc" / "passwd"), "/etc/passwd",
            "--ro-bind", str(STATE / "etc" / "group"), "/etc/group",
            "--ro-bind", "/sys/devices/system/cpu", "/sys/devices/system/cpu",
            "--proc", "/proc",
            "--dev", "/dev",
            "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
            "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
            "--dir", "/tmp/home",
            "--bind", str(self.scratch), SCRATCH_INSIDE,
            "--bind", str(self.runtime), str(self.runtime),
            "--chdir", SCRATCH_INSIDE,
        ]  # fmt: skip
        for source, destination in self.mounts:
            bwrap += ["--ro-bind", source, destination]
        # bwrap made the mount points' parents in a root of its own: nothing else may be written
        # there (its pages would be the only unbounded writable space).
        bwrap += ["--remount-ro", "/"]
        for key, value in sorted(self.env.items()):
            bwrap += ["--setenv", key, value]
        enter = [sys.executable, "-I", "-S", str(ENTER)]
        cgroups = ":".join(str(c) for c in self.cgroups)
        return [
            *enter,
            cgroups,
            str(self.uid),
            str(self.gid),
            ":".join(chown),
            "--",
            *bwrap,
            "--",
            *argv,
        ]

    def oom_killed(self) -> bool:
        """Whether the kernel's OOM killer acted in this jail (its memory limit was reached)."""
        return self._oom_kills() > 0

    def _oom_kills(self) -> int:
        text = (self.cgroups[0] / "memory.oom_control").read_text()
        counts = dict(line.split() for line in text.splitlines())
        return int(counts.get("oom_kill", 0))

    def processes(self) -> list[int]:
        pids = set()
        for folder in self.cgroups:
            if (folder / "cgroup.procs").exists():
                pids.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
        return sorted(pids)

    def run(self, argv: list[str], timeout: float, files: Path | None = None) -> tuple[str, str]:
        """Run ``argv`` in this jail after killing whatever an earlier process left in it.

        ``files`` (a folder the caller made) is mounted read-only at the same path. Returns the
        standard output and a problem ("" when none); never raises for what ``argv`` does.
        """
        left = self.kill_all()
        if left:
            return "", left[0]
        mounts = [*self.mounts, *([(str(files), str(files))] if files else [])]
        jail, kills = Jail(**{**asdict(self), "mounts": mounts}), self._oom_kills()
        try:
            result = subprocess.run(
                jail.command(argv), stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as err:
            return (err.stdout or b"").decode(
                "utf-8", "replace"
            ), f"took longer than {timeout:.0f} s"
        finally:
            self.kill_all()
        problem = ""
        if self._oom_kills() > kills:
            problem = "used more memory than the sandbox allows"
        elif result.returncode != 0:
            tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            problem = f"ended with code {result.returncode}: {tail[0][:300]}"
        return result.stdout.decode("utf-8", "replace"), problem

    def kill_all(self, wait: float = 10.0) -> list[str]:
        """Kill every process in the jail (frozen first, so nothing forks meanwhile)."""
        problems = []
        freezer = self.cgroups[3]
        deadline = time.monotonic() + wait
        while True:
            # Freeze first, so that nothing can fork while it is being killed.
            if freezer.exists():
                (freezer / "freezer.state").write_text("FROZEN")
            for pid in self.processes():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if freezer.exists():
                (freezer / "freezer.state").write_text("THAWED")
            if not self.processes():
                break
            if time.monotonic() > deadline:
                problems.append(f"processes left in jail {self.name}: {self.processes()}")
                break
            time.sleep(0.05)
        return problems

    def destroy(self, wait: float = 10.0) -> list[str]:
        """Kill everything in the jail, remove its cgroups and folders; return any problem."""
        problems = self.kill_all(wait)
        for folder in self.cgroups:
            try:
                folder.rmdir()
            except FileNotFoundError:
                pass
            except OSError as err:
                problems.append(f"cgroup {folder} not removed: {err}")
        problems += _unmount_and_remove(Path(self.root))
        return problems

    @staticmethod
    def remove_stale() -> list[str]:
        """Remove what jails of an interrupted run left (call only when no run is grading)."""
        roots = sorted((STATE / "jails").glob("*"))
        return [p for root in roots for p in Jail(0, 0, str(root), root.name).destroy(wait=2)]


@contextlib.contextmanager
def exclusive_run():
    """Hold the machine's grading lock: one sandboxed run at a time (the slots' uids are shared).

    Jails an interrupted earlier run left behind are removed once the lock is held.
    """
    with open(STATE / "grading.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SandboxError(
                "another grading run holds the sandbox on this machine; wait for it to finish"
            ) from None
        for problem in Jail.remove_stale():
            print(f"WARNING: {problem}", file=sys.stderr)
        yield


def _unmount_and_remove(root: Path) -> list[str]:
    """Unmount a jail's tmpfs (lazily, if something still holds it) and remove its folder."""
    if os.path.ismount(root):
        subprocess.run(["umount", "--lazy", str(root)], check=False)
    shutil.rmtree(root, ignore_errors=True)
    return [f"jail folder {root} not removed"] if root.exists() else []


def copy_student_package(package: Path, target: Path) -> None:
    """Copy :data:`STUDENT_PACKAGE_FILES` of the course package ``package`` into ``target``."""
    target.mkdir(parents=True)
    for name in STUDENT_PACKAGE_FILES:
        shutil.copy2(package / name, target / name)


@dataclass
class RunFiles:
    """What every jail of one pipeline run shares read-only: the package copy, data, cache."""

    root: str
    library: str
    mounts: list[tuple[str, str]]
    env: dict[str, str]

    @classmethod
    def create(cls, repository: Path, data: Path) -> RunFiles:
        """Copy what a submission may import and decode the datasets into a fresh cache.

        The copy holds the part of the course package problem sets may import
        (:func:`copy_student_package`; the reference answers are not there at all, rather than
        hidden) and the probe (``autograder/probes``), which holds no check.
        """
        root = STATE / "runs" / secrets.token_hex(8)
        root.mkdir(mode=0o755)
        library = root / "lib"
        caches = shutil.ignore_patterns("__pycache__")
        copy_student_package(repository / "gancourse", library / "gancourse")
        (library / "autograder").mkdir()
        shutil.copy2(repository / "autograder" / "__init__.py", library / "autograder")
        shutil.copytree(
            repository / "autograder" / "probes", library / "autograder" / "probes", ignore=caches
        )
        cache = root / "cache"
        data = Path(data).resolve()
        if not _readable_by_others(data):
            raise SandboxError(f"the datasets in {data} are not readable by other users")
        # Decoded here, by the pipeline, into a cache the submission can only read: nothing a
        # submission writes can reach the arrays another one loads.
        decode = (
            "from gancourse.data import DATASETS, load_dataset\n"
            "for name in DATASETS: load_dataset(name)\n"
        )
        env = dict(
            os.environ,
            GANCOURSE_DATA_DIR=str(data),
            GANCOURSE_CACHE_DIR=str(cache),
            PYTHONPATH=str(library),
        )
        subprocess.run([sys.executable, "-c", decode], check=True, env=env)
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        # Only the datasets' folders: the rest of data/ (weights, studies) is no jail's business.
        datasets = [str(data / folder) for folder in FOLDERS.values()]
        mounts = [(str(library), str(library)), (str(cache), str(cache))]
        mounts += [(folder, folder) for folder in datasets]
        env = {"GANCOURSE_DATA_DIR": str(data), "GANCOURSE_CACHE_DIR": str(cache)}
        return cls(str(root), str(library), mounts, env)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _write_identity_files() -> None:
    """A passwd and group naming only root and the sandbox users (not the machine's accounts)."""
    users = [u for u in pwd.getpwall() if u.pw_name.startswith(USER_PREFIX)]
    passwd = ["root:x:0:0:root:/root:/usr/sbin/nologin"]
    passwd += [f"{u.pw_name}:x:{u.pw_uid}:{u.pw_gid}:student:/tmp/home:/bin/sh" for u in users]
    group = ["root:x:0:"] + [f"{u.pw_name}:x:{u.pw_gid}:" for u in users]
    for name, lines in (("passwd", passwd), ("group", group)):
        path = STATE / "etc" / name
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o644)


def run_sandboxed(argv: list[str], timeout: float = 120, memory_bytes: int = 1 << 30) -> str:
    """Run ``argv`` in a fresh jail with nothing of a submission; return its stdout."""
    jail = Jail.create(0, memory_bytes, RunFiles("", "", [], {}))
    try:
        result = subprocess.run(jail.command(argv), capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise SandboxError(f"a sandboxed probe failed ({result.returncode}):\n{result.stderr}")
        return result.stdout
    finally:
        jail.destroy()


# ---------------------------------------------------------------- the kernel, jailed


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the notebook's kernel inside the jail named by ``$GANCOURSE_SANDBOX_JAIL``.

    The kernel talks to nbgrader over Unix sockets in the jail's runtime folder (the jail has
    no network, not even loopback); its connection file is handed to the sandbox uid.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.jail = Jail.load(os.environ[JAIL_ENV])
        self.transport = "ipc"
        # Absolute: nbgrader and the kernel have different working folders.
        self.ip = str(self.jail.runtime / "kernel")
        self.connection_file = str(self.jail.runtime / "kernel.json")

    def format_kernel_cmd(self, extra_arguments=None):
        jail = self.jail
        command = super().format_kernel_cmd(extra_arguments)
        command[0] = jail.python
        connection = os.path.realpath(self.connection_file)
        return jail.command(command, chown=(connection,))


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m autograder.sandbox", description=__doc__)
    parser.add_argument("command", choices=["setup", "check"])
    args = parser.parse_args(argv)
    try:
        if args.command == "setup":
            setup()
        else:
            check(SLOTS)
            print(run_sandboxed([python_environment().python, "-c", "print('sandbox ok')"]))
    except SandboxError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
