"""Stage 1 — source text → raw rows.

Input: the PDF-to-text extraction in ``data/raw/`` (UTF-8, one printed line per line) and the
curated page-furniture list. Output: one ``RawRow`` per printed table row, whose cells are lists
of ``(line_number, text)`` exactly as extracted (nothing joined or corrected yet), plus the set
of lines recognised as page furniture. Every non-blank source line ends up in exactly one of
the two, which ``coverage_gaps`` checks.

How a printed row comes out of the extraction (the order is the same in all 75 rows; any cell
may be missing or printed as "-"):

    No / 施策名 / KPI（進捗） / KPI（効果） / 課題・取組概要 (bullets "- " or "・ ")
    / 対応する柱 / 掲載時期 / ○ marks / 支援策 / 予算事業名 (＜予算事業名＞…) / 参考URL
    / 国の施策番号 NN-NN / 府省庁名 (◎ = lead)

Known quirks handled by general rules (see ``text.py``): cells sharing a line; the first
overview bullet glued to the effect KPI ("電子応札率 - 電子委任状…"); row numbers lost at page
breaks (the row then starts with an indented line; the number is inferred and checked against
the sequence); several empty cells on one line ("- - -"); URLs broken over lines; page titles
and column headers leaking in between rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import text as T
from .curated import Curated
from .errors import DataError, Problem

Line = tuple[int, str]

ROW_NUMBER = re.compile(r"^\s*([0-9]{1,5})\s*$")
#: The policy code, possibly after the end of a URL and before the ministries ("x.html 06-11 ◎総務省").
#: Tolerates printing errors (stray apostrophe, full-width digit); tidy applies the corrections.
CODE_LINE = re.compile(
    r"^(?:(?P<pre>.*\S)\s+)?(?P<code>[0-9０-９'’]{2,3}-[0-9０-９]{2})(?:\s+(?P<rest>◎.*))?$")
OVERVIEW_START = re.compile(r"^(?:[-・][ 　]|-(?=[^\s\d\-]))")
OVERVIEW_GLUED = re.compile(r"^(?P<pre>.*?\S) ?-[ 　]+(?P<rest>\S.*)$")
TIMING = re.compile(
    r"^'?(?:(?:平成|令和)(?:元|[0-9０-９]+)年度(?:から|以降)(?:（[^）]*）)?|時期調整中|その他)$")
BUDGET_HEADING = re.compile(r"^＜予算事業名[^＞]*＞$")
DASH = re.compile(r"^-(?:[ 　]+|$)")


@dataclass
class RawRow:
    """One printed row, cells as extracted lines. ``*_empty`` marks a cell printed as "-"."""

    number: int
    number_inferred: bool
    line_start: int
    line_end: int
    name: list[Line] = field(default_factory=list)
    kpi_progress: list[Line] = field(default_factory=list)
    kpi_effect: list[Line] = field(default_factory=list)
    overview: list[Line] = field(default_factory=list)
    pillar: list[Line] = field(default_factory=list)
    timing: list[Line] = field(default_factory=list)
    marks: Line | None = None
    support: list[Line] = field(default_factory=list)
    budget: list[Line] = field(default_factory=list)
    urls: list[Line] = field(default_factory=list)
    code: Line = (0, "")
    ministries: list[Line] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


@dataclass
class Extraction:
    path: str
    rows: list[RawRow]
    furniture: set[int]
    nonblank: set[int]


def extract(path: Path, curated: Curated, expected_rows: int) -> Extraction:
    """Read the source file and cut it into raw rows; raise DataError for bad input."""
    name = str(path)
    lines = _read_lines(Path(path))
    furniture = _furniture_lines(lines, curated)
    content = [(n, "" if n in furniture else t) for n, t in lines]
    rows = _split_rows(name, content, set(curated.pillar_by_name()))
    problems = []
    if len(rows) != expected_rows:
        last = rows[-1].line_end if rows else None
        problems.append(Problem(name, last, f"expected {expected_rows} numbered rows, found {len(rows)}",
                                "the file looks truncated or has extra rows; use the complete extraction"))
    if problems:
        raise DataError(problems)
    nonblank = {n for n, t in lines if t.strip()}
    return Extraction(name, rows, furniture, nonblank)


def coverage_gaps(extraction: Extraction) -> list[int]:
    """Non-blank source lines that are neither in a cell nor page furniture (should be none)."""
    used = set(extraction.furniture)
    for row in extraction.rows:
        used |= row.used
    return sorted(extraction.nonblank - used)


# --- reading -----------------------------------------------------------------------------

def _read_lines(path: Path) -> list[Line]:
    data = path.read_bytes()
    if not data.strip():
        raise DataError([Problem(str(path), None, "the file is empty",
                                 "pass the PDF-to-text extraction of the table (data/raw/…)")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError([Problem(str(path), line,
                                 f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                                 "convert the file to UTF-8, e.g. iconv -f SHIFT_JIS -t UTF-8")]) from None
    text = text.removeprefix("\ufeff")
    pieces = text.split("\n")
    if pieces[-1] == "":  # the newline that ends the last line starts no line of its own
        pieces.pop()
    return [(i, t.rstrip("\r")) for i, t in enumerate(pieces, start=1)]


def _furniture_lines(lines: list[Line], curated: Curated) -> set[int]:
    """Runs of furniture lines (blank lines allowed between them) that contain an anchor."""
    found: set[int] = set()
    run: list[int] = []
    anchored = False
    for n, t in lines + [(0, "\x00")]:
        s = t.strip(" 　")
        if not s and t != "\x00":
            continue
        if s in curated.furniture:
            run.append(n)
            anchored = anchored or s in curated.furniture_anchors
            continue
        if anchored:
            found.update(run)
        run, anchored = [], False
    return found


# --- rows --------------------------------------------------------------------------------

def _split_rows(name: str, content: list[Line], pillars: set[str]) -> list[RawRow]:
    rows: list[RawRow] = []
    problems: list[Problem] = []
    i, n = 0, len(content)
    expected = 1
    while i < n:
        lineno, t = content[i]
        if not t.strip():
            i += 1
            continue
        m = ROW_NUMBER.match(t)
        if m:
            number, inferred, body_start = int(m.group(1)), False, i + 1
        else:
            number, inferred, body_start = expected, True, i
        if number != expected:
            problems.append(Problem(name, lineno, f"row number {number} where row {expected} was expected",
                                    "rows must be numbered 1, 2, 3, … without gaps or repeats; "
                                    "remove the duplicated or misplaced row"))
            raise DataError(problems)
        j = _find_code(name, content, body_start, number, lineno)
        row = RawRow(number=number, number_inferred=inferred, line_start=lineno, line_end=lineno)
        if not inferred:
            row.used.add(lineno)
        body = [c for c in content[body_start:j]]
        cm = CODE_LINE.match(content[j][1])
        assert cm is not None  # the search above stopped at j because CODE_LINE matches there
        code_no = content[j][0]
        if cm.group("pre"):
            body.append((code_no, cm.group("pre")))
        row.code = (code_no, cm.group("code"))
        row.used.add(code_no)
        k = j + 1
        if cm.group("rest"):
            row.ministries.append((code_no, cm.group("rest")))
        else:
            while k < n and not content[k][1].strip():
                k += 1
            if k >= n or not content[k][1].startswith("◎"):
                where = content[k][0] if k < n else content[-1][0]
                raise DataError(problems + [Problem(
                    name, where, f"row {number}: expected the ministries (a line starting with ◎) "
                    f"after the policy code on line {code_no}", "the row looks cut off")])
        while k < n:
            kt = content[k][1]
            lead_after_complete_list = (row.ministries and kt.startswith("◎")
                                        and not row.ministries[-1][1].endswith("、"))
            if not kt.strip() or kt[0] in " 　" or ROW_NUMBER.match(kt) or lead_after_complete_list:
                break
            row.ministries.append(content[k])
            k += 1
        for ln, _ in row.ministries:
            row.used.add(ln)
        row.line_end = row.ministries[-1][0]
        _parse_body(name, row, [(ln, t.strip() if idx == 0 and inferred else t)
                                for idx, (ln, t) in enumerate(body)], pillars)
        rows.append(row)
        expected += 1
        i = k
    if problems:
        raise DataError(problems)
    return rows


def _find_code(name: str, content: list[Line], start: int, number: int, row_line: int) -> int:
    for j in range(start, len(content)):
        t = content[j][1]
        if CODE_LINE.match(t):
            return j
        if t.startswith("◎"):
            raise DataError([Problem(name, content[j][0],
                                     f"row {number} (from line {row_line}) has ministries but no policy code "
                                     "before them",
                                     "expected a line with the code NN-NN (国の施策番号) before the ◎ line")])
        m = ROW_NUMBER.match(t)
        if m and int(m.group(1)) == number + 1 and j > start and not content[j - 1][1].strip() \
                and (j + 1 >= len(content) or not content[j + 1][1].strip()):
            raise DataError([Problem(name, content[j][0],
                                     f"row {number + 1} starts before row {number} (from line {row_line}) "
                                     "has its policy code",
                                     "expected a line with the code NN-NN (国の施策番号) and the ministries")])
    raise DataError([Problem(name, content[-1][0] if content else None,
                             f"row {number} (from line {row_line}) has no policy code before the end of the file",
                             "the file looks truncated; use the complete extraction")])


def _blocks(lines: list[Line]) -> list[list[Line]]:
    blocks: list[list[Line]] = [[]]
    for ln, t in lines:
        if t.strip():
            blocks[-1].append((ln, t))
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _parse_body(name: str, row: RawRow, body: list[Line], pillars: set[str]) -> None:
    """Assign the lines between the row number and the code to the row's cells."""
    o, glued = None, None
    for idx, (_ln, t) in enumerate(body):
        if OVERVIEW_START.match(t):
            o = idx
            break
        g = OVERVIEW_GLUED.match(t)
        if g:
            o, glued = idx, g
            break
    if o is None:
        raise DataError([Problem(name, row.line_start, f"row {row.number}: no overview bullet found",
                                 "expected a line starting with '- ' (課題・取組概要)")])
    head = body[:o]
    rest = body[o:]
    if glued:
        ln = body[o][0]
        head = head + [(ln, glued.group("pre"))]
        rest = [(ln, "- " + glued.group("rest"))] + body[o + 1:]
    _parse_head(name, row, head)
    blocks = _blocks(rest)
    m = 0
    while m < len(blocks) and not _is_middle(blocks[m], pillars):
        m += 1
    row.overview = [x for b in blocks[:m] for x in b]
    _parse_middle_and_tail(name, row, blocks[m:], pillars)
    for cell in (row.name, row.kpi_progress, row.kpi_effect, row.overview, row.pillar,
                 row.timing, row.support, row.budget, row.urls):
        row.used.update(ln for ln, _ in cell)
    if row.marks:
        row.used.add(row.marks[0])


