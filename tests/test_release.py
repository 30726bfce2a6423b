"""Releases: the record, `kanmin diff` between the recorded versions (hand-checked expectations),
the semver gate on planted changes, the release artefacts' bytes, the committed diffs and .zenodo.json.

The versions are read from git (a fresh clone has the history; it needs no tags)."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kanmin import curated, diff, gate, release, releases
from kanmin.cli import main
from kanmin.errors import DataError
from kanmin.settings import CHANGELOG, RELEASE_DIFFS, RELEASES
from support import REPO, copy_published_package

RECORD = releases.load()
CHANGELOG_TEXT = CHANGELOG.read_text(encoding="utf-8")


def diff_of(old: str, new: str) -> dict:
    with releases.materialise(old, REPO, RECORD) as (a, _), releases.materialise(new, REPO, RECORD) as (b, _):
        return diff.diff_packages(a, b)


def kinds(d: dict) -> list[tuple]:
    return sorted({(c["kind"], c.get("table"), c.get("field"), c.get("old_table"), c.get("old_field"))
                   for c in d["changes"] if c["kind"] not in ("metadata-changed", "constraint-changed")},
                  key=str)


# -- the record -------------------------------------------------------------------------------------

def test_the_record_names_the_three_releases():
    assert [(r.version, r.date, r.commit[:7]) for r in RECORD] == [
        ("1.0.0", "2026-11-26", "961026c"), ("2.0.0", "2026-11-30", "6c9d753"), ("2.1.0", "2026-11-30", "e1bd039")]


@pytest.mark.parametrize("rel", RECORD, ids=lambda r: r.version)
def test_each_recorded_commit_has_its_version_and_changelog_entry(rel):
    """The commit's datapackage.json says the version, and today's CHANGELOG dates it as recorded."""
    descriptor = subprocess.run(["git", "-C", str(REPO), "show", f"{rel.commit}:datapackage.json"],
                                capture_output=True, text=True, check=True).stdout
    assert json.loads(descriptor)["version"] == rel.version
    assert f"\n## {rel.version} — {rel.date}\n" in CHANGELOG_TEXT


def test_a_bad_record_is_one_error_per_problem(tmp_path):
    bad = tmp_path / "releases.json"
    bad.write_text(json.dumps({"releases": [
        {"version": "2.0", "date": "2026-11-30", "commit": "a" * 40},
        {"version": "2.0.0", "date": "2026-11-30", "commit": "abc"}]}), encoding="utf-8")
    with pytest.raises(DataError) as err:
        releases.load(bad)
    assert [str(p) for p in err.value.problems] == [
        f"{bad}: release 1: '2.0' is not MAJOR.MINOR.PATCH (fix the version)",
        f"{bad}: release 2.0.0: commit 'abc' is not 40 hexadecimal digits (write the full commit id (git rev-parse))"]


# -- kanmin diff between the releases --------------------------------------------------------------

def test_diff_1_0_0_to_2_0_0():
    d = diff_of("1.0.0", "2.0.0")
    assert d["level"] == "major"
    assert kinds(d) == sorted({
        ("table-renamed", "policy_references", None, "references", None),
        ("field-renamed", "kpis", "kpi_group", None, "group"),
        ("table-added", "policy_budget_projects", None, None, None),
        ("field-added", "budget_projects", "budget_project_id", None, None),
        ("field-removed", "budget_projects", "policy_id", None, None),
        ("field-removed", "budget_projects", "position", None, None),
        ("field-removed", "budget_projects", "source_line_start", None, None),
        ("field-removed", "budget_projects", "source_line_end", None, None),
        ("primary-key-changed", "budget_projects", None, None, None),
        ("foreign-key-removed", "budget_projects", None, None, None),
        ("rows-changed", "policies", None, None, None),
        ("rows-changed", "ministries", None, None, None),
        ("rows-changed", "policy_references", None, None, None),
        ("distribution-added", None, None, None, None),
        ("distribution-changed", None, None, None, None),
    }, key=str)
    t = d["tables"]
    # support_measures keeps its printed ・ in 19 policies (CHANGELOG 2.0.0)
    assert [r["key"] for r in t["policies"]["changed"]] == [
        "9", "11", "12", "14", "17", "18", "27", "29", "30", "31", "36", "37", "42", "44", "46", "54", "67", "69", "74"]
    assert {f for r in t["policies"]["changed"] for f in r["cells"]} == {"support_measures"}
    assert t["ministries"]["changed"] == [
        {"key": "related-fusho", "cells": {"name_en": ["Relevant ministries and the Cabinet Office (関係府省)",
                                                       "Relevant ministries and the Cabinet Office"]}},
        {"key": "related-fushocho", "cells": {"name_en": ["Relevant ministries and agencies (関係府省庁)",
                                                          "Relevant ministries, agencies and the Cabinet Office"]}},
        {"key": "related-shocho", "cells": {"name_en": ["Relevant ministries and agencies (関係省庁)",
                                                        "Relevant ministries and agencies"]}}]
    assert t["policy_references"]["changed"] == [{"key": "12-2", "cells": {"label": [
        "（パッケージツール）■政府CIOポータルオープンデータページ", "（パッケージツール）\n■政府CIOポータルオープンデータページ"]}}]
    assert (t["kpis"]["changed"], t["kpis"]["added"], t["kpis"]["removed"]) == ([], [], [])
    assert (t["budget_projects"]["compared"], t["budget_projects"]["old_rows"], t["budget_projects"]["new_rows"]) == (
        False, 40, 36)
    added = sorted(c["distribution"] for c in d["changes"] if c["kind"] == "distribution-added")
    assert added == ["build-rdf-context.jsonld", "build-rdf-shapes.ttl", "build-rdf-vocab.ttl"]


def test_diff_2_0_0_to_2_1_0():
    d = diff_of("2.0.0", "2.1.0")
    assert d["level"] == "minor"
    assert kinds(d) == [("distribution-added", None, None, None, None), ("distribution-changed", None, None, None, None)]
    assert all(not (t["added"] or t["removed"] or t["changed"]) for t in d["tables"].values())
    assert [c["distribution"] for c in d["changes"] if c["kind"].startswith("distribution")] == [
        "build-kuni-shisaku-ichiran-todofuken-2019.xlsx", "build-rdf-shapes.ttl"]
    constraints = [(c["table"], c["field"]) for c in d["changes"] if c["kind"] == "constraint-changed"]
    assert len(constraints) == 17 and ("policy_references", "url") in constraints
    assert {c["property"] for c in d["changes"] if c["kind"] == "metadata-changed"} == {
        "sources[1].bytes", "sources[1].description", "sources[1].hash", "sources[1].path", "sources[1].title"}


def test_diff_2_1_0_to_the_checkout():
    d = diff_of("2.1.0", str(REPO))
    assert (d["old"]["version"], d["new"]["version"], d["level"]) == ("2.1.0", "3.0.0", "minor")
    assert kinds(d) == [("distribution-added", None, None, None, None), ("distribution-changed", None, None, None, None)]
    # issue 20: the ZIP of the package; issue 21: the SQLite file and a Parquet file per table; the
    # workbook's bytes changed (issue 20)
    assert [c["distribution"] for c in d["changes"] if c["kind"].startswith("distribution")] == [
        "build-kuni-shisaku-ichiran-todofuken-2019.sqlite", "build-kuni-shisaku-ichiran-todofuken-2019.zip",
        *(f"build-parquet-{t}.parquet" for t in sorted(("budget_projects", "effect_categories", "kpis", "ministries",
                                                        "pillars", "policies", "policy_budget_projects",
                                                        "policy_ministries", "policy_references"))),
        "build-kuni-shisaku-ichiran-todofuken-2019.xlsx"]
    # issue 19: two texts take the {ja, en} form; issue 18: the licence, access rights and the source's
    # licence in the EU's vocabularies
    assert {c["property"] for c in d["changes"] if c["kind"] == "metadata-changed"} == {
        "kanmin.spatial.label", "kanmin.spatial.label.en", "kanmin.spatial.label.ja", "kanmin.source_licence.title",
        "kanmin.source_licence.title.en", "kanmin.source_licence.title.ja", "kanmin.licence_uri",
        "kanmin.access_rights", "kanmin.source_licence.uri"}


def test_kanmin_diff_prints_markdown_and_json(capsys):
    assert main(["diff", "2.0.0", "2.1.0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## 2.0.0 → 2.1.0\n\nVersion 2.0.0 → 2.1.0; the changes need a **minor** version")
    assert "- distribution build-kuni-shisaku-ichiran-todofuken-2019.xlsx added\n" in out
    assert main(["diff", "1.0.0", "2.0.0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["level"] == "major"


def test_kanmin_diff_unknown_version_is_a_usage_error(capsys):
    assert main(["diff", "9.9.9", "."]) == 2
    assert capsys.readouterr().err == ("error: kanmin: 9.9.9: no such release in releases/releases.json (recorded: "
                                       "1.0.0, 2.0.0, 2.1.0) (name a recorded version, a commit or a folder with "
                                       "datapackage.json)\n")


# -- the gate on planted changes ---------------------------------------------------------------------

def set_version(pkg: Path, version: str) -> None:
    path = pkg / "datapackage.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["version"] = version
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def edit_table(pkg: Path, name: str, edit) -> None:
    path = pkg / "data" / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    edit(rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def edit_schema(pkg: Path, name: str, edit) -> None:
    path = pkg / "datapackage.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(next(r for r in doc["resources"] if r["name"] == name))
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def change_cell(pkg):
    edit_table(pkg, "ministries", lambda rows: rows[1].__setitem__(2, rows[1][2] + " (corrected)"))


def add_row(pkg):
    edit_table(pkg, "pillars", lambda rows: rows.append(["new-pillar", "新しい柱", "New pillar"]))


def add_field(pkg):
    edit_table(pkg, "pillars", lambda rows: [r.append("x" if i else "note") for i, r in enumerate(rows)])
    edit_schema(pkg, "pillars", lambda r: r["schema"]["fields"].append({"name": "note", "type": "string"}))


def rename_field(pkg):
    edit_table(pkg, "pillars", lambda rows: rows[0].__setitem__(2, "name_english"))
    edit_schema(pkg, "pillars", lambda r: r["schema"]["fields"][2].__setitem__("name", "name_english"))


def remove_table(pkg):
    path = pkg / "datapackage.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["resources"] = [r for r in doc["resources"] if r["name"] != "effect_categories"]
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def add_constraint(pkg):
    edit_schema(pkg, "pillars", lambda r: r["schema"]["fields"][1].setdefault("constraints", {}).update(maxLength=50))


def change_type(pkg):
    edit_schema(pkg, "effect_categories", lambda r: r["schema"]["fields"][1].update(type="number"))


def unchanged(pkg):
    pass


# (planted change, new version, CHANGELOG has its entry, the gate's problems: hand-written)
CASES = {
    "unchanged, same version": (unchanged, "3.0.0", False, []),
    "unchanged, a patch bump": (unchanged, "3.0.1", True, [
        "datapackage.json: version 3.0.1 is a patch bump, but the package has not changed since release 3.0.0 "
        "(keep version 3.0.0, or change the package first)"]),
    "a corrected cell, same version": (change_cell, "3.0.0", False, [
        "datapackage.json: version 3.0.0 does not cover the changes since release 3.0.0: table ministries: 1 row "
        f"changed (patch); needs 3.0.1 or later ({gate.HINT})"]),
    "a corrected cell, a patch": (change_cell, "3.0.1", True, []),
    "a corrected cell, a patch without CHANGELOG entry": (change_cell, "3.0.1", False, [
        "CHANGELOG.md: no entry for version 3.0.1 (a heading '## 3.0.1 — YYYY-MM-DD') (say what changed and how to "
        "migrate)"]),
    "an added row, same version": (add_row, "3.0.0", False, [
        "datapackage.json: version 3.0.0 does not cover the changes since release 3.0.0: table pillars: 1 row added "
        f"(patch); needs 3.0.1 or later ({gate.HINT})"]),
    "an added field, a patch": (add_field, "3.0.1", True, [
        "datapackage.json: version 3.0.1 does not cover the changes since release 3.0.0: table pillars: field note "
        f"added (minor); needs 3.1.0 or later ({gate.HINT})"]),
    "an added field, a minor": (add_field, "3.1.0", True, []),
    "an added constraint, a patch": (add_constraint, "3.0.1", True, [
        "datapackage.json: version 3.0.1 does not cover the changes since release 3.0.0: table pillars: constraint "
        f"maxLength of field name_ja: (none) → 50 (minor); needs 3.1.0 or later ({gate.HINT})"]),
    "a renamed field, a minor": (rename_field, "3.1.0", True, [
        "datapackage.json: version 3.1.0 does not cover the changes since release 3.0.0: table pillars: field "
        f"name_en renamed to name_english (major); needs 4.0.0 or later ({gate.HINT})"]),
    "a renamed field, a major": (rename_field, "4.0.0", True, []),
    "a removed table, a minor": (remove_table, "3.1.0", True, [
        "datapackage.json: version 3.1.0 does not cover the changes since release 3.0.0: table effect_categories "
        f"removed (data/effect_categories.csv) (major); needs 4.0.0 or later ({gate.HINT})"]),
    "a changed type, a patch": (change_type, "3.0.1", True, [
        "datapackage.json: version 3.0.1 does not cover the changes since release 3.0.0: table effect_categories: "
        f"field position type integer → number (major); needs 4.0.0 or later ({gate.HINT})"]),
    "an older version": (unchanged, "2.9.0", False, [
        f"datapackage.json: version 2.9.0 is older than the last release 3.0.0 ({gate.HINT})"]),
}


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """The published package as if released as 3.0.0."""
    return copy_published_package(tmp_path_factory.mktemp("released"))


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_gate_on_a_planted_change(case, released, tmp_path):
    plant, version, entry, expected = CASES[case]
    pkg = copy_published_package(tmp_path / "pkg")
    plant(pkg)
    set_version(pkg, version)
    changelog = f"# Changelog\n\n## {version} — 2026-12-08\n\nA change.\n" if entry else "# Changelog\n"
    found = gate.problems(diff.diff_packages(released, pkg), "3.0.0", version, changelog)
    assert [str(p) for p in found] == expected


def test_gate_passes_on_the_real_history(capsys):
    """3.0.0 against the last recorded release, 2.1.0: the diff finds minor changes (a distribution
    added, patterns); 3.0.0 is a major step, for the workbook's renamed sheets the diff cannot see."""
    assert main(["release", "check", "--package", str(REPO)]) == 0
    assert capsys.readouterr().out == ("version 3.0.0 covers the changes since release 2.1.0 (they need: minor; the "
                                       "version is a major step)\n")


