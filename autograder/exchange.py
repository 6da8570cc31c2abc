"""Stage students' submissions from the filesystem exchange before ``nbgrader collect`` sees them.

``nbgrader collect`` runs as the instructor and trusts the exchange's inbound folder, which every
student can write to: it follows symbolic links (``ps1.ipynb -> /path/to/solutions/...`` hands
the instructor's file in as the submission) and collects a folder named for another student
with no more than a "cheating attempt?" line in its log, replacing the victim's submission.

:func:`stage_inbound` copies each inbound folder of one assignment into a private staging
exchange, treating everything it reads as hostile, and refuses (loudly, with a reason) any
folder that is not what ``nbgrader submit`` writes: a name nbgrader would read otherwise, a
folder or file not owned by the student the name claims, a link or special file anywhere in it,
too deep, too many files, too many bytes, or records (``timestamp.txt``,
``submission_secret.txt``) missing or disagreeing with the name. ``nbgrader collect`` is then
pointed at the staging exchange with ``--Exchange.root=STAGING``:

    report = stage_inbound(exchange_root, "gan-course", "ps1-gan-foundations", staging)
    print(format_report(report))

Every source path is examined with ``lstat`` and opened relative to its already opened parent
folder with ``O_NOFOLLOW``, and what is copied is decided on ``fstat`` of the open descriptor,
so nothing can be swapped between the check and the read.
"""

from __future__ import annotations

import errno
import os
import pwd
import re
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

# All bytes of one submission. The course's notebooks are well under 5 MB each, with outputs.
MAX_BYTES = 50_000_000
# Files and folders in one submission. nbgrader submit copies one assignment folder: a few
# notebooks and whatever the student saved beside them.
MAX_ENTRIES = 200
# Folders below the submission folder. An assignment folder may have subfolders (data/, img/),
# but nothing a student submits needs to be nested deeper than this.
MAX_DEPTH = 4
# A student id, as it may appear in a folder name and then in `submitted/<student>/`: a Unix
# user name, with no path separator, no "+" (nbgrader's field separator) and no leading dot.
STUDENT_ID = re.compile(r"[A-Za-z0-9_@-][A-Za-z0-9._@-]{0,63}")
# The random suffix nbgrader submit adds: urlsafe base64 of 9 bytes (12 characters).
RANDOM_SUFFIX = re.compile(r"[A-Za-z0-9_=-]{1,64}")
# What nbgrader submit writes into every submission and nbgrader needs to return feedback.
RECORDS = ("timestamp.txt", "submission_secret.txt")
# Copying reads at most this much at a time.
CHUNK = 1 << 20
# Opening never follows a link, never blocks on a FIFO, never takes a terminal.
OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class Reason(StrEnum):
    """Why a submission folder was refused."""

    BAD_NAME = "bad-name"  # not `student+assignment+timestamp[+random]` with a safe student id
    NOT_UTF8 = "not-utf8"  # a name (of the folder or of something in it) is not valid UTF-8
    UNKNOWN_STUDENT = "unknown-student"  # no user of that name
    OWNER = "owner"  # the folder, or something in it, is not owned by the named student
    NOT_A_FOLDER = "not-a-folder"  # the inbound entry is a file
    SYMLINK = "symlink"
    SPECIAL_FILE = "special-file"  # FIFO, socket, device
    HARD_LINK = "hard-link"  # a file with other names: possibly someone else's file
    TOO_DEEP = "too-deep"
    TOO_MANY_FILES = "too-many-files"
    TOO_LARGE = "too-large"
    BAD_RECORDS = "bad-records"  # timestamp.txt or submission_secret.txt missing or wrong
    UNREADABLE = "unreadable"  # an error reading it, or it changed while being read


@dataclass(frozen=True)
class Refusal:
    folder: str  # the inbound folder's name, printable (non-UTF-8 names as a bytes literal)
    student: str | None  # the student id the name claims, when it has one
    reason: Reason
    detail: str


