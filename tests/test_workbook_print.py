"""The workbook on paper: written by kanmin.workbook, printed to PDF by LibreOffice Calc (headless,
once for the module, with a profile of its own in a temporary folder so that runs do not share
one), and read back with poppler's pdftotext and pdfinfo: the pages each sheet takes, their paper,
the page header and footer and the header row on every page, and every character of every cell.

LibreOffice does not draw the lines of a cell that do not fit its row, so a row too short for its
text leaves that text out of the PDF: finding every cell's text (whitespace aside, since lines
wrap) is finding that no cell is cut.

When soffice (Debian ``libreoffice-calc``) or pdftotext (``poppler-utils``) is missing the tests are
skipped, saying what to install; with ``KANMIN_OFFICE_REQUIRED=1`` (set by .ci/run) they fail
instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest

import support
from kanmin import validation
from kanmin.workbook import sheets, write_workbook
from support import REPO

#: The pages each sheet takes, measured with LibreOffice Calc 7.4 (Debian 12) and the fonts .ci/run
#: installs: Carlito, the metric twin of Calibri (the Normal style's font, whose digits set the
#: columns' widths), and for the cells' Meiryo, Noto Sans CJK JP and DejaVu Sans. 75 pages in all;
#: before the page setup, 100 A4 portrait pages (87 with Carlito), 施策一覧 26 of them.
PAGES = {"説明": 12, "施策一覧": 17, "施策": 17, "府省庁": 1, "施策と府省庁": 7, "KPI": 8, "参考URL": 7,
         "予算事業": 2, "施策の予算事業": 2, "対応する柱": 1, "期待される効果": 1}
MEASURED_WITH = "LibreOffice 7.4"
#: Another LibreOffice may draw a column a little wider or narrower, and the fitted scale with it:
#: there a sheet's pages may differ from PAGES by this fraction (at least one page).
OTHER_VERSION_TOLERANCE = 0.1
A3 = (1190.55, 841.89)  # landscape, points
A4 = (841.89, 595.3)
A3_SHEETS = {"施策一覧", "施策"}


def unavailable(reason: str) -> None:
    support.unavailable(reason, tests="print", variable="KANMIN_OFFICE_REQUIRED")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass
class Printed:
    version: str  # soffice --version
    calibri: str  # the font fontconfig draws Calibri with (Carlito where it is installed)
    pages: list[str]  # the text of each page, in the order of the content (pdftotext -raw)
    sizes: list[tuple[float, float]]  # each page's width and height, points
    sheet_of: list[str]  # the sheet each page belongs to, read from its page header


@pytest.fixture(scope="module")
def pkg():
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    return validation.load(REPO)


@pytest.fixture(scope="module")
def printed(pkg, tmp_path_factory) -> Printed:
    tools = {"soffice": "libreoffice-calc", "pdftotext": "poppler-utils", "pdfinfo": "poppler-utils"}
    missing = [f"{tool} (apt install {package})" for tool, package in tools.items() if not shutil.which(tool)]
    if missing:
        unavailable("missing " + ", ".join(missing))
    folder = tmp_path_factory.mktemp("print")
    book = folder / "book.xlsx"
    write_workbook(pkg, book)
    version = subprocess.run(["soffice", "--version"], capture_output=True, text=True, timeout=120).stdout.strip()
    proc = subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(folder), str(book)],
                          capture_output=True, text=True, timeout=300)
    pdf = folder / "book.pdf"
    assert proc.returncode == 0 and pdf.exists(), proc.stdout + proc.stderr
    raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True,
                         timeout=120).stdout
    pages = raw.split("\f")[:-1]
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", str(len(pages)), str(pdf)], capture_output=True, text=True,
                          check=True, timeout=120).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"^Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info, re.M)]
    title = squash(pkg.metadata["title"]["ja"])
    heads = [squash(next(line for line in page.split("\n") if line.strip())) for page in pages]
    assert all(h.startswith(title) for h in heads), [h for h in heads if not h.startswith(title)][:3]
    calibri = subprocess.run(["fc-match", "-f", "%{family}", "Calibri"], capture_output=True, text=True,
                             timeout=60).stdout if shutil.which("fc-match") else "unknown (no fc-match)"
    return Printed(version, calibri, pages, sizes, [h[len(title):] for h in heads])


def test_pages_per_sheet(printed):
    counts = {name: printed.sheet_of.count(name) for name in PAGES}
    assert sum(counts.values()) == len(printed.pages)
    setup = f"{printed.version}, Calibri drawn with {printed.calibri} (measured with Carlito: fonts-crosextra-carlito)"
    if MEASURED_WITH in printed.version:
        assert counts == PAGES, f"{setup}: {counts}"
    else:  # another version: near the figures (see OTHER_VERSION_TOLERANCE)
        for name, pages in PAGES.items():
            assert abs(counts[name] - pages) <= max(1, round(pages * OTHER_VERSION_TOLERANCE)), (
                f"{setup}: {name} takes {counts[name]} pages, not {pages}")


def test_the_pages_are_in_sheet_order(printed, pkg):
    order = [s.name for s in sheets(pkg)]
    assert printed.sheet_of == sorted(printed.sheet_of, key=order.index)


def test_every_page_is_landscape_on_its_paper(printed):
    for number, (size, sheet) in enumerate(zip(printed.sizes, printed.sheet_of, strict=True), start=1):
        paper = A3 if sheet in A3_SHEETS else A4
        assert size == pytest.approx(paper, abs=0.5), (number, sheet, size)


def test_every_page_has_its_header_footer_and_the_header_row(printed, pkg):
    """The second line of a page is its footer (home page, version, page number of all pages); the
    header row's every cell is on every page of its sheet."""
    md = pkg.metadata
    headers = {s.name: s.header for s in sheets(pkg)}
    total = len(printed.pages)
    for number, (page, sheet) in enumerate(zip(printed.pages, printed.sheet_of, strict=True), start=1):
        footer = squash([line for line in page.split("\n") if line.strip()][1])
        assert footer == squash(f"{md['homepage']} 版 {md['version']} {number} / {total}"), number
        text = squash(page)
        assert all(squash(h) in text for h in headers[sheet]), (number, sheet)


def test_no_cell_text_is_cut(printed, pkg):
    """Every cell's text is in the pages of its sheet, whitespace aside (a line that wraps is cut
    in two), every policy's 課題・取組概要, KPIs and 支援策 in 施策一覧 and 施策 included."""
    texts = {}
    for page, sheet in zip(printed.pages, printed.sheet_of, strict=True):
        texts[sheet] = texts.get(sheet, "") + squash(page)
    cut = []
    for sheet in sheets(pkg):
        for number, row in enumerate(sheet.rows, start=2):
            cut += [(sheet.name, number, sheet.header[c], str(v)[:40]) for c, v in enumerate(row)
                    if v is not None and squash(str(v)) not in texts[sheet.name]]
    assert cut == []
    printed_table = texts["施策一覧"]  # the brief of issue 20, by name: every policy's long texts in full
    for p in pkg.tables["policies"]:
        for field in ("overview", "support_measures"):
            assert p[field] is None or squash(p[field]) in printed_table, (p["policy_id"], field)
    assert all(squash(k["text"]) in printed_table for k in pkg.tables["kpis"])
