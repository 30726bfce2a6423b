"""Content checks on the tidy tables, run by every build before anything is written.

They assert what a reader of the published tables relies on and what the Table Schema cannot
express: rows 1..N without gaps, well-formed unique codes, at least one lead ministry per
policy, absolute http(s) URLs with a dotted host, and no leaked page furniture or bullet markers
in any text cell. Each failure is a ``Problem`` naming the table, row and value.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .errors import Problem
from .tidy import Tables

CODE = re.compile(r"^[0-9]{2}-[0-9]{2}$")
#: Strings that only occur in page titles and column headers of the printed table.
FURNITURE = ("施策番号", "KPI（進捗）", "KPI（効果）", "都道府県の施策に関する国の施策一覧",
             "対応する柱No", "課題・取組概要（スケジュール・効果）", "都道府県等への支援策 予算事業名")
BULLET_LINE = re.compile(r"^[ 　]*[-・]")
TEXT_FIELDS = {
    "policies": ("name", "overview", "timing", "pillar_as_printed", "support_measures"),
    "kpis": ("text", "group"),
    "references": ("label", "note"),
    "budget_projects": ("name",),
}


def check(tables: Tables, expected_rows: int) -> list[Problem]:
    """Every problem found in the tables (an empty list means the build may publish)."""
    problems: list[Problem] = []
    ids = [p["policy_id"] for p in tables.policies]
    if ids != list(range(1, expected_rows + 1)):
        problems.append(Problem("policies", None, f"policy ids are not 1..{expected_rows} in order: {ids}",
                                "every printed row must be extracted once"))
    codes: dict[str, int] = {}
    for p in tables.policies:
        code = p["policy_code"]
        if not CODE.match(code):
            problems.append(Problem("policies", p["source_line_start"],
                                    f"row {p['policy_id']}: policy code {code!r} is not NN-NN",
                                    "add a reviewed entry to data/curated/corrections.csv"))
        if code in codes:
            problems.append(Problem("policies", p["source_line_start"],
                                    f"row {p['policy_id']}: policy code {code} repeats row {codes[code]}",
                                    "codes are unique; check the source and the corrections"))
        codes.setdefault(code, p["policy_id"])
    leads = {pm["policy_id"] for pm in tables.policy_ministries if pm["role"] == "lead"}
    problems += [Problem("policy_ministries", p["source_line_start"],
                         f"row {p['policy_id']}: no lead ministry (◎)", "every policy names at least one lead")
                 for p in tables.policies if p["policy_id"] not in leads]
    for r in tables.references:
        if not url_ok(r["url"]):
            problems.append(Problem("references", r["source_line_start"],
                                    f"reference {r['reference_id']}: not an absolute http(s) URL: {r['url']!r}",
                                    "check how the URL was rejoined"))
    for table, fields in TEXT_FIELDS.items():
        for rec in getattr(tables, table):
            for f in fields:
                value = rec[f] or ""
                bad = [s for s in FURNITURE if s in value]
                if bad:
                    problems.append(Problem(table, rec.get("source_line_start"),
                                            f"{table} {f} contains page furniture {bad[0]!r}",
                                            "extend data/curated/page_furniture.txt"))
                if any(BULLET_LINE.match(line) for line in value.split("\n")):
                    problems.append(Problem(table, rec.get("source_line_start"),
                                            f"{table} {f} keeps a bullet marker: {value[:40]!r}",
                                            "bullet markers are removed by tidy"))
    return problems


def url_ok(url: str) -> bool:
    """Absolute http(s) URL with a dotted host name and no whitespace."""
    parts = urlsplit(url)
    return (parts.scheme in ("http", "https") and "." in (parts.hostname or "")
            and not any(ch.isspace() for ch in url))
