"""The Excel workbook (kanmin.workbook), read back with openpyxl: every cell of every table sheet
against its CSV, the data dictionary against metadata.json, the printed table 「施策一覧」 against
hand-checked rows of the source, the sheet layout, byte-identical rebuilds, and the workbook as a
distribution of the catalog."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from kanmin import model, validation
from kanmin import workbook_layout as layout
from kanmin.errors import DataError
from kanmin.rdf import build_rdf
from kanmin.settings import RDF_DIR, WORKBOOK_PATH
from kanmin.workbook import write_workbook
from support import METADATA, REPO, make_package
from support import metadata as curated_metadata

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The printed table's columns in order (data/raw/SOURCE.md), then the one it does not print:
#: the number of effect marks.
PRINTED = ["No", "施策名", "KPI（進捗）", "KPI（効果）", "課題・取組概要（スケジュール・効果）", "府省庁名", "対応する柱",
           "都道府県官民データ活用推進計画掲載時期", "行政の効率化・コスト削減", "地域社会・経済の活性化",
           "住民生活の利便性・質の向上", "住民生活の安全・安心の確保", "都道府県等への支援策",
           "予算事業名", "参考URL", "国の施策番号", "期待される効果の○の数"]
EFFECTS = PRINTED[8:12]
MARKS = "期待される効果の○の数"


@pytest.fixture(autouse=True)
def _no_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture(scope="module")
def metadata() -> dict:
    return curated_metadata()


@pytest.fixture(scope="module")
def pkg() -> model.Package:
    return validation.load(REPO)


@pytest.fixture(scope="module")
def xlsx(pkg, tmp_path_factory) -> Path:
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    path = tmp_path_factory.mktemp("wb") / "book.xlsx"
    write_workbook(pkg, path)
    return path


@pytest.fixture(scope="module")
def book(xlsx):
    return openpyxl.load_workbook(xlsx)


def _rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _widths(ws) -> list[float]:
    """Each column's width as XlsxWriter was given it (openpyxl groups columns of one width, and
    the file stores a width plus 5 px of padding, to 1/256 of a unit)."""
    widths = {}
    for dim in ws.column_dimensions.values():
        for column in range(dim.min, dim.max + 1):
            widths[column] = round(dim.width - 5 / 7, 2)
    return [widths[c] for c in range(1, ws.max_column + 1)]


def _csv(name: str) -> list[list[str]]:
    with (REPO / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


# --- the sheets ------------------------------------------------------------------------------------

#: The table sheets, named by their tables' Japanese titles, in published order.
TABLE_SHEETS = {"policies": "施策", "ministries": "府省庁", "policy_ministries": "施策と府省庁", "kpis": "KPI",
                "policy_references": "参考URL", "budget_projects": "予算事業", "policy_budget_projects": "施策の予算事業",
                "pillars": "対応する柱", "effect_categories": "期待される効果"}


def test_sheets_in_order(book, metadata):
    assert [r["name"] for r in metadata["resources"]] == list(TABLE_SHEETS)
    assert [r["title"]["ja"] for r in metadata["resources"]] == list(TABLE_SHEETS.values())
    assert book.sheetnames == ["説明", "施策一覧", *TABLE_SHEETS.values()]


@pytest.mark.parametrize("name", [r["name"] for r in json.loads(METADATA.read_text(encoding="utf-8"))["resources"]])
def test_every_cell_of_a_table_sheet_is_its_csv_value_typed(book, metadata, name):
    """Each cell against the CSV, typed by the Table Schema: an integer is a number, a boolean
    はい/いいえ, a string the same text, a missing value an empty cell."""
    fields = next(r for r in metadata["resources"] if r["name"] == name)["fields"]
    types = [f["type"] for f in fields]
    expected = _csv(name)
    got = _rows(book[TABLE_SHEETS[name]])
    assert got[0] == expected[0]  # the header is the field names
    assert len(got) == len(expected)
    checked = 0
    for number, (row, want) in enumerate(zip(got[1:], expected[1:], strict=True), start=2):
        assert len(row) == len(want), number
        for cell, text, ftype, field in zip(row, want, types, expected[0], strict=True):
            where = (name, number, field)
            if text == "":
                assert cell is None, where
            elif ftype == "integer":
                assert type(cell) is int and cell == int(text), where
            elif ftype == "boolean":
                assert cell == {"true": "はい", "false": "いいえ"}[text], where
            else:
                assert type(cell) is str and cell == text, where
            checked += 1
    assert checked == (len(expected) - 1) * len(fields)


def test_reference_urls_are_links_to_themselves(book):
    ws = book["参考URL"]
    column = [c.value for c in ws[1]].index("url") + 1
    cells = [ws.cell(row=r, column=column) for r in range(2, ws.max_row + 1)]
    assert len(cells) == len(_csv("policy_references")) - 1
    # an xlsx hyperlink keeps a URL's #fragment apart, as its location
    targets = [c.hyperlink.target + (f"#{c.hyperlink.location}" if c.hyperlink.location else "") for c in cells]
    assert targets == [c.value for c in cells]


def test_every_sheet_has_a_frozen_header_and_an_autofilter(book):
    for ws in book.worksheets:
        last = openpyxl.utils.get_column_letter(ws.max_column)
        assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}", ws.title
        assert ws.freeze_panes == ("C2" if ws.title == "施策一覧" else "A2"), ws.title
        assert all(c.font.b for c in ws[1]), ws.title


def test_widths_are_readable_and_text_wraps(book):
    for ws in book.worksheets:
        assert all(layout.MIN_WIDTH <= w <= layout.MAX_WIDTH for w in _widths(ws)), ws.title
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.alignment.wrap_text and cell.alignment.vertical == "top", (ws.title, cell.coordinate)
                elif cell.value is not None:  # a number does not wrap
                    assert cell.alignment.wrap_text is not True, (ws.title, cell.coordinate)
    kpi = book["施策一覧"].cell(row=8, column=3)  # policy 7's progress KPIs: several lines
    assert "\n" in kpi.value and kpi.alignment.wrap_text


def test_every_cell_is_in_a_japanese_font(book):
    fonts = {(c.font.name, c.font.sz) for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None}
    assert fonts == {("Meiryo", 10)}


def test_every_row_is_as_tall_as_its_cells_lines(book, pkg):
    """Every row's stored height (custom, so that no reader shrinks it) holds the lines of its
    tallest cell at its column's width, as workbook_layout counts them; policy 7's row is many
    lines tall and every one-line row one line tall."""
    for ws in book.worksheets:
        areas = [layout.text_area_pt(w) for w in _widths(ws)]
        for number, row in enumerate(ws.iter_rows(min_row=2), start=2):
            dim = ws.row_dimensions[number]
            lines = max(layout.line_count(c.value, a) if isinstance(c.value, str) else 1
                        for c, a in zip(row, areas, strict=True))
            assert dim.customHeight and dim.height == layout.row_height(lines), (ws.title, number)
    policy_7 = book["施策一覧"].row_dimensions[8].height
    assert policy_7 >= layout.row_height(9)  # nine lines of progress KPIs
    assert book["府省庁"].row_dimensions[2].height == layout.row_height(1)


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_row_on_every_page(book, metadata):
    a3 = {"施策一覧", "施策"}  # the printed table and its table: too many columns for A4
    for ws in book.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape", ws.title
        assert setup.paperSize == (8 if ws.title in a3 else 9), ws.title  # Excel's A3, A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0), ws.title  # 1 is the default, not written
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.print_options.gridLines and ws.print_options.horizontalCentered
        assert (ws.page_margins.left, ws.page_margins.top) == (0.4, 0.7)
        header, footer = ws.oddHeader, ws.oddFooter
        assert header.left.text == metadata["title"]["ja"] and header.right.text == "&A", ws.title
        assert footer.left.text == f"{metadata['homepage']}　版 {metadata['version']}" and footer.right.text == "&P / &N"
        assert header.left.font == "Meiryo,Regular" and header.left.size == 9


def test_a_title_that_cannot_name_a_sheet_is_a_problem_naming_it(pkg, tmp_path):
    metadata = copy.deepcopy(pkg.metadata)
    titles = {r["name"]: r["title"] for r in metadata["resources"]}
    titles["kpis"]["ja"] = "KPI（進捗・効果）/ 指標"
    titles["pillars"]["ja"] = "官民データ活用推進基本法の第八条から第十九条までに対応する柱の一覧"
    titles["budget_projects"]["ja"] = "府省庁"  # the sheet of ministries has it
    with pytest.raises(DataError) as err:
        write_workbook(model.Package(metadata, pkg.tables), tmp_path / "x.xlsx")
    assert [str(p) for p in err.value.problems] == [
        f"{WORKBOOK_PATH}: sheet name 'KPI（進捗・効果）/ 指標': it has / (Excel allows none of []:*?/\\) (change the "
        "table's Japanese title (resources[].title.ja in data/curated/metadata.json))",
        f"{WORKBOOK_PATH}: sheet name '府省庁': another sheet has it (change the table's Japanese title "
        "(resources[].title.ja in data/curated/metadata.json))",
        f"{WORKBOOK_PATH}: sheet name '官民データ活用推進基本法の第八条から第十九条までに対応する柱の一覧': 33 characters "
        "(Excel allows 1 to 31) (change the table's Japanese title (resources[].title.ja in data/curated/metadata.json))"]
    assert not (tmp_path / "x.xlsx").exists()


# --- 施策一覧 ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def printed(book) -> dict[int, dict]:
    rows = _rows(book["施策一覧"])
    assert rows[0] == PRINTED
    return {row[0]: dict(zip(PRINTED, row, strict=True)) for row in rows[1:]}


def test_one_row_per_policy_in_order(printed):
    assert list(printed) == [int(p["policy_id"]) for p in _records("policies")]


def _records(name: str) -> list[dict[str, str]]:
    with (REPO / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def expected_printed_rows() -> dict[int, dict]:
    """Every row of 施策一覧 as the CSVs say it must read, built without the model or the
    workbook module: ministries in printed order with ◎ before a lead, KPIs under their ＜group＞
    headings, effect flags as ○ / empty / 不明, budget projects and the references printed in the
    budget column in source-line order, references as caption, URL and note lines."""
    def by_policy(name: str, order: str = "position") -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for r in sorted(_records(name), key=lambda r: int(r[order])):
            out.setdefault(r["policy_id"], []).append(r)
        return out

    def lines(items: list[str]) -> str | None:
        return "\n".join(items) or None

    def kpi_cell(rows: list[dict]) -> str | None:
        out, group = [], ""
        for k in rows:
            if k["kpi_group"] and k["kpi_group"] != group:
                out.append(f"＜{k['kpi_group']}＞")
            group = k["kpi_group"]
            out.append(k["text"])
        return lines(out)

    def reference(r: dict) -> list[str]:
        return [v for v in (r["label"], r["url"], r["note"]) if v]

    ministry_names = {m["ministry_id"]: m["name_ja"] for m in _records("ministries")}
    ministries = by_policy("policy_ministries")
    kpis = by_policy("kpis")
    references = by_policy("policy_references")
    budget = by_policy("policy_budget_projects")
    projects = {b["budget_project_id"]: b["name"] for b in _records("budget_projects")}
    categories = sorted(_records("effect_categories"), key=lambda c: int(c["position"]))
    effect = {"true": "○", "false": None, "": "不明"}
    expected = {}
    for p in _records("policies"):
        pid = p["policy_id"]
        refs = references.get(pid, [])
        in_budget = sorted([(int(b["source_line_start"]), [projects[b["budget_project_id"]]]) for b in budget.get(pid, [])]
                           + [(int(r["source_line_start"]), reference(r)) for r in refs
                              if r["printed_in"] == "budget_project"], key=lambda i: i[0])
        row = {
            "No": int(pid), "施策名": p["name"],
            "KPI（進捗）": kpi_cell([k for k in kpis.get(pid, []) if k["kind"] == "progress"]),
            "KPI（効果）": kpi_cell([k for k in kpis.get(pid, []) if k["kind"] == "effect"]),
            "課題・取組概要（スケジュール・効果）": p["overview"] or None,
            "府省庁名": "、".join(("◎" if m["role"] == "lead" else "") + (m["name_as_printed"] or ministry_names[m["ministry_id"]])
                              for m in ministries.get(pid, [])) or None,
            "対応する柱": p["pillar_as_printed"] or None,
            "都道府県官民データ活用推進計画掲載時期": p["timing"] or None,
            **{c["name_ja"]: effect[p["effect_" + c["effect_category_id"]]] for c in categories},
            "都道府県等への支援策": p["support_measures"] or None,
            "予算事業名": lines([line for _, item in in_budget for line in item]),
            "参考URL": lines([line for r in refs if r["printed_in"] == "reference_url" for line in reference(r)]),
            "国の施策番号": p["policy_code"],
            MARKS: int(p["effect_mark_count"]),
        }
        assert list(row) == PRINTED  # the effect categories are the four printed columns, in order
        expected[int(pid)] = row
    return expected


def test_every_row_of_the_printed_table_is_what_the_csvs_say(printed):
    """Every cell of every row of 施策一覧 against the CSVs (not the model the workbook was made from)."""
    expected = expected_printed_rows()
    assert list(printed) == list(expected)
    for pid, row in expected.items():
        for column, value in row.items():
            assert printed[pid][column] == value, (pid, column)


def test_the_column_the_pdf_does_not_print_comes_last_and_says_so(book):
    assert _rows(book["施策一覧"])[0][-1] == MARKS
    described = {(r[0], r[1]): r for r in _rows(book["説明"])[1:]}[("施策一覧", MARKS)]
    assert "印刷されていない" in described[4] and "not printed" in described[5]


def test_policy_7_as_printed(printed):
    """Source lines 304-381: two KPI groups in each KPI column, four ministries, two marks."""
    p = printed[7]
    assert p["施策名"] == "企業が行う従業員の社会保険・税手続のワンストップ化・ワンスオンリー化の推進"
    assert p["KPI（進捗）"] == "\n".join([
        "＜オンライン・ワンストップ化＞", "各省等のシステムの改修", "API仕様書の公開",
        "オンライン・ワンストップのサービスイン（令和２年11月頃）",
        "＜クラウドを活用した新しい提出方法・処分通知等＞",
        "対象手続や利用要件等について情報システム整備計画やモデル省令において記載",
        "ロードマップに基づく検討を踏まえた対象手続に係る各省等のシステムの改修・マイナポータルの機能追加",
        "API仕様書の公開", "クラウドを活用した申請・届出、処分通知等の実現（令和３年度以降）"])
    assert p["KPI（効果）"] == "\n".join([
        "＜オンライン・ワンストップ化＞", "対象とした67手続のうちオンライン・ワンストップ化された手続数", "APIの提供数",
        "申請・届出に係る利用数", "＜クラウドを活用した新しい提出方法・処分通知等＞", "APIの提供数",
        "申請・届出、処分通知等に係る利用数"])
    assert p["府省庁名"] == "◎内閣官房、厚生労働省、財務省、総務省"
    assert p["対応する柱"] == "手続における情報通信の技術の利用等"
    assert p["都道府県官民データ活用推進計画掲載時期"] == "令和元年度から"
    assert [p[c] for c in [*EFFECTS, MARKS]] == ["不明", "不明", "不明", "不明", 2]
    assert p["課題・取組概要（スケジュール・効果）"].startswith("企業の生産性向上の観点から、")
    assert p["課題・取組概要（スケジュール・効果）"].count("\n") == 3  # four printed bullets
    assert (p["予算事業名"], p["参考URL"], p["国の施策番号"]) == (None, None, "01-18")


def test_two_leads_not_set_kpi_and_a_reference(printed):
    p = printed[21]
    assert p["府省庁名"] == "◎厚生労働省、◎内閣府、内閣官房"
    assert p["KPI（効果）"] == "未設定（令和元年度中に設定）"
    assert p["参考URL"] == ("（子ども・子育て支援全国総合システム（保育所））\n"
                          "https://www.sukusuku-japan.cao.hq.admix.go.jp/kodomo/index.html")


def test_reference_with_a_note_and_a_url_printed_in_the_budget_column(printed):
    assert printed[22]["参考URL"].split("\n")[:4] == [
        "（地理空間情報活用推進基本法（平成19年法律第63号））",
        "https://elaws.e-gov.go.jp/search/elawsSearch/elaws_search/lsg0500/detail?lawId=419AC1000000063",
        "第5条（地方公共団体の責務）", "第17条（地図関連業務における基盤地図情報の相互活用）"]
    assert printed[75]["予算事業名"] == (
        "森林情報活用促進事業\nhttp://www.rinya.maff.go.jp/j/rinsei/yosankesan/attach/pdf/31hikoukyou-34.pdf")
    assert printed[75]["参考URL"] is None


def test_effect_marks_known_unknown_and_none(printed):
    assert [printed[9][c] for c in [*EFFECTS, MARKS]] == ["○", "○", "○", "○", 4]
    assert [printed[48][c] for c in [*EFFECTS, MARKS]] == [None, None, None, None, 0]
    unknown = sum(p["effect_efficiency"] == "" for p in _records("policies"))
    assert 0 < unknown and sum(printed[n]["行政の効率化・コスト削減"] == "不明" for n in printed) == unknown


def test_printed_cells_are_the_published_values(printed, pkg):
    """Every policy's single-valued cells are the published values, and every KPI, ministry,
    budget project and reference appears in its policy's row."""
    for p in pkg.tables["policies"]:
        row = printed[p["policy_id"]]
        assert (row["施策名"], row["課題・取組概要（スケジュール・効果）"], row["対応する柱"], row["都道府県等への支援策"],
                row["国の施策番号"], row["期待される効果の○の数"]) == (
            p["name"], p["overview"], p["pillar_as_printed"], p["support_measures"], p["policy_code"],
            p["effect_mark_count"])
    for k in pkg.tables["kpis"]:
        assert k["text"] in printed[k["policy_id"]][{"progress": "KPI（進捗）", "effect": "KPI（効果）"}[k["kind"]]]
    for m in pkg.tables["policy_ministries"]:
        assert m["name_as_printed"] in printed[m["policy_id"]]["府省庁名"]
    names = {b["budget_project_id"]: b["name"] for b in pkg.tables["budget_projects"]}
    for b in pkg.tables["policy_budget_projects"]:
        assert names[b["budget_project_id"]] in printed[b["policy_id"]]["予算事業名"].split("\n")
    for r in pkg.tables["policy_references"]:
        column = {"reference_url": "参考URL", "budget_project": "予算事業名"}[r["printed_in"]]
        assert r["url"] in printed[r["policy_id"]][column].split("\n")


