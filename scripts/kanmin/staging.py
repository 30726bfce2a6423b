"""Staged publishing into an output folder: all or nothing, and nothing outside it.

``staged`` is the one way outputs are published: a stage writes into a fresh folder beside the
outputs, and only when the block succeeds are the files moved into place, under a journal that
makes the move all or nothing for the package (``recover`` completes one a kill interrupted); on
any failure the folder is removed and the previous outputs stay untouched.

The output folder is not trusted (issue 16): anyone who may write into a shared folder could
plant a journal, a symbolic link or a folder of the staging name there. So a build only writes
into a folder that is new, empty or marked as the output of an earlier build (``Owner``); the
journal is read as untrusted input (``read_journal``: names inside the folder only, hex digests);
every file is moved through folders opened without following a symbolic link (``_Folders``), and
recovery verifies each staged file's SHA-256 before it moves anything. What the file system
refuses (a full disk, a read-only folder, no permission) is one ``error:`` line naming the path
(``fs_error``), never a traceback.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError, Problem, UsageError, os_error
from .files import sha256_file, write_atomic

STAGING_PREFIX = ".kanmin-build-"
#: A staging folder's name as ``tempfile.mkdtemp`` makes it (its random part: letters, digits, "_").
STAGING_NAME = re.compile(re.escape(STAGING_PREFIX) + r"[A-Za-z0-9_]{1,64}")
#: The publish journal: written (atomically) once the staged package is complete, removed once
#: every file is in place. While it exists the outputs may be mixed, and ``recover`` finishes the move.
JOURNAL = ".kanmin-publish.json"
#: Held (fcntl.flock) while a build publishes into a folder: one build at a time per folder.
LOCK = ".kanmin-build.lock"
#: A journal larger than this was not written by ``staged`` (the real one is a few kB).
MAX_JOURNAL_BYTES = 16 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW


@dataclass(frozen=True)
class Owner:
    """How a non-empty output folder shows that an earlier build wrote it: ``marker`` (a path
    relative to the folder) is a regular file and ``test(path)`` accepts it, e.g. a
    datapackage.json of this package. A folder holding nothing but the publish machinery (lock,
    journal, staging folders) counts as empty."""

    marker: str
    test: Callable[[Path], bool] = lambda _path: True


@contextmanager
def staged(out: Path, notes: list[str] | None = None, owner: Owner | None = None) -> Iterator[Path]:
    """Yield an empty staging folder inside ``out``; on success publish its files into ``out``.

    ``out`` must be new, empty, or marked by ``owner`` as an earlier build's (else a
    ``UsageError``: ``--out /`` must not spill files into a file system's root). All or nothing
    for the package as a whole: the list of files, each with its SHA-256, is written to
    ``JOURNAL`` before the first file moves (``os.replace``, atomic per file), and removed after
    the last. Before the journal is written every target is checked: no symbolic link on the way
    and no folder where a file goes, else a ``DataError`` and nothing moves. Once the journal is
    written the staging folder is never deleted until every file is in place, whatever stops the
    move (SIGKILL, Ctrl-C, a full disk): the next build (``recover``) completes it, and until then
    ``kanmin validate`` reports the package as incomplete. One build at a time per folder (a
    ``DataError`` otherwise). What ``recover`` did is appended to ``notes``."""
    out = Path(out)
    journaled = False
    try:
        out = output_folder(out, owner)
        with _lock(out):
            done = recover(out)
            if notes is not None:
                notes += done
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
            try:
                yield staging
                journal = {"staging": staging.name,
                           "files": {rel: sha256_file(staging / rel)[0] for rel in staged_files(staging)}}
                _check_targets(out, journal["files"])
                write_atomic(out / JOURNAL, json.dumps(journal, indent=1) + "\n")
                journaled = True
                _roll_forward(out, journal)
            finally:
                if not journaled:
                    shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        raise fs_error(exc, out, journaled) from exc


def output_folder(out: Path, owner: Owner | None = None) -> Path:
    """``out`` as a folder a build may publish into, created if it does not exist; a
    ``UsageError`` naming the path for anything else: a file, a dangling symbolic link, or a
    folder that is neither empty nor an earlier build's (``Owner``). Returns the resolved path,
    so that a symbolic link given as ``--out`` itself is followed once, here."""
    if os.path.lexists(out) and not out.is_dir():
        if out.is_symlink():
            raise UsageError(f"--out {out}: a symbolic link to {os.readlink(out)}, which is not a folder",
                             "pass a folder (it is created if it does not exist)")
        raise UsageError(f"--out {out}: a file, not a folder", "pass a folder (it is created if it does not exist)")
    out.mkdir(parents=True, exist_ok=True)
    real = out.resolve()
    others = sorted(p.name for p in real.iterdir() if not _machinery(p))
    if not others or os.path.lexists(real / JOURNAL):
        return real  # new, empty, or an interrupted publish of ours that recover() completes
    if owner is not None:
        marker = real / owner.marker
        if marker.is_file() and not marker.is_symlink() and owner.test(marker):
            return real
    shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
    mark = f" (no {owner.marker} of an earlier build)" if owner else ""
    raise UsageError(f"--out {out}: the folder is not empty ({shown}) and not the output of an earlier build{mark}",
                     "build into a new or empty folder, or into the folder of an earlier build of this package")


def _machinery(path: Path) -> bool:
    """The publish machinery of a folder (lock, journal and its temporary file, staging folders)."""
    name = path.name
    return name in (LOCK, JOURNAL) or name.startswith(f".{JOURNAL}-") or bool(STAGING_NAME.fullmatch(name))


def fs_error(exc: OSError, out: Path, journaled: bool = False) -> BaseException:
    """What a build tells the user when the file system refuses a write into ``out``
    (``errors.os_error``: one problem naming the path and what to do; a full disk exit 1, a
    read-only or forbidden folder exit 2), and, once the journal is written, that the next build
    completes the publish. Any other OSError is returned as it is (a bug, shown with its traceback)."""
    problem = os_error(exc, out)
    if problem is None:
        return exc
    if not journaled:
        return problem
    first = problem.problems[0]
    return DataError([Problem(first.file, None, first.message,
                              f"the previous package is partly replaced and {JOURNAL} lists the rest: fix this, "
                              "then run kanmin build again, which completes the publish first")])


@contextmanager
def _lock(out: Path) -> Iterator[None]:
    """An exclusive, non-blocking lock on ``out / LOCK`` (fcntl; no lock where fcntl is missing).
    The lock file stays (git-ignored); the lock goes with the process, however it ends. The file
    is opened without following a symbolic link (a planted link must not make us create a file
    elsewhere)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: one build at a time is then the user's to keep
        yield
        return
    try:
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o666)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise DataError([Problem(str(out / LOCK), None, "a symbolic link where kanmin keeps its lock file",
                                 "remove it (kanmin creates this file itself); nothing was changed")]) from None
    with os.fdopen(fd, "r+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataError([Problem(str(out / LOCK), None, "another kanmin build is publishing into this folder",
                                     "wait for it to finish, or build into another --out")]) from None
        _HELD_LOCKS.add(fd)
        try:
            yield
        finally:
            _HELD_LOCKS.discard(fd)
            fcntl.flock(fh, fcntl.LOCK_UN)


