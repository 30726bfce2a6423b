"""The release record (``releases/releases.json``) and the packages it names.

Input: the record, written by people — each released version with the commit of this repository
that built it and its date — and a reference to a package: a folder holding ``datapackage.json``,
a recorded version (``2.1.0``) or any git commit or tag of the repository. Output: plain data
(``Release``) and a folder holding that package's files (``materialise``), for ``kanmin.diff``,
the semver gate (``kanmin.gate``) and the release notes.

Why a record and not git tags: a clone or a fork may carry no tags, and the gate must know the
last release in any checkout. A commit is read with ``git archive`` into a temporary folder: only
the files a comparison reads (``PACKAGE_FILES``: the descriptor, the tables' CSVs, the catalog
that lists every distribution with its size and SHA-256). Git is needed for a version or a commit,
never for two folders.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError, Problem, UsageError
from .settings import DESCRIPTOR, RDF_DIR, RELEASES, REPO

#: What a comparison reads of a package: its descriptor, the tables (data/*.csv, by the
#: descriptor's paths) and the catalog of its distributions.
CATALOG_FILE = f"{RDF_DIR}/catalog.ttl"
PACKAGE_FILES = (DESCRIPTOR, "data", CATALOG_FILE)
SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    commit: str
    note: str = ""


def parse_version(text: str, where: str = "version") -> tuple[int, int, int]:
    """``MAJOR.MINOR.PATCH`` as three integers; anything else is a problem naming ``where``."""
    m = SEMVER.fullmatch(text)
    if not m:
        raise DataError([Problem(where, None, f"{text!r} is not a version MAJOR.MINOR.PATCH",
                                 "write the version as three numbers, e.g. 2.1.0")])
    return int(m[1]), int(m[2]), int(m[3])


def load(path: Path = RELEASES) -> list[Release]:
    """The recorded releases, oldest first; every problem of the file in one ``DataError``."""
    where = str(path)
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file", "run from a checkout of the repository, whose releases/ "
                         "records the releases") from None
    except json.JSONDecodeError as exc:
        raise DataError([Problem(where, exc.lineno, f"not JSON: {exc.msg}", "fix the file")]) from None
    problems, out = [], []
    items = doc.get("releases") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise DataError([Problem(where, None, 'expected {"releases": [...]}', "see releases/README.md")])
    for i, item in enumerate(items, 1):
        keys = {"version", "date", "commit"}
        if not isinstance(item, dict) or not keys <= item.keys():
            problems.append(Problem(where, None, f"release {i} lacks one of {sorted(keys)}", "add it"))
            continue
        if not SEMVER.fullmatch(str(item["version"])):
            problems.append(Problem(where, None, f"release {i}: {item['version']!r} is not MAJOR.MINOR.PATCH",
                                    "fix the version"))
        elif not re.fullmatch(r"[0-9a-f]{40}", str(item["commit"])):
            problems.append(Problem(where, None, f"release {item['version']}: commit {item['commit']!r} is not "
                                    "40 hexadecimal digits", "write the full commit id (git rev-parse)"))
        elif not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(item["date"])):
            problems.append(Problem(where, None, f"release {item['version']}: date {item['date']!r} is not "
                                    "YYYY-MM-DD", "fix the date"))
        else:
            out.append(Release(item["version"], item["date"], item["commit"], item.get("note", "")))
    versions = [parse_version(r.version) for r in out]
    if not problems and versions != sorted(set(versions)):
        problems.append(Problem(where, None, "the releases are not in increasing version order, or one is "
                                "recorded twice", "list each release once, oldest first"))
    if problems:
        raise DataError(problems)
    return out


def last_before(releases: list[Release], version: str) -> Release | None:
    """The newest recorded release older than ``version`` (None: there is none)."""
    older = [r for r in releases if parse_version(r.version) < parse_version(version)]
    return older[-1] if older else None


def find(releases: list[Release], version: str) -> Release | None:
    return next((r for r in releases if r.version == version), None)


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed", "install git, or compare two package folders") from None
    if done.returncode != 0:
        raise UsageError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace').strip()}",
                         "name a folder with datapackage.json, a recorded version or a commit of this repository")
    return done.stdout


def commit_of(ref: str, repo: Path = REPO, releases: list[Release] | None = None) -> str:
    """The full commit id of a recorded version or a git revision (tag, branch, commit)."""
    recorded = find(releases, ref) if releases is not None else None
    if recorded:
        return recorded.commit
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except UsageError:
        raise UsageError(f"{ref}: not a folder holding {DESCRIPTOR}, a recorded release or a commit of {repo}",
                         "name one of those (recorded: releases/releases.json)") from None


@contextmanager
def materialise(ref: str, repo: Path = REPO, releases: list[Release] | None = None) -> Iterator[tuple[Path, str]]:
    """A folder holding the package ``ref`` names, and a label for it: the folder itself (a path
    holding datapackage.json), else the files of a recorded version's commit or of a git revision,
    read with ``git archive`` into a temporary folder removed afterwards."""
    folder = Path(ref)
    if (folder / DESCRIPTOR).is_file():
        yield folder, ref
        return
    if SEMVER.fullmatch(ref) and releases is not None and find(releases, ref) is None:
        known = ", ".join(r.version for r in releases) or "none"
        raise UsageError(f"{ref}: no such release in {RELEASES.relative_to(REPO)} (recorded: {known})",
                         "name a recorded version, a commit or a folder with datapackage.json")
    if folder.exists() and not SEMVER.fullmatch(ref):
        raise UsageError(f"{ref}: no {DESCRIPTOR} in this folder", "name a folder holding a built package")
    commit = commit_of(ref, repo, releases)
    listed = _git(repo, "ls-tree", "--name-only", commit, "--", *PACKAGE_FILES).decode().split()
    tar = _git(repo, "archive", "--format=tar", commit, "--", *listed)
    with tempfile.TemporaryDirectory(prefix="kanmin-diff-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
            archive.extractall(tmp, filter="data")
        if not (Path(tmp) / DESCRIPTOR).is_file():
            raise UsageError(f"{ref}: commit {commit[:12]} has no {DESCRIPTOR}", "name a commit that built the package")
        yield Path(tmp), ref