# --- 説明 ------------------------------------------------------------------------------------------

def test_data_dictionary_lists_every_table_and_field(book, metadata):
    rows = _rows(book["説明"])
    assert rows[0][:4] == ["区分 / Section", "項目・列 / Item or field",
                           "名称・内容（日本語） / Title or value (Japanese)", "名称・内容（英語） / Title or value (English)"]
    entries = {(r[0], r[1]): r[2:] for r in rows[1:]}
    for res in metadata["resources"]:
        sheet = TABLE_SHEETS[res["name"]]
        table = entries[(res["name"], f"シート「{sheet}」 / sheet {sheet}")]
        assert table[:4] == [res["title"]["ja"], res["title"]["en"], res["description"]["ja"], res["description"]["en"]]
        assert table[4].startswith(f"data/{res['name']}.csv")
        for f in res["fields"]:
            entry = entries[(res["name"], f["name"])]
            assert entry[:4] == [f["title"]["ja"], f["title"]["en"], f["description"]["ja"], f["description"]["en"]]
            assert f["type"] in entry[4]
    assert sum(1 for r in rows[1:] if r[0] in {res["name"] for res in metadata["resources"]}) == sum(
        1 + len(res["fields"]) for res in metadata["resources"])
    assert [r[1] for r in rows[1:] if r[0] == "施策一覧"] == PRINTED  # every column of 施策一覧 explained