#: The descriptors of the publish locks this process holds. A flock is held while any copy of its
#: descriptor is open, so a forked child (``processes.beside``) closes its copies at once: the lock
#: then goes with the build's own process, and a rebuild right after a ``kill -9`` is not refused
#: while a child of the killed build is still finishing.
_HELD_LOCKS: set[int] = set()


def _close_held_locks() -> None:
    for fd in _HELD_LOCKS:
        os.close(fd)
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_locks)


def recover(out: Path) -> list[str]:
    """Finish a publish that was interrupted after its journal was written, and remove staging
    folders of builds that never got so far; return what was done.

    The journal is untrusted input (``read_journal``): a journal that names anything outside the
    folder, a staged file whose SHA-256 is not the journalled one, or a symbolic link on the way
    stops recovery with a ``DataError`` before anything is moved or removed. A journal whose files
    can no longer all be put in place (a staged file is gone and the file in place is not the
    journalled one) is kept, so the folder stays reported as incomplete until a build publishes
    over it; its staging folder is kept too."""
    out = Path(out)
    done = []
    keep = None
    if os.path.lexists(out / JOURNAL):
        journal = read_journal(out)
        with _Folders(out) as target, _Folders(out, journal["staging"], missing_ok=True) as source:
            _verify_staged(source, journal)
            missing = _unplaceable(target, source, journal)
            if not missing:
                _check_targets(out, journal["files"], target)
        if missing:
            keep = journal["staging"]
            done.append(f"{out}: an interrupted publish cannot be completed ({len(missing)} files neither staged "
                        f"nor in place, e.g. {missing[0]}); the folder stays marked incomplete ({JOURNAL}) "
                        "until a build publishes into it")
        else:
            moved = _roll_forward(out, journal)
            done.append(f"{out}: completed an interrupted publish ({moved} files moved into place)")
    for stale in sorted(out.glob(STAGING_PREFIX + "*")):
        if STAGING_NAME.fullmatch(stale.name) and stale.is_dir() and not stale.is_symlink() and stale.name != keep:
            shutil.rmtree(stale, ignore_errors=True)
            done.append(f"{out}: removed {stale.name}, the staging folder of a build that did not finish")
    for half in out.glob(f".{JOURNAL}-*"):  # write_atomic's temporary file of a journal never written
        half.unlink(missing_ok=True)
    return done


