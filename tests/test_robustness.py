"""Issue 10: mutated copies of the source give the same data, one clear error at the right line,
or (for a changed line) a change confined to the cell holding it — never silently wrong structure.

Each reproduction of the issue is a test; ``test_fuzz`` runs a bounded version of
``benchmarks/fuzz.py`` (``make fuzz`` runs thousands of cases). The stages run in process
(``pipeline.prepare``: extract → tidy → checks), so a case takes milliseconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from kanmin import curated, pipeline, source
from kanmin import text as T
from kanmin.cli import main
from kanmin.errors import DataError
from support import REPO, SOURCE, metadata

sys.path.insert(0, str(REPO / "benchmarks"))
import fuzz  # noqa: E402  (benchmarks/ is not a package)

CUR = curated.load()
BASE = fuzz.baseline(CUR)
LINES = BASE.lines


def _prepare(tmp_path: Path, lines: list[str] | None = None, data: bytes | None = None):
    path = tmp_path / "mutated.txt"
    path.write_bytes(data if data is not None else ("\n".join(lines or []) + "\n").encode("utf-8"))
    return path, pipeline.prepare(path, CUR)


def _changed(tables) -> list[tuple[int, str]]:
    cells = fuzz.cell_values(tables)
    return sorted(k for k in set(cells) | set(BASE.cells) if cells.get(k) != BASE.cells.get(k))


def _error(tmp_path: Path, lines: list[str] | None = None, data: bytes | None = None) -> list[tuple[int | None, str]]:
    with pytest.raises(DataError) as e:
        _prepare(tmp_path, lines, data)
    path = str(tmp_path / "mutated.txt")
    assert all(p.file == path for p in e.value.problems)
    return [(p.line, p.message) for p in e.value.problems]


def _with(edit) -> list[str]:
    lines = list(LINES)
    edit(lines)
    return lines


# --- the reproductions of the issue ---------------------------------------------------------

@pytest.mark.parametrize("case, lines", [
    # one blank line removed: policy 25's timing was 平成31年度以降○ and its marks 0
    ("sed 1269d", LINES[:1268] + LINES[1269:]),
    # one blank line removed / added: policies 19 and 21 lost their pillar and timing into the overview
    ("sed 1002d", LINES[:1001] + LINES[1002:]),
    ("sed 1095G", LINES[:1095] + [""] + LINES[1095:]),
    # trailing spaces on every line; CRLF, and CR line ends are below
    ("trailing spaces", [t + " \u3000" for t in LINES]),
    ("leading spaces", [" " + t for t in LINES]),
    ("no blank line between the budget heading and the support", LINES[:1515] + LINES[1516:]),
])
def test_layout_gives_the_same_data(tmp_path, case, lines):
    _, (_, tables) = _prepare(tmp_path, lines)
    assert _changed(tables) == [], case


@pytest.mark.parametrize("eol, bom", [("\r\n", False), ("\r", False), ("\n", True)])
def test_line_ends_and_bom_give_the_same_data(tmp_path, eol, bom):
    data = ("\ufeff" if bom else "") + eol.join(LINES) + eol
    _, (_, tables) = _prepare(tmp_path, data=data.encode("utf-8"))
    assert _changed(tables) == []


def test_zero_width_space_is_removed_and_reported(tmp_path):
    """U+200B before ＜予算事業名＞ (line 1517) hid policy 30's two budget projects in its support."""
    _, (extraction, tables) = _prepare(tmp_path, _with(lambda x: x.__setitem__(1516, "\u200b" + x[1516])))
    assert _changed(tables) == []
    assert extraction.normalised == [(1517, "U+200B ZERO WIDTH SPACE at column 1 removed")]
    assert "- line 1517: U+200B ZERO WIDTH SPACE at column 1 removed" in pipeline.build_report(
        extraction, tables, pipeline.model.from_tables(CUR.metadata, tables), SOURCE)


