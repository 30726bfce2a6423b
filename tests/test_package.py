"""The published package: frictionless validity, determinism, the committed outputs, and a
consumer loading it exactly as the README shows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kanmin import pipeline
from support import REPO, SOURCE, metadata

BIN = Path(sys.executable).parent
PUBLISHED = ["datapackage.json", "build/report.md", "CITATION.cff"] + [
    f"data/{n}.csv" for n in ("policies", "ministries", "policy_ministries", "kpis", "policy_references",
                              "budget_projects", "policy_budget_projects", "pillars", "effect_categories")]


def test_frictionless_cli_validates_committed_package():
    run = subprocess.run([str(BIN / "frictionless"), "validate", "--json", "datapackage.json"],
                         cwd=REPO, capture_output=True, text=True)
    report = json.loads(run.stdout)
    assert run.returncode == 0, run.stdout[-2000:]
    assert report["valid"] is True
    assert sum(len(t["errors"]) for t in report["tasks"]) == 0
    assert len(report["tasks"]) == 9


def test_two_builds_are_byte_identical(fresh_build, tmp_path):
    pipeline.build(source=SOURCE, out=tmp_path, with_rdf=False)
    for rel in PUBLISHED:
        assert (tmp_path / rel).read_bytes() == (fresh_build / rel).read_bytes(), rel


def test_committed_outputs_equal_a_fresh_build(fresh_build):
    for rel in PUBLISHED:
        assert (REPO / rel).read_bytes() == (fresh_build / rel).read_bytes(), \
            f"{rel} is stale: run 'make build' and commit"


def test_descriptor_is_complete(fresh_build):
    d = json.loads((fresh_build / "datapackage.json").read_text(encoding="utf-8"))
    assert d["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    for key in ("name", "id", "title", "description", "version", "created", "licenses", "sources",
                "contributors", "keywords", "homepage"):
        assert d[key], key
    assert d["licenses"][0]["name"] == "CC-BY-4.0"
    assert "政府標準利用規約" in d["licenses"][0]["title"]
    assert {r["name"] for r in d["resources"]} == {
        "policies", "ministries", "policy_ministries", "kpis", "policy_references", "budget_projects", "policy_budget_projects",
        "pillars", "effect_categories"}
    for r in d["resources"]:
        assert r["type"] == "table"
        assert r["hash"].startswith("sha256:") and r["bytes"] == (fresh_build / r["path"]).stat().st_size
        assert r["schema"]["primaryKey"]
        assert " / " in r["title"]
        for f in r["schema"]["fields"]:
            assert " / " in f["title"] and f["description"], (r["name"], f["name"])
    fks = {(r["name"], fk["reference"]["resource"]) for r in d["resources"] for fk in r["schema"].get("foreignKeys", [])}
    assert {("policies", "pillars"), ("policy_ministries", "ministries"), ("kpis", "policies"),
            ("policy_references", "policies"), ("policy_budget_projects", "policies"),
            ("policy_budget_projects", "budget_projects")} <= fks


def test_created_follows_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1570752000")
    pipeline.build(source=SOURCE, out=tmp_path, with_rdf=False)
    d = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert d["created"] == "2019-10-11T00:00:00Z"


def test_consumer_loads_the_package_as_the_readme_shows():
    """The README's "Load the data" snippet, run as a user would (from the repository root)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python\n# load-the-package") + len("```python\n")
    snippet = readme[start:readme.index("```", start)]
    run = subprocess.run([sys.executable, "-c", snippet], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "policies 75",
        "lead ministries of policy 21: ['厚生労働省', '内閣府']",
        "policies per pillar: open-data 17",
        "KPIs not set yet: 9",
    ]


@pytest.mark.parametrize("name", ["policies", "kpis", "policy_references"])
def test_pandas_reads_types(name):
    import pandas as pd

    df = pd.read_csv(REPO / "data" / f"{name}.csv", dtype={"policy_code": "string"})
    assert len(df) > 0
    assert df["policy_id"].dtype.kind == "i"


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=30)


@given(st.lists(st.tuples(TEXT, st.booleans() | st.none()), max_size=8))
def test_csv_round_trip(values):
    """Any text (commas, quotes, newlines, full-width) and tri-state booleans survive the CSV."""
    import csv
    import io

    from kanmin.package import to_csv

    resource = {"fields": [{"name": "id"}, {"name": "text"}, {"name": "flag"}], "primaryKey": ["id"]}
    rows = [{"id": i, "text": t, "flag": b} for i, (t, b) in enumerate(values)]
    back = list(csv.DictReader(io.StringIO(to_csv(rows, resource).decode("utf-8"), newline="")))
    assert [r["text"] for r in back] == [t for t, _ in values]
    assert [r["flag"] for r in back] == [{True: "true", False: "false", None: ""}[b] for _, b in values]


def test_a_budget_project_is_one_row_however_many_policies_name_it(fresh_build):
    from support import read_table

    projects = read_table(fresh_build, "budget_projects")
    listings = read_table(fresh_build, "policy_budget_projects")
    assert (len(projects), len(listings)) == (36, 40)
    assert len({p["name"] for p in projects}) == len(projects)
    policies_of: dict[str, set[str]] = {}
    for row in listings:
        policies_of.setdefault(row["budget_project_id"], set()).add(row["policy_id"])
    shared = {k: v for k, v in policies_of.items() if len(v) > 1}
    assert len(shared) == 4 and len(set().union(*shared.values())) == 8
    assert [p["budget_project_id"] for p in projects] == [str(i) for i in range(1, 37)]


def test_citation_file_cites_this_version_and_the_source(fresh_build):
    import yaml

    meta = metadata()
    cff = yaml.safe_load((fresh_build / "CITATION.cff").read_text(encoding="utf-8"))
    for key in ("cff-version", "message", "title", "authors"):  # required by CFF 1.2.0
        assert cff[key], key
    assert (cff["cff-version"], cff["type"], cff["version"]) == ("1.2.0", "dataset", meta["version"])
    assert cff["license"] == "CC-BY-4.0" and cff["date-released"] == meta["modified"][:10]
    source = cff["references"][0]
    assert source["authors"][0]["name"] == "内閣官房 情報通信技術（IT）総合戦略室"
    assert source["date-published"] == "2019-10-11" and source["url"] == meta["sources"][0]["path"]


def test_make_refuses_an_old_python_with_a_clear_message(tmp_path):
    fake = tmp_path / "python3.10"
    # a stand-in for an old interpreter: the real one, reporting itself as 3.10.12
    fake.write_text("#!/bin/sh\nexec python3 -c 'import collections, sys; "
                    "sys.version_info = collections.namedtuple(\"V\", \"major minor micro\")(3, 10, 12); "
                    "exec(sys.argv[2])' \"$@\"\n", encoding="utf-8")
    fake.chmod(0o755)
    run = subprocess.run(["make", "setup", f"PYTHON={fake}", "VENV=" + str(tmp_path / "venv")],
                         cwd=REPO, capture_output=True, text=True)
    assert run.returncode != 0
    assert "kanmin needs Python 3.11 or newer" in run.stderr and "3.10" in run.stderr
    assert not (tmp_path / "venv").exists()