def interrupted(out: Path) -> bool:
    """A publish into ``out`` was interrupted: its files may be mixed until ``recover`` runs."""
    return os.path.lexists(Path(out) / JOURNAL)


def read_journal(out: Path) -> dict:
    """The journal of ``out``, checked as untrusted input: a regular file (not a link) of JSON
    ``{"staging": <a staging folder name>, "files": {<relative path>: <SHA-256 hex>}}`` whose paths
    stay inside the folder (``safe_relative``). Anything else is a ``DataError`` that says so and
    leaves the folder as it is."""
    path = out / JOURNAL

    def refuse(why: str) -> DataError:
        return DataError([Problem(str(path), None, f"not a publish journal kanmin wrote: {why}",
                                  "nothing was changed; look at what is in the folder (someone may have edited or "
                                  f"planted the file), then delete {JOURNAL} and build again")])
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise refuse("it is a symbolic link") from None
        raise
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise refuse("it is not a regular file")
        data = fh.read(MAX_JOURNAL_BYTES + 1)
    if len(data) > MAX_JOURNAL_BYTES:
        raise refuse(f"it is larger than {MAX_JOURNAL_BYTES:,} bytes")
    try:
        journal = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise refuse(f"not JSON ({exc})") from None
    if not isinstance(journal, dict) or set(journal) != {"staging", "files"} or not isinstance(journal["files"], dict):
        raise refuse('expected {"staging": …, "files": {…}}')
    if not isinstance(journal["staging"], str) or not STAGING_NAME.fullmatch(journal["staging"]):
        raise refuse(f"the staging folder {str(journal['staging'])[:80]!r} is not a name "
                     f"{STAGING_PREFIX}… in the folder")
    for rel, digest in journal["files"].items():
        why = safe_relative(rel)
        if why:
            raise refuse(f"the file name {rel[:80]!r} {why}")
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise refuse(f"the SHA-256 of {rel[:80]!r} is not 64 hexadecimal digits")
    return journal


def safe_relative(rel: str) -> str:
    """'' when ``rel`` is a path that stays inside a folder ("a/b.csv"), else why it is not:
    absolute, empty parts, ``.`` or ``..``, a backslash or a NUL, or the publish machinery."""
    if not rel or len(rel) > 1024:
        return "is empty or too long"
    if rel.startswith("/") or "\\" in rel or "\x00" in rel:
        return "is absolute or holds a backslash or NUL"
    parts = rel.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "has an empty, '.' or '..' part"
    if _machinery(Path(parts[0])):
        return "names the publish machinery"
    return ""


class _Folders:
    """The folders under ``root`` (or ``root/name``), each opened without following a symbolic
    link, so that a move cannot leave ``root`` whatever a link planted inside it points at. The
    descriptors are cached by relative path and closed on exit."""

    def __init__(self, root: Path, name: str | None = None, missing_ok: bool = False):
        self.root = Path(root) / name if name else Path(root)
        self.fds: dict[tuple[str, ...], int | None] = {}
        base = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
        if name is None:
            self.fds[()] = base
            return
        try:
            self.fds[()] = os.open(name, _DIR_FLAGS, dir_fd=base)
        except FileNotFoundError:
            if not missing_ok:
                raise
            self.fds[()] = None
        except OSError as exc:
            if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
                raise
            raise self.unsafe(()) from None
        finally:
            os.close(base)

    def __enter__(self) -> _Folders:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for fd in self.fds.values():
            if fd is not None:
                os.close(fd)
        self.fds.clear()

    def open(self, parts: tuple[str, ...], create: bool, missing_ok: bool = False) -> int | None:
        """The folder ``parts`` below the root (None if it does not exist and ``missing_ok``)."""
        if parts in self.fds:
            return self.fds[parts]
        parent = self.open(parts[:-1], create, missing_ok)
        if parent is None:
            return None
        name = parts[-1]
        if create:
            try:
                os.mkdir(name, 0o777, dir_fd=parent)
            except FileExistsError:
                pass
        try:
            fd: int | None = os.open(name, _DIR_FLAGS, dir_fd=parent)
        except FileNotFoundError:
            if not missing_ok:
                raise
            fd = None
        except OSError as exc:
            if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
                raise
            raise self.unsafe(parts) from None
        self.fds[parts] = fd
        return fd

    def unsafe(self, parts: tuple[str, ...]) -> DataError:
        path = self.root.joinpath(*parts)
        if path.is_symlink():
            what = f"a symbolic link (to {os.readlink(path)}); the build writes only inside the output folder"
            hint = f"replace the link with a folder (rm {path}), or build into another --out; nothing was changed"
        else:
            what = "a file where the build needs a folder"
            hint = f"remove or rename {path}, or build into another --out; nothing was changed"
        return DataError([Problem(str(path), None, what, hint)])

    def file(self, rel: str) -> tuple[int | None, str]:
        """(descriptor of the folder holding ``rel`` or None, its last name), without creating."""
        *folders, name = rel.split("/")
        return self.open(tuple(folders), create=False, missing_ok=True), name