def _cells(lines: list[Line]) -> list[list[Line]]:
    """Cut blank-separated blocks into cells, splitting lines shared by two cells."""
    cells: list[list[Line]] = []
    for block in _blocks(lines):
        cur: list[Line] = []
        for ln, t in block:
            parts = T.split_inline_cells(t.strip())
            if not parts:
                continue
            cur.append((ln, parts[0]))
            for p in parts[1:]:
                cells.append(cur)
                cur = [(ln, p)]
        cells.append(cur)
    return cells


def _parse_head(name: str, row: RawRow, head: list[Line]) -> None:
    cells = _cells(head)
    if len(cells) != 3:
        first = head[0][0] if head else row.line_start
        raise DataError([Problem(name, first,
                                 f"row {row.number}: expected 3 cells before the overview "
                                 f"(施策名, KPI（進捗）, KPI（効果）), found {len(cells)}: "
                                 + " | ".join(T.join_lines([t for _, t in c]) for c in cells),
                                 "check the row's layout; an empty cell must be printed as '-'")])
    row.name, row.kpi_progress, row.kpi_effect = cells


def _pillar_split(block: list[Line], row_pillars: set[str]) -> tuple[list[Line], list[Line]] | None:
    """If the block is a pillar (possibly followed by the timing on the same line), split it."""
    pillar: list[Line] = []
    for idx, (ln, t) in enumerate(block):
        parts = T.split_inline_cells(t.strip())
        if len(parts) > 1:
            pillar.append((ln, parts[0]))
            timing = [(ln, " ".join(parts[1:]))] + list(block[idx + 1:])
            return (pillar, timing) if T.join_lines([x for _, x in pillar]) in row_pillars else None
        pillar.append((ln, t.strip()))
    return (pillar, []) if T.join_lines([x for _, x in pillar]) in row_pillars else None


