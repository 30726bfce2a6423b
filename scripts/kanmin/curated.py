"""Hand-curated inputs in ``data/curated/``: code lists, aliases, corrections, page furniture,
and the dataset metadata with the Table Schema (``metadata.json``, the single place where
titles, licence, field names and types are defined).

Each file is reviewed by a person; this module only reads them and rejects duplicate keys or
missing columns, naming the file and line. ``read_table`` is the one reader of curated CSVs.

``page_furniture.txt`` holds three kinds of lines: furniture lines (removed where they stand as a
run), anchors (``!``: a run must contain one) and leak markers (``=``: strings of page titles and
column headers that never occur inside a table cell; the build's checks refuse a cell holding one).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataError, Problem
from .settings import CURATED_DIR

#: What ``blank_cells.csv`` may say a row leaves blank: its pillar, or everything right of its overview.
BLANKABLE = ("pillar", "pillar timing")


@dataclass(frozen=True)
class Correction:
    policy_id: int
    field: str
    printed: str
    corrected: str
    kind: str
    reason: str
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


def read_table(path: Path, keys: tuple[tuple[str, ...], ...], required: tuple[str, ...]) -> list[dict]:
    """Rows of a curated CSV; each of ``keys`` must be unique and ``required`` columns present.

    Raises DataError naming the file and line of every duplicate."""
    problems: list[Problem] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError([Problem(str(path), 1, f"missing column(s) {', '.join(missing)}",
                                     f"the header must contain {', '.join(required)}")])
        rows = []
        seen: list[dict[tuple[str, ...], int]] = [{} for _ in keys]
        lineno = reader.line_num + 1  # the line a record starts on (cells may hold line breaks)
        for row in reader:
            for key, first in zip(keys, seen, strict=True):
                k = tuple(row[c] for c in key)
                if k in first:
                    problems.append(Problem(str(path), lineno,
                                            f"duplicate key {'/'.join(k)} (first on line {first[k]})",
                                            "each key may appear once; merge or delete one line"))
                first.setdefault(k, lineno)
            rows.append(row)
            lineno = reader.line_num + 1
    if problems:
        raise DataError(problems)
    return rows


def load(curated_dir: Path = CURATED_DIR) -> Curated:
    """Read every curated file; raise DataError on duplicates or missing columns."""
    d = Path(curated_dir)
    files = {name: d / name for name in (
        "metadata.json", "ministries.csv", "ministry_aliases.csv", "pillars.csv",
        "pillar_aliases.csv", "effect_categories.csv", "corrections.csv", "page_furniture.txt",
        "blank_cells.csv")}
    metadata = json.loads(files["metadata.json"].read_text(encoding="utf-8"))
    ministries = read_table(files["ministries.csv"], (("ministry_id",), ("name_ja",)),
                            ("ministry_id", "name_ja", "name_en", "kind"))
    aliases = read_table(files["ministry_aliases.csv"], (("alias",),), ("alias", "ministry_id", "reason"))
    pillars = read_table(files["pillars.csv"], (("pillar_id",), ("name_ja",)), ("pillar_id", "name_ja", "name_en"))
    p_aliases = read_table(files["pillar_aliases.csv"], (("alias",),), ("alias", "pillar_id", "reason"))
    effects = read_table(files["effect_categories.csv"], (("effect_category_id",),),
                         ("effect_category_id", "position", "name_ja", "name_en"))
    corr_rows = read_table(files["corrections.csv"], (("policy_id", "field", "printed"),),
                           ("policy_id", "field", "printed", "corrected", "kind", "reason"))
    corrections = [Correction(int(r["policy_id"]), r["field"], r["printed"], r["corrected"],
                              r["kind"], r["reason"], i + 2) for i, r in enumerate(corr_rows)]
    blank_rows = read_table(files["blank_cells.csv"], (("policy_id",),), ("policy_id", "cells", "reason"))
    problems_blank = [Problem(str(files["blank_cells.csv"]), i + 2, f"unknown cells {r['cells']!r}",
                              "list 'pillar', or 'pillar timing' for a row that prints nothing right of its overview")
                      for i, r in enumerate(blank_rows) if r["cells"] not in BLANKABLE or not r["reason"].strip()]
    problems = problems_blank + [Problem(str(files["corrections.csv"]), i + 2, "a correction needs a reason",
                                         "say why the printed value is wrong")
                                 for i, c in enumerate(corrections) if not c.reason.strip()]
    furniture, anchors, leaks = set(), set(), []
    for raw in files["page_furniture.txt"].read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw.startswith("="):
            leaks.append(raw[1:])
            continue
        text = raw[1:] if raw.startswith("!") else raw
        if text in furniture:
            problems.append(Problem(str(files["page_furniture.txt"]), None,
                                    f"duplicate furniture line {text!r}", "list each line once"))
        furniture.add(text)
        if raw.startswith("!"):
            anchors.add(text)
    known = {m["ministry_id"] for m in ministries}
    problems += [Problem(str(files["ministry_aliases.csv"]), None,
                         f"alias {a['alias']} points to unknown ministry_id {a['ministry_id']}",
                         "use an id from ministries.csv") for a in aliases if a["ministry_id"] not in known]
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
