"""Curated inputs: no duplicate keys, every correction has a reason and still applies."""

from __future__ import annotations

import shutil

import pytest

from kanmin import curated
from kanmin.errors import DataError


def test_curated_files_load():
    cur = curated.load()
    assert len(cur.corrections) >= 3
    assert all(c.reason.strip() for c in cur.corrections)
    assert cur.ministry_aliases == {"経産省": "meti"}


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


def test_correction_without_reason_is_rejected(tmp_path):
    with pytest.raises(DataError, match="needs a reason"):
        curated.load(_copy_with_line(tmp_path, "corrections.csv", "1,name,x,y,erratum,\n"))


def test_stale_correction_fails_the_build(tmp_path):
    from kanmin import pipeline
    from support import SOURCE

    d = _copy_with_line(tmp_path, "corrections.csv", "2,timing,平成99年度から,平成30年度から,erratum,test\n")
    with pytest.raises(DataError, match="not found"):
        pipeline.build(source=SOURCE, out=tmp_path / "out", curated_dir=d, with_rdf=False)
    assert not (tmp_path / "out" / "datapackage.json").exists()