def _kind_at(folder: int | None, name: str) -> int | None:
    """The ``stat`` file type of ``name`` in ``folder`` (not following a link), None if absent."""
    if folder is None:
        return None
    try:
        return stat.S_IFMT(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return None


def _sha256_at(folder: int, name: str) -> str | None:
    """The SHA-256 of the regular file ``name`` in ``folder``, or None for anything else."""
    try:
        fd = os.open(name, os.O_RDONLY | _NOFOLLOW, dir_fd=folder)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOENT):
            return None
        raise
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        digest = hashlib.sha256()
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_targets(out: Path, files: Iterable[str], target: _Folders | None = None) -> None:
    """Every file can be moved into place without leaving ``out``: no symbolic link or file where
    a folder is on the way, no folder where a file goes. Checked before the journal is written (or
    before recovery moves anything), so a refusal changes nothing."""
    with _Folders(out) if target is None else nullcontext(target) as folders:
        for rel in files:
            folder, name = folders.file(rel)
            if _kind_at(folder, name) == stat.S_IFDIR:
                raise DataError([Problem(str(out / rel), None, "a folder where the build writes a file",
                                         f"remove or rename {out / rel}, or build into another --out; nothing was "
                                         "changed")])


def _verify_staged(source: _Folders, journal: dict) -> None:
    """Every staged file of an interrupted publish is a regular file with its journalled SHA-256
    (else a ``DataError``: recovery moves nothing it cannot vouch for)."""
    for rel, digest in journal["files"].items():
        folder, name = source.file(rel)
        kind = _kind_at(folder, name)
        if kind is None:
            continue
        if folder is None or kind != stat.S_IFREG or _sha256_at(folder, name) != digest:
            raise DataError([Problem(str(source.root / rel), None,
                                     "a staged file of an interrupted publish is not the one its journal lists "
                                     "(another SHA-256, or not a regular file)",
                                     f"nothing was changed; look at the folder, then delete {JOURNAL} and "
                                     f"{journal['staging']} and build again")])


def _unplaceable(target: _Folders, source: _Folders, journal: dict) -> list[str]:
    """The journalled files that are neither staged nor in place with their journalled SHA-256."""
    missing = []
    for rel, digest in journal["files"].items():
        folder, name = source.file(rel)
        if _kind_at(folder, name) is not None:
            continue
        folder, name = target.file(rel)
        if folder is None or _sha256_at(folder, name) != digest:
            missing.append(rel)
    return missing


def _roll_forward(out: Path, journal: dict) -> int:
    """Move every file the journal lists that is still staged into place; then drop the journal.
    Idempotent: a second run after a kill during the first moves the rest. Both ends are reached
    through ``_Folders``, so no symbolic link is followed."""
    moved = 0
    with _Folders(out) as target, _Folders(out, journal["staging"], missing_ok=True) as source:
        for rel in journal["files"]:
            folder, name = source.file(rel)
            if folder is None or _kind_at(folder, name) != stat.S_IFREG:
                continue
            *parents, _ = rel.split("/")
            into = target.open(tuple(parents), create=True)
            os.replace(name, name, src_dir_fd=folder, dst_dir_fd=into)
            moved += 1
    (out / JOURNAL).unlink()
    staging = out / journal["staging"]
    if staging.is_dir() and not staging.is_symlink():
        shutil.rmtree(staging, ignore_errors=True)
    return moved


def staged_files(staging: Path) -> list[str]:
    """The files under a staging folder, relative and sorted (what ``staged`` will publish)."""
    return sorted(p.relative_to(staging).as_posix() for p in Path(staging).rglob("*") if p.is_file())
