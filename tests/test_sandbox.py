"""The grading sandbox on its own: what a jailed process can see, reach and leave behind.

These run a bare Python in a jail (no TensorFlow, seconds each). The whole pipeline under
hostile submissions is ``tests/test_attacks.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import time
from pathlib import Path

import pytest

from autograder import pipeline, sandbox

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="the sandbox needs root (`sudo make sandbox`; CI runs as root)"
)


def _jailed(code: str, tmp_path: Path, memory_bytes: int = 512 << 20, timeout: float = 60):
    """Run ``code`` in a fresh jail that shares nothing of a run; return (result, jail facts)."""
    jail = sandbox.Jail.create(3, memory_bytes, sandbox.RunFiles("", "", [], {}))
    try:
        result = subprocess.run(
            jail.command([jail.python, "-c", textwrap.dedent(code)]),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        facts = {"oom": jail.oom_killed(), "cgroups": jail.cgroups, "uid": jail.uid}
    finally:
        facts_problems = jail.destroy()
    facts["problems"] = facts_problems
    return result, facts


@needs_root
def test_a_jailed_process_sees_nothing_of_the_machine(tmp_path, repository):
    secret = tmp_path / "secret.txt"
    secret.write_text("instructor only")
    hidden = [
        str(repository / "solutions"),
        str(repository / "autograder"),
        "/root",
        str(secret),
        "/etc/shadow",
        str(sandbox.STATE / "runs"),
    ]
    result, facts = _jailed(
        f"""
        import os, socket
        print("uid", os.getuid())
        for path in {hidden!r}:
            print("visible" if os.path.exists(path) else "hidden", path)
        # Only mount points lead here: the Python environment, its own jail.
        print("repository holds", sorted(os.listdir({str(repository)!r})))
        print("jails hold", len(os.listdir({str(sandbox.STATE / "jails")!r})))
        print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
        try:
            socket.create_connection(("127.0.0.1", 22), timeout=2)
            print("network reached")
        except OSError as err:
            print("no network", err.errno)
        open("/home/student/mine.txt", "w").write("scratch is writable")
        try:
            open("/usr/pwned", "w")
            print("usr writable")
        except OSError:
            print("usr read-only")
        """,
        tmp_path,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert f"uid {facts['uid']}" in out and facts["uid"] != 0
    assert "visible" not in out, out
    assert "repository holds ['.venv']" in out  # the environment's site-packages only
    assert "jails hold 1" in out
    assert "pids [1, 2]" in out  # bwrap's reaper and itself, nothing of the host
    assert "no network" in out and "network reached" not in out
    assert "usr read-only" in out
    assert not facts["problems"]


@needs_root
def test_detached_processes_die_with_the_jail_and_the_cgroup_goes(tmp_path):
    result, facts = _jailed(
        """
        import os, subprocess
        subprocess.Popen(["sleep", "600"], start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", "600"])
            os._exit(0)
        print("detached")
        """,
        tmp_path,
    )
    assert "detached" in result.stdout, result.stderr
    assert not facts["problems"], facts["problems"]
    assert not any(folder.exists() for folder in facts["cgroups"])
    import psutil

    # A zombie (an exited bwrap the machine's init has not reaped yet) runs nothing.
    left = [
        (p.pid, p.info["name"])
        for p in psutil.process_iter(["uids", "status", "name"])
        if p.info["uids"].real == facts["uid"] and p.info["status"] != psutil.STATUS_ZOMBIE
    ]
    assert not left, f"processes of the sandbox uid outlived the jail: {left}"


@needs_root
def test_memory_counts_tmpfs_and_the_oom_killer_is_reported(tmp_path):
    start = time.monotonic()
    result, facts = _jailed(
        """
        chunk = b"x" * (1 << 20)
        with open("/tmp/fill", "wb") as handle:  # tmpfs pages count against the memory cgroup
            for _ in range(900):
                handle.write(chunk)
        print("filled /tmp")
        hog = bytearray(600 << 20)
        print("allocated", len(hog))
        """,
        tmp_path,
        memory_bytes=400 << 20,
    )
    assert "allocated" not in result.stdout
    assert facts["oom"] or result.returncode != 0
    assert time.monotonic() - start < 60


@needs_root
def test_dev_shm_is_bounded(tmp_path):
    result, _ = _jailed(
        """
        try:
            with open("/dev/shm/fill", "wb") as handle:
                for _ in range(2048):
                    handle.write(b"x" * (1 << 20))
            print("wrote 2 GiB")
        except OSError as err:
            print("stopped", err.errno)
        """,
        tmp_path,
        memory_bytes=4 << 30,
    )
    assert "stopped" in result.stdout and "wrote 2 GiB" not in result.stdout, result.stderr


def test_the_jails_package_holds_no_reference_answer_and_works_without_them(tmp_path, repository):
    """The package copy a jail imports: only the modules problem sets may use, and those import
    and work (load data, scale, seed, draw a grid) without the modules left out."""
    package = tmp_path / "lib" / "gancourse"
    sandbox.copy_student_package(repository / "gancourse", package)
    assert sorted(p.name for p in package.iterdir()) == sorted(sandbox.STUDENT_PACKAGE_FILES)
    answers = ("train", "models", "evaluate", "losses", "steps", "weights", "checkpoints")
    left_out = sorted(p.stem for p in (repository / "gancourse").glob("*.py"))
    left_out = [name for name in left_out if not (package / f"{name}.py").exists()]
    assert set(answers) <= set(left_out), left_out
    code = f"""
        import importlib, sys
        import gancourse
        assert gancourse.__file__.startswith({str(package)!r}), gancourse.__file__
        from gancourse.data import load_dataset, scale_images
        from gancourse.metrics import frechet_distance_from_features
        from gancourse.plotting import image_grid
        from gancourse.runtime import STUDENT_MODULES, configure_tensorflow, hide_reference_solutions
        for name in {left_out!r}:
            try:
                importlib.import_module("gancourse." + name)
            except ModuleNotFoundError:
                pass
            else:
                raise AssertionError(name + " is importable in the jail")
        configure_tensorflow(0)
        hide_reference_solutions()
        for name in STUDENT_MODULES:
            importlib.import_module(name)
        (x_train, _), _ = load_dataset("mnist")
        images = scale_images(x_train[:8])
        print(images.shape, image_grid(images, ncols=4).shape)
        """
    # -S: no site-packages' .pth files, so the editable install's finder cannot reach the
    # checkout's package, as nothing in a jail can; the libraries come from PYTHONPATH, and the
    # working folder (first on sys.path) is not the checkout either.
    environment = dict(
        os.environ,
        PYTHONPATH=f"{package.parent}:{sysconfig.get_path('purelib')}",
        GANCOURSE_DATA_DIR=str(repository / "data"),
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "(8, 28, 28, 1) (62, 122)" in result.stdout, result.stdout


def test_grading_refuses_to_run_unsandboxed_without_being_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(sandbox.SandboxError, match="needs root"):
        sandbox.check()
    (tmp_path / "submitted").mkdir()
    with pytest.raises(pipeline.PipelineError, match="cannot grade in the sandbox"):
        pipeline.autograde(tmp_path / "submitted", tmp_path / "out", jobs=1, progress=False)


def test_nbgrader_refuses_to_start_next_to_a_stray_config(monkeypatch):
    stray = pipeline._private_config_dir() / "nbgrader_config.py"
    stray.write_text("c = get_config()\nc.ClearSolutions.enforce_metadata = False\n")
    try:
        with pytest.raises(pipeline.PipelineError, match="configuration files"):
            pipeline.run_nbgrader(["--version"])
    finally:
        stray.unlink()
    assert pipeline.run_nbgrader(["--version"]).returncode == 0


def test_untrusted_folder_names_and_links_are_refused_not_fatal(tmp_path):
    submissions = tmp_path / "submitted"
    (submissions / "alice" / "ps1").mkdir(parents=True)
    os.mkdir(os.fsencode(submissions) + b"/mallory\xff")
    (submissions / "..hidden").mkdir()
    (submissions / "eve").symlink_to(submissions / "alice")
    (submissions / "bob").mkdir()
    (submissions / "bob" / "ps1").symlink_to(submissions / "alice" / "ps1")
    found, refused = pipeline._discover(submissions)
    assert [(s, a) for s, a, _ in found] == [("alice", "ps1")]
    reasons = {row.student_id: row.detail for row in refused}
    assert reasons == {
        "..hidden": "folder its name is not a valid nbgrader id",
        "bob": "folder is a link",
        "eve": "folder is a link",
        "mallory\\xff": "folder its name is not UTF-8",
    }
    out = tmp_path / "out"
    out.mkdir()
    pipeline._publish(out, tmp_path / "nothing", refused)
    assert "mallory\\xff" in (out / "grades.csv").read_text(encoding="utf-8")


def test_a_linked_notebook_in_a_submission_is_refused(tmp_path):
    folder = tmp_path / "alice" / "ps1"
    folder.mkdir(parents=True)
    (folder / "ps1.ipynb").symlink_to(pipeline.SOLUTIONS / "ps1-gan-foundations" / "x.ipynb")
    files, refused = pipeline._regular_files(folder)
    assert not files and refused == "ps1.ipynb is a link"


def test_nbgrader_autograde_by_hand_is_refused_with_what_to_run_instead(tmp_path):
    name = pipeline.assignment_names()[0]
    work = tmp_path / "work"
    pipeline.generate([name], work=work, release=tmp_path / "release")
    submitted = work / "submitted" / "alice" / name
    submitted.mkdir(parents=True)
    release = tmp_path / "release" / name / f"{name}.ipynb"
    (submitted / f"{name}.ipynb").write_bytes(release.read_bytes())
    env = pipeline._nbgrader_env(work)
    del env[pipeline.PIPELINE_ENV]  # as an instructor's shell, or the formgrader, would run it
    command = [sys.executable, "-m", "nbgrader", "autograde", name, "--force"]
    command.append(f"--NbGrader.config_file={pipeline.CONFIG}")
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "only through its sandboxed pipeline" in output and "make autograde" in output
    assert not (work / "autograded" / "alice" / name / f"{name}.ipynb").exists()