def test_gate_through_the_cli_names_the_change(tmp_path, capsys):
    """A table removed under a patch bump of the last release: exit 1, the change and the version it needs."""
    pkg = copy_published_package(tmp_path / "pkg")
    remove_table(pkg)
    set_version(pkg, "2.1.1")
    assert main(["release", "check", "--package", str(pkg)]) == 1
    assert capsys.readouterr().err == (
        "error: datapackage.json: version 2.1.1 does not cover the changes since release 2.1.0: table "
        "effect_categories removed (data/effect_categories.csv) (major); needs 3.0.0 or later "
        f"({gate.HINT})\n"
        "error: CHANGELOG.md: no entry for version 2.1.1 (a heading '## 2.1.1 — YYYY-MM-DD') (say what changed and "
        "how to migrate)\n")


# -- release artefacts, notes, committed diffs, .zenodo.json ------------------------------------------

def test_release_artefacts_are_the_same_bytes_twice(tmp_path):
    """`make release-artefacts` twice (another umask the second time): the same files, byte for byte."""
    outs = []
    for i, umask in enumerate(("022", "077")):
        out = tmp_path / f"dist{i}"
        proc = subprocess.run(["bash", "-c", f"umask {umask} && make -s release-artefacts DIST={out}"], cwd=REPO,
                              capture_output=True, text=True, env={k: v for k, v in os.environ.items()
                                                                   if k != "SOURCE_DATE_EPOCH"})
        assert proc.returncode == 0, proc.stderr
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outs[0] == outs[1]
    assert sorted(outs[0]) == ["SHA256SUMS", "kuni-shisaku-ichiran-todofuken-2019-3.0.0.zip",
                               "kuni-shisaku-ichiran-todofuken-2019.xlsx", "kuni-shisaku-ichiran-todofuken-2019.zip"]
    sums = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=tmp_path / "dist0",
                          capture_output=True, text=True)
    assert sums.returncode == 0 and sums.stdout.count(": OK") == 3


