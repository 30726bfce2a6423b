"""Hand-curated inputs in ``data/curated/``: code lists, aliases, corrections, page furniture,
and the dataset metadata with the Table Schema (``metadata.json``, the single place where
titles, licence, field names and types are defined).

Each file is reviewed by a person; this module only reads them and rejects what they cannot mean
(duplicate keys or lines, missing columns, an alias of an unknown ministry or pillar, a row of
``blank_cells.csv`` that is no row number, no known cell list or has no reason, a correction
without a reason in English (``reason``) and in Japanese (``reason_ja``): the dataset site shows
both), each problem naming the file and its physical line. ``read_records`` is the
one reader of curated CSVs (``read_table`` keeps only the cells): a quoted cell may hold line
breaks, so a record's line is where the csv reader found it, not its index.

``metadata.json`` holds the dataset metadata but its version, which is ``VERSION`` (the one
home of the version: the Python package's too, ``pyproject.toml`` reads it); ``load`` puts it into
the metadata. A field's ``pattern`` may name a rule defined in code (``PATTERNS``: ``@text``,
``@ascii-text``, ``@web-url``) instead of repeating its regular expression; ``load`` puts the
expression in, so the published Table Schemas hold it and each rule has one home.

``page_furniture.txt`` holds three kinds of lines: furniture lines (removed where they stand as a
run), anchors (``!``: a run must contain one) and leak markers (``=``: strings of page titles and
column headers that never occur inside a table cell; the build's checks refuse a cell holding one).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from . import source, urls
from .errors import DataError, Problem
from .settings import CURATED_DIR

#: What ``blank_cells.csv`` may say a row leaves blank: its pillar, or everything right of its overview.
BLANKABLE = ("pillar", "pillar timing")
#: The curated files, each read by ``load``.
FILES = ("metadata.json", "VERSION", "ministries.csv", "ministry_aliases.csv", "pillars.csv", "pillar_aliases.csv",
         "effect_categories.csv", "corrections.csv", "page_furniture.txt", "blank_cells.csv")
#: The rules a field of metadata.json names as its ``pattern`` ("@name"), each defined once in code:
#: free text (no control or format character, no formula start: ``source``), printable ASCII
#: text, and a citable web URL (``urls``), which is free text too.
PATTERNS = {
    "@text": source.TEXT_PATTERN,
    "@ascii-text": source.ASCII_TEXT_PATTERN,
    "@web-url": f"(?={source.TEXT_PATTERN}$){urls.WEB_URL_PATTERN}",
}


@dataclass(frozen=True)
class Correction:
    policy_id: int
    field: str
    printed: str
    corrected: str
    kind: str
    reason: str  # English
    reason_ja: str  # the same reason in Japanese (the site shows both)
    line: int = 0  # in corrections.csv


@dataclass
class Curated:
    metadata: dict
    ministries: list[dict]
    ministry_aliases: dict[str, str]
    pillars: list[dict]
    pillar_aliases: dict[str, str]
    effect_categories: list[dict]
    corrections: list[Correction]
    furniture: set[str]
    furniture_anchors: set[str]
    furniture_leaks: tuple[str, ...]
    files: dict[str, Path] = field(default_factory=dict)
    #: policy_id → the cells the row prints blank, not even "-" (``blank_cells.csv``).
    blank_cells: dict[int, set[str]] = field(default_factory=dict)

    def ministry_by_name(self) -> dict[str, str]:
        """Printed name (canonical or alias) -> ministry_id."""
        names = {m["name_ja"]: m["ministry_id"] for m in self.ministries}
        return {**names, **self.ministry_aliases}

    def pillar_by_name(self) -> dict[str, str]:
        names = {p["name_ja"]: p["pillar_id"] for p in self.pillars}
        return {**names, **self.pillar_aliases}


def _metadata(path: Path, version_file: Path) -> dict:
    """metadata.json with its version (``VERSION``) and its named patterns resolved (``PATTERNS``)."""
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataError([Problem(str(path), getattr(exc, "lineno", None), f"not JSON: {exc}",
                                 "fix the file")]) from None
    version = version_file.read_text(encoding="utf-8").strip()
    if "version" in metadata or not version or len(version.split()) != 1:
        raise DataError([Problem(str(version_file), None, f"the version must be the one word of {version_file.name} "
                                 "(and metadata.json must not have one)", "write MAJOR.MINOR.PATCH, see CHANGELOG.md")])
    metadata["version"] = version
    problems = []
    for res in metadata.get("resources", []):
        for f in res.get("fields", []):
            constraints = f.get("constraints", {})
            name = constraints.get("pattern", "")
            if name.startswith("@"):
                if name in PATTERNS:
                    constraints["pattern"] = PATTERNS[name]
                else:
                    problems.append(Problem(str(path), None, f"{res.get('name')}.{f.get('name')}: unknown named "
                                            f"pattern {name!r}", f"use one of {', '.join(PATTERNS)}, or a "
                                            "regular expression"))
    if problems:
        raise DataError(problems)
    return metadata


@dataclass(frozen=True)
class Record:
    """One record of a curated CSV: the physical line of the file where it starts, and its cells."""

    line: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells[column]


def read_table(path: Path, keys: tuple[tuple[str, ...], ...], required: tuple[str, ...]) -> list[dict]:
    """The cells of each record of a curated CSV (``read_records``)."""
    return [r.cells for r in read_records(path, keys, required)]


def read_records(path: Path, keys: tuple[tuple[str, ...], ...], required: tuple[str, ...]) -> list[Record]:
    """Records of a curated CSV; each of ``keys`` must be unique and ``required`` columns present.

    A record's line is the physical line where it starts (a quoted cell may span lines; blank lines
    hold no record). A record with fewer cells than the header has the missing ones empty; one with
    more, or text the csv module cannot read, is a problem. Raises DataError naming the file and
    line of every problem."""
    problems: list[Problem] = []
    rows: list[Record] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, [])
            missing = [c for c in required if c not in header]
            if missing:
                raise DataError([Problem(str(path), 1, f"missing column(s) {', '.join(missing)}",
                                         f"the header must contain {', '.join(required)}")])
            seen: list[dict[tuple[str, ...], int]] = [{} for _ in keys]
            start = reader.line_num + 1
            for cells in reader:
                line, start = start, reader.line_num + 1
                if not cells:
                    continue
                if len(cells) > len(header):
                    problems.append(Problem(str(path), line, f"{len(cells)} cells, and the header has "
                                            f"{len(header)} columns", "quote a cell that holds a comma"))
                    continue
                row = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
                for key, first in zip(keys, seen, strict=True):
                    k = tuple(row[c] for c in key)
                    if k in first:
                        problems.append(Problem(str(path), line,
                                                f"duplicate key {'/'.join(k)} (first on line {first[k]})",
                                                "each key may appear once; merge or delete one line"))
                    first.setdefault(k, line)
                rows.append(Record(line, row))
        except csv.Error as exc:
            raise DataError([Problem(str(path), reader.line_num, f"not readable as CSV ({exc})",
                                     "check the quoting of that line")]) from None
    if problems:
        raise DataError(problems)
    return rows


def _row_number(value: str) -> int | None:
    """A policy_id cell as a row number (1, 2, …), or None when it is none."""
    return int(value) if value.isascii() and value.isdigit() and int(value) > 0 else None


def load(curated_dir: Path = CURATED_DIR) -> Curated:
    """Read every curated file; raise DataError listing every problem (module docstring), or for a
    missing file."""
    d = Path(curated_dir)
    files = {name: d / name for name in FILES}
    absent = [p for p in files.values() if not p.is_file()]
    if absent:
        raise DataError([Problem(str(p), None, "missing: a curated input of the build",
                                 "pass the curated folder of the repository (data/curated/)") for p in absent])
    metadata = _metadata(files["metadata.json"], files["VERSION"])
    ministries = read_table(files["ministries.csv"], (("ministry_id",), ("name_ja",)),
                            ("ministry_id", "name_ja", "name_en", "kind"))
    aliases = read_records(files["ministry_aliases.csv"], (("alias",),), ("alias", "ministry_id", "reason"))
    pillars = read_table(files["pillars.csv"], (("pillar_id",), ("name_ja",)), ("pillar_id", "name_ja", "name_en"))
    p_aliases = read_records(files["pillar_aliases.csv"], (("alias",),), ("alias", "pillar_id", "reason"))
    effects = read_table(files["effect_categories.csv"], (("effect_category_id",),),
                         ("effect_category_id", "position", "name_ja", "name_en"))
    corr_rows = read_records(files["corrections.csv"], (("policy_id", "field", "printed"),),
                           ("policy_id", "field", "printed", "corrected", "kind", "reason", "reason_ja"))
    problems = [Problem(str(files["corrections.csv"]), r.line, f"policy_id {r['policy_id']!r} is not a row number",
                        "give the row's number (No) as printed, e.g. 38")
                for r in corr_rows if _row_number(r["policy_id"]) is None]
    corrections = [Correction(int(r["policy_id"]), r["field"], r["printed"], r["corrected"], r["kind"], r["reason"],
                              r["reason_ja"], r.line) for r in corr_rows if _row_number(r["policy_id"]) is not None]
    for c in corrections:
        if not c.reason.strip():
            problems.append(Problem(str(files["corrections.csv"]), c.line, "a correction needs a reason",
                                    "say why the printed value is wrong"))
        if not c.reason_ja.strip():
            problems.append(Problem(str(files["corrections.csv"]), c.line,
                                    "a correction needs a Japanese reason (reason_ja)",
                                    "write the reason in Japanese too: the dataset site shows both"))
    blank_rows = read_records(files["blank_cells.csv"], (("policy_id",),), ("policy_id", "cells", "reason"))
    problems += _blank_cell_problems(str(files["blank_cells.csv"]), blank_rows)
    furniture, anchors, leaks = _furniture(files["page_furniture.txt"], problems)
    known = {m["ministry_id"] for m in ministries}
    problems += [Problem(str(files["ministry_aliases.csv"]), a.line,
                         f"alias {a['alias']!r} points to unknown ministry_id {a['ministry_id']!r}",
                         "use a ministry_id of ministries.csv") for a in aliases if a["ministry_id"] not in known]
    known = {p["pillar_id"] for p in pillars}
    problems += [Problem(str(files["pillar_aliases.csv"]), a.line,
                         f"alias {a['alias']!r} points to unknown pillar_id {a['pillar_id']!r}",
                         "use a pillar_id of pillars.csv") for a in p_aliases if a["pillar_id"] not in known]
    if problems:
        raise DataError(problems)
    return Curated(
        metadata=metadata,
        ministries=ministries,
        ministry_aliases={a["alias"]: a["ministry_id"] for a in aliases},
        pillars=pillars,
        pillar_aliases={a["alias"]: a["pillar_id"] for a in p_aliases},
        effect_categories=effects,
        corrections=corrections,
        furniture=furniture,
        furniture_anchors=anchors,
        furniture_leaks=tuple(leaks),
        files=files,
        blank_cells={int(r["policy_id"]): set(r["cells"].split()) for r in blank_rows},
    )


def _blank_cell_problems(path: str, rows: list[Record]) -> list[Problem]:
    """A row of ``blank_cells.csv`` names a row number, one of ``BLANKABLE`` and a reason."""
    problems = []
    for r in rows:
        if _row_number(r["policy_id"]) is None:
            problems.append(Problem(path, r.line, f"policy_id {r['policy_id']!r} is not a row number",
                                    "give the row's number (No) as printed, e.g. 44"))
        if r["cells"] not in BLANKABLE:
            problems.append(Problem(path, r.line, f"unknown cells {r['cells']!r}",
                                    "list 'pillar', or 'pillar timing' for a row that prints nothing right of "
                                    "its overview"))
        if not r["reason"].strip():
            problems.append(Problem(path, r.line, "a blank cell needs a reason", "say what the row prints instead"))
    return problems


def _furniture(path: Path, problems: list[Problem]) -> tuple[set[str], set[str], tuple[str, ...]]:
    """(furniture lines, anchors, leak markers) of ``page_furniture.txt``; a line listed twice (as
    furniture or anchor, or as a leak marker) is a problem at its second line."""
    furniture: dict[str, int] = {}
    anchors: set[str] = set()
    leaks: dict[str, int] = {}
    # split("\n"), not splitlines(): the line numbers are the file's, whatever other breaks a line holds
    for n, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        seen, text = (leaks, raw[1:]) if raw.startswith("=") else (furniture, raw.removeprefix("!"))
        if text in seen:
            what = "leak marker" if seen is leaks else "furniture line"
            problems.append(Problem(str(path), n, f"duplicate {what} {text!r} (first on line {seen[text]})",
                                    "list each line once"))
            continue
        seen[text] = n
        if raw.startswith("!"):
            anchors.add(text)
    return set(furniture), anchors, tuple(leaks)
