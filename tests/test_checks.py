"""Content checks (checks.py) and the Table Schema rules on the published tables, and proof that
each check can fail: what the schema can say (code pattern and uniqueness, URL shape) is checked
by frictionless on the staged package, the rest by checks.py."""

from __future__ import annotations

import copy
import re
from collections import Counter

import pytest

from kanmin import checks, curated, extract, model, package, tidy, validation
from kanmin.errors import DataError
from kanmin.urls import is_web_url
from support import SOURCE

CUR = curated.load()


@pytest.fixture(scope="module")
def tables():
    return tidy.tidy(extract.extract(SOURCE, CUR, 75), CUR)


def problems_of(tables, tmp_path) -> list[str]:
    """What the build finds in the tables: checks.py, then the schema on the staged package."""
    problems = checks.check(tables, 75, str(SOURCE), CUR.furniture_leaks)
    pkg = model.from_tables(CUR.metadata, tables)
    package.write_package(pkg, tmp_path)
    try:
        validation.staged(pkg, tmp_path, str(SOURCE))
    except DataError as exc:
        problems += exc.problems
    return [str(p) for p in problems]


def test_published_tables_pass_every_check(tables, tmp_path):
    assert checks.check(tables, 75, str(SOURCE), CUR.furniture_leaks) == []
    assert problems_of(tables, tmp_path) == []


@pytest.mark.parametrize("change, found", [
    (lambda ps: ps.pop(10), [*range(1, 11), *range(12, 76)]),  # row 11 lost
    (lambda ps: ps.insert(3, dict(ps[2])), [1, 2, 3, 3, *range(4, 76)]),  # row 3 twice
    (lambda ps: ps.insert(0, ps.pop(1)), [2, 1, *range(3, 76)]),  # rows 1 and 2 swapped
])
def test_policy_ids_must_be_1_to_n_in_order(tables, change, found):
    """A row lost, repeated or out of order is one problem naming the ids found (no line: a lost row
    has none)."""
    broken = copy.deepcopy(tables)
    change(broken.policies)
    assert [str(p) for p in checks.check(broken, 75, str(SOURCE), CUR.furniture_leaks)] == [
        f"{SOURCE}: policy ids are not 1..75 in order: {found} (every printed row must be extracted once)"]


def test_codes_unique_and_well_formed(tables):
    codes = [p["policy_code"] for p in tables.policies]
    assert len(set(codes)) == 75 and all(re.fullmatch(r"\d{2}-\d{2}", c) for c in codes)


def test_every_policy_has_a_lead(tables):
    leads = {m["policy_id"] for m in tables.policy_ministries if m["role"] == "lead"}
    assert leads == set(range(1, 76))
    multi = sorted({m["policy_id"] for m in tables.policy_ministries if m["role"] == "lead"
                    and m["position"] > 1})
    assert multi == [21, 50]


#: The scheme and host of every URL the source prints (83 URL lines, ``grep -o 'https\?://[^/ ]*'``),
#: counted by hand; two hosts are wrapped over two lines: elaws.e- / gov.go.jp (lines 1149-1150) and
#: www.sukusuku- / japan.cao.hq.admix.go.jp (lines 1108-1109).
PRINTED_HOSTS = {
    "http://qzss.go.jp": 1, "http://risk.bosai.go.jp": 1, "http://www.bousai.go.jp": 1, "http://www.fdma.go.jp": 1,
    "http://www.kaigokensaku.mhlw.go.jp": 1, "http://www.kantei.go.jp": 5, "http://www.meti.go.jp": 1,
    "http://www.mext.go.jp": 1, "http://www.midika-iot.jp": 1, "http://www.mlit.go.jp": 8,
    "http://www.rinya.maff.go.jp": 1, "http://www.soumu.go.jp": 25, "http://www.tele.soumu.go.jp": 2,
    "http://www8.cao.go.jp": 1, "https://cio.go.jp": 14, "https://cyder.nict.go.jp": 1,
    "https://elaws.e-gov.go.jp": 1, "https://fgd.gsi.go.jp": 1, "https://forr.cc.niigata-u.ac.jp": 1,
    "https://iotlab.jp": 1, "https://local-iot-lab.ipa.go.jp": 1, "https://miraino-manabi.jp": 1,
    "https://telework.soumu.go.jp": 1, "https://tokyochallenge.odpt.org": 1, "https://www.geospatial.jp": 1,
    "https://www.gsi.go.jp": 2, "https://www.hokoukukan.go.jp": 1, "https://www.kantei.go.jp": 3,
    "https://www.keikenkyo.or.jp": 1, "https://www.meti.go.jp": 1, "https://www.sukusuku-japan.cao.hq.admix.go.jp": 1,
}