def test_release_zip_holds_every_published_file(tmp_path):
    import zipfile

    [archive, *_] = release.write_artefacts(REPO, tmp_path)
    names = zipfile.ZipFile(archive).namelist()
    top = "kuni-shisaku-ichiran-todofuken-2019-3.0.0/"
    assert names == [top + p for p in [
        "CHANGELOG.md", "CITATION.cff", "LICENSE", "README.md", "build/kuni-shisaku-ichiran-todofuken-2019.xlsx",
        "build/rdf/catalog.ttl", "build/rdf/context.jsonld", "build/rdf/data.jsonld", "build/rdf/data.nt",
        "build/rdf/data.ttl", "build/rdf/shapes.ttl", "build/rdf/vocab.ttl", "data/budget_projects.csv",
        "data/effect_categories.csv", "data/kpis.csv", "data/ministries.csv", "data/pillars.csv",
        "data/policies.csv", "data/policy_budget_projects.csv", "data/policy_ministries.csv",
        "data/policy_references.csv", "datapackage.json"]]
    assert zipfile.ZipFile(archive).read(top + "datapackage.json") == (REPO / "datapackage.json").read_bytes()


def test_release_notes_are_the_changelog_entry_and_the_diff(capsys):
    assert main(["release", "notes", "3.0.0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# 3.0.0 — 2026-12-07\n\n**A major version** because")
    assert "\n# What changed in the data (kanmin diff)\n\n### 2.1.0 → 3.0.0\n" in out
    assert "- distribution build-kuni-shisaku-ichiran-todofuken-2019.zip added\n" in out
    assert "## 2.1.0 — " not in out  # only this version's entry


def test_committed_release_diffs_are_what_kanmin_writes(tmp_path):
    assert main(["release", "diffs", "--out", str(tmp_path)]) == 0
    written = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()}
    committed = {p.name: p.read_text(encoding="utf-8") for p in RELEASE_DIFFS.iterdir()}
    assert sorted(written) == ["1.0.0..2.0.0.json", "2.0.0..2.1.0.json"]
    assert written == committed, "run make release-diffs and commit releases/diffs/"


