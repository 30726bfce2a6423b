"""One validation (kanmin.validation): a published package is read into the model only if it is
valid — the folder, the descriptor, every Table Schema rule, the foreign keys and the content
checks a schema cannot say — and every problem is worded one way, at file, row and field."""

from __future__ import annotations

import json
import shutil

import pytest

from kanmin import curated, extract, model, tidy, validation
from kanmin.cli import main
from kanmin.errors import DataError, UsageError
from support import SOURCE, describe_files_again


@pytest.fixture(scope="module")
def built_model() -> model.Package:
    cur = curated.load()
    tables = tidy.tidy(extract.extract(SOURCE, cur, 75), cur)
    return model.from_tables(cur.metadata, tables)


@pytest.fixture()
def package(fresh_build, tmp_path):
    shutil.copytree(fresh_build, tmp_path / "pkg")
    return tmp_path / "pkg"


def _edit(package, table: str, old: str, new: str) -> None:
    """Change a table as a faulty build would write it (its descriptor describes it)."""
    path = package / "data" / f"{table}.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    describe_files_again(package)


def test_published_package_loads_into_the_same_model(built_model, fresh_build):
    loaded = validation.load(fresh_build)
    assert loaded.metadata == built_model.metadata == curated.load().metadata
    assert loaded.tables == built_model.tables
    # typed once: integers, booleans and missing values, not strings
    policy = loaded.tables["policies"][24]
    assert policy["policy_id"] == 25 and isinstance(policy["effect_mark_count"], int)
    assert {type(p["effect_safety"]) for p in loaded.tables["policies"]} == {bool, type(None)}


def test_load_errors_name_the_file(tmp_path, fresh_build):
    with pytest.raises(UsageError) as info:
        validation.load(tmp_path)
    assert str(info.value.problems[0]) == f"kanmin: {tmp_path}/datapackage.json: no such file " \
                                          "(pass --package DIR, a folder holding datapackage.json)"
    shutil.copytree(fresh_build / "data", tmp_path / "data")
    descriptor = json.loads((fresh_build / "datapackage.json").read_text(encoding="utf-8"))
    del descriptor["kanmin"]
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(DataError, match="no 'kanmin' metadata in the descriptor"):
        validation.load(tmp_path)


def test_validate_runs_the_content_checks_a_schema_cannot_say(package, capsys):
    """`kanmin validate --help` promised content checks it did not run: a policy without a lead
    ministry, a ◎ inside a KPI and a gap in the policy numbers pass every Table Schema rule."""
    assert main(["validate", "--package", str(package)]) == 0
    assert capsys.readouterr().out.startswith("datapackage.json: valid (policies 75, ")
    _edit(package, "policy_ministries", "1,1,mic,lead,総務省", "1,1,mic,co,総務省")
    _edit(package, "kpis", "1-effect-1,1,effect,1,,電子応札率", "1-effect-1,1,effect,1,,◎電子応札率")
    assert main(["validate", "--package", str(package)]) == 1
    assert capsys.readouterr().err == (
        "error: data/policies.csv, row 2: row 1: no lead ministry (◎) (every policy names at least one lead)\n"
        "error: data/kpis.csv, row 2, field text: kpis text holds '◎' (U+25CE BULLSEYE), which only the marks, "
        "ministries or budget heading lines print (a line of another cell landed here, or a damaged mark: fix the "
        "line)\n")


def test_a_table_changed_behind_the_descriptors_back_is_named(package, capsys):
    path = package / "data" / "pillars.csv"
    path.write_bytes(path.read_bytes().replace("格差の是正".encode(), "格差の解消".encode(), 1))
    assert main(["validate", "--package", str(package)]) == 1
    assert capsys.readouterr().err == (
        "error: data/pillars.csv: not the file datapackage.json describes: its SHA-256 differs (changed after the "
        "build? rebuild the package, or restore the file)\n")


def test_every_problem_is_collected_in_table_row_and_field_order(package):
    _edit(package, "policy_ministries", "1,2,meti,co", "1,2,nowhere,co")
    _edit(package, "policies", "1,01-05,", "1,01-05x,")
    with pytest.raises(DataError) as info:
        validation.load(package)
    assert [str(p) for p in info.value.problems] == [
        "data/policies.csv, row 2, field policy_code: '01-05x' does not match the field's pattern: the pattern "
        "'[0-9]{2}-[0-9]{2}'",
        "data/policy_ministries.csv, row 3, field ministry_id: 'nowhere' is not a ministry_id of ministries",
    ]
