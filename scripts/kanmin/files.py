"""File mechanics shared by every stage: staged publishing, hashing, atomic writes, Markdown tables.

``staged`` is the one way outputs are published: a stage writes into a fresh folder beside the
outputs, and only when the block succeeds are the files moved into place, under a journal that
makes the move all or nothing for the package (``recover`` completes one a kill interrupted); on
any failure the folder is removed and the previous outputs stay untouched. ``sha256_file`` is the one place a
file's size and SHA-256 are computed; ``markdown_table`` the one Markdown table writer (tabulate,
with cells escaped so that a ``|`` or a line break in a value cannot break the table), and
``md_text`` / ``md_url`` the one way an untrusted value goes into Markdown as literal text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import DataError, Problem

STAGING_PREFIX = ".kanmin-build-"
#: The publish journal: written (atomically) once the staged package is complete, removed once
#: every file is in place. While it exists the outputs may be mixed, and ``recover`` finishes the move.
JOURNAL = ".kanmin-publish.json"
#: Held (fcntl.flock) while a build publishes into a folder: one build at a time per folder.
LOCK = ".kanmin-build.lock"


@contextmanager
def staged(out: Path, notes: list[str] | None = None) -> Iterator[Path]:
    """Yield an empty staging folder inside ``out``; on success publish its files into ``out``.

    All or nothing for the package as a whole: the list of files, each with its SHA-256, is
    written to ``JOURNAL`` before the first file moves (``os.replace``, atomic per file), and
    removed after the last. Once the journal is written the staging folder is never deleted until
    every file is in place, whatever stops the move (SIGKILL, Ctrl-C, a full disk): the next build
    (``recover``) completes it, and until then ``kanmin validate`` reports the package as
    incomplete. One build at a time per folder (a ``DataError`` otherwise). What ``recover`` did
    is appended to ``notes``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with _lock(out):
        done = recover(out)
        if notes is not None:
            notes += done
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
        journaled = False
        try:
            yield staging
            journal = {"staging": staging.name,
                       "files": {rel: sha256_file(staging / rel)[0] for rel in staged_files(staging)}}
            write_atomic(out / JOURNAL, json.dumps(journal, indent=1) + "\n")
            journaled = True
            _roll_forward(out, journal)
        finally:
            if not journaled:
                shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def _lock(out: Path) -> Iterator[None]:
    """An exclusive, non-blocking lock on ``out / LOCK`` (fcntl; no lock where fcntl is missing).
    The lock file stays (git-ignored); the lock goes with the process, however it ends."""
    try:
        import fcntl
    except ImportError:  # not POSIX: one build at a time is then the user's to keep
        yield
        return
    with open(out / LOCK, "a+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataError([Problem(str(out / LOCK), None, "another kanmin build is publishing into this folder",
                                     "wait for it to finish, or build into another --out")]) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def recover(out: Path) -> list[str]:
    """Finish a publish that was interrupted after its journal was written, and remove staging
    folders of builds that never got so far; return what was done.

    A journal whose files can no longer all be put in place (a staged file is gone and the file
    in place is not the journalled one) is kept, so the folder stays reported as incomplete until
    a build publishes over it; its staging folder is kept too."""
    out = Path(out)
    done = []
    keep = None
    if (out / JOURNAL).is_file():
        journal = json.loads((out / JOURNAL).read_text(encoding="utf-8"))
        missing = _unplaceable(out, journal)
        if missing:
            keep = journal["staging"]
            done.append(f"{out}: an interrupted publish cannot be completed ({len(missing)} files neither staged "
                        f"nor in place, e.g. {missing[0]}); the folder stays marked incomplete ({JOURNAL}) "
                        "until a build publishes into it")
        else:
            moved = _roll_forward(out, journal)
            done.append(f"{out}: completed an interrupted publish ({moved} files moved into place)")
    for stale in sorted(out.glob(STAGING_PREFIX + "*")):
        if stale.is_dir() and stale.name != keep:
            shutil.rmtree(stale, ignore_errors=True)
            done.append(f"{out}: removed {stale.name}, the staging folder of a build that did not finish")
    for half in out.glob(f".{JOURNAL}-*"):  # write_atomic's temporary file of a journal never written
        half.unlink(missing_ok=True)
    return done


def interrupted(out: Path) -> bool:
    """A publish into ``out`` was interrupted: its files may be mixed until ``recover`` runs."""
    return (Path(out) / JOURNAL).is_file()


def _unplaceable(out: Path, journal: dict) -> list[str]:
    """The journalled files that are neither staged nor in place with their journalled SHA-256."""
    staging = out / journal["staging"]
    return [rel for rel, digest in journal["files"].items()
            if not (staging / rel).is_file()
            and not ((out / rel).is_file() and sha256_file(out / rel)[0] == digest)]


def _roll_forward(out: Path, journal: dict) -> int:
    """Move every file the journal lists that is still staged into place; then drop the journal.
    Idempotent: a second run after a kill during the first moves the rest."""
    staging = out / journal["staging"]
    moved = 0
    for rel in journal["files"]:
        source = staging / rel
        if source.is_file():
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            moved += 1
    (out / JOURNAL).unlink()
    shutil.rmtree(staging, ignore_errors=True)
    return moved


def staged_files(staging: Path) -> list[str]:
    """The files under a staging folder, relative and sorted (what ``staged`` will publish)."""
    return sorted(p.relative_to(staging).as_posix() for p in Path(staging).rglob("*") if p.is_file())


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a whole file or nothing: a temporary sibling, then ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> tuple[str, int]:
    """(SHA-256 hex digest, size in bytes) of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def md_cell(value: object) -> str:
    """A value as one Markdown table cell: ``|`` escaped, line breaks as spaces."""
    return "" if value is None else str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


# Characters Markdown may read as inline syntax (emphasis, code, links, images, raw HTML,
# entities, strikethrough, GitHub math); `|` is md_cell's. Backslash escapes are CommonMark.
_MD_SYNTAX = re.compile(r"([\\`*_\[\]<>&~$])")
# A CommonMark autolink: scheme, then no space, control character, `<` or `>`.
_AUTOLINK = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\x00-\x20<>\x7f]*")


def md_text(value: object) -> str:
    """A value shown literally in Markdown (e.g. text from a data file, a server or a PR)."""
    return "" if value is None else _MD_SYNTAX.sub(r"\\\1", str(value))


def md_url(url: str | None) -> str:
    """A URL as a Markdown autolink `<url>`, or as literal text when it cannot be one: a URL
    like `http://a/x>[click](https://b/)<` must not turn into a link with other text."""
    if not url:
        return ""
    return f"<{url}>" if _AUTOLINK.fullmatch(url) else md_text(url)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]],
                   align: Sequence[str] | None = None) -> str:
    """A GitHub-flavoured Markdown table (tabulate), every cell escaped with ``md_cell``."""
    from tabulate import tabulate

    body = [[md_cell(c) for c in row] for row in rows]
    text = tabulate(body, headers=[md_cell(h) for h in headers], tablefmt="pipe",
                    colalign=tuple(align) if align else None, disable_numparse=True)
    return text