def test_urls_are_the_printed_ones_absolute_with_dotted_host(tables):
    """Every printed URL is published once per printing, with its scheme and host as printed, and
    only the rest of the URL after them (a path without spaces, ASCII only)."""
    refs = tables.policy_references
    assert len(refs) == 83 and len({r["url"] for r in refs}) == 74
    parts = [re.fullmatch(r"(https?://[a-z0-9.-]+\.[a-z]{2,})(/[!-~]*)?", r["url"]) for r in refs]
    assert all(parts), [r["url"] for r, m in zip(refs, parts, strict=True) if not m]
    assert Counter(m.group(1) for m in parts if m) == PRINTED_HOSTS
    assert refs[0]["url"] == "https://www.keikenkyo.or.jp/notice/2019/notice_20190426_007401.html"  # lines 296-297


@pytest.mark.parametrize("url, ok", [
    ("https://cio.go.jp/policy-opendata", True), ("http://www8.cao.go.jp/", True), ("HTTP://CIO.GO.JP", True),
    ("http://localhost/x", False), ("https://cio.go.jp/a b", False), ("https://cio.go.jp/\u3000", False),
    ("ftp://cio.go.jp/x", False), ("cio.go.jp/x", False), ("mailto:a@cio.go.jp", False), ("http://[::1/", False),
])
def test_is_web_url(url, ok):
    """The rule tidy refuses a URL by (``urls.is_web_url``), on hand-written cases."""
    assert is_web_url(url) is ok


def test_no_furniture_or_bullets_in_text(tables):
    for p in tables.policies:
        for f in ("name", "overview", "support_measures"):
            assert "施策番号" not in p[f] and "KPI（進捗）" not in p[f]
            assert not any(line.startswith(("-", " ", "　", "・ ", "・　")) for line in p[f].split("\n"))
    for f in ("name", "overview"):
        assert not any(line.startswith("・") for p in tables.policies for line in p[f].split("\n"))


def test_support_items_keep_their_printed_marker(tables):
    """The policies whose 支援策 prints "・" before items (counted in the source: 19 rows,
    48 marked lines opening a paragraph) publish it, directly before the item's text."""
    marked = {p["policy_id"]: [line for line in p["support_measures"].split("\n") if line.startswith("・")]
              for p in tables.policies}
    marked = {k: v for k, v in marked.items() if v}
    assert sorted(marked) == [9, 11, 12, 14, 17, 18, 27, 29, 30, 31, 36, 37, 42, 44, 46, 54, 67, 69, 74]
    assert sum(len(v) for v in marked.values()) == 48
    assert all(checks.KEPT_MARKER[("policies", "support_measures")].match(line)
               for v in marked.values() for line in v)


S = str(SOURCE)
SCHEMA_HINT = "(fix the extraction rules or add a reviewed correction)"
BULLET_HINT = "(tidy removes bullet markers (支援策 keeps a printed ・ directly before an item's text))"
MISSING_11 = "is not a policy_id of policies"


