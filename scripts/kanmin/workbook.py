"""The package model -> one Excel workbook (.xlsx) for people who open files by double-click.

Input: a ``model.Package`` (the curated metadata with its bilingual Table Schemas, and the typed
rows of every table); nothing is re-read from the CSVs. Output: ``settings.WORKBOOK_PATH``, with
  説明        what the dataset is (title, source, licence, the attribution text to use, version)
              and a data dictionary: every sheet, table and field with Japanese and English
              titles and descriptions, and how values are written;
  施策一覧    one row per policy in the printed table's own column order and wording
              (``printed_columns``, from data/raw/SOURCE.md): ministries as printed with ◎ before
              a lead, KPIs under their ＜…＞ headings, budget projects and references one per
              line, as a person reads the PDF; then the one column the PDF does not print (the
              number of effect marks), last so that the printed columns keep their order;
  <table>     one sheet per published table, named by the table's Japanese title (施策, 府省庁,
              …; ``table_sheet_name``: Excel's rules for a name are checked, ``sheet_name_problems``),
              with the same rows, columns and values as its CSV (header row = the field names);
              the table's English name, that of its CSV, is in 説明's data dictionary.
Every sheet has its header row frozen and an auto-filter over its rows.

Every sheet prints (``_page_setup``): landscape on A4, or on A3 when its columns need it
(施策一覧 always), fitted to one page's width, the header row repeated on every page, gridlines
printed, the dataset's title and the sheet's name in the page header, the home page, version and
page number in the footer. The cells' font is Meiryo; every column's width and every row's height
come from ``workbook_layout``, which measures each cell's wrapped lines, so that every character
of every cell shows on screen and on paper (a cell that cannot, even in the tallest row Excel
allows, is a problem). Every text cell wraps; numbers do not.

Values are typed: integers are numbers; a boolean is ``はい`` / ``いいえ``; a missing value is an
empty cell (for the four effect flags, empty means unknown: see the known limitations). In
施策一覧 an effect flag is ``○`` (true, as printed), empty (false) or ``不明`` (unknown). Text is
written exactly as published (XlsxWriter's conversions of strings to numbers, formulas or links
are off; references' URLs are written as links whose text is the URL itself).

Deterministic: XlsxWriter writes in memory with fixed zip timestamps, and the document's
created/modified date is the build's reproducible timestamp (``settings.build_timestamp``:
``SOURCE_DATE_EPOCH`` when set, else ``modified`` in metadata.json), so the same model gives the
same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import workbook_layout as layout
from .errors import DataError, Problem
from .model import Package, Row
from .settings import WORKBOOK_PATH, build_timestamp, table_path

INFO_SHEET = "説明"
POLICY_SHEET = "施策一覧"
#: How a boolean of a table sheet is written (None: an empty cell).
BOOL_TEXT = {True: "はい", False: "いいえ"}
#: How an effect flag is written in 施策一覧: the printed mark, no mark, or unknown.
EFFECT_TEXT = {True: "○", False: None, None: "不明"}
LEAD_MARK = "◎"
MINISTRY_SEPARATOR = "、"  # as printed: 「◎総務省、経済産業省」
TYPE_NAMES = {"integer": "整数 / integer", "string": "文字列 / string",
              "boolean": "真偽値（はい・いいえ） / boolean (はい, いいえ)"}
EXCEL_CELL_LIMIT = 32767
#: Excel's rules for a sheet's name: at most 31 characters, none of these, no apostrophe first or
#: last, not "History" (reserved), and no two alike but for case.
SHEET_NAME_LIMIT = 31
SHEET_NAME_FORBIDDEN = "[]:*?/\\"


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[list[Any]]
    freeze_columns: int = 0
    url_columns: set[int] = field(default_factory=set)
    papers: tuple[str, ...] = ("A4", "A3")  # printed landscape on the first that holds it (workbook_layout)
    min_scale: float = 0.8  # the smallest print scale the column widths aim at
    max_widths: dict[int, float] = field(default_factory=dict)  # column -> widest it needs to be


# --- 施策一覧: the printed table ---------------------------------------------------------------

@dataclass(frozen=True)
class PrintedColumn:
    header: str  # as printed
    en: str
    description: tuple[str, str]  # (ja, en): which published fields the cell shows
    value: Callable[[Row, Any], Any]  # (policy row, per-policy lookups) -> cell


@dataclass
class _Lookups:
    """The child rows of every policy, in printed order."""

    ministries: dict[int, list[Row]]
    kpis: dict[tuple[int, str], list[Row]]
    references: dict[tuple[int, str], list[Row]]
    budget: dict[int, list[Row]]
    budget_names: dict[int, str]


def _lookups(pkg: Package) -> _Lookups:
    t = pkg.tables
    ministries: dict[int, list[Row]] = {}
    for r in t["policy_ministries"]:
        ministries.setdefault(r["policy_id"], []).append(r)
    kpis: dict[tuple[int, str], list[Row]] = {}
    for r in t["kpis"]:
        kpis.setdefault((r["policy_id"], r["kind"]), []).append(r)
    references: dict[tuple[int, str], list[Row]] = {}
    for r in t["policy_references"]:
        references.setdefault((r["policy_id"], r["printed_in"]), []).append(r)
    budget: dict[int, list[Row]] = {}
    for r in t["policy_budget_projects"]:
        budget.setdefault(r["policy_id"], []).append(r)
    for rows in (*ministries.values(), *kpis.values(), *references.values(), *budget.values()):
        rows.sort(key=lambda r: r["position"])
    return _Lookups(ministries, kpis, references, budget,
                    {r["budget_project_id"]: r["name"] for r in t["budget_projects"]})


def _lines(lines: list[str]) -> str | None:
    return "\n".join(lines) or None


def _ministries(policy: Row, lk: _Lookups) -> str | None:
    names = [(LEAD_MARK if r["role"] == "lead" else "") + r["name_as_printed"]
             for r in lk.ministries.get(policy["policy_id"], [])]
    return MINISTRY_SEPARATOR.join(names) or None


def _kpis(kind: str) -> Callable[[Row, _Lookups], str | None]:
    def cell(policy: Row, lk: _Lookups) -> str | None:
        lines, group = [], None
        for r in lk.kpis.get((policy["policy_id"], kind), []):
            if r["kpi_group"] and r["kpi_group"] != group:
                lines.append(f"＜{r['kpi_group']}＞")
            group = r["kpi_group"]
            lines.append(r["text"])
        return _lines(lines)
    return cell


def _reference_lines(r: Row) -> list[str]:
    return [v for v in (r["label"], r["url"], r["note"]) if v]


def _budget(policy: Row, lk: _Lookups) -> str | None:
    """Budget projects and the references printed in the budget column, in source-line order."""
    pid = policy["policy_id"]
    items = [(r["source_line_start"], [lk.budget_names[r["budget_project_id"]]]) for r in lk.budget.get(pid, [])]
    items += [(r["source_line_start"], _reference_lines(r)) for r in lk.references.get((pid, "budget_project"), [])]
    return _lines([line for _, lines in sorted(items, key=lambda i: i[0]) for line in lines])


def _references(policy: Row, lk: _Lookups) -> str | None:
    refs = lk.references.get((policy["policy_id"], "reference_url"), [])
    return _lines([line for r in refs for line in _reference_lines(r)])


def _field(name: str) -> Callable[[Row, _Lookups], Any]:
    return lambda policy, _lk: policy[name]


def _effect(name: str) -> Callable[[Row, _Lookups], Any]:
    return lambda policy, _lk: EFFECT_TEXT[policy[name]]


def printed_columns(pkg: Package) -> list[PrintedColumn]:
    """The columns of the printed table in its order (data/raw/SOURCE.md): No, 施策名, KPI（進捗）,
    KPI（効果）, 課題・取組概要, 府省庁名, 対応する柱, 掲載時期, the four 期待される効果 columns
    (named from the effect_categories table), 支援策, 予算事業名, 参考URL, 国の施策番号. The one
    column the PDF does not print, the number of effect marks (what the text keeps of the four
    effect columns), comes after them all, and its description in 説明 says it is not printed."""
    fields = {f["name"]: f for f in pkg.resource("policies")["fields"]}

    def of(name: str, header: str | None = None) -> PrintedColumn:
        f = fields[name]
        described = (f"policies.{name}：{f['description']['ja']}", f"policies.{name}: {f['description']['en']}")
        return PrintedColumn(header or f["title"]["ja"], f["title"]["en"], described, _field(name))

    marks = of("effect_mark_count")
    effects = []
    for c in sorted(pkg.tables["effect_categories"], key=lambda c: c["position"]):
        name = f"effect_{c['effect_category_id']}"
        effects.append(PrintedColumn(c["name_ja"], c["name_en"], (
            f"policies.{name}：○ は真、空欄は偽、「不明」は原典のテキストから列が判別できない",
            f"policies.{name}: ○ true, empty false, 不明 unknown (the text does not say under which column "
            "the marks stood)"), _effect(name)))
    return [
        of("policy_id"), of("name"),
        PrintedColumn("KPI（進捗）", "KPI (progress)",
                      ("kpis（kind = progress）を順に、＜見出し＞の下に1行ずつ",
                       "kpis of kind progress in order, one per line under their ＜group＞ headings"),
                      _kpis("progress")),
        PrintedColumn("KPI（効果）", "KPI (effect)",
                      ("kpis（kind = effect）を順に、＜見出し＞の下に1行ずつ",
                       "kpis of kind effect in order, one per line under their ＜group＞ headings"),
                      _kpis("effect")),
        of("overview"),
        PrintedColumn("府省庁名", "Ministries",
                      ("policy_ministries を印刷順に「、」区切りで（◎は主担当）",
                       "policy_ministries in printed order, separated by 、 as printed (◎ marks a lead)"),
                      _ministries),
        of("pillar_as_printed", fields["pillar_id"]["title"]["ja"]), of("timing"),
        *effects,
        of("support_measures"),
        PrintedColumn("予算事業名", "Budget projects",
                      ("policy_budget_projects の予算事業名と、この列に印刷された参考URL（policy_references, "
                       "printed_in = budget_project）を印刷順に1行ずつ",
                       "budget project names (policy_budget_projects) and the references printed in this column "
                       "(policy_references, printed_in budget_project), one per line in printed order"),
                      _budget),
        PrintedColumn("参考URL", "Reference URLs",
                      ("policy_references を順に、見出し・URL・注記を1行ずつ",
                       "policy_references in order: caption, URL and note, one per line"),
                      _references),
        of("policy_code"),
        PrintedColumn(marks.header, marks.en,
                      (marks.description[0] + "（この列は原典の表には印刷されていない）",
                       marks.description[1] + " (this column is not printed in the source table)"),
                      marks.value),
    ]


def policy_sheet(pkg: Package) -> Sheet:
    lk = _lookups(pkg)
    columns = printed_columns(pkg)
    rows = [[c.value(p, lk) for c in columns] for p in pkg.tables["policies"]]
    # seventeen columns, four of long text: A3, at 70% or more (Meiryo 10 pt prints at 7 pt or more)
    return Sheet(POLICY_SHEET, [c.header for c in columns], rows, freeze_columns=2, papers=("A3",), min_scale=0.7)


# --- one sheet per table -------------------------------------------------------------------------

def _typed(value: Any, ftype: str) -> Any:
    if value is None:
        return None
    if ftype == "boolean":
        return BOOL_TEXT[value]
    return value


def table_sheet_name(res: dict) -> str:
    """A table's sheet is named by the table's Japanese title (its English name, that of its CSV,
    is in 説明's data dictionary)."""
    return str(res["title"]["ja"])


def table_sheet(pkg: Package, res: dict) -> Sheet:
    fields = res["fields"]
    rows = [[_typed(row[f["name"]], f["type"]) for f in fields] for row in pkg.tables[res["name"]]]
    urls = {i for i, f in enumerate(fields) if f.get("format") == "uri"}
    return Sheet(table_sheet_name(res), [f["name"] for f in fields], rows, url_columns=urls)


# --- 説明: what the workbook is and the data dictionary ----------------------------------------

INFO_HEADER = ["区分 / Section", "項目・列 / Item or field", "名称・内容（日本語） / Title or value (Japanese)",
               "名称・内容（英語） / Title or value (English)", "説明（日本語） / Description (Japanese)",
               "説明（英語） / Description (English)", "型 / Type"]
DATASET = "データセット / Dataset"
READING = "読み方 / How to read"


def info_sheet(pkg: Package) -> Sheet:
    md = pkg.metadata
    source, licence, terms = md["sources"][0], md["licenses"][0], md["source_licence"]
    office = md["source_publisher"]["name"]

    def item(ja: str, en: str, value_ja: Any, value_en: Any = None) -> list[Any]:
        return [DATASET, f"{ja} / {en}", value_ja, value_en]

    rows: list[list[Any]] = [
        item("タイトル", "Title", md["title"]["ja"], md["title"]["en"]),
        item("概要", "Description", md["description"]["ja"], md["description"]["en"]),
        item("版", "Version", md["version"], md["version"]),
        item("更新日", "Modified", build_timestamp(md["modified"])[:10], None),
        item("初版公開日", "First issued", md["issued"][:10], None),
        item("公開者", "Publisher", md["publisher"]["name"]["ja"], md["publisher"]["name"]["en"]),
        item("ホームページ", "Homepage", md["homepage"], md["homepage"]),
        item("ライセンス", "Licence", f"{licence['title']}\n{licence['path']}",
             f"{licence['name']}\n{licence['path']}"),
        item("出典の表示", "Attribution", md["attribution"]["ja"], md["attribution"]["en"]),
        item("原典", "Source", f"{source['title']}\n{source['path']}",
             f"{source['description']}\n{source['path']}"),
        item("原典の作成者", "Source publisher", office["ja"], office["en"]),
        item("原典の日付", "Source date", md["source_issued"], md["source_issued"]),
        item("原典の利用規約", "Source terms of use", f"{terms['title']['ja']}\n{terms['path']}",
             f"{terms['title']['en']}\n{terms['path']}"),
        item("対象期間", "Temporal coverage", f"{md['temporal']['start']}〜{md['temporal']['end']}",
             f"{md['temporal']['start']} to {md['temporal']['end']}"),
        item("対象地域", "Spatial coverage", md["spatial"]["label"]["ja"], md["spatial"]["label"]["en"]),
    ]
    rows += [[READING, *r] for r in READING_ROWS]
    rows += [[POLICY_SHEET, c.header, c.header, c.en, *c.description] for c in printed_columns(pkg)]
    for res in pkg.resources:
        file = f"{table_path(res['name'])}（{len(pkg.tables[res['name']])} 行 / rows）"
        sheet = table_sheet_name(res)
        rows.append([res["name"], f"シート「{sheet}」 / sheet {sheet}", res["title"]["ja"], res["title"]["en"],
                     res["description"]["ja"], res["description"]["en"], file])
        rows += [[res["name"], f["name"], f["title"]["ja"], f["title"]["en"], f["description"]["ja"],
                  f["description"]["en"], TYPE_NAMES.get(f["type"], f["type"])] for f in res["fields"]]
    # 区分, 項目・列 and 型 hold short labels (a longer one wraps): the four texts share the rest
    return Sheet(INFO_SHEET, INFO_HEADER, [r + [None] * (len(INFO_HEADER) - len(r)) for r in rows],
                 max_widths={0: 14, 1: 18, 6: 16})


#: How to read the workbook: (item, ja, en).
READING_ROWS = [
    ("シート / Sheets", f"「{INFO_SHEET}」このシート。「{POLICY_SHEET}」原典の表と同じ列順・表記で1施策1行。"
     "そのほかのシートは公開している表で、シート名は表の日本語名、行・列・値はCSV（data/<表名>.csv）と同じ。"
     "表名（英語、CSVのファイル名）はこのシートの「区分」の列にあります。",
     f"'{INFO_SHEET}' this sheet. '{POLICY_SHEET}' one row per policy in the printed table's column order and "
     "wording. The other sheets are the published tables, each named by its Japanese title, with the same rows, "
     "columns and values as its CSV (data/<table>.csv); the table names (those of the CSVs) are in the column "
     "Section of this sheet."),
    ("数値 / Numbers", "整数の列は数値として入っています。", "Integer fields are numbers."),
    ("真偽値 / Booleans", "「はい」（true）か「いいえ」（false）。空欄は値なし。効果の4列（effect_…）の空欄は「不明」"
     "（原典のテキストからは○の列が判別できない）で、「いいえ」ではありません。",
     "はい (true) or いいえ (false); an empty cell has no value. For the four effect flags (effect_…) an empty cell "
     "means unknown (the text does not say under which column the marks stood), not false."),
    (f"{POLICY_SHEET}の効果 / Effects in {POLICY_SHEET}", "○は期待される効果、空欄は○なし、「不明」は列が判別できない。"
     "○の数は右の列（期待される効果の○の数）。",
     "○ an expected effect, empty no mark, 不明 unknown; the number of marks the row prints is the column after them."),
    ("複数の値 / Several values", "一つのセルに複数の値がある場合は1行に1つ（改行区切り）。"
     "府省庁名は印刷どおり「、」区切りで、◎は主担当。",
     "Several values in one cell are one per line; ministries are separated by 、 as printed, ◎ marks a lead."),
    ("印刷 / Printing", "どのシートも横向きで、列を用紙の幅1ページに収め、見出し行を各ページに繰り返して印刷します"
     f"（{POLICY_SHEET}はA3、そのほかはA4、列の多い表はA3）。行の高さはセルの文字がすべて見える高さです。",
     f"Every sheet prints landscape, its columns fitted to the width of one page, the header row repeated on "
     f"every page ({POLICY_SHEET} on A3, the others on A4, or A3 for a table with many columns). Every row is "
     "tall enough to show all of its cells' text."),
    ("CSV", "CSVファイルはUTF-8（BOMなし）です。Excelでは「データ」→「テキストまたはCSVから」で文字コード"
     "UTF-8を指定して読み込むか、このブックを使ってください。",
     "The CSV files are UTF-8 without a byte-order mark: in Excel use Data > From Text/CSV with UTF-8, or "
     "use this workbook."),
]


# --- writing -----------------------------------------------------------------------------------

#: Page margins (inches): left, right, top, bottom; the header's and the footer's distance from the edge.
MARGINS = (0.4, 0.4, 0.7, 0.7)
HEADER_MARGIN = 0.3
PAPER_CODES = {"A4": 9, "A3": 8}  # Excel's paper sizes


def sheets(pkg: Package) -> list[Sheet]:
    """Every sheet of the workbook, in order: 説明, 施策一覧, then the tables in published order."""
    return [info_sheet(pkg), policy_sheet(pkg), *(table_sheet(pkg, res) for res in pkg.resources)]


def sheet_name_problems(names: list[str]) -> list[Problem]:
    """What keeps each name from naming an Excel sheet (a table's sheet is named by its Japanese
    title in metadata.json)."""
    problems, seen = [], set()
    for name in names:
        reasons = []
        if not name or len(name) > SHEET_NAME_LIMIT:
            reasons.append(f"{len(name)} characters (Excel allows 1 to {SHEET_NAME_LIMIT})")
        if bad := sorted({c for c in name if c in SHEET_NAME_FORBIDDEN}):
            reasons.append(f"it has {' '.join(bad)} (Excel allows none of {SHEET_NAME_FORBIDDEN})")
        if name.startswith("'") or name.endswith("'"):
            reasons.append("it begins or ends with an apostrophe")
        if name.casefold() == "history" or name.casefold() in seen:
            reasons.append("Excel reserves it" if name.casefold() == "history" else "another sheet has it")
        seen.add(name.casefold())
        problems += [Problem(WORKBOOK_PATH, None, f"sheet name {name!r}: {reason}",
                             "change the table's Japanese title (resources[].title.ja in data/curated/metadata.json)")
                     for reason in reasons]
    return problems


def _header_footer_text(text: str) -> str:
    return text.replace("&", "&&")


def _page_setup(ws: Any, paper: str, md: dict) -> None:
    """Landscape, one page wide, the header row on every page, gridlines printed; the dataset's
    title and the sheet's name at the top of each page, its home page, version and the page number
    below (in the font of the cells, not scaled with the sheet)."""
    font = f'&"{layout.FONT},Regular"&9'
    ws.set_landscape()
    ws.set_paper(PAPER_CODES[paper])
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.hide_gridlines(0)
    ws.center_horizontally()
    left, right, top, bottom = MARGINS
    ws.set_margins(left=left, right=right, top=top, bottom=bottom)
    options = {"scale_with_doc": False}
    ws.set_header(f"&L{font}{_header_footer_text(md['title']['ja'])}&R{font}&A", options, margin=HEADER_MARGIN)
    ws.set_footer(f"&L{font}{_header_footer_text(md['homepage'])}　版 {_header_footer_text(md['version'])}"
                  f"&R{font}&P / &N", options, margin=HEADER_MARGIN)


def workbook_bytes(pkg: Package) -> bytes:
    """The .xlsx file of the model, as bytes (the same model gives the same bytes)."""
    import xlsxwriter

    md = pkg.metadata
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    created = datetime.strptime(build_timestamp(md["modified"])[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    book.set_properties({"title": md["title"]["ja"], "subject": md["title"]["en"],
                         "author": md["publisher"]["name"]["ja"], "keywords": ", ".join(md["keywords"]),
                         "comments": md["attribution"]["ja"], "created": created})
    font = {"font_name": layout.FONT, "font_size": layout.FONT_SIZE, "valign": "top"}
    header = book.add_format({**font, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    number = book.add_format(font)
    text = book.add_format({**font, "text_wrap": True})
    link = book.add_format({**font, "text_wrap": True, "font_color": "blue", "underline": 1})
    every = sheets(pkg)
    problems = sheet_name_problems([sheet.name for sheet in every])
    if problems:
        raise DataError(problems)
    margins = (MARGINS[0] + MARGINS[1]) * 72
    for sheet in every:
        ws = book.add_worksheet(sheet.name)
        shape = layout.layout(sheet.header, sheet.rows, sheet.papers, sheet.min_scale, margins, sheet.max_widths)
        problems += [Problem(WORKBOOK_PATH, None, f"sheet {sheet.name}, row {r + 1}, column {sheet.header[c]}: "
                             f"{lines} lines even in a column {layout.MAX_WIDTH:g} wide, more than the tallest row "
                             f"shows ({layout.max_lines()})", "shorten the value or split the field")
                     for r, c, lines in shape.overflows if len(sheet.rows[r - 1][c]) <= EXCEL_CELL_LIMIT]
        for c, width in enumerate(shape.widths):
            ws.set_column(c, c, width)
        for r, height in enumerate(shape.heights):
            ws.set_row(r, height)
        for c, name in enumerate(sheet.header):
            ws.write_string(0, c, name, header)
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                    raise TypeError(f"{sheet.name} row {r + 1} column {c + 1}: cannot write {value!r}")
                if isinstance(value, (int, float)):
                    ws.write_number(r, c, value, number)
                    continue
                if len(value) > EXCEL_CELL_LIMIT:
                    problems.append(Problem(WORKBOOK_PATH, None,
                                            f"sheet {sheet.name}, row {r + 1}, column {sheet.header[c]}: "
                                            f"{len(value)} characters, more than an Excel cell holds "
                                            f"({EXCEL_CELL_LIMIT})", "shorten the value or split the field"))
                    continue
                if c in sheet.url_columns and ws.write_url(r, c, value, link, string=value) == 0:
                    continue  # a URL Excel cannot link (too long, …) is written as plain text below
                ws.write_string(r, c, value, text)
        ws.freeze_panes(1, sheet.freeze_columns)
        ws.autofilter(0, 0, len(sheet.rows), len(sheet.header) - 1)
        _page_setup(ws, shape.paper, md)
    if problems:
        raise DataError(problems)
    book.close()
    return buffer.getvalue()


def write_workbook(pkg: Package, path: Path) -> None:
    """Write the workbook of the model to ``path`` (see the module docstring)."""
    data = workbook_bytes(pkg)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
