"""Staging the exchange's inbound folders: only honest submissions reach nbgrader collect."""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

import pytest

from autograder import pipeline
from autograder.exchange import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_ENTRIES,
    STUDENT_ID,
    Reason,
    format_report,
    stage_inbound,
)

COURSE = "gan-course"
ASSIGNMENT = "ps1-gan-foundations"
EARLY = "2026-01-01 10:00:00.000000 UTC"
LATE = "2026-01-02 10:00:00.000000 UTC"
NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
SECRET = b"### BEGIN HIDDEN TESTS: the instructor's solution"
ME = os.geteuid()
STRANGER = ME + 4242  # a uid that owns nothing here


def folder_name(student: str, stamp: str = EARLY, assignment: str = ASSIGNMENT) -> str:
    return f"{student}+{assignment}+{stamp}+AbCdEfGhIjKl"


def submit(inbound, student, stamp=EARLY, assignment=ASSIGNMENT, name=None):
    """A folder as nbgrader submit writes it, with a subfolder the assignment might have."""
    folder = inbound / (name or folder_name(student, stamp, assignment))
    (folder / "data").mkdir(parents=True)
    (folder / f"{assignment}.ipynb").write_bytes(NOTEBOOK)
    (folder / "data" / "notes.txt").write_bytes(b"my notes\n")
    (folder / "timestamp.txt").write_text(stamp)
    (folder / "submission_secret.txt").write_text("5e" * 64)
    return folder


def tree(root):
    """Every path under root, relative, with its bytes (None for a folder); a link fails it."""
    found = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder, name)
            mode = path.lstat().st_mode
            assert stat.S_ISDIR(mode) or stat.S_ISREG(mode), f"{path} is not a file or folder"
            found[str(path.relative_to(root))] = path.read_bytes() if stat.S_ISREG(mode) else None
    return found


@pytest.fixture
def exchange(tmp_path):
    """An exchange with an empty inbound folder, and the instructor's secret beside it."""
    (tmp_path / "exchange" / COURSE / "inbound").mkdir(parents=True)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "secret.ipynb").write_bytes(SECRET)
    return tmp_path / "exchange"


def stage(exchange, staging, owners=None, **kwargs):
    """stage_inbound with alice a stranger and no user ghost; anyone else is this process."""
    owners = {"alice": STRANGER, "ghost": None} if owners is None else owners
    owner_of = lambda student: owners.get(student, ME)  # noqa: E731
    return stage_inbound(exchange, COURSE, ASSIGNMENT, staging, owner_of=owner_of, **kwargs)


