"""The package model: made once by the pipeline, written with its multilingual metadata, rows in
key order; foreign keys checked once. (Loading a published package back: test_validation.py.)"""

from __future__ import annotations

import json

import pytest

from kanmin import curated, extract, model, package, tidy
from support import SOURCE


@pytest.fixture(scope="module")
def built_model() -> model.Package:
    cur = curated.load()
    tables = tidy.tidy(extract.extract(SOURCE, cur, 75), cur)
    return model.from_tables(cur.metadata, tables)


def test_descriptor_keeps_the_multilingual_metadata(built_model, fresh_build):
    descriptor = json.loads((fresh_build / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["title"] == " / ".join(built_model.metadata["title"].values())
    assert descriptor["kanmin"]["title"] == built_model.metadata["title"]
    policies = descriptor["resources"][0]
    assert policies["kanmin"]["title"] == {"ja": "施策", "en": "Policies"}
    assert package.metadata_from_descriptor(descriptor) == built_model.metadata


def test_rows_are_in_primary_key_order(built_model):
    for table, key in (("kpis", "kpi_id"), ("policy_references", "reference_id")):
        ids = [r[key] for r in built_model.tables[table]]
        assert ids == sorted(ids, key=model.sort_key), table
    assert model.sort_key("9-13") < model.sort_key("10-2")
    assert sorted(["10-2", "9-13", "9-2"], key=model.sort_key) == ["9-2", "9-13", "10-2"]
    pm = [(r["policy_id"], r["position"]) for r in built_model.tables["policy_ministries"]]
    assert pm == sorted(pm) and pm[:2] == [(1, 1), (1, 2)]


def test_foreign_keys_are_checked_once_on_the_model(built_model):
    assert model.foreign_key_problems(built_model) == []
    broken = model.Package(built_model.metadata, {**built_model.tables})
    broken.tables["policy_ministries"] = [dict(r) for r in built_model.tables["policy_ministries"]]
    broken.tables["policy_ministries"][2]["ministry_id"] = "nowhere"
    assert [str(p) for p in model.foreign_key_problems(broken)] == [
        "data/policy_ministries.csv, row 4, field ministry_id: 'nowhere' is not a ministry_id of ministries"]
