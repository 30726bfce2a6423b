"""What each page of the site shows, as plain dicts made from the package model.

Input: the ``model.Package`` (typed rows and the curated metadata with the bilingual field titles),
the corrections the build applied (``curated.Correction``), the link-check results by URL (or
none) and the published files the catalog describes (``distributions.PublishedFile``: the
registry's entry, measured). Output: the
view of every policy, ministry and file, in the published order. Nothing here reads a file or
formats HTML: the templates do that, with autoescaping.

Labels of fields come from the Table Schema's titles (``title_of``), so a field is named in one
place. The index's search data (``search_data``) holds each policy's searched texts beyond its
name (overview, KPIs, support measures) as printed, field by field, with the fields' Japanese
titles: the page's script shows a snippet of the field a word was found in, with the word marked,
so it needs the printed text and where each field ends. The script, not the build, normalises
(NFKC, lower case) both that text and the query, one character at a time so that it knows where a
normalised match lies in the printed text; a half-width ｵｰﾌﾟﾝﾃﾞｰﾀ therefore finds オープンデータ,
and Japanese is matched as a substring (there are no spaces between its words to split on).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..distributions import PublishedFile
from ..links.model import NOT_CHECKED, STATUS_LABELS
from ..model import Package, Row

#: The label of an effect flag: True, False, None (unknown: the text does not say; see README).
EFFECT_LABELS = {True: ("○", "expected"), False: ("－", "not expected"), None: ("不明", "unknown")}
NO_PILLAR = "none"
NO_YEAR = "none"


#: The fields of a policy that the index searches besides its name, in the order its snippets
#: prefer them: (resource, field) of the Table Schema, whose Japanese title labels a snippet.
SEARCHED = (("policies", "overview"), ("kpis", "text"), ("policies", "support_measures"))


def title_of(pkg: Package, resource: str, field: str) -> dict[str, str]:
    """The bilingual title of a field, from the Table Schema."""
    return next(f["title"] for f in pkg.resource(resource)["fields"] if f["name"] == field)


def _by(rows: Iterable[Row], key: str) -> dict[Any, list[Row]]:
    out: dict[Any, list[Row]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out


def _groups(kpis: list[Row]) -> list[dict]:
    """KPIs of one kind in printed order, cut into runs of the same ＜group＞ heading."""
    groups: list[dict] = []
    for kpi in sorted(kpis, key=lambda k: k["position"]):
        if not groups or groups[-1]["heading"] != kpi["kpi_group"]:
            groups.append({"heading": kpi["kpi_group"], "entries": []})
        groups[-1]["entries"].append(kpi)
    return groups


def policies(pkg: Package, corrections: Sequence[Any], links: dict[str, dict] | None) -> list[dict]:
    """One view per policy, in row order: the row, its pillar, ministries (printed order, leads
    marked), KPIs by kind and group, budget projects, references with their link status, effect
    flags with their category names, the corrections applied to the row and its searched texts
    (``SEARCHED``, as printed)."""
    t = pkg.tables
    ministries = {m["ministry_id"]: m for m in t["ministries"]}
    pillars = {p["pillar_id"]: p for p in t["pillars"]}
    projects = {b["budget_project_id"]: b for b in t["budget_projects"]}
    attributions = _by(t["policy_ministries"], "policy_id")
    kpis = _by(t["kpis"], "policy_id")
    refs = _by(t["policy_references"], "policy_id")
    listings = _by(t["policy_budget_projects"], "policy_id")
    categories = sorted(t["effect_categories"], key=lambda c: c["position"])
    fixes = _by(({"policy_id": c.policy_id, "field": c.field, "printed": c.printed, "corrected": c.corrected,
                  "kind": c.kind, "reason": {"ja": c.reason_ja, "en": c.reason}} for c in corrections), "policy_id")
    out = []
    for p in t["policies"]:
        pid = p["policy_id"]
        members = [{**a, "ministry": ministries[a["ministry_id"]]}
                   for a in sorted(attributions.get(pid, []), key=lambda a: a["position"])]
        own_kpis = kpis.get(pid, [])
        kinds = {kind: _groups([k for k in own_kpis if k["kind"] == kind]) for kind in ("progress", "effect")}
        references = [{**r, "link": (link := (links or {}).get(r["url"])),
                       "status": STATUS_LABELS.get(link["status"], (link["status"], link["status"])) if link else None,
                       "not_checked": (link or {}).get("status") in NOT_CHECKED}
                      for r in sorted(refs.get(pid, []), key=lambda r: r["position"])]
        budget = [{**b, "project": projects[b["budget_project_id"]]}
                  for b in sorted(listings.get(pid, []), key=lambda b: b["position"])]
        effects = [{"category": c, "value": p["effect_" + c["effect_category_id"]],
                    "label": EFFECT_LABELS[p["effect_" + c["effect_category_id"]]]} for c in categories]
        out.append({
            "row": p,
            "pillar": pillars.get(p["pillar_id"]),
            "ministries": members,
            "leads": [m for m in members if m["role"] == "lead"],
            "kpis": kinds,
            "kpi_count": len(own_kpis),
            "kpis_not_set": sum(1 for k in own_kpis if k["not_set"]),
            "references": references,
            "budget": budget,
            "effects": effects,
            "effects_unknown": any(e["value"] is None for e in effects),
            "corrections": fixes.get(pid, []),
            "overview": (p["overview"] or "").split("\n") if p["overview"] else [],
            "support": (p["support_measures"] or "").split("\n") if p["support_measures"] else [],
            # the texts of SEARCHED as printed; the KPIs one a line, in the order the policy page shows them
            "search": [p["overview"] or "",
                       "\n".join(k["text"] for kind in kinds.values() for g in kind for k in g["entries"]),
                       p["support_measures"] or ""],
        })
    return out


def search_data(pkg: Package, views: list[dict]) -> dict:
    """What the index's script searches besides the rows of the table: ``fields``, the Japanese
    titles of ``SEARCHED`` (a snippet's label), and ``policies``, No → the texts of those fields as
    printed (the KPIs one a line). Not normalised: the script normalises, see the module's doc."""
    return {"fields": [title_of(pkg, resource, field)["ja"] for resource, field in SEARCHED],
            "policies": {str(v["row"]["policy_id"]): v["search"] for v in views}}


def ministries(pkg: Package, views: list[dict]) -> list[dict]:
    """One view per ministry (table order): the policies it leads and those it shares, each in
    row order."""
    out = []
    for m in pkg.tables["ministries"]:
        mid = m["ministry_id"]
        lead = [v for v in views if any(a["ministry_id"] == mid and a["role"] == "lead" for a in v["ministries"])]
        co = [v for v in views if any(a["ministry_id"] == mid and a["role"] == "co" for a in v["ministries"])]
        out.append({"row": m, "lead": lead, "co": co})
    return out


def downloads(files: list[PublishedFile], download_base: str) -> list[dict]:
    """One view per distribution of the catalog, in the catalog's order: path, titles, media type,
    size, SHA-256 and the download URL the catalog gives it."""
    out = []
    for f in files:
        title, description = f.dist.texts()
        out.append({"path": f.path, "title": title, "description": description,
                    "media_type": f.dist.format.media_type, "size": f.size, "sha256": f.sha256,
                    "url": download_base + f.path})
    return out


def filter_options(pkg: Package, views: list[dict]) -> dict:
    """The choices of the index's filters: pillars (and none), lead ministries, any ministry
    named, start fiscal years (and none), each only if some policy has it."""
    used_pillars = {v["row"]["pillar_id"] for v in views}
    pillars = [p for p in pkg.tables["pillars"] if p["pillar_id"] in used_pillars]
    leads = {a["ministry_id"] for v in views for a in v["leads"]}
    named = {a["ministry_id"] for v in views for a in v["ministries"]}
    years = sorted({v["row"]["start_fiscal_year"] for v in views if v["row"]["start_fiscal_year"] is not None})
    return {
        "pillars": pillars,
        "no_pillar": None in used_pillars,
        "leads": [m for m in pkg.tables["ministries"] if m["ministry_id"] in leads],
        "ministries": [m for m in pkg.tables["ministries"] if m["ministry_id"] in named],
        "years": years,
        "no_year": any(v["row"]["start_fiscal_year"] is None for v in views),
    }


#: What a release's changes need, by the CHANGELOG's rules (kanmin.diff.LEVELS), in Japanese and English.
LEVEL_LABELS = {
    "major": {"ja": "互換性のない変更（メジャー）", "en": "breaking (major)"},
    "minor": {"ja": "追加（マイナー）", "en": "addition (minor)"},
    "patch": {"ja": "値・説明の訂正（パッチ）", "en": "correction (patch)"},
    "none": {"ja": "中身を比較しないファイルの変更", "en": "changed files not compared inside"},
}


def release_changes(d: dict) -> dict:
    """One release's diff (``kanmin diff`` from the release before it, releases/diffs/*.json) for
    the update history: its versions and dates, the level its changes need, the changes by level
    (``diff.summary``'s lines, in English) and each table's row counts."""
    from ..diff import ORDER, summary

    lines = summary(d["changes"])
    return {"old": d["old"], "new": d["new"], "level": LEVEL_LABELS[d["level"]],
            "levels": [{"label": LEVEL_LABELS[lv], "lines": [t for v, t in lines if v == lv]}
                       for lv in reversed(ORDER) if any(v == lv for v, _ in lines)],
            "tables": [{"name": name, "added": len(t["added"]), "removed": len(t["removed"]),
                        "changed": len(t["changed"])} for name, t in d["tables"].items()
                       if t.get("compared") and (t["added"] or t["removed"] or t["changed"])]}