def test_only_the_honest_submission_is_staged(exchange, tmp_path):
    inbound = exchange / COURSE / "inbound"
    secret = tmp_path / "solutions" / "secret.ipynb"
    honest = submit(inbound, "grace")
    submit(inbound, "grace", assignment="ps2-dcgan-mnist")  # another assignment: not looked at

    expected = {}

    def hostile(student, reason, stamp=EARLY):
        expected[folder_name(student, stamp)] = reason
        return submit(inbound, student, stamp)

    notebook = hostile("link", Reason.SYMLINK) / f"{ASSIGNMENT}.ipynb"
    notebook.unlink()
    notebook.symlink_to(secret)  # as the instructor, nbgrader collect would copy the secret
    data = hostile("linkdir", Reason.SYMLINK) / "data"
    (data / "notes.txt").unlink()
    data.rmdir()
    data.symlink_to(secret.parent, target_is_directory=True)
    os.mkfifo(hostile("fifo", Reason.SPECIAL_FILE) / "pipe")  # reading it would hang
    os.mknod(hostile("socket", Reason.SPECIAL_FILE) / "sock", stat.S_IFSOCK | 0o600)
    hostile("alice", Reason.OWNER, stamp=LATE)  # alice is STRANGER; ME made this folder
    hostile("ghost", Reason.UNKNOWN_STUDENT)  # no such user
    with open(hostile("big", Reason.TOO_LARGE) / "big.bin", "wb") as big:
        big.truncate(MAX_BYTES + 1)  # sparse: large without taking the disk
    (hostile("many", Reason.TOO_MANY_FILES) / "many").mkdir()
    for i in range(MAX_ENTRIES):
        (inbound / folder_name("many") / "many" / f"{i}.txt").write_bytes(b"x")
    deep = hostile("deep", Reason.TOO_DEEP) / "data"
    for level in range(MAX_DEPTH):
        deep = deep / f"level{level}"
    deep.mkdir(parents=True)
    hard = hostile("hardlink", Reason.HARD_LINK) / f"{ASSIGNMENT}.ipynb"
    hard.unlink()
    os.link(secret, hard)  # the same file as the secret, under the student's folder
    (hostile("stamp", Reason.BAD_RECORDS) / "timestamp.txt").write_text("not a time")
    (hostile("secretless", Reason.BAD_RECORDS) / "submission_secret.txt").unlink()
    inner = os.fsencode(hostile("bytes", Reason.NOT_UTF8)) + b"/notes\xfe.txt"
    with open(inner, "wb") as fh:
        fh.write(b"x")
    for name, reason in [
        (folder_name(".."), Reason.BAD_NAME),  # nbgrader would write submitted/../<assignment>
        (folder_name(""), Reason.BAD_NAME),
        (folder_name(".hidden"), Reason.BAD_NAME),
        (folder_name("grace", stamp="tomorrow"), Reason.BAD_NAME),  # nbgrader stops on it
        (f"grace+x+{ASSIGNMENT}+{EARLY}+AbCd", Reason.BAD_NAME),
    ]:
        (inbound / name).mkdir()
        (inbound / name / "timestamp.txt").write_text(EARLY)
        expected[name] = reason
    five = f"grace+{ASSIGNMENT}+{EARLY}+AbCd+extra"  # nbgrader would read student "grace+..."
    submit(inbound, "grace", name=five)
    expected[five] = Reason.BAD_NAME
    (inbound / folder_name("file")).write_bytes(NOTEBOOK)
    expected[folder_name("file")] = Reason.NOT_A_FOLDER
    not_utf8 = os.fsencode(inbound) + b"/bob\xff+" + os.fsencode(folder_name("")[1:])
    os.mkdir(not_utf8)
    expected[repr(os.path.basename(not_utf8))] = Reason.NOT_UTF8

    staging = tmp_path / "staging"
    report = stage(exchange, staging)

    assert report.staged == [honest.name]
    assert {r.folder: r.reason for r in report.refused} == expected
    staged = staging / COURSE / "inbound"
    assert os.listdir(staged) == [honest.name]
    assert tree(staged / honest.name) == tree(honest)  # byte for byte, records included
    assert all(SECRET not in (content or b"") for content in tree(staging).values())
    assert stat.S_IMODE(os.stat(staging).st_mode) == 0o700
    assert [r.student for r in report.spoofing] == ["alice"]
    text = format_report(report)
    text.encode("utf-8")  # printable anywhere, non-UTF-8 names included
    assert "WARNING: 1 folder(s) not owned by the student" in text
    assert f"REFUSED {len(expected)} submission folder(s)" in text
    for name, reason in expected.items():
        assert f"  {name}: {reason}: " in text


def test_bytes_are_counted_as_read(exchange, tmp_path):
    inbound = exchange / COURSE / "inbound"
    small, large = submit(inbound, "small"), submit(inbound, "large")
    (large / "a.bin").write_bytes(b"x" * 600)
    (large / "b.bin").write_bytes(b"x" * 600)  # each fits, together they do not
    report = stage(exchange, tmp_path / "staging", max_bytes=1000)
    assert report.staged == [small.name]
    assert [(r.student, r.reason) for r in report.refused] == [("large", Reason.TOO_LARGE)]


def test_default_owner_lookup_is_strict(exchange, tmp_path):
    """With the system's users: a folder must be owned by the user it is named for."""
    inbound = exchange / COURSE / "inbound"
    me = pwd.getpwuid(ME).pw_name
    others = [
        u.pw_name for u in pwd.getpwall() if u.pw_uid != ME and STUDENT_ID.fullmatch(u.pw_name)
    ]
    if not STUDENT_ID.fullmatch(me) or not others:
        pytest.skip("needs a user name of the usual form and another user")
    mine, spoofed = submit(inbound, me), submit(inbound, others[0], stamp=LATE)
    unknown = submit(inbound, "no-such-student-7q")
    report = stage_inbound(exchange, COURSE, ASSIGNMENT, tmp_path / "staging")
    assert report.staged == [mine.name]
    assert {r.folder: r.reason for r in report.refused} == {
        spoofed.name: Reason.OWNER,
        unknown.name: Reason.UNKNOWN_STUDENT,
    }


def test_trust_owner_is_never_for_root(exchange, tmp_path):
    honest = submit(exchange / COURSE / "inbound", "no-such-student-7q")
    if ME == 0:
        with pytest.raises(ValueError, match="root"):
            stage_inbound(exchange, COURSE, ASSIGNMENT, tmp_path / "staging", trust_owner=True)
    else:
        report = stage_inbound(exchange, COURSE, ASSIGNMENT, tmp_path / "staging", trust_owner=True)
        assert report.staged == [honest.name]


