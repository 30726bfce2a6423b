"""Content checks (checks.py) and the Table Schema rules on the published tables, and proof that
each check can fail: what the schema can say (code pattern and uniqueness, URL shape) is checked
by frictionless on the staged package, the rest by checks.py."""

from __future__ import annotations

import copy
import re

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


def test_75_policies_numbered_without_gaps(tables):
    assert [p["policy_id"] for p in tables.policies] == list(range(1, 76))


def test_codes_unique_and_well_formed(tables):
    codes = [p["policy_code"] for p in tables.policies]
    assert len(set(codes)) == 75 and all(re.fullmatch(r"\d{2}-\d{2}", c) for c in codes)


def test_every_policy_has_a_lead(tables):
    leads = {m["policy_id"] for m in tables.policy_ministries if m["role"] == "lead"}
    assert leads == set(range(1, 76))
    multi = sorted({m["policy_id"] for m in tables.policy_ministries if m["role"] == "lead"
                    and m["position"] > 1})
    assert multi == [21, 50]


def test_urls_absolute_with_dotted_host(tables):
    assert len(tables.policy_references) == 83
    assert len({r["url"] for r in tables.policy_references}) == 74
    assert all(is_web_url(r["url"]) for r in tables.policy_references)


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


@pytest.mark.parametrize("break_it, message", [
    (lambda t: t.policies.pop(10), "policy ids are not 1..75"),
    (lambda t: t.policies[4].update(policy_code="0'7-11"),
     f"{SOURCE}:{{line}}: policies.policy_code: \"0'7-11\" does not match the field's pattern"),
    (lambda t: t.policies[4].update(policy_code=t.policies[3]["policy_code"]),
     f"{SOURCE}:{{line}}: policies.policy_code: unique-error"),
    (lambda t: [m.update(role="co") for m in t.policy_ministries if m["policy_id"] == 9], "row 9: no lead ministry"),
    (lambda t: t.policy_references[0].update(url="https://www.sukusuku- japan.cao.go.jp/"),
     "policy_references.url: 'https://www.sukusuku- japan.cao.go.jp/' does not match the field's pattern: "
     "it contains a space at column 22"),
    (lambda t: t.policy_references[0].update(url="http://localhost/x"),
     "policy_references.url: 'http://localhost/x' does not match the field's pattern: the field's pattern "
     "(see its schema in datapackage.json)"),
    (lambda t: t.policies[0].update(name="国の施策番号"), "page furniture"),
    (lambda t: t.policies[0].update(overview="a\n- b"), "keeps a bullet marker"),
    (lambda t: t.policies[0].update(overview="a\n・b"), "policies overview keeps a bullet marker"),
    (lambda t: t.policies[0].update(support_measures="a\n- b"), "support_measures keeps a bullet marker"),
    (lambda t: t.policies[0].update(support_measures="a\n　・b"), "support_measures keeps a bullet marker"),
    (lambda t: t.policies[0].update(support_measures="a\n・ b"), "support_measures keeps a bullet marker"),
    (lambda t: t.policies[0].update(support_measures="a\n・・b"), "support_measures keeps a bullet marker"),
    (lambda t: t.policy_references[0].update(label="・b"), "policy_references label keeps a bullet marker"),
    (lambda t: t.budget_projects[0].update(name="・b"), "budget_projects name keeps a bullet marker"),
])
def test_each_check_can_fail(tables, tmp_path, break_it, message):
    broken = copy.deepcopy(tables)
    break_it(broken)
    message = message.format(line=broken.policies[4]["source_line_start"])
    problems = problems_of(broken, tmp_path)
    assert any(message in p for p in problems), problems


def test_effect_flags_only_when_certain(tables):
    for p in tables.policies:
        flags = [p[f] for f in tidy.EFFECT_FIELDS]
        if p["effect_mark_count"] == 0:
            assert flags == [False] * 4
        elif p["effect_mark_count"] == 4:
            assert flags == [True] * 4
        else:
            assert flags == [None] * 4
