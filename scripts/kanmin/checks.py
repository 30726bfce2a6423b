"""Content checks on the tidy tables, run by every build before anything is written.

Only what the Table Schema cannot say lives here; patterns, uniqueness, enums, required values,
ranges and URL shapes are declared once in the schema (``data/curated/metadata.json``) and checked
by frictionless on the staged package, foreign keys once by ``model.foreign_key_problems``.
Checked here: rows 1..N without gaps, at least one lead ministry per policy, and no leaked page
furniture (the ``=`` leak markers of ``page_furniture.txt``) or bullet markers in any text cell
(the one exception: a support-measures item keeps its printed "・" directly before its text),
and no circle glyph (○ and its look-alikes, ◎: ``CELL_MARKS``, see ``text.MARK_LOOKALIKES``) or
budget heading in one: each belongs to a cell of its own.
Each failure is a ``Problem`` naming the source file and the line of the cell that holds what is
wrong (tidy keeps each text field's source lines in the record's ``LINES`` entry), else the line
the row came from.
"""

from __future__ import annotations

import re

from . import text as T
from .errors import Problem
from .source import describe
from .tidy import LINES, SUPPORT_MARKERS, Tables

BULLET_LINE = re.compile(r"^[ 　]*[-・]")
#: Lines that may start with a marker: field → the form tidy gives a kept marker (the marker
#: directly before text). Anything else that matches BULLET_LINE is a leaked marker.
_KEPT = re.escape(SUPPORT_MARKERS)
KEPT_MARKER = {("policies", "support_measures"): re.compile(rf"^[{_KEPT}][^\s{_KEPT}-]")}
#: What only the ○ marks line, the ministries (◎) and the budget heading print: never in a text cell.
#: Every circle glyph an extraction may give for ○ or ◎ is here, so a damaged mark is refused.
CELL_MARKS = (*T.MARK_CHARS, *T.MARK_LOOKALIKES, *T.OTHER_CIRCLES, "予算事業名")
TEXT_FIELDS = {
    "policies": ("name", "overview", "timing", "pillar_as_printed", "support_measures"),
    "kpis": ("text", "kpi_group"),
    "policy_references": ("label", "note"),
    "budget_projects": ("name",),
}


def check(tables: Tables, expected_rows: int, source: str, leaks: tuple[str, ...]) -> list[Problem]:
    """Every problem found in the tables (an empty list means the build may publish)."""
    problems: list[Problem] = []
    ids = [p["policy_id"] for p in tables.policies]
    if ids != list(range(1, expected_rows + 1)):
        problems.append(Problem(source, None, f"policy ids are not 1..{expected_rows} in order: {ids}",
                                "every printed row must be extracted once"))
    leads = {pm["policy_id"] for pm in tables.policy_ministries if pm["role"] == "lead"}
    problems += [Problem(source, p["source_line_start"],
                         f"row {p['policy_id']}: no lead ministry (◎)", "every policy names at least one lead")
                 for p in tables.policies if p["policy_id"] not in leads]
    # a budget project is reported where a policy first lists it
    listed: dict[int, int] = {}
    for b in tables.policy_budget_projects:
        listed.setdefault(b["budget_project_id"], b["source_line_start"])
    for table, fields in TEXT_FIELDS.items():
        for rec in getattr(tables, table):
            start = rec.get("source_line_start") or listed.get(rec.get("budget_project_id", 0))
            for f in fields:
                value = rec[f] or ""
                cell = rec.get(LINES, {}).get(f, [])

                def line_of(needle: str, cell: list = cell, start: int | None = start) -> int | None:
                    return T.locate(cell, needle) or start

                bad = [s for s in leaks if s in value]
                if bad:
                    problems.append(Problem(source, line_of(bad[0]),
                                            f"{table} {f} contains page furniture {bad[0]!r}",
                                            "extend data/curated/page_furniture.txt"))
                misplaced = [s for s in CELL_MARKS if s in value]
                if misplaced:
                    what = f"{misplaced[0]!r}" if len(misplaced[0]) > 1 else \
                        f"{misplaced[0]!r} ({describe(misplaced[0])})"
                    problems.append(Problem(source, line_of(misplaced[0]),
                                            f"{table} {f} holds {what}, which only the marks, "
                                            "ministries or budget heading lines print",
                                            "a line of another cell landed here, or a damaged mark: "
                                            "fix the line"))
                kept = KEPT_MARKER.get((table, f))
                leaked = [line for line in value.split("\n")
                          if BULLET_LINE.match(line) and not (kept and kept.match(line))]
                if leaked:
                    problems.append(Problem(source, line_of(leaked[0][:12]),
                                            f"{table} {f} keeps a bullet marker: {leaked[0][:40]!r}",
                                            "tidy removes bullet markers (支援策 keeps a printed "
                                            "・ directly before an item's text)"))
    return problems
