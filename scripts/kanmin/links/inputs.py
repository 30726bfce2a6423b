"""Read the URLs to check.

Input: the published references table (`data/policy_references.csv`: reference_id, policy_id, url,
…) or a plain list (one URL per line, `#` starts a comment line or a comment after a space).
Both are UTF-8; a byte-order mark at the start is ignored.
Output: `Target`s, one per distinct URL, in first-seen order, each with the sorted distinct
policy_ids and reference_ids that cite it. A missing file raises `UsageError`; a file that
cannot be read as the expected table or list raises `InputError` naming the file and line.
Why: the table cites some URLs more than once; each is requested once and the report says
who cites it, so results can be joined back to `references` by url or reference_id.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import USAGE, DataError, Problem, UsageError
from .model import Target

REFERENCE_COLUMNS = ("url", "policy_id", "reference_id")


class InputError(DataError):
    """An input file of the link check (references, URL list, accept list) is malformed.

    Like a usage error it exits 2: the run could not start, and exit 1 keeps meaning that a
    checked link fails."""

    exit_code = USAGE


def read_text(path: Path, hint: str) -> str:
    """The whole file as text: UTF-8, a leading byte-order mark dropped.

    `hint` says what to do when the file is missing (a usage error)."""
    if not path.is_file():
        raise UsageError("no such file", hint, file=str(path))
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read the file ({e.strerror})", "check that it is a readable file",
                         file=str(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise InputError([Problem(str(path), line, f"not UTF-8 text (byte 0x{data[e.start]:02x}); "
                                  "save it as UTF-8")]) from None


def read_csv(path: Path, text: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """(header, [(line number, row), ...]) of a CSV text; unreadable CSV is an InputError.

    A row's line number is the line where its record starts (a quoted cell may span lines; blank
    lines hold no record). Rows are what ``csv.DictReader`` gives: a missing cell is None, cells
    beyond the header are a list under the key None."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        rows = []
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if cells:
                row: dict = {**dict.fromkeys(header), **dict(zip(header, cells, strict=False))}
                if len(cells) > len(header):
                    row[None] = cells[len(header):]
                rows.append((line, row))
    except csv.Error as e:
        raise InputError([Problem(str(path), reader.line_num or 1, f"not readable as CSV ({e})",
                                  "check the quoting of that line")]) from None
    return header, rows


def from_references(path: Path) -> list[Target]:
    text = read_text(path, "run `make build` first, or pass --references or --urls")
    header, rows = read_csv(path, text)
    missing = set(REFERENCE_COLUMNS) - set(header)
    if missing:
        raise InputError([Problem(str(path), 1, f"missing column(s) {', '.join(sorted(missing))}",
                                  "expected the references table (reference_id, policy_id, url, ...)")])
    return _group([(r["url"] or "", r["policy_id"] or "", r["reference_id"] or "") for _, r in rows])


def from_url_list(path: Path) -> list[Target]:
    text = read_text(path, "--urls expects a text file, one URL per line")
    rows = []
    for line in text.splitlines():
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
