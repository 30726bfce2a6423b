"""Curated inputs: no duplicate keys, every correction has a reason and still applies."""

from __future__ import annotations

import shutil

import pytest

from kanmin import curated
from kanmin.errors import DataError


def test_curated_files_load():
    cur = curated.load()
    # hand-checked against data/curated/corrections.csv, in file order: four printing errors,
    # four item boundaries the text cannot show, and a misprinted agency name
    assert [(c.policy_id, c.field, c.kind) for c in cur.corrections] == [
        (3, "timing", "erratum"),
        (38, "policy_code", "erratum"),
        (50, "policy_code", "erratum"),
        (30, "policy_references.label", "erratum"),
        (7, "kpis.effect", "extraction"),
        (13, "kpis.effect", "extraction"),
        (18, "budget_projects.name", "extraction"),
        (69, "budget_projects.name", "extraction"),
        (25, "budget_projects.name", "erratum"),
    ]
    assert cur.ministry_aliases == {"経産省": "meti"}


def test_corrections_change_something_and_splits_only_cut():
    """An erratum must change the printed value; an item split (an extraction correction, " | ")
    must only insert boundaries, never change the text of the printed item; an erratum of an item
    changes its text and does not split it."""
    for c in curated.load().corrections:
        assert c.corrected != c.printed, c
        if c.kind == "extraction":
            assert " | " in c.corrected and c.corrected.replace(" | ", "") == c.printed, c
        elif c.field.startswith(("kpis.", "budget_projects.")):
            assert " | " not in c.corrected, c


def _copy_with_line(tmp_path, name: str, line: str):
    """A copy of data/curated with one line appended to one file."""
    d = tmp_path / "curated"
    shutil.copytree(curated.CURATED_DIR, d)
    with (d / name).open("a", encoding="utf-8") as fh:
        fh.write(line)
    return d


@pytest.mark.parametrize("name, line", [
    ("ministries.csv", "mic,総務省2,Ministry X,ministry\n"),
    ("ministry_aliases.csv", "経産省,meti,again\n"),
    ("corrections.csv", "38,policy_code,06-1６,06-16,erratum,again\n"),
    ("pillars.csv", "other,その他2,Other\n"),
])
def test_duplicate_keys_are_rejected(tmp_path, name, line):
    with pytest.raises(DataError, match="duplicate key"):
        curated.load(_copy_with_line(tmp_path, name, line))


@pytest.mark.parametrize("reason", ["", "   "])
def test_correction_without_reason_is_rejected(tmp_path, reason):
    """The refusal names the file and the line of the appended correction (today line 11: the
    header and the nine corrections take lines 1-10, one line each)."""
    last = len((curated.CURATED_DIR / "corrections.csv").read_text(encoding="utf-8").splitlines())
    d = _copy_with_line(tmp_path, "corrections.csv", f"1,name,x,y,erratum,{reason}\n")
    with pytest.raises(DataError) as e:
        curated.load(d)
    assert [(p.file, p.line, p.message) for p in e.value.problems] == [
        (str(d / "corrections.csv"), last + 1, "a correction needs a reason")]


def test_stale_correction_fails_the_build(tmp_path):
    from kanmin import pipeline
    from support import SOURCE

    d = _copy_with_line(tmp_path, "corrections.csv", "2,timing,平成99年度から,平成30年度から,erratum,test\n")
    with pytest.raises(DataError, match="not found"):
        pipeline.build(source=SOURCE, out=tmp_path / "out", curated_dir=d, with_rdf=False)
    assert not (tmp_path / "out" / "datapackage.json").exists()