@dataclass
class StageReport:
    assignment: str
    staged: list[str] = field(default_factory=list)  # folder names, now in the staging exchange
    refused: list[Refusal] = field(default_factory=list)

    @property
    def spoofing(self) -> list[Refusal]:
        """Refusals where the owner is not the student the folder is named for."""
        return [r for r in self.refused if r.reason is Reason.OWNER]


class _Refused(Exception):
    def __init__(self, reason: Reason, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def system_uid(student: str) -> int | None:
    """The uid of the Unix user named ``student``, None if there is none."""
    try:
        return pwd.getpwnam(student).pw_uid
    except KeyError:
        return None


def _owned_by_me(student: str) -> int:
    return os.geteuid()


def stage_inbound(
    exchange_root: Path,
    course_id: str,
    assignment: str,
    staging_root: Path,
    *,
    owner_of: Callable[[str], int | None] = system_uid,
    trust_owner: bool = False,
    max_bytes: int = MAX_BYTES,
    max_entries: int = MAX_ENTRIES,
    max_depth: int = MAX_DEPTH,
) -> StageReport:
    """Copy the acceptable inbound folders of ``assignment`` into ``staging_root``'s exchange.

    Each ``<exchange_root>/<course_id>/inbound/<student>+<assignment>+<timestamp>[+<random>]/``
    is copied to ``<staging_root>/<course_id>/inbound/`` under the same name, or refused. The
    folder and everything in it must be owned by the uid ``owner_of(student)`` gives (by
    default the Unix user of that name). ``trust_owner=True`` expects this process's own uid
    instead, for a single-user setup where the instructor submits as every student; it is
    refused when running as root. ``staging_root`` is created private (0700) or must already be
    private and owned by this user; what an earlier run staged there is removed.
    """
    for what, value in (("course id", course_id), ("assignment", assignment)):
        if not value or "+" in value or "/" in value or value.startswith("."):
            raise ValueError(f"unusable {what}: {value!r}")
    if trust_owner:
        if os.geteuid() == 0:
            raise ValueError("trust_owner is for a single-user setup, never when running as root")
        owner_of = _owned_by_me
    staged_inbound = _fresh_staging(Path(staging_root), Path(exchange_root), course_id)
    report = StageReport(assignment)
    inbound = os.open(
        os.path.join(exchange_root, course_id, "inbound"), os.O_RDONLY | os.O_DIRECTORY
    )
    try:
        for name in sorted(os.listdir(inbound)):
            if f"+{assignment}+" not in name:
                continue  # not this assignment: nbgrader collect's glob would not match it
            student = None
            try:
                student = _student_of(name, assignment)
                uid = owner_of(student)
                if uid is None:
                    raise _Refused(Reason.UNKNOWN_STUDENT, f"there is no user {student!r}")
                walk = _Walk(student, uid, max_bytes, max_entries, max_depth)
                _stage(inbound, name, walk, staged_inbound)
                report.staged.append(name)
            except _Refused as refused:
                report.refused.append(
                    Refusal(_printable(name), student, refused.reason, refused.detail)
                )
    finally:
        os.close(inbound)
    return report


def format_report(report: StageReport) -> str:
    """The report for the instructor: what was staged, and each refusal with its reason."""
    lines = [f"{report.assignment}: {len(report.staged)} submission folder(s) staged for collect"]
    if report.spoofing:
        lines.append(
            f"WARNING: {len(report.spoofing)} folder(s) not owned by the student they are named "
            "for (a student submitting as someone else?): refused, nothing replaced"
        )
    if report.refused:
        lines.append(f"REFUSED {len(report.refused)} submission folder(s), not collected:")
        lines += [f"  {r.folder}: {r.reason}: {r.detail}" for r in report.refused]
    return "\n".join(lines)


def _printable(name: str) -> str:
    return name if name.isprintable() else repr(os.fsencode(name))


def _check_name(name: str, where: str) -> None:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise _Refused(Reason.NOT_UTF8, f"{where}: name is not valid UTF-8") from None
    if not name.isprintable():
        raise _Refused(Reason.BAD_NAME, f"{where}: name has control characters")


def _parse_utc(text: str):
    from nbgrader.utils import parse_utc  # nbgrader's own reading of its timestamps

    try:
        return parse_utc(text)
    except (ValueError, OverflowError):
        return None


def _student_of(name: str, assignment: str) -> str:
    """The student id in an inbound folder's name, checked to be read alike by nbgrader."""
    _check_name(name, _printable(name))
    parts = name.split("+")
    if len(parts) not in (3, 4) or parts[1] != assignment:
        raise _Refused(Reason.BAD_NAME, "not <student>+<assignment>+<timestamp>[+<random>]")
    student, stamp = parts[0], parts[2]
    if not STUDENT_ID.fullmatch(student) or ".." in student:
        raise _Refused(Reason.BAD_NAME, f"unsafe student id {student!r}")
    if len(parts) == 4 and not RANDOM_SUFFIX.fullmatch(parts[3]):
        raise _Refused(Reason.BAD_NAME, f"unexpected suffix {parts[3]!r}")
    if _parse_utc(stamp) is None:  # nbgrader collect would stop on it, for every student
        raise _Refused(Reason.BAD_NAME, f"unreadable timestamp {stamp!r}")
    # nbgrader collect reads the student id as name.rsplit("+", 3)[0]: the same, with 3-4 parts.
    return student


def _fresh_staging(staging_root: Path, exchange_root: Path, course_id: str) -> Path:
    """``<staging_root>/<course_id>/inbound``, empty, in a private folder of this user's."""
    if not staging_root.exists():
        staging_root.mkdir(parents=True, mode=0o700)
        os.chmod(staging_root, 0o700)  # mkdir's mode goes through the umask
    st = os.lstat(staging_root)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
        raise ValueError(f"{staging_root} is not a private folder (0700) of this user's")
    if exchange_root.exists() and os.path.samefile(staging_root, exchange_root):
        raise ValueError("the staging folder cannot be the exchange itself")
    inbound = staging_root / course_id / "inbound"
    inbound.mkdir(parents=True, mode=0o700, exist_ok=True)
    for old in inbound.iterdir():  # an earlier run's folders: nbgrader must not collect them
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()
    return inbound


@dataclass
class _Walk:
    """One submission being copied: whose it must be, and what it may still take."""

    student: str
    uid: int
    max_bytes: int
    max_entries: int
    max_depth: int

    def __post_init__(self):
        self.bytes_left, self.entries_left = self.max_bytes, self.max_entries


def _stage(inbound: int, name: str, walk: _Walk, staged_inbound: Path) -> None:
    """Copy inbound folder ``name`` into ``staged_inbound``, whole, or raise _Refused."""
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=staged_inbound))  # glob skips it
    try:
        folder = _open(inbound, name, "the folder", walk, folder_only=True)
        try:
            _copy_folder(folder, partial, "", walk, depth=0)
        finally:
            os.close(folder)
        _check_records(partial, name)
        os.chmod(partial, 0o755)  # as nbgrader submit leaves it; the staging root stays private
        partial.rename(staged_inbound / name)
    except BaseException:
        shutil.rmtree(partial)
        raise


