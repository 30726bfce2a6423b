"""Extraction and tidying, compared with hand-checked values.

``expected/hard_rows.json`` is an independent careful reading of the 17 hardest rows of the
source (lost row numbers, cells sharing a line, several KPIs in one cell, URLs broken over
lines, several lead ministries, printing errors). Values are the published ones: printing
errors appear corrected (the remarks say which). The whole published row is compared.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from kanmin import curated, extract

from support import SOURCE, read_table

EXPECTED = json.loads((Path(__file__).parent / "expected" / "hard_rows.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def published(fresh_build):
    t = {name: read_table(fresh_build, name) for name in
         ("policies", "kpis", "budget_projects", "references", "policy_ministries")}
    by = defaultdict(list)
    for name in ("kpis", "budget_projects", "references", "policy_ministries"):
        for r in t[name]:
            by[(name, int(r["policy_id"]))].append(r)
    return {int(p["policy_id"]): p for p in t["policies"]}, by


def test_expected_file_covers_enough_hard_rows():
    assert len(EXPECTED) >= 12
    assert {51, 53, 60, 21, 50, 38}.issubset({e["policy_id"] for e in EXPECTED})


@pytest.mark.parametrize("exp", EXPECTED, ids=lambda e: f"row{e['policy_id']}")
def test_hand_checked_row(published, exp):
    policies, by = published
    i = exp["policy_id"]
    p = policies[i]
    assert p["policy_code"] == exp["policy_code"]
    assert p["name"] == exp["name"]
    for kind in ("progress", "effect"):
        mine = sorted((r for r in by[("kpis", i)] if r["kind"] == kind), key=lambda r: int(r["position"]))
        got = [{"group": r["group"], "text": r["text"]} if r["group"] else r["text"] for r in mine]
        assert got == exp[f"kpi_{kind}"], kind
    assert (p["overview"].split("\n") if p["overview"] else []) == exp["overview"]
    assert p["pillar_as_printed"] == exp["pillar_as_printed"]
    assert p["timing"] == exp["timing"]
    assert int(p["effect_mark_count"]) == exp["effect_mark_count"]
    assert (p["support_measures"].split("\n") if p["support_measures"] else []) == exp["support_measures"]
    assert [b["name"] for b in by[("budget_projects", i)]] == exp["budget_projects"]
    refs = [r for r in by[("references", i)] if r["printed_in"] == "reference_url"]
    assert [{"label": r["label"], "url": r["url"], "note": r["note"]} for r in refs] == exp["references"]
    assert [{"name": m["name_as_printed"], "lead": m["role"] == "lead"} for m in by[("policy_ministries", i)]] \
        == exp["ministries"]
    assert (int(p["source_line_start"]), int(p["source_line_end"])) == \
        (exp["source_line_start"], exp["source_line_end"])


def test_every_nonblank_line_is_a_cell_or_page_furniture():
    cur = curated.load()
    ex = extract.extract(SOURCE, cur, 75)
    assert extract.coverage_gaps(ex) == []
    assert len(ex.furniture) == 47  # 3 page titles, 2 header blocks, one leaked "国の/施策番号"
    assert len(ex.nonblank) == 2832


def test_coverage_check_finds_an_unassigned_line():
    cur = curated.load()
    ex = extract.extract(SOURCE, cur, 75)
    ex.rows[0].used.discard(ex.rows[0].kpi_effect[0][0])
    assert extract.coverage_gaps(ex) == [ex.rows[0].kpi_effect[0][0]]


def test_lost_row_numbers_are_inferred():
    ex = extract.extract(SOURCE, curated.load(), 75)
    assert [r.number for r in ex.rows if r.number_inferred] == [51, 53, 56, 58]
    assert [r.number for r in ex.rows] == list(range(1, 76))


def test_budget_cell_url_is_published_as_reference(published):
    _, by = published
    refs = by[("references", 75)]
    assert [(r["printed_in"], r["url"]) for r in refs] == [
        ("budget_project", "http://www.rinya.maff.go.jp/j/rinsei/yosankesan/attach/pdf/31hikoukyou-34.pdf")]