#: (what is broken, every problem the build then finds), hand-checked against the source: row 1
#: starts at line 25, row 5 at 193, row 9 at 419; the first reference (row 6, "- 軽自動車OSSの運用開始
#: について") at line 295; the first budget project (row 12, 地域オープンデータ推進事業) at 655. Row 11
#: has 2 ministries, 2 KPIs and 5 references: rows 47-48, 33-34 and 6-10 of their CSVs (row 1 is the
#: header). A text cell whose changed value is not in its printed lines is reported at its row's line.
@pytest.mark.parametrize("break_it, expected", [
    (lambda t: t.policies.pop(10), [
        f"{S}: policy ids are not 1..75 in order: {[*range(1, 11), *range(12, 76)]} "
        "(every printed row must be extracted once)",
        *(f"data/policy_ministries.csv, row {n}, field policy_id: '11' {MISSING_11}" for n in (47, 48)),
        *(f"data/kpis.csv, row {n}, field policy_id: '11' {MISSING_11}" for n in (33, 34)),
        *(f"data/policy_references.csv, row {n}, field policy_id: '11' {MISSING_11}" for n in range(6, 11))]),
    (lambda t: t.policies[4].update(policy_code="0'7-11"),
     [f"{S}:193: policies.policy_code: \"0'7-11\" does not match the field's pattern: the pattern "
      f"'[0-9]{{2}}-[0-9]{{2}}' {SCHEMA_HINT}"]),
    (lambda t: t.policies[4].update(policy_code=t.policies[3]["policy_code"]),
     [f"{S}:193: policies.policy_code: unique-error: the same as in the row at position 5 (value '01-13') "
      f"{SCHEMA_HINT}"]),
    (lambda t: [m.update(role="co") for m in t.policy_ministries if m["policy_id"] == 9],
     [f"{S}:419: row 9: no lead ministry (◎) (every policy names at least one lead)"]),
    (lambda t: t.policy_references[0].update(url="https://www.sukusuku- japan.cao.go.jp/"),
     [f"{S}:295: policy_references.url: 'https://www.sukusuku- japan.cao.go.jp/' does not match the field's "
      f"pattern: it contains a space at column 22 {SCHEMA_HINT}"]),
    (lambda t: t.policy_references[0].update(url="http://localhost/x"),
     [f"{S}:295: policy_references.url: 'http://localhost/x' does not match the field's pattern: the field's "
      f"pattern (see its schema in datapackage.json) {SCHEMA_HINT}"]),
    (lambda t: t.policies[0].update(name="国の施策番号"),
     [f"{S}:25: policies name contains page furniture '施策番号' (extend data/curated/page_furniture.txt)"]),
    (lambda t: t.policies[0].update(overview="a\n- b"),
     [f"{S}:25: policies overview keeps a bullet marker: '- b' {BULLET_HINT}"]),
    (lambda t: t.policies[0].update(overview="a\n・b"),
     [f"{S}:25: policies overview keeps a bullet marker: '・b' {BULLET_HINT}"]),
    (lambda t: t.policies[0].update(support_measures="a\n- b"),
     [f"{S}:25: policies support_measures keeps a bullet marker: '- b' {BULLET_HINT}"]),
    (lambda t: t.policies[0].update(support_measures="a\n　・b"),
     [f"{S}:25: policies support_measures keeps a bullet marker: '\\u3000・b' {BULLET_HINT}"]),
    (lambda t: t.policies[0].update(support_measures="a\n・ b"),
     [f"{S}:25: policies support_measures keeps a bullet marker: '・ b' {BULLET_HINT}"]),
    (lambda t: t.policies[0].update(support_measures="a\n・・b"),
     [f"{S}:25: policies support_measures keeps a bullet marker: '・・b' {BULLET_HINT}"]),
    (lambda t: t.policy_references[0].update(label="・b"),
     [f"{S}:295: policy_references label keeps a bullet marker: '・b' {BULLET_HINT}"]),
    (lambda t: t.budget_projects[0].update(name="・b"),
     [f"{S}:655: budget_projects name keeps a bullet marker: '・b' {BULLET_HINT}"]),
])
def test_each_check_can_fail(tables, tmp_path, break_it, expected):
    broken = copy.deepcopy(tables)
    break_it(broken)
    assert problems_of(broken, tmp_path) == expected


def test_effect_flags_only_when_certain(tables):
    for p in tables.policies:
        flags = [p[f] for f in tidy.EFFECT_FIELDS]
        if p["effect_mark_count"] == 0:
            assert flags == [False] * 4
        elif p["effect_mark_count"] == 4:
            assert flags == [True] * 4
        else:
            assert flags == [None] * 4