def test_description_says_what_the_dataset_is_and_how_to_cite_it(book, metadata):
    entries = {r[1]: r[2:4] for r in _rows(book["説明"])[1:] if r[0] == "データセット / Dataset"}
    assert entries["タイトル / Title"] == [metadata["title"]["ja"], metadata["title"]["en"]]
    assert entries["版 / Version"][0] == metadata["version"]
    assert entries["出典の表示 / Attribution"] == [metadata["attribution"]["ja"], metadata["attribution"]["en"]]
    assert metadata["licenses"][0]["path"] in entries["ライセンス / Licence"][0]
    assert metadata["sources"][0]["path"] in entries["原典 / Source"][0]
    assert metadata["source_licence"]["path"] in entries["原典の利用規約 / Source terms of use"][0]
    reading = " ".join(r[2] for r in _rows(book["説明"])[1:] if r[0] == "読み方 / How to read")
    assert "「はい」" in reading and "「いいえ」" in reading and "不明" in reading and "BOMなし" in reading


def test_document_properties_are_the_metadata(book, metadata):
    props = book.properties
    assert props.title == metadata["title"]["ja"]
    assert props.created.isoformat().startswith(metadata["modified"][:19])


# --- deterministic -----------------------------------------------------------------------------------

def test_rebuild_is_byte_identical_also_with_another_hash_seed(pkg, xlsx, tmp_path):
    again = tmp_path / "again.xlsx"
    write_workbook(pkg, again)
    assert again.read_bytes() == xlsx.read_bytes()
    other = tmp_path / "other.xlsx"
    code = ("import sys; from pathlib import Path; from kanmin import validation; from kanmin.workbook import "
            "write_workbook; write_workbook(validation.load(Path(sys.argv[1])), Path(sys.argv[2]))")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"} | {"PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(REPO), str(other)], check=True, env=env)
    assert other.read_bytes() == xlsx.read_bytes()