def test_a_look_alike_circle_on_the_marks_line_is_read_as_a_mark_and_reported(tmp_path):
    """◯ (U+25EF) for ○ on policy 45's marks line (2236) was published as support text, with the
    mark count 0 and the four effect flags false."""
    _, (extraction, tables) = _prepare(tmp_path, _with(lambda x: x.__setitem__(2235, "◯")))
    assert _changed(tables) == []
    assert extraction.normalised == [(2236, "U+25EF LARGE CIRCLE at column 1 read as ○ (an effect mark)")]
    assert "- line 2236: U+25EF LARGE CIRCLE at column 1 read as ○ (an effect mark)" in pipeline.build_report(
        extraction, tables, pipeline.model.from_tables(CUR.metadata, tables), SOURCE)


@pytest.mark.parametrize("mark", ["⚪", "⭕", "〇 ◯"])
def test_every_white_circle_look_alike_reads_as_a_mark(tmp_path, mark):
    _, (_, tables) = _prepare(tmp_path, _with(lambda x: x.__setitem__(2235, mark)))
    assert [p["effect_mark_count"] for p in tables.policies if p["policy_id"] == 45] == [len(mark.split())]


def test_no_circle_of_the_real_source_is_a_look_alike():
    text = SOURCE.read_text(encoding="utf-8")
    assert not set(T.MARK_LOOKALIKES + T.OTHER_CIRCLES.replace("◎", "")) & set(text)


def test_deleted_kpi_line_changes_only_its_cell(tmp_path):
    """sed 2209d: the two effect KPIs of policy 45 read as one. A content change that no rule can
    tell from a KPI wrapped over three lines; it stays in the cell that held the deleted line."""
    _, (_, tables) = _prepare(tmp_path, LINES[:2208] + LINES[2209:])
    assert _changed(tables) == [(45, "kpi_effect")]