@pytest.mark.skipif(ME != 0, reason="giving files to other users needs root")
def test_owners_as_root(exchange, tmp_path):
    """Real ownership: alice's own folder is staged, a newer one in her name by mallory is not."""
    alice, mallory = 40001, 40002
    inbound = exchange / COURSE / "inbound"
    real, fake = submit(inbound, "alice"), submit(inbound, "alice", stamp=LATE)
    planted = submit(inbound, "bob")
    for folder, uid in ((real, alice), (fake, mallory), (planted, alice)):
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, uid, uid)
    os.chown(planted / "data" / "notes.txt", mallory, mallory)  # a file put in bob's folder
    report = stage(exchange, tmp_path / "staging", owners={"alice": alice, "bob": alice})
    assert report.staged == [real.name]
    assert {r.folder: r.reason for r in report.refused} == {
        fake.name: Reason.OWNER,
        planted.name: Reason.OWNER,
    }
    device = submit(inbound, "dev")
    try:
        os.mknod(device / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        return  # no devices in this container
    report = stage(exchange, tmp_path / "staging", owners={})
    assert {r.folder: r.reason for r in report.refused}[device.name] == Reason.SPECIAL_FILE


def test_staging_is_private_and_fresh(exchange, tmp_path):
    inbound = exchange / COURSE / "inbound"
    first = submit(inbound, "grace")
    staging = tmp_path / "staging"
    assert stage(exchange, staging).staged == [first.name]
    submit(inbound, "grace", stamp=LATE)
    (inbound / first.name / "timestamp.txt").write_text("tampered")
    report = stage(exchange, staging)  # the earlier run's copy of `first` must not stay
    assert os.listdir(staging / COURSE / "inbound") == report.staged == [folder_name("grace", LATE)]
    os.chmod(staging, 0o755)
    with pytest.raises(ValueError, match="private"):
        stage(exchange, staging)
    os.chmod(exchange, 0o700)
    with pytest.raises(ValueError, match="exchange itself"):
        stage(exchange, exchange)


def test_nbgrader_collects_the_staged_exchange(exchange, tmp_path, monkeypatch):
    """Real nbgrader collect from the staging exchange: the honest one lands, nothing else."""
    monkeypatch.setenv("NBGRADER_EXCHANGE", str(exchange))
    work = tmp_path / "work"
    inbound = exchange / COURSE / "inbound"
    submit(inbound, "grace")
    submit(inbound, "alice", stamp=LATE)  # spoofed: not owned by alice
    (submit(inbound, "mallory") / f"{ASSIGNMENT}.ipynb").unlink()
    (inbound / folder_name("mallory") / f"{ASSIGNMENT}.ipynb").symlink_to(
        tmp_path / "solutions" / "secret.ipynb"
    )
    collected_before = work / "submitted" / "alice" / ASSIGNMENT  # alice's real, collected earlier
    collected_before.mkdir(parents=True)
    (collected_before / f"{ASSIGNMENT}.ipynb").write_bytes(b"alice's own work")
    (collected_before / "timestamp.txt").write_text(EARLY)

    staging = tmp_path / "staging"
    report = stage(exchange, staging)
    result = pipeline.run_nbgrader(
        [
            "collect",
            ASSIGNMENT,
            "--update",
            f"--Exchange.root={staging}",
            "--ExchangeCollect.check_owner=False",  # stage_inbound checked the owners
        ],
        work=work,
    )
    assert result.returncode == 0, result.stderr
    assert len(report.refused) == 2
    submitted = work / "submitted"
    assert sorted(os.listdir(submitted)) == ["alice", "grace"]
    assert (submitted / "grace" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes() == NOTEBOOK
    assert (submitted / "grace" / ASSIGNMENT / "timestamp.txt").read_text() == EARLY
    assert (collected_before / f"{ASSIGNMENT}.ipynb").read_bytes() == b"alice's own work"
    assert all(SECRET not in (content or b"") for content in tree(submitted).values())


@pytest.mark.skipif(ME != 0, reason="needs root to give folders to real users")
def test_the_pipelines_collect_stages_then_collects(exchange, tmp_path, monkeypatch):
    """`python -m autograder.pipeline collect`: the real user's folder lands, a spoof does not."""
    import pwd

    monkeypatch.setenv("NBGRADER_EXCHANGE", str(exchange))
    monkeypatch.setenv("GANCOURSE_GRADING_DIR", str(tmp_path / "work"))
    inbound = exchange / COURSE / "inbound"
    nobody = pwd.getpwnam("nobody")
    honest = submit(inbound, "nobody")
    for path in [honest, *honest.rglob("*")]:
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    submit(inbound, "daemon")  # owned by root, named for daemon: a spoof
    assert pipeline.main(["collect", ASSIGNMENT]) == 1  # collected, with a refusal to look at
    submitted = tmp_path / "work" / "submitted"
    assert sorted(os.listdir(submitted)) == ["nobody"]
    assert (submitted / "nobody" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes() == NOTEBOOK
    # Every folder must be yours with --single-user, which root may not use.
    assert pipeline.main(["collect", ASSIGNMENT, "--single-user"]) == 1