def test_source_date_epoch_is_the_documents_date(pkg, xlsx, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    path = tmp_path / "epoch.xlsx"
    write_workbook(pkg, path)
    assert path.read_bytes() != xlsx.read_bytes()
    assert openpyxl.load_workbook(path).properties.created.isoformat().startswith("2023-11-14T22:13:20")


def test_committed_workbook_is_the_one_the_model_gives(xlsx):
    assert (REPO / WORKBOOK_PATH).read_bytes() == xlsx.read_bytes()


def test_a_value_too_long_for_excel_is_a_problem_naming_the_cell(pkg, tmp_path):
    tables = copy.deepcopy(pkg.tables)
    tables["policies"][2]["overview"] = "あ" * 40000
    tables["policies"][4]["support_measures"] = "い" * 5000  # fits a cell, not the tallest row
    with pytest.raises(DataError) as err:
        write_workbook(model.Package(pkg.metadata, tables), tmp_path / "x.xlsx")
    hint = " (shorten the value or split the field)"
    # 5000 em in lines of 44 em (a column of 90 units: (90 * 5.25 - 3) * 0.95 = 446 pt): 114 lines
    assert [str(p) for p in err.value.problems] == [
        f"{WORKBOOK_PATH}: sheet 施策一覧, row 6, column 都道府県等への支援策: 114 lines even in a column 90 wide, more than "
        "the tallest row shows (26)" + hint,
        f"{WORKBOOK_PATH}: sheet 施策一覧, row 4, column 課題・取組概要（スケジュール・効果）: 40000 characters, more than an "
        "Excel cell holds (32767)" + hint,
        f"{WORKBOOK_PATH}: sheet 施策, row 6, column support_measures: 114 lines even in a column 90 wide, more than the "
        "tallest row shows (26)" + hint,
        f"{WORKBOOK_PATH}: sheet 施策, row 4, column overview: 40000 characters, more than an Excel cell holds (32767)" + hint]
    assert not (tmp_path / "x.xlsx").exists()


# --- a distribution of the catalog -------------------------------------------------------------------

def _xlsx_distributions(catalog: Path) -> list[URIRef]:
    g = Graph().parse(catalog, format="turtle")
    return [d for d in g.subjects(RDF.type, DCAT.Distribution)
            if str(g.value(d, DCAT.downloadURL)).endswith(".xlsx")], g


def test_the_catalog_lists_the_workbook():
    dists, g = _xlsx_distributions(REPO / RDF_DIR / "catalog.ttl")
    assert len(dists) == 1
    d = dists[0]
    blob = (REPO / WORKBOOK_PATH).read_bytes()
    assert str(g.value(d, DCAT.downloadURL)) == "https://w3id.org/kanmin-data/files/" + WORKBOOK_PATH
    assert g.value(d, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/" + XLSX_MEDIA)
    assert g.value(d, DCT["format"]) == URIRef("http://publications.europa.eu/resource/authority/file-type/XLSX")
    assert int(g.value(d, DCAT.byteSize)) == len(blob)
    assert g.value(g.value(d, SPDX.checksum), SPDX.checksumValue) == Literal(
        hashlib.sha256(blob).hexdigest(), datatype=URIRef("http://www.w3.org/2001/XMLSchema#hexBinary"))
    assert Literal("Excelブック（説明とデータ辞書、原典どおりの施策一覧、全テーブル）", lang="ja") in set(
        g.objects(d, DCT.title))


def test_a_package_without_a_workbook_has_a_catalog_without_it(tmp_path):
    package = make_package(tmp_path / "pkg")
    build_rdf(package, tmp_path / "with")
    assert len(_xlsx_distributions(tmp_path / "with" / "catalog.ttl")[0]) == 1
    (package / WORKBOOK_PATH).unlink()
    build_rdf(package, tmp_path / "without")
    assert _xlsx_distributions(tmp_path / "without" / "catalog.ttl")[0] == []