@pytest.mark.parametrize("case, edit, line, message", [
    # a URL line deleted: its caption was appended to policy 12's budget project
    ("sed 658d", lambda x: x.pop(657), 657,
     "row 12: '（オープンデータ伝道師）' after a blank line in the 予算事業名 cell"),
    ("NUL in line 34", lambda x: x.__setitem__(33, x[33][:5] + "\x00" + x[33][5:]), 34,
     "U+0000 NUL at column 6"),
    ("lone CR in line 34", lambda x: x.__setitem__(33, x[33][:5] + "\r" + x[33][5:]), 34,
     "U+000D CARRIAGE RETURN at column 6"),
    ("full-width digit in the code on line 973", lambda x: x.__setitem__(972, x[972].replace("02-20", "０2-20")),
     973, "row 18: policy code '０2-20' is not NN-NN (ASCII digits)"),
    # trailing spaces made the intact file fail at line 56 (above: now the same data); with the code
    # line 55 deleted as well, the ministries that follow (now line 55) are named
    ("no code, trailing spaces", lambda x: [x.__setitem__(i, t + "  ") for i, t in enumerate(x)] and x.pop(54),
     55, "row 1 (from line 25) has ministries but no policy code before them"),
    # policy 19's pillar is printed on lines 1000-1001 (官民データの容 / 易な利用等)
    ("pillar misspelled", lambda x: x.__setitem__(999, "易な利用"), 1000,
     "row 19: expected a pillar of the code list (or '-') and a timing (掲載時期) after the overview, "
     "found '易な利用'"),
    ("○ in the timing", lambda x: x.__setitem__(1267, "降○"), 1267,
     "row 25: expected a timing (掲載時期) of a known form after the pillar 'その他', found '平成31年度以'"),
    # review of issue 10: the line at fault, not the row's first line (2200)
    ("○ at the start of a support line", lambda x: x.__setitem__(2240, "○" + x[2240]), 2241,
     "policies support_measures holds '○' (U+25CB WHITE CIRCLE), which only the marks"),
    ("◯ (U+25EF) in a support line", lambda x: x.__setitem__(2240, "◯" + x[2240]), 2241,
     "policies support_measures holds '◯' (U+25EF LARGE CIRCLE), which only the marks"),
    ("◉ on the marks line", lambda x: x.__setitem__(2235, "◉"), 2236,
     "policies support_measures holds '◉' (U+25C9 FISHEYE), which only the marks"),
    ("five marks", lambda x: x.__setitem__(2235, "○ ○ ○ ○ ○"), 2236,
     "row 45: at most 4 ○ marks, found 5: '○ ○ ○ ○ ○'"),
    ("a space inside a URL", lambda x: x.__setitem__(2192, x[2192][:10] + " " + x[2192][10:]), 2193,
     "row 44: URL contains a space at column 11; a URL wrapped over two lines? 'http://www .soumu.go.jp/"),
    ("a URL without a host", lambda x: x.__setitem__(2192, "http://"), 2193,
     "row 44: 'http://chi_gyousei/c-gyousei/lg-cloud/' is not a web URL"),
    # fuzz seed 1, case 973: the line holding policy 20's empty 支援策 ("-") and the first line of its
    # budget project deleted; the project's second line read as the 支援策 cell, the project vanished
    ("sed 1066d", lambda x: x.pop(1065), 1066,
     "row 20: the 支援策 cell ends with '整備等事業', which reads like a budget project's name"),
    # fuzz seed 2, case 1911: the end of row 55's ministries printed twice; it began row 56's name
    ("sed 2785p", lambda x: x.insert(2785, x[2784]), 2786,
     "'科学省' after the complete ministries list '◎内閣府、文部科学省' is the end of a ministry's name"),
    # a KPI line of policy 7 changed under a reviewed correction: named at the changed line
    ("a corrected KPI changed", lambda x: x.__setitem__(332, "あ" + x[332]), 333,
     "row 7, kpis.effect: the printed value"),
    # issue 19 (make fuzz): errors that named a line far from the damage (a row's first line, the
    # next row number, the budget heading) now name the damaged line. The three cells before the
    # overview: no blank line after row 1's name (line 30 deleted): the first line wider than a name
    ("sed 30d", lambda x: x.pop(29), 30,
     "row 1: expected 3 cells before the overview (施策名, KPI（進捗）, KPI（効果）), found 2: "),
    # a blank line inside row 2's progress KPI, after a line filling the column (65): the line after it
    ("sed 65G", lambda x: x.insert(65, ""), 67,
     "row 2: expected 3 cells before the overview (施策名, KPI（進捗）, KPI（効果）), found 4: "),
    # a space splitting row 2's name line 61 in two cells
    ("a space in a name", lambda x: x.__setitem__(60, "地方公共 団体の行"), 61,
     "row 2: expected 3 cells before the overview (施策名, KPI（進捗）, KPI（効果）), found 4: "),
    # row 3's number line damaged: the row's first line holds its number
    ("row number 3 damaged", lambda x: x.__setitem__(98, "3あ"), 99,
     "row 3: expected 3 cells before the overview (施策名, KPI（進捗）, KPI（効果）), found 4: 3あ | "),
    # a bullet before row 5's effect KPI (line 203): the overview begins there, one cell too early
    ("a bullet in a KPI", lambda x: x.__setitem__(202, "- " + x[202]), 203,
     "row 5: expected 3 cells before the overview (施策名, KPI（進捗）, KPI（効果）), found 2: "),
    # page furniture damaged before row 1 (line 17): it stands before the row's number
    ("furniture damaged", lambda x: x.__setitem__(16, "- " + x[16]), 17,
     "'- 向上' stands before row 1's number (line 25), where no row has cells"),
    # a code line in row 18's support (line 931): row 19 seemed to begin at 932, before its number
    ("a code line out of place", lambda x: x.__setitem__(930, "06-01 ◎総務省"), 932,
     "'・「屋内測位環境構築ガイドライン」\\u3000等' stands before row 19's number (line 975)"),
    # "、" before row 39's number (line 1902): row 38's ministries went on to row 40's number
    ("、 before a row number", lambda x: x.__setitem__(1901, "、" + x[1901]), 1902,
     "the ministries list from line 1901 goes on over more than 8 lines: '、 39' begins no ministry's name"),
    # row 29's code line damaged: its ministries stand before row 30's number
    ("a code damaged", lambda x: x.__setitem__(1459, "05漢-06 ◎総務省"), 1460,
     "row 29 (from line 1421): '05漢-06 ◎総務省' holds ministries (◎) but no policy code NN-NN before them"),
    # row 37's pillar (利用の機会等 / の格差の是正) misprinted on its second line: the line where it
    # stops being a pillar of the code list
    ("pillar misprinted", lambda x: x.__setitem__(1846, "の格差の是生"), 1847,
     "row 37: expected a pillar of the code list (or '-') and a timing (掲載時期) after the overview, "
     "found 'の格差の是生'"),
    # row 62's pillar and timing line (3054) read as a bullet: the line after the overview's last
    # sentence, before the ○ marks (was: the budget heading, line 3064)
    ("pillar line read as a bullet", lambda x: x.__setitem__(3053, "- " + x[3053]), 3054,
     "row 62: expected a pillar of the code list (or '-') and a timing (掲載時期) after the overview, "
     "found '- その他 平成31年度以'"),
    # row 55's timing line printed twice: the line between the timing and the marks (was: '- - -', 2782)
    ("sed 2777p", lambda x: x.insert(2777, x[2776]), 2778,
     "row 55: '降' stands between the timing (掲載時期) and the ○ marks (line 2780)"),
    # row 53's support (line 2631) opened with a dash: its text read as a budget project
    ("a dash before the support", lambda x: x.__setitem__(2630, "- " + x[2630]), 2631,
     "row 53: '平成29年度に、クラウド技術を活用して医療機関・'… in the 予算事業名 cell is no project's name"),
    # a URL inside row 33's support paragraph (line 1682): the URL line (was: the budget heading, 1686)
    ("a URL in a paragraph", lambda x: x.__setitem__(1681, "http://www.soumu.go.jp/menu_seisaku"), 1682,
     "row 33: 'http://www.soumu.go.jp/m' in the 参考URL cell stands next to a paragraph"),
    # row 50's URL (line 2468) damaged: named at the URL, not at its caption after a blank line (2464)
    ("a URL damaged", lambda x: x.__setitem__(2467, "ttp" + x[2467][4:]), 2468,
     "row 50: 'ttp://www.soumu.go.jp/ma' is no URL (http:// or https://), so the caption before it reads"),
    # row 52's code line deleted (2578): row 53's lines follow row 52's last URL (was: 2596)
    ("sed 2578d", lambda x: x.pop(2577), 2578,
     "row 52: '健康・医療・介護分' after the 参考URL cell's last URL is no note, and no URL follows it"),
])
def test_content_damage_is_one_error_at_its_line(tmp_path, case, edit, line, message):
    problems = _error(tmp_path, _with(edit))
    assert len(problems) == 1, problems
    assert problems[0][0] == line and problems[0][1].startswith(message), (case, problems)


