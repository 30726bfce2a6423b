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
    ("corrections.csv", "38,policy_code,06-1６,06-16,erratum,again,再び\n"),
    ("pillars.csv", "other,その他2,Other\n"),
])
def test_duplicate_keys_are_rejected(tmp_path, name, line):
    with pytest.raises(DataError, match="duplicate key"):
        curated.load(_copy_with_line(tmp_path, name, line))


@pytest.mark.parametrize("reason", ["", "   "])
@pytest.mark.parametrize("language, cells, message", [
    ("en", "{reason},理由", "a correction needs a reason"),
    ("ja", "a reason,{reason}", "a correction needs a Japanese reason (reason_ja)"),
    ("ja-missing", "a reason", "a correction needs a Japanese reason (reason_ja)"),  # the cell is not there
])
def test_correction_without_reason_is_rejected(tmp_path, reason, language, cells, message):
    """Every correction has its reason in English and in Japanese; the refusal names the file and
    the line of the appended correction (today line 11: the header and the nine corrections take
    lines 1-10, one line each)."""
    last = len((curated.CURATED_DIR / "corrections.csv").read_text(encoding="utf-8").splitlines())
    d = _copy_with_line(tmp_path, "corrections.csv", f"1,name,x,y,erratum,{cells.format(reason=reason)}\n")
    with pytest.raises(DataError) as e:
        curated.load(d)
    assert [(p.file, p.line, p.message) for p in e.value.problems] == [
        (str(d / "corrections.csv"), last + 1, message)]


def test_every_correction_has_both_reasons():
    """The committed corrections: a reason in each language, and the Japanese one is Japanese."""
    for c in curated.load().corrections:
        assert c.reason.strip() and c.reason_ja.strip(), c
        assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in c.reason_ja), c


def test_a_corrections_file_without_the_japanese_column_is_refused(tmp_path):
    d = tmp_path / "curated"
    shutil.copytree(curated.CURATED_DIR, d)
    lines = (d / "corrections.csv").read_text(encoding="utf-8").splitlines()
    (d / "corrections.csv").write_text("\n".join(line.rpartition(",")[0] for line in lines) + "\n", encoding="utf-8")
    assert _refusal(d) == [(str(d / "corrections.csv"), 1, "missing column(s) reason_ja")]


def test_stale_correction_fails_the_build(tmp_path):
    from kanmin import pipeline
    from support import SOURCE

    d = _copy_with_line(tmp_path, "corrections.csv", "2,timing,平成99年度から,平成30年度から,erratum,test,テスト\n")
    with pytest.raises(DataError, match="not found"):
        pipeline.build(source=SOURCE, out=tmp_path / "out", curated_dir=d, with_rdf=False)
    assert not (tmp_path / "out" / "datapackage.json").exists()


def _refusal(d) -> list[tuple[str, int | None, str]]:
    with pytest.raises(DataError) as e:
        curated.load(d)
    return [(p.file, p.line, p.message) for p in e.value.problems]


def _lines(name: str) -> int:
    """The number of lines of a curated file today (each record of these CSVs is one line)."""
    return len((curated.CURATED_DIR / name).read_text(encoding="utf-8").splitlines())


#: A record whose quoted reason spans three lines: the records after it start three lines later.
MULTI_LINE = '"a reason\nprinted over\nthree lines"'


@pytest.mark.parametrize("name, ok, bad, message", [
    ("ministry_aliases.csv", f"経済省,meti,{MULTI_LINE}", "文科省,mext2,typo",
     "alias '文科省' points to unknown ministry_id 'mext2'"),
    ("pillar_aliases.csv", f"オープンデータ,open-data,{MULTI_LINE}", "データ,open_data,typo",
     "alias 'データ' points to unknown pillar_id 'open_data'"),
    ("blank_cells.csv", f"3,pillar,{MULTI_LINE}", "x,pillar,a reason", "policy_id 'x' is not a row number"),
    ("blank_cells.csv", f"3,pillar,{MULTI_LINE}", "50,timing,a reason", "unknown cells 'timing'"),
    ("blank_cells.csv", f"3,pillar,{MULTI_LINE}", "50,pillar, ", "a blank cell needs a reason"),
    ("blank_cells.csv", f"3,pillar,{MULTI_LINE}", "50,pillar,a reason, and more",
     "4 cells, and the header has 3 columns"),
    ("corrections.csv", f"1,name,x,y,erratum,{MULTI_LINE},理由", "1,name,z,y,erratum,,理由",
     "a correction needs a reason"),
    ("corrections.csv", f"1,name,x,y,erratum,a reason,{MULTI_LINE}", "1,name,z,y,erratum,a reason,",
     "a correction needs a Japanese reason (reason_ja)"),
    ("corrections.csv", f"1,name,x,y,erratum,{MULTI_LINE},理由", "一,name,z,y,erratum,a reason,理由",
     "policy_id '一' is not a row number"),
], ids=["alias-of-unknown-ministry", "alias-of-unknown-pillar", "blank-cells-no-row-number", "blank-cells-unknown",
        "blank-cells-no-reason", "blank-cells-too-many-cells", "correction-no-reason", "correction-no-japanese-reason",
    "correction-no-row-number"])
def test_a_bad_record_is_refused_at_its_physical_line(tmp_path, name, ok, bad, message):
    """A record the build cannot use is refused, naming the file and the line where the record
    starts: after a record with a line break in a quoted cell, that is not the record's index + 2."""
    d = _copy_with_line(tmp_path, name, f"{ok}\n{bad}\n")
    assert _refusal(d) == [(str(d / name), _lines(name) + 4, message)]


def test_the_refusals_name_the_line_of_a_record_not_its_index(tmp_path):
    """Before a bad record: a blank line and a record spanning three lines; the bad record is on
    line (today's lines) + 5."""
    d = _copy_with_line(tmp_path, "ministry_aliases.csv", f"\n経済省,meti,{MULTI_LINE}\n文科省,mext2,typo\n")
    assert _refusal(d) == [(str(d / "ministry_aliases.csv"), _lines("ministry_aliases.csv") + 5,
                            "alias '文科省' points to unknown ministry_id 'mext2'")]


@pytest.mark.parametrize("line, message", [
    ("住民生活", "duplicate furniture line '住民生活' (first on line 17)"),
    ("!住民生活", "duplicate furniture line '住民生活' (first on line 17)"),  # the same line as an anchor
    ("施策番号", "duplicate furniture line '施策番号' (first on line 10)"),  # an anchor listed again
    ("=施策番号", "duplicate leak marker '施策番号' (first on line 34)"),
], ids=["furniture", "furniture-as-anchor", "anchor", "leak-marker"])
def test_a_duplicate_furniture_line_is_refused(tmp_path, line, message):
    """The first lines hand-counted in data/curated/page_furniture.txt; the duplicate is appended."""
    d = _copy_with_line(tmp_path, "page_furniture.txt", f"{line}\n")
    assert _refusal(d) == [(str(d / "page_furniture.txt"), _lines("page_furniture.txt") + 1, message)]
