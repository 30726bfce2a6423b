"""Read the URLs to check.

Input: the published references table (`data/references.csv`: reference_id, policy_id, url,
…) or a plain list (one URL per line, `#` starts a comment line or a comment after a space).
Output: `Target`s, one per distinct URL, in first-seen order, each with the sorted distinct
policy_ids and reference_ids that cite it.
Why: the table cites some URLs more than once; each is requested once and the report says
who cites it, so results can be joined back to `references` by url or reference_id.
"""
from __future__ import annotations

import csv
from pathlib import Path

from .model import Target


class InputError(Exception):
    """An input file is missing or malformed; the message says what to do."""


def from_references(path: Path) -> list[Target]:
    if not path.is_file():
        raise InputError(f"{path}: no such file; run `make build` first, or pass --references or --urls")
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"url", "policy_id", "reference_id"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(sorted(missing))}; "
                             "expected the references table (reference_id, policy_id, url, ...)")
        rows = [(r["url"] or "", r["policy_id"] or "", r["reference_id"] or "") for r in reader]
    return _group(rows)


def from_url_list(path: Path) -> list[Target]:
    if not path.is_file():
        raise InputError(f"{path}: no such file (--urls expects a text file, one URL per line)")
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#"):
            continue
        line = line.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if line:
            rows.append((line, "", ""))
    return _group(rows)


def _group(rows: list[tuple[str, str, str]]) -> list[Target]:
    cites: dict[str, tuple[set, set]] = {}
    for url, policy, ref in rows:
        url = url.strip()
        if not url:
            continue
        policies, refs = cites.setdefault(url, (set(), set()))
        if policy:
            policies.add(policy)
        if ref:
            refs.add(ref)
    return [Target(u, tuple(sorted(p)), tuple(sorted(r))) for u, (p, r) in cites.items()]