def test_a_source_far_larger_than_the_table_is_refused_unread(tmp_path):
    """The source plus 50 MB of blank lines: refused at once (it took 66 s and 8.9 GB)."""
    data = SOURCE.read_bytes() + b"\n" * (50 << 20)
    problems = _error(tmp_path, data=data)
    assert problems == [(None, "the file is larger than 1,500,000 bytes (about ten times the extraction of "
                               "a table of 75 rows)")]


def test_a_very_long_line_is_refused(tmp_path):
    assert _error(tmp_path, _with(lambda x: x.__setitem__(9, "あ" * 5000))) == [
        (10, "the line has 5,000 characters; the table's longest line has a few hundred (at most 2,000 are read)")]


def test_cli_reports_damage_at_the_source_line(tmp_path, capsys):
    bad = tmp_path / "nul.txt"
    bad.write_bytes(SOURCE.read_bytes().replace("電子応札率".encode(), "電子\x00応札率".encode(), 1))
    assert main(["build", "--no-rdf", "--source", str(bad), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}:34: U+0000 NUL at column 3 (") and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


# --- characters: the one forbidden set, in the reader and in the Table Schemas -----------------

def test_forbidden_set_covers_every_control_and_format_character():
    for code in range(0x110000):
        ch = chr(code)
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Zl", "Zp") and ch != "\n":
            assert source.FORBIDDEN.match(ch), hex(code)
        elif category not in ("Cn",):
            assert not source.FORBIDDEN.match(ch), hex(code)


def test_every_text_field_of_the_schemas_forbids_them():
    md = metadata()
    import re

    for res in md["resources"]:
        for f in res["fields"]:
            constraints = f.get("constraints", {})
            if f["type"] != "string" or "enum" in constraints:
                continue
            pattern = re.compile(f"^{constraints['pattern']}$")  # as frictionless reads it
            for ch in ("\x00", "\t", "\r", "\x85", "\u200b", "\u202e", "\ufeff", "\u2028", "\U000e0001"):
                assert not pattern.match(f"a{ch}b"), (res["name"], f["name"], repr(ch))
            for start in source.FORMULA_START:  # a spreadsheet would run the cell (issue 16)
                assert not pattern.match(f"{start}HYPERLINK(1)"), (res["name"], f["name"], start)


def test_the_character_rules_have_one_home_and_the_schemas_name_them(tmp_path):
    """metadata.json names the rules (@text, @ascii-text, @web-url) instead of copying the
    forbidden-character class into every field; curated.load puts the expressions in, and refuses
    a name it does not know."""
    import re

    from kanmin import curated

    raw = (REPO / "data" / "curated" / "metadata.json").read_text(encoding="utf-8")
    assert "\\x00" not in raw and raw.count('"@text"') == 16 and raw.count('"@web-url"') == 1
    patterns = {f["constraints"]["pattern"] for res in metadata()["resources"] for f in res["fields"]
                if f["type"] == "string" and "enum" not in f.get("constraints", {})}
    assert {source.TEXT_PATTERN, source.ASCII_TEXT_PATTERN, curated.PATTERNS["@web-url"]} <= patterns
    assert not any(p.startswith("@") for p in patterns)
    for text in ("電子応札率", "文中の - と = は可", "Ministry of Finance", "e-Gov (2019)"):
        assert re.fullmatch(source.TEXT_PATTERN, text)
    assert re.fullmatch(source.ASCII_TEXT_PATTERN, "Ministry of Finance")
    bad = tmp_path / "curated"
    shutil.copytree(REPO / "data" / "curated", bad)
    (bad / "metadata.json").write_text(raw.replace('"@web-url"', '"@weburl"'), encoding="utf-8")
    with pytest.raises(DataError) as failed:
        curated.load(bad)
    assert str(failed.value.problems[0]) == (
        f"{bad / 'metadata.json'}: policy_references.url: unknown named pattern '@weburl' (use one of @text, "
        "@ascii-text, @web-url, or a regular expression)")


def test_a_cell_that_a_spreadsheet_would_run_stops_the_build_at_its_line(tmp_path, capsys):
    """A KPI printed as `=HYPERLINK(…)` would be published as it came, and run in Excel."""
    bad = tmp_path / "formula.txt"
    bad.write_bytes(SOURCE.read_bytes().replace("電子応札率".encode(), b'=HYPERLINK("http://x.example/")', 1))
    assert main(["build", "--no-rdf", "--source", str(bad), "--out", str(tmp_path / "o")]) == 1
    assert capsys.readouterr().err == (
        f"error: {bad}:34: kpis.text: '=HYPERLINK(\"http://x.example/\")' starts with '=', which a spreadsheet runs "
        "as a formula: no published cell may start with =, +, -, @ (the schema's pattern) (fix the extraction "
        "rules or add a reviewed correction)\n")
    assert not (tmp_path / "o" / "data").exists()


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_validate_refuses_a_hand_edited_csv_cell_that_a_spreadsheet_would_run(fresh_build, tmp_path, capsys, start):
    pkg = tmp_path / "pkg"
    shutil.copytree(fresh_build, pkg)
    ministries = pkg / "data" / "ministries.csv"
    ministries.write_text(ministries.read_text(encoding="utf-8").replace(",内閣官房,", f",{start}1+1,", 1),
                          encoding="utf-8")
    assert main(["validate", "--package", str(pkg)]) == 1
    assert f"data/ministries.csv, row 5, field name_ja: '{start}1+1' starts with '{start}', which a spreadsheet " \
           "runs as a formula" in capsys.readouterr().err
    if start == "=":  # the standard's own tool says the same, from the descriptor alone
        frictionless = Path(sys.executable).parent / "frictionless"
        run = subprocess.run([str(frictionless), "validate", "--json", str(pkg / "datapackage.json")],
                             capture_output=True, text=True)
        assert run.returncode != 0 and '"constraint-error"' in run.stdout and "=1+1" in run.stdout


def test_validate_refuses_a_hand_edited_csv_with_a_format_character(fresh_build, tmp_path, capsys):
    pkg = tmp_path / "pkg"
    shutil.copytree(fresh_build, pkg)
    kpis = pkg / "data" / "kpis.csv"
    kpis.write_text(kpis.read_text(encoding="utf-8").replace("電子応札率", "電子\u200b応札率", 1), encoding="utf-8")
    assert main(["validate", "--package", str(pkg)]) == 1
    err = capsys.readouterr().err
    assert "data/kpis.csv, row 2, field text: '電子\\u200b応札率' holds U+200B ZERO WIDTH SPACE" in err


def test_reader_normalises_layout(tmp_path):
    path = tmp_path / "s.txt"
    path.write_bytes("\ufeff a\t b\u3000 \r\n\r\n\u3000c\u200d\r\n".encode("utf-8"))
    read = source.read(path, 75)
    assert read.lines == [(1, "a  b"), (2, ""), (3, "c")]
    assert read.normalised == [(1, "tab (U+0009) at column 3 read as a space"),
                               (3, "U+200D ZERO WIDTH JOINER at column 3 removed")]


# --- provenance --------------------------------------------------------------------------------

def test_recorded_source_matches_the_raw_file():
    item = next(s for s in CUR.metadata["sources"] if "hash" in s)
    digest, size = pipeline.files.sha256_file(REPO / item["path"])
    assert (item["hash"], item["bytes"]) == (f"sha256:{digest}", size)
    assert pipeline.provenance(CUR.metadata, REPO / item["path"]) == (CUR.metadata, [])


def test_another_source_is_recorded_by_name_and_noted(tmp_path):
    other = tmp_path / "crlf.txt"
    other.write_bytes(SOURCE.read_bytes().replace(b"\n", b"\r\n"))
    metadata, notices = pipeline.provenance(CUR.metadata, other)
    item = next(s for s in metadata["sources"] if "hash" in s)
    assert item["path"] == "crlf.txt" and item["bytes"] == other.stat().st_size
    assert item["description"].startswith("A PDF-to-text extraction of the table that is not the reviewed "
                                          "source: the curated corrections were reviewed against data/raw/")
    assert len(notices) == 1 and notices[0].startswith(f"{other}: not the source recorded in data/curated/")


def test_another_source_is_named_in_the_package_and_report_without_its_path(tmp_path, capsys):
    other = tmp_path / "crlf.txt"
    other.write_bytes(SOURCE.read_bytes().replace(b"\n", b"\r\n"))
    out = tmp_path / "o"
    assert main(["build", "--source", str(other), "--out", str(out)]) == 0
    assert capsys.readouterr().err.startswith(f"note: {other}: not the source recorded")
    for rel in ("datapackage.json", "build/rdf/catalog.ttl", "build/report.md"):
        assert str(tmp_path) not in (out / rel).read_text(encoding="utf-8"), rel
    sources = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))["sources"]
    assert [s["path"] for s in sources if "hash" in s] == ["crlf.txt"]
    assert '"crlf.txt"' in (out / "build/rdf/catalog.ttl").read_text(encoding="utf-8")
    report = (out / "build/report.md").read_text(encoding="utf-8")
    assert "## Not the recorded source\n\n- crlf.txt: not the source recorded in data/curated/metadata.json" in report


# --- the fuzz test -----------------------------------------------------------------------------

def test_fuzz():
    """300 mutated sources (fixed seed): layout → same data or a clean error; content → a clean
    error naming lines within ``fuzz.WINDOW`` of a mutated line (but for ``fuzz.FAR_SHARE`` of
    them), or a change confined to the cells of the mutated lines. ``make fuzz`` runs more."""
    counts = fuzz.run(seed=10, n=300, show=3, out=print)
    print(fuzz.table(counts))
    assert not {"silent", "crash", "error-unplaced"} & set(counts["layout"]), counts
    assert not {"structural", "crash", "error-unplaced"} & set(counts["content"]), counts
    # make fuzz's verdict: at most fuzz.FAR_SHARE of the content errors name a line further than
    # fuzz.WINDOW from the damage (what the text cannot place, fuzz's docstring)
    assert fuzz.failures(counts) == [], counts
    assert counts["layout"]["same"] > 100 and counts["content"]["error"] + counts["content"]["localised"] > 100