def _open(parent: int, name: str, where: str, walk: _Walk, folder_only: bool = False) -> int:
    """Open ``name`` in the open folder ``parent``: a folder or regular file of the student's."""
    try:
        before = os.lstat(name, dir_fd=parent)
    except OSError as err:
        raise _Refused(Reason.UNREADABLE, f"{where}: {err.strerror}") from None
    if stat.S_ISLNK(before.st_mode):
        raise _Refused(Reason.SYMLINK, f"{where} is a symbolic link")
    if not (stat.S_ISDIR(before.st_mode) or stat.S_ISREG(before.st_mode)):  # never open those
        raise _Refused(Reason.SPECIAL_FILE, f"{where} is not a regular file or folder")
    if folder_only and not stat.S_ISDIR(before.st_mode):
        raise _Refused(Reason.NOT_A_FOLDER, f"{where} is a file, not a folder")
    try:
        fd = os.open(name, OPEN_FLAGS | (os.O_DIRECTORY if folder_only else 0), dir_fd=parent)
    except OSError as err:  # ELOOP: it has become a link since lstat
        reason = Reason.SYMLINK if err.errno == errno.ELOOP else Reason.UNREADABLE
        raise _Refused(reason, f"{where}: {err.strerror}") from None
    st = os.fstat(fd)  # from here on, only what this descriptor is counts
    problem = None
    if (st.st_dev, st.st_ino, st.st_mode) != (before.st_dev, before.st_ino, before.st_mode):
        problem = _Refused(Reason.UNREADABLE, f"{where} changed while being read")
    elif st.st_uid != walk.uid:
        owner = f"uid {st.st_uid}{_user_name(st.st_uid)}"
        problem = _Refused(
            Reason.OWNER, f"{where} is owned by {owner}, not by {walk.student} (uid {walk.uid})"
        )
    elif stat.S_ISREG(st.st_mode) and st.st_nlink != 1:
        problem = _Refused(Reason.HARD_LINK, f"{where} has {st.st_nlink} names (hard links)")
    if problem:
        os.close(fd)
        raise problem
    return fd