def test_zenodo_json_is_made_from_the_metadata():
    md = curated.load(REPO / "data" / "curated").metadata
    assert (REPO / ".zenodo.json").read_text(encoding="utf-8") == release.zenodo_json(md, md["version"]), \
        "run make zenodo and commit .zenodo.json"
    doc = json.loads((REPO / ".zenodo.json").read_text(encoding="utf-8"))
    assert (doc["upload_type"], doc["license"], doc["version"], doc["creators"]) == (
        "dataset", "cc-by-4.0", "3.0.0", [{"name": "kanmin-data project"}])
    assert RELEASES.is_file() and re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc["publication_date"])


def test_copy_is_not_the_repository(tmp_path):
    """The planted cases edit a copy: the repository's package is untouched by them."""
    pkg = copy_published_package(tmp_path / "pkg")
    change_cell(pkg)
    assert (REPO / "data" / "ministries.csv").read_bytes() != (pkg / "data" / "ministries.csv").read_bytes()
    shutil.rmtree(pkg)


def test_update_history_page_shows_each_release_diff():
    """changes.html (built by make build from the committed releases/diffs/) shows each release's
    diff, newest first, in Japanese with English labels, before the CHANGELOG."""
    from kanmin.site import views

    d = json.loads((RELEASE_DIFFS / "1.0.0..2.0.0.json").read_text(encoding="utf-8"))
    view = views.release_changes(d)
    assert view["level"] == {"ja": "互換性のない変更（メジャー）", "en": "breaking (major)"}
    assert view["tables"] == [{"name": "ministries", "added": 0, "removed": 0, "changed": 3},
                              {"name": "policies", "added": 0, "removed": 0, "changed": 19},
                              {"name": "policy_references", "added": 0, "removed": 0, "changed": 1}]
    assert view["levels"][0]["lines"][:2] == [
        "table references renamed to policy_references (file data/references.csv → data/policy_references.csv)",
        "table kpis: field group renamed to kpi_group"]
    page = (REPO / "build" / "site" / "changes.html").read_text(encoding="utf-8")
    assert page.index("版 2.1.0（2026-11-30）") < page.index("版 2.0.0（2026-11-30）") < page.index("Changelog</h2>")
    assert '必要な版の上げ方：追加（マイナー） <span class="en" lang="en">needs: addition (minor)</span>' in page
    assert "<li>table kpis: field group renamed to kpi_group</li>" in page


@pytest.mark.parametrize("args", [["2.0.0", "2.1.0"], ["1.0.0", "2.0.0", "--max-rows", "3"]], ids=" ".join)
def test_readme_shows_what_kanmin_diff_prints(args, capsys):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert main(["diff", *args]) == 0
    assert f"$ kanmin diff {' '.join(args)}\n{capsys.readouterr().out}```" in readme