def _is_middle(block: list[Line], pillars: set[str]) -> bool:
    joined = T.join_lines([t.strip() for _, t in block])
    return (_pillar_split(block, pillars) is not None or bool(TIMING.match(joined))
            or (len(block) == 1 and bool(T.MARKS.match(block[0][1].strip()))))


def _parse_middle_and_tail(name: str, row: RawRow, blocks: list[list[Line]], pillars: set[str]) -> None:
    b = 0
    if b < len(blocks):
        split = _pillar_split(blocks[b], pillars)
        if split:
            row.pillar, row.timing = split
            b += 1
    if not row.timing and b < len(blocks):
        joined = T.join_lines([t.strip() for _, t in blocks[b]])
        if TIMING.match(joined) or (row.pillar and joined == "-"):
            row.timing = blocks[b]
            b += 1
    if b < len(blocks) and len(blocks[b]) == 1 and T.MARKS.match(blocks[b][0][1].strip()):
        row.marks = blocks[b][0]
        b += 1
    _parse_tail(name, row, blocks[b:])


def _parse_tail(name: str, row: RawRow, blocks: list[list[Line]]) -> None:
    """支援策 / 予算事業名 / 参考URL, in that order; each may be "-" (several dashes may share a line)."""
    order = ["support", "budget", "urls"]
    cell = 0
    filled = {"support": False, "budget": False, "urls": False}

    def advance_empty() -> None:
        nonlocal cell
        if cell < 3 and filled[order[cell]]:
            cell += 1
        cell += 1  # the dash closes the current (or next) cell as empty

    for block in blocks:
        has_url = any(T.URL_START.match(t.strip()) for _, t in block)
        first_text = None
        tokens: list[tuple[str, int, str]] = []
        for ln, t in block:
            s = t.strip(" ")
            while DASH.match(s):
                tokens.append(("dash", ln, ""))
                s = DASH.sub("", s, count=1)
            if s:
                tokens.append(("text", ln, s))
                if first_text is None:
                    first_text = s
        budget_block = first_text is not None and BUDGET_HEADING.match(first_text)
        for kind, ln, s in tokens:
            if kind == "dash":
                row.used.add(ln)
                advance_empty()
                continue
            if budget_block and cell < 1:
                cell = 1
            elif has_url and not budget_block and cell < 2:
                cell = 2
            if cell > 2:
                raise DataError([Problem(name, ln, f"row {row.number}: text after the 参考URL cell: {s!r}",
                                         "expected the policy code (NN-NN) next")])
            key = order[cell]
            target = {"support": row.support, "budget": row.budget, "urls": row.urls}[key]
            if target and key == "support" and target[-1][0] < ln - 1 and target[-1][1]:
                target.append((ln - 1, ""))  # a blank line inside the cell: paragraph break
            target.append((ln, s))
            filled[key] = True
