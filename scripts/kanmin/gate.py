"""The semver gate: does the package's version cover what changed since the last release?

Input: the diff (``kanmin.diff``) from the last recorded release (``releases/releases.json``) to the
built package, the package's version (``version`` of its ``datapackage.json``, from
``data/curated/VERSION``) and the text of CHANGELOG.md. Output: the problems (none: the gate
passes), raised as one ``DataError`` by ``check``; ``.ci/run`` runs it as ``kanmin release check``.

The rules are the CHANGELOG's (its top paragraph): a breaking change (``major`` in
``diff.LEVELS``) needs a major bump, an addition at least a minor one, a corrected value at least a
patch; an unchanged package keeps its version (a bump without a change fails, as does a version
older than the release); a new version needs its CHANGELOG entry (``## X.Y.Z — YYYY-MM-DD``). A
bump larger than the changes need passes: a reason the diff cannot see (a major version that renames the
workbook's sheets, inside a file the diff does not open) is the CHANGELOG's to give.
"""

from __future__ import annotations

import re

from .diff import ORDER, summary
from .errors import DataError, Problem
from .releases import parse_version

HINT = "bump data/curated/VERSION (and metadata.json's modified date), add its CHANGELOG entry, run make build"


def bump(old: str, new: str) -> str:
    """The kind of step from ``old`` to ``new``: major, minor, patch, none, or 'older'."""
    a, b = parse_version(old), parse_version(new)
    if b < a:
        return "older"
    if b[0] > a[0]:
        return "major"
    if b[1] > a[1]:
        return "minor"
    return "patch" if b[2] > a[2] else "none"


def needed(old: str, level: str) -> str:
    """The smallest version after ``old`` that a change of ``level`` needs."""
    major, minor, patch = parse_version(old)
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}",
            "none": old}[level]


def has_entry(changelog: str, version: str) -> bool:
    return re.search(rf"^## {re.escape(version)} — \d{{4}}-\d{{2}}-\d{{2}}\s*$", changelog, re.M) is not None


def problems(diff: dict, release: str, version: str, changelog: str, where: str = "datapackage.json") -> list[Problem]:
    """What is wrong with ``version`` for the changes in ``diff`` since ``release`` (empty: nothing)."""
    level, step = diff["level"], bump(release, version)
    worst = [text for lv, text in summary(diff["changes"]) if lv == level][:3]
    named = "; ".join(worst) + (" …" if len([c for c in diff["changes"] if c["level"] == level]) > 3 else "")
    out = []
    if step == "older":
        out.append(Problem(where, None, f"version {version} is older than the last release {release}", HINT))
    elif ORDER.index(step) < ORDER.index(level):
        out.append(Problem(where, None, f"version {version} does not cover the changes since release {release}: "
                           f"{named} ({level}); needs {needed(release, level)} or later", HINT))
    elif step != "none" and level == "none":
        out.append(Problem(where, None, f"version {version} is a {step} bump, but the package has not changed since "
                           f"release {release}", f"keep version {release}, or change the package first"))
    if step not in ("none", "older") and not has_entry(changelog, version):
        out.append(Problem("CHANGELOG.md", None, f"no entry for version {version} (a heading '## {version} — "
                           "YYYY-MM-DD')", "say what changed and how to migrate"))
    return out


def check(diff: dict, release: str, version: str, changelog: str) -> None:
    found = problems(diff, release, version, changelog)
    if found:
        raise DataError(found)
