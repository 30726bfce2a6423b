"""CLI wiring for `kanmin diff` and `kanmin release …` (wiring only)."""

from __future__ import annotations

import argparse
import json
from contextlib import ExitStack
from pathlib import Path

from .settings import CHANGELOG, CURATED_DIR, DESCRIPTOR, RELEASE_DIFFS, RELEASES, REPO, in_checkout

DIFF_EXAMPLE = """examples:
  kanmin diff 2.0.0 2.1.0           two recorded releases (releases/releases.json; git reads their commits)
  kanmin diff 2.1.0 .               the last release and the package in this folder
  kanmin diff /tmp/old /tmp/new --json
exit codes: 0 (whatever changed), 1 bad input, 2 an unknown version, commit or folder"""

RELEASE_EXAMPLE = """examples:
  kanmin release check              the semver gate (.ci/run): the version covers the changes since the last release
  kanmin release notes 2.1.0        release notes: the CHANGELOG entry and the diff from the previous release
  kanmin release artefacts --out dist   the release ZIP, the workbook, the package ZIP and SHA256SUMS
  kanmin release diffs              write releases/diffs/<old>..<new>.json (the site's update history)
  kanmin release zenodo             write .zenodo.json from data/curated/metadata.json"""


def register(subparsers) -> None:
    p = subparsers.add_parser("diff", help="what changed between two packages, classified by data semver",
                              description="Compare two packages: tables, schemas (fields, types, constraints, keys), "
                                          "rows by primary key with each changed cell, metadata and distributions; "
                                          "each change classified major / minor / patch by the CHANGELOG's rules.",
                              epilog=DIFF_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("old", help="a folder holding datapackage.json, a recorded version or a git commit or tag")
    p.add_argument("new", help="the same kinds")
    p.add_argument("--json", action="store_true", help="print the diff as JSON")
    p.add_argument("--max-rows", type=int, default=20, metavar="N", help="rows and cells shown per table (Markdown)")
    p.set_defaults(func=_diff)

    release = subparsers.add_parser("release", help="the semver gate, release notes and artefacts",
                                    epilog=RELEASE_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = release.add_subparsers(metavar="COMMAND")
    p = sub.add_parser("check", help="fail unless the version covers the changes since the last recorded release",
                       epilog="example: kanmin release check --package /tmp/pkg")
    p.add_argument("--package", default=".", help="the built package (default: this folder)")
    p.add_argument("--changelog", type=Path, help="CHANGELOG.md (default: the checkout's)")
    p.set_defaults(func=_check)
    p = sub.add_parser("notes", help="print the release notes of a version",
                       epilog="example: kanmin release notes 2.1.0 > notes.md")
    p.add_argument("version")
    p.add_argument("--package", default=".", help="the package of that version (default: this folder)")
    p.set_defaults(func=_notes)
    p = sub.add_parser("artefacts", help="write the release ZIP, the workbook, the package ZIP and SHA256SUMS",
                       epilog="example: kanmin release artefacts --out dist")
    p.add_argument("--out", type=Path, required=True, help="folder to write them into")
    p.set_defaults(func=_artefacts)
    p = sub.add_parser("diffs", help="write the diff between each two consecutive recorded releases (JSON)",
                       epilog="example: kanmin release diffs")
    p.add_argument("--out", type=Path, help="folder (default: releases/diffs/ of the checkout)")
    p.set_defaults(func=_diffs)
    p = sub.add_parser("zenodo", help="write .zenodo.json from data/curated/metadata.json",
                       epilog="example: kanmin release zenodo")
    p.set_defaults(func=_zenodo)


def _diff_of(old: str, new: str, releases: list) -> dict:
    from . import diff
    from .releases import materialise

    with ExitStack() as stack:
        a, _ = stack.enter_context(materialise(old, REPO, releases))
        b, _ = stack.enter_context(materialise(new, REPO, releases))
        return diff.diff_packages(a, b)


def _records():
    from . import releases

    return releases.load(in_checkout(RELEASES, "a checkout (the release record)")) if RELEASES.is_file() else []


def _diff(args) -> int:
    from . import diff

    d = _diff_of(args.old, args.new, _records())
    print(json.dumps(d, ensure_ascii=False, indent=1) if args.json else diff.markdown(d, args.old, args.new,
                                                                                      args.max_rows), end="")
    return 0


def _version(package: str) -> str:
    return json.loads((Path(package) / DESCRIPTOR).read_text(encoding="utf-8"))["version"]


def _check(args) -> int:
    from . import gate, releases

    records = _records()
    version = _version(args.package)
    last = records[-1] if records and releases.parse_version(records[-1].version) <= releases.parse_version(version) \
        else releases.last_before(records, version)
    if last is None:
        print(f"no recorded release before {version}: nothing to compare")
        return 0
    d = _diff_of(last.version, args.package, records)
    changelog = (args.changelog or in_checkout(CHANGELOG, "--changelog")).read_text(encoding="utf-8")
    gate.check(d, last.version, version, changelog)
    print(f"version {version} covers the changes since release {last.version} (they need: {d['level']}; "
          f"the version is a {gate.bump(last.version, version)} step)")
    return 0


def _notes(args) -> int:
    from . import diff, release, releases

    records = _records()
    previous = releases.last_before(records, args.version)
    text = in_checkout(CHANGELOG, "a checkout").read_text(encoding="utf-8")
    md = None
    if previous is not None:
        md = diff.markdown(_diff_of(previous.version, args.package, records), previous.version, args.version)
    print(release.notes(args.version, text, md), end="")
    return 0


def _artefacts(args) -> int:
    from . import release

    for path in release.write_artefacts(in_checkout(REPO, "a checkout"), args.out):
        print(path)
    return 0


def _diffs(args) -> int:
    records = _records()
    out = args.out or RELEASE_DIFFS
    out.mkdir(parents=True, exist_ok=True)
    for old, new in zip(records, records[1:], strict=False):
        d = _diff_of(old.version, new.version, records)
        d["old"].update(commit=old.commit, date=old.date)
        d["new"].update(commit=new.commit, date=new.date)
        target = out / f"{old.version}..{new.version}.json"
        target.write_text(json.dumps(d, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(target)
    return 0


def _zenodo(args) -> int:
    from . import curated, release

    md = curated.load(in_checkout(CURATED_DIR, "--curated")).metadata
    target = REPO / ".zenodo.json"
    target.write_text(release.zenodo_json(md, md["version"]), encoding="utf-8")
    print(target)
    return 0
