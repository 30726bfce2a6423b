"""What the browser tests expect of the index, computed from the CSVs of the build (the ``data``
fixture of conftest.py): the rows shown, and the policies whose searched texts hold a string."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

ROWS = "#policies tbody tr"


def table(build: Path, name: str) -> list[dict]:
    with (build / "data" / f"{name}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def visible(page) -> set[int]:
    return {int(i) for i in page.eval_on_selector_all(ROWS, "rows => rows.filter(r => !r.hidden).map(r => r.dataset.id)")}


def all_ids(data) -> set[int]:
    return {int(p["policy_id"]) for p in data["policies"]}


def led_by(data, ministry: str) -> set[int]:
    return {int(a["policy_id"]) for a in data["policy_ministries"] if a["ministry_id"] == ministry and a["role"] == "lead"}


def norm(text: str) -> str:
    """The site's normalisation of searched text and of the query (views.search_text, site.js)."""
    return unicodedata.normalize("NFKC", text).lower()


def searched_parts(data) -> dict[str, dict[int, str]]:
    """Per part of a policy the site searches (name and overview, KPIs, support measures): the
    normalised text of each policy, from the CSVs."""
    kpis: dict[str, list[str]] = {}
    for k in data["kpis"]:
        kpis.setdefault(k["policy_id"], []).append(k["text"])
    return {"name+overview": {int(p["policy_id"]): norm(p["name"] + "\n" + p["overview"]) for p in data["policies"]},
            "kpis": {int(p["policy_id"]): norm("\n".join(kpis.get(p["policy_id"], []))) for p in data["policies"]},
            "support": {int(p["policy_id"]): norm(p["support_measures"]) for p in data["policies"]}}


def containing(data, text: str) -> set[int]:
    """Policies whose name, overview, KPIs or support measures contain ``text`` (NFKC, as the site)."""
    return {pid for texts in searched_parts(data).values() for pid, t in texts.items() if norm(text) in t}


def only_in(data, part: str, length: int = 6) -> str:
    """The first string of ``length`` characters (no spaces) of some policy's ``part`` that occurs in
    no other searched part of any policy: a search for it finds policies through ``part`` alone."""
    parts = searched_parts(data)
    elsewhere = "\n".join(t for name, texts in parts.items() if name != part for t in texts.values())
    for pid in sorted(parts[part]):
        text = parts[part][pid]
        for i in range(len(text) - length + 1):
            candidate = text[i:i + length]
            if not any(c.isspace() for c in candidate) and candidate not in elsewhere:
                return candidate
    raise AssertionError(f"no string of {length} characters occurs only in {part}")