def _user_name(uid: int) -> str:
    try:
        return f" ({pwd.getpwuid(uid).pw_name})"
    except KeyError:
        return ""


def _copy_folder(folder: int, dest: Path, prefix: str, walk: _Walk, depth: int) -> None:
    """Copy what is in the open folder into dest; prefix: its path in the submission, with "/"."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as err:
        raise _Refused(Reason.UNREADABLE, f"{prefix or 'the folder'}: {err.strerror}") from None
    for name in names:
        inner = f"{prefix}{_printable(name)}"
        _check_name(name, inner)
        walk.entries_left -= 1
        if walk.entries_left < 0:
            raise _Refused(Reason.TOO_MANY_FILES, f"over {walk.max_entries} files and folders")
        fd = _open(folder, name, inner, walk)
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                _copy_file(fd, dest / name, inner, walk)
            elif depth >= walk.max_depth:
                raise _Refused(Reason.TOO_DEEP, f"{inner}: over {walk.max_depth} nested folders")
            else:
                (dest / name).mkdir(mode=0o755)
                _copy_folder(fd, dest / name, f"{inner}/", walk, depth + 1)
        finally:
            os.close(fd)


def _copy_file(source: int, dest: Path, where: str, walk: _Walk) -> None:
    too_large = _Refused(Reason.TOO_LARGE, f"{where}: over {walk.max_bytes} bytes in all")
    if os.fstat(source).st_size > walk.bytes_left:
        raise too_large
    with open(dest, "xb") as out:
        while True:  # never more than the budget, however the file grows meanwhile
            try:
                chunk = os.read(source, min(CHUNK, walk.bytes_left + 1))
            except OSError as err:
                raise _Refused(Reason.UNREADABLE, f"{where}: {err.strerror}") from None
            if not chunk:
                break
            walk.bytes_left -= len(chunk)
            if walk.bytes_left < 0:
                raise too_large
            out.write(chunk)
    os.chmod(dest, 0o644)  # as nbgrader submit leaves it


def _check_records(staged: Path, name: str) -> None:
    """nbgrader submit's records are there, and timestamp.txt says what the name says."""
    for record in RECORDS:
        if not (staged / record).is_file():
            raise _Refused(Reason.BAD_RECORDS, f"no {record}")
    with open(staged / "timestamp.txt", "rb") as record:
        recorded = record.read(200).decode("utf-8", "replace").strip()
    # nbgrader collect --update stops, for every student, on a timestamp.txt it cannot read.
    written = _parse_utc(recorded)
    if written is None or written != _parse_utc(name.split("+")[2]):
        raise _Refused(Reason.BAD_RECORDS, f"timestamp.txt says {recorded!r}, not the name's time")
