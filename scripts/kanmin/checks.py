"""Content checks on the tidy tables, run by every build before anything is written.

Only what the Table Schema cannot say lives here; patterns, uniqueness, enums, required values,
ranges and URL shapes are declared once in the schema (``data/curated/metadata.json``) and checked
by frictionless on the staged package, foreign keys once by ``model.foreign_key_problems``.
Checked here: rows 1..N without gaps, at least one lead ministry per policy, and no leaked page
furniture (the ``=`` leak markers of ``page_furniture.txt``) or bullet markers in any text cell
(the one exception: a support-measures item keeps its printed "・" directly before its text),
and no circle glyph (○ and its look-alikes, ◎: ``CELL_MARKS``, see ``text.MARK_LOOKALIKES``) or
budget heading in one: each belongs to a cell of its own.
The checks find ``Finding``s; ``check`` (the build, on the tidy tables) makes each a ``Problem``
naming the source file and the line of the cell that holds what is wrong (tidy keeps each text
field's source lines in the record's ``LINES`` entry), else the line the row came from;
``published`` (``kanmin validate``, through ``validation``) names the CSV, row and field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from . import text as T
from .errors import Problem
from .model import Package
from .settings import table_path
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


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the tables: in which record (its index in its table) and field, and
    the text at fault (``needle``), so that each caller can say where: the build at the source
    line, ``validation`` at the row and field of the published CSV."""

    table: str
    index: int | None  # None: the table as a whole
    field: str | None
    message: str
    hint: str
    needle: str | None = None


def check(tables: Tables, expected_rows: int, source: str, leaks: tuple[str, ...]) -> list[Problem]:
    """Every problem found in the tidy tables, each at the source line of the text at fault (an
    empty list means the build may publish)."""
    by_name = {name: getattr(tables, name) for name in ("policies", "policy_ministries", "policy_budget_projects",
                                                        *TEXT_FIELDS)}
    listed: dict[int, int] = {}  # a budget project is reported where a policy first lists it
    for b in tables.policy_budget_projects:
        listed.setdefault(b["budget_project_id"], b["source_line_start"])

    def line(f: Finding) -> int | None:
        if f.index is None:
            return None
        rec = by_name[f.table][f.index]
        start = rec.get("source_line_start") or listed.get(rec.get("budget_project_id", 0))
        cell = rec.get(LINES, {}).get(f.field, []) if f.field else []
        return (T.locate(cell, f.needle) if f.needle else None) or start

    return [Problem(source, line(f), f.message, f.hint) for f in findings(by_name, expected_rows, leaks)]


def published(package: Package) -> list[Problem]:
    """Every problem found in a published package's tables, each at the row and field of its CSV:
    its policies numbered 1..N without gaps (N its own count: a package may hold a part of the
    table), and its cells (the leak markers of page_furniture.txt are the build's: a published
    package has none)."""
    return [Problem(table_path(f.table), None, f.message, f.hint,
                    field=f.field, row=None if f.index is None else f.index + 2)
            for f in findings(package.tables, len(package.tables["policies"]), ())]


def findings(tables: Mapping[str, list[dict]], expected_rows: int, leaks: tuple[str, ...]) -> list[Finding]:
    """What is wrong: rows 1..N, a lead per policy, and the text cells (``TEXT_FIELDS``)."""
    out: list[Finding] = []
    ids = [p["policy_id"] for p in tables["policies"]]
    if ids != list(range(1, expected_rows + 1)):
        out.append(Finding("policies", None, None, f"policy ids are not 1..{expected_rows} in order: {ids}",
                           "every printed row must be extracted once"))
    leads = {pm["policy_id"] for pm in tables["policy_ministries"] if pm["role"] == "lead"}
    out += [Finding("policies", i, None, f"row {p['policy_id']}: no lead ministry (◎)",
                    "every policy names at least one lead")
            for i, p in enumerate(tables["policies"]) if p["policy_id"] not in leads]
    for table, fields in TEXT_FIELDS.items():
        for i, rec in enumerate(tables[table]):
            for f in fields:
                out += _text_findings(table, i, f, rec[f] or "", leaks)
    return out


def _text_findings(table: str, index: int, field: str, value: str, leaks: tuple[str, ...]) -> list[Finding]:
    out = []
    bad = [s for s in leaks if s in value]
    if bad:
        out.append(Finding(table, index, field, f"{table} {field} contains page furniture {bad[0]!r}",
                           "extend data/curated/page_furniture.txt", bad[0]))
    misplaced = [s for s in CELL_MARKS if s in value]
    if misplaced:
        what = f"{misplaced[0]!r}" if len(misplaced[0]) > 1 else f"{misplaced[0]!r} ({describe(misplaced[0])})"
        out.append(Finding(table, index, field, f"{table} {field} holds {what}, which only the marks, "
                           "ministries or budget heading lines print",
                           "a line of another cell landed here, or a damaged mark: fix the line", misplaced[0]))
    kept = KEPT_MARKER.get((table, field))
    leaked = [line for line in value.split("\n") if BULLET_LINE.match(line) and not (kept and kept.match(line))]
    if leaked:
        out.append(Finding(table, index, field, f"{table} {field} keeps a bullet marker: {leaked[0][:40]!r}",
                           "tidy removes bullet markers (支援策 keeps a printed ・ directly before an item's text)",
                           leaked[0][:12]))
    return out
