"""Stage 1, second half — the lines of one printed row → its cells.

Input: the lines between a row's number and its policy code (blank lines included), the code
lists. Output: the row's cells filled in (``RawRow``), or a ``DataError`` naming the line where no
rule can decide. Each boundary is found by what the lines say, not by counting blank lines, so
the same table with blank lines added or removed gives the same cells or an error:

* the overview (課題・取組概要) starts at the first bullet, and each of its bullets follows a
  sentence (。); before it stand exactly three cells
  (施策名, KPI（進捗）, KPI（効果）), separated by blank lines or sharing a line — the one place
  blank lines separate cells, so a missing or extra one there is an error, never a shifted cell;
* the overview ends where a pillar of the code list (wrapped over lines, maybe sharing its last
  line with the timing) or "-" is followed by a timing of a known form (``TIMING``) or "-"; or,
  in a row that prints no pillar, where a timing follows directly; its last line ends a sentence
  ("。"), else the build stops (a pillar it cannot read would otherwise join the overview);
* the ○ marks line follows the timing; a row that prints no pillar, timing or marks has none of
  the cells after the overview either;
* 支援策 / 予算事業名 / 参考URL follow in that order: ``＜予算事業名＞`` opens the budget cell
  wherever it stands; a block holding a URL belongs to the 参考URL cell (captions are at most as
  wide as that column, never a sentence); a URL inside the budget cell is the project's only when
  the 参考URL cell is printed empty ("-"), else the build stops (a caption that lost its blank
  line would read the same); the budget cell has no blank line inside (text after one is a
  caption that lost its URL); "-" closes a cell as empty; a ＜…＞ heading in 支援策 is an error.

Where no rule can decide, the error names the line most likely at fault, which is often not the
line where the rules stopped: ``_head_fault`` for the three cells before the overview,
``_no_middle`` for the pillar and timing, ``_misplaced`` for 支援策 / 予算事業名 / 参考URL out of
order (each says how it chooses; ``benchmarks/fuzz.py`` measures how often it is right).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import text as T
from .errors import DataError, Problem

Line = tuple[int, str]

OVERVIEW_START = re.compile(r"^(?:[-・][ 　]|-(?=[^\s\d\-]))")
OVERVIEW_GLUED = re.compile(r"^(?P<pre>.*?\S) ?-[ 　]+(?P<rest>\S.*)$")
TIMING = re.compile(
    r"^'?(?:(?:平成|令和)(?:元|[0-9０-９]+)年度(?:から|以降)(?:（[^）]*）)?|時期調整中|その他)$")
BUDGET_HEADING = re.compile(r"^＜予算事業名[^＞]*＞$")
DASH = re.compile(r"^-(?:[ 　]+|$)")
#: The pillar and timing columns' width: no pillar or timing line is wider (the widest is 14).
MIDDLE_COLUMN = 16
#: How much wider than that a damaged pillar or timing line may be when an error names it.
MIDDLE_SLACK = 10
#: The first characters a timing can have.
TIMING_STARTS = set("'平令時そ")
#: A pillar or timing is printed on at most this many lines.
MAX_PILLAR_LINES, MAX_TIMING_LINES = 6, 4
#: The 参考URL column's width (half-width units): no caption line is wider (the widest is 38).
URL_COLUMN = 40
#: The 予算事業名 column's width: no budget line is wider (the widest is 33).
BUDGET_COLUMN = 34
#: The 施策名 column's width: no name line is wider (the widest is 22).
NAME_COLUMN = 22
#: No line of the three cells before the overview is wider: the KPI columns' lines are at most 32
#: wide, and row 60 prints one KPI 41 wide (sharing its line with the other KPI).
HEAD_WIDEST = 41
#: Width (half-width units) from which a KPI or budget line fills its column: its item goes on on
#: the next line (``tidy`` splits items by it; here it tells a blank line too many in a KPI cell).
ITEM_FULL = 25


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
class _Middle:
    pillar: list[Line]
    timing: list[Line]
    marks: Line | None
    start: int  # index of its first line in the row's non-blank lines
    end: int  # index after its last line


def parse_body(name: str, row: RawRow, body: list[Line], pillars: set[str], blank: set[str]) -> None:
    """Assign the lines between the row number and the code to the row's cells. ``blank``: the
    cells the row prints blank, as curated (``pillar``; ``timing``: nothing right of the overview)."""
    o, glued = None, None
    for idx, (_ln, t) in enumerate(body):
        if OVERVIEW_START.match(t):
            o = idx
            break
        g = OVERVIEW_GLUED.match(t)
        if g:
            o, glued = idx, g
            break
    if o is None:  # the row's lines end at its policy code: most likely a code line out of place
        raise DataError([Problem(name, row.code[0], f"row {row.number} (from line {row.line_start}): no overview "
                                 f"bullet before the policy code {row.code[1]!r}",
                                 "expected a line starting with '- ' (課題・取組概要) before the code")])
    head = body[:o]
    rest = body[o:]
    if glued:
        ln = body[o][0]
        head = head + [(ln, glued.group("pre"))]
        rest = [(ln, "- " + glued.group("rest"))] + body[o + 1:]
    _parse_head(name, row, head, rest[0][0])
    flat = [(ln, t) for ln, t in rest if t]
    middle = None
    if "timing" not in blank:
        needs_pillar = "pillar" not in blank
        starts = {n[0] for n in pillars} | {"-"} if needs_pillar else TIMING_STARTS
        middle = next((m for p in range(1, len(flat))
                       if flat[p][1][0] in starts and (m := _middle_at(flat, p, pillars, needs_pillar))), None)
        if middle is None:
            _no_middle(name, row, flat, pillars if needs_pillar else None)
    row.overview = flat[:middle.start] if middle else flat
    _check_overview(name, row, middle)
    if middle:
        row.pillar, row.timing, row.marks = middle.pillar, middle.timing, middle.marks
        last = flat[middle.end - 1][0]
        _parse_tail(name, row, [(ln, t) for ln, t in rest if ln > last])
    for cell in (row.name, row.kpi_progress, row.kpi_effect, row.overview, row.pillar,
                 row.timing, row.support, row.budget, row.urls):
        row.used.update(ln for ln, _ in cell)
    if row.marks:
        row.used.add(row.marks[0])


def _check_overview(name: str, row: RawRow, middle: _Middle | None) -> None:
    """The overview ends with a sentence, and a row without pillar or timing has nothing after it."""
    last_ln, last = row.overview[-1]
    if not last.endswith("。"):
        raise DataError([Problem(name, last_ln, f"row {row.number}: the overview (課題・取組概要) ends with "
                                 f"{last[-12:]!r}, not with a sentence (。), and no pillar of the code list "
                                 "followed by a timing (掲載時期) follows it",
                                 "check the lines after it: a pillar or timing the rules cannot read "
                                 "(add a pillar alias to data/curated/pillar_aliases.csv), or a cut-off row")])
    for (prev_ln, prev), (_, t) in zip(row.overview, row.overview[1:], strict=False):
        if OVERVIEW_START.match(t) and not prev.endswith("。"):
            raise DataError([Problem(name, prev_ln, f"row {row.number}: the overview paragraph ending with "
                                     f"{prev[-12:]!r} is not a sentence (。) before the next bullet",
                                     "each bullet of 課題・取組概要 is a sentence: a line of another cell "
                                     "landed here, or a line is missing")])
    if middle is None:
        odd = next(((ln, t) for ln, t in row.overview if T.URL_START.match(t) or BUDGET_HEADING.match(t)
                    or T.MARKS.match(t)), None)
        if odd:
            raise DataError([Problem(name, odd[0], f"row {row.number}: {odd[1][:30]!r} inside the overview, "
                                     "and no pillar or timing (掲載時期) before it",
                                     "expected a pillar of the code list and a timing after the overview")])


def _no_middle(name: str, row: RawRow, flat: list[Line], pillars: set[str] | None) -> None:
    """Stop at the line where the pillar or timing should be: the line after a pillar that no timing
    follows; else, when the ○ marks line (which follows the timing) is there, the line after the
    last sentence before it (the lines between hold the pillar and timing), or, when the lines from
    there begin a pillar of the code list, the first line that does not go on with it; else the first line
    after a sentence that is about as narrow as the pillar and timing columns (overview lines are
    wide; ``MIDDLE_SLACK`` leaves room for a damaged pillar or timing line), else the last line."""
    after = [i for i in range(1, len(flat)) if flat[i - 1][1].endswith("。") and not OVERVIEW_START.match(flat[i][1])]
    marks = next((i for i in range(1, len(flat)) if T.MARKS.match(flat[i][1])), None)
    for i in after if pillars else []:
        pillar, shared, k = _pillar_at(flat, i, pillars or set())
        if pillar and (shared or k < len(flat)):
            ln, t = shared[0] if shared else flat[k]
            raise DataError([Problem(name, ln, f"row {row.number}: expected a timing (掲載時期) of a known form "
                                     f"after the pillar {T.join_lines([x for _, x in pillar])!r}, found {t[:24]!r}",
                                     "check the line: a timing reads like 平成31年度から, 令和元年度以降, "
                                     "時期調整中 or その他")])
    sentences = [i for i in range(marks or 0) if flat[i][1].endswith("。")]
    if sentences and sentences[-1] + 1 < (marks or 0):
        at = sentences[-1] + 1
        for k in range(at, marks or 0) if pillars else []:  # a pillar read so far: where it stops being one
            start = T.join_lines([(T.split_inline_cells(t) or [""])[0] for _, t in flat[at:k + 1]])
            if not any(p.startswith(start) for p in pillars or ()):
                at = k
                break
    else:
        at = next((i for i in after if T.width(T.split_inline_cells(flat[i][1])[0]) <= MIDDLE_COLUMN + MIDDLE_SLACK),
                  len(flat) - 1)
    ln, t = flat[at]
    what = "a pillar of the code list (or '-') and a timing (掲載時期)" if pillars else "a timing (掲載時期)"
    raise DataError([Problem(name, ln, f"row {row.number}: expected {what} after the overview, found {t[:24]!r}",
                             "check the line; a pillar the code list lacks goes to data/curated/pillar_aliases.csv, "
                             "a row that prints none to data/curated/blank_cells.csv")])


def _middle_at(flat: list[Line], p: int, pillars: set[str], needs_pillar: bool) -> _Middle | None:
    """The pillar, timing and marks starting at the non-blank line ``p``, if they do."""
    pillar, shared, k = _pillar_at(flat, p, pillars) if needs_pillar else ([], [], p)
    if needs_pillar and not pillar:
        return None
    found = _timing_at(flat, k, shared, allow_dash=bool(pillar))
    if found is None:
        return None
    timing, k = found
    marks = None
    if k < len(flat) and T.MARKS.match(flat[k][1]):
        marks, k = flat[k], k + 1
    return _Middle(pillar, timing, marks, p, k)


def _pillar_at(flat: list[Line], p: int, pillars: set[str]) -> tuple[list[Line], list[Line], int]:
    """(pillar lines, the rest of its last line, next index): the longest run of lines from ``p``
    that spells a pillar of the code list, or a "-"; no pillar is ([], [], p)."""
    if flat[p][1] == "-":
        return [flat[p]], [], p + 1
    best: tuple[list[Line], list[Line], int] = ([], [], p)
    acc: list[Line] = []
    for k in range(p, min(p + MAX_PILLAR_LINES, len(flat))):
        ln, t = flat[k]
        parts = T.split_inline_cells(t)
        acc = acc + [(ln, parts[0])]
        if T.join_lines([x for _, x in acc]) in pillars:
            best = (acc, [(ln, " ".join(parts[1:]))] if len(parts) > 1 else [], k + 1)
        if len(parts) > 1:
            break
    return best


def _timing_at(flat: list[Line], k: int, shared: list[Line], allow_dash: bool) -> tuple[list[Line], int] | None:
    """(timing lines, next index): the longest run of lines (after the rest of the pillar's line)
    that spells a timing of a known form; or "-" after a pillar."""
    lines = shared + flat[k:k + MAX_TIMING_LINES]
    best = 0
    for n in range(1, len(lines) + 1):
        if TIMING.match(T.join_lines([t for _, t in lines[:n]])):
            best = n
    if not best and allow_dash and lines and lines[0][1] == "-" and not shared:
        best = 1
    if not best:
        return None
    return lines[:best], k + best - len(shared)


def _cells(lines: list[Line]) -> list[list[Line]]:
    """Cut blank-separated blocks into cells, splitting lines shared by two cells."""
    cells: list[list[Line]] = []
    for block in _blocks(lines):
        cur: list[Line] = []
        for ln, t in block:
            parts = T.split_inline_cells(t)
            if not parts:
                continue
            cur.append((ln, parts[0]))
            for p in parts[1:]:
                cells.append(cur)
                cur = [(ln, p)]
        cells.append(cur)
    return cells


def _blocks(lines: list[Line]) -> list[list[Line]]:
    blocks: list[list[Line]] = [[]]
    for ln, t in lines:
        if t:
            blocks[-1].append((ln, t))
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _parse_head(name: str, row: RawRow, head: list[Line], overview: int) -> None:
    """The three cells before the overview (whose first line is ``overview``), or an error at
    the line ``_head_fault`` names."""
    cells = _cells(head)
    if len(cells) != 3:
        raise DataError([Problem(name, _head_fault(row, head, cells, overview) or row.line_start,
                                 f"row {row.number}: expected 3 cells before the overview "
                                 f"(施策名, KPI（進捗）, KPI（効果）), found {len(cells)}: "
                                 + " | ".join(T.join_lines([t for _, t in c]) for c in cells),
                                 "check the row's layout; an empty cell must be printed as '-'")])
    row.name, row.kpi_progress, row.kpi_effect = cells


def _head_fault(row: RawRow, head: list[Line], cells: list[list[Line]], overview: int) -> int | None:
    """The line where the lines before the overview stop being three cells, the first of:

    * a line wider than any of the three columns (``HEAD_WIDEST``): a line of another cell;
    * in a row whose number was not found, a first line whose digits are that number: the number
      line, damaged.

    With too few cells: the first line of the first cell wider than the name column
    (``NAME_COLUMN``: no blank line after the name), else the overview's first line (a bullet line
    out of place, or a blank line missing in the cell just before it). With too many: the first
    line after a blank line that follows a KPI line filling its column without closing a bracket
    (``ITEM_FULL``: the item goes on across a blank line too many); else a line holding two cells
    (a space too many); else, in a row whose number was not found, its first line (a line out of
    place before the row); else the line the last cell shares with the overview's first bullet.
    None when no rule applies."""
    filled = [(ln, t) for ln, t in head if t]
    wide = next((ln for ln, t in filled if max(map(T.width, T.split_inline_cells(t)), default=0) > HEAD_WIDEST),
                None)
    if wide or not filled:
        return wide
    digits = "".join(ch for ch in filled[0][1] if ch.isascii() and ch.isdigit())
    if row.number_inferred and digits == str(row.number):
        return filled[0][0]
    if len(cells) < 3:
        return next((ln for ln, t in cells[0] if T.width(t) > NAME_COLUMN), overview)
    name_lines = {ln for ln, _ in cells[0]}
    gaps = [ln for (prev_ln, prev), (ln, t) in zip(head, head[1:], strict=False)
            if prev and not t and prev_ln not in name_lines and T.width(prev) >= ITEM_FULL
            and not prev.endswith(("）", ")"))]
    after_gap = next((ln for ln, _ in filled if gaps and ln > gaps[0]), None)
    if after_gap:
        return after_gap
    shared = next((ln for ln, t in filled if len(T.split_inline_cells(t)) > 1), None)
    if shared:
        return shared
    if row.number_inferred:
        return filled[0][0]
    return overview if cells[-1][-1][0] == overview else None


def _parse_tail(name: str, row: RawRow, lines: list[Line]) -> None:
    """支援策 / 予算事業名 / 参考URL, in that order; each may be "-" (several dashes may share a line)."""
    order = ["support", "budget", "urls"]
    targets = {"support": row.support, "budget": row.budget, "urls": row.urls}
    cell = 0
    filled = {"support": False, "budget": False, "urls": False}
    dashed: set[str] = set()

    budget_block = None

    def out_of_order(problem: Problem) -> DataError:
        """The error for a cell out of order: at the line that put it there, when one is out of place."""
        return DataError([_misplaced(name, row, lines) or problem])

    def advance_empty(ln: int) -> None:
        nonlocal cell
        if cell < 3 and filled[order[cell]]:
            cell += 1
        if cell > 2:
            raise out_of_order(Problem(name, ln, f"row {row.number}: '-' after the 参考URL cell",
                                       "expected the policy code (NN-NN) next"))
        dashed.add(order[cell])
        cell += 1  # the dash closes the current (or next) cell as empty

    for index, block in enumerate(_blocks(lines)):
        has_url = any(T.URL_START.match(t) for _, t in block)
        tokens: list[tuple[str, int, str]] = []
        for ln, t in block:
            s = t
            while DASH.match(s):
                tokens.append(("dash", ln, ""))
                s = DASH.sub("", s, count=1)
            if s:
                tokens.append(("text", ln, s))
        in_budget_block = False
        for kind, ln, s in tokens:
            if kind == "dash":
                row.used.add(ln)
                advance_empty(ln)
                continue
            if has_url and cell == 1 and not filled["budget"] and not BUDGET_HEADING.match(s):
                raise DataError([Problem(name, ln, f"row {row.number}: {s[:20]!r} opens the 予算事業名 cell in a "
                                         "block that holds a URL", "the build cannot tell where the 予算事業名 "
                                         "cell ends: expected a blank line before the 参考URL cell")])
            if BUDGET_HEADING.match(s):
                if cell > 1:
                    raise out_of_order(Problem(name, ln, f"row {row.number}: {s} after the 参考URL cell",
                                               "expected 支援策, 予算事業名 and 参考URL in this order"))
                if row.budget and budget_block != index and not BUDGET_HEADING.match(row.budget[0][1]):
                    # the cell opened before its heading: at the line that opened it
                    raise DataError([_misplaced(name, row, lines) or Problem(
                        name, row.budget[0][0], f"row {row.number}: the 予算事業名 cell opens with "
                        f"{row.budget[0][1][:24]!r}, before its heading {s} (line {ln})",
                        "a budget cell opens with ＜予算事業名＞: a line out of place?")])
                cell, in_budget_block = 1, True
            elif has_url and not in_budget_block and cell < 2:
                cell = 2
            if cell > 2:
                raise out_of_order(Problem(name, ln, f"row {row.number}: text after the 参考URL cell: {s!r}",
                                           "expected the policy code (NN-NN) next"))
            key = order[cell]
            if key == "budget" and budget_block not in (None, index) and not T.is_url_continuation(s):
                damaged = next(((n, t) for n, t in block if "://" in t or t.startswith(("http", "www."))), None)
                if damaged:  # the caption's URL is there, but damaged
                    raise DataError([Problem(name, damaged[0], f"row {row.number}: {damaged[1][:24]!r} is no URL "
                                             "(http:// or https://), so the caption before it reads as a budget "
                                             "project after a blank line", "fix the URL")])
                raise DataError([Problem(name, ln, f"row {row.number}: {s[:24]!r} after a blank line in the "
                                         "予算事業名 cell", "a budget cell is printed without blank lines: "
                                         "a caption whose URL is missing, or a blank line too many?")])
            budget_block = index if key == "budget" else budget_block
            targets[key].append((ln, s))
            filled[key] = True
    _check_tail(name, row, dashed)


def _check_tail(name: str, row: RawRow, dashed: set[str]) -> None:
    """Boundaries the layout alone would decide: a caption is no sentence and no wider than its
    column; a URL in the budget cell stands only before an empty 参考URL cell."""
    for ln, t in row.urls:
        if not T.URL_START.match(t) and not T.is_url_continuation(t) and (
                T.width(t) > URL_COLUMN or t.endswith("。")):
            raise DataError([Problem(name, ln, f"row {row.number}: {t[:24]!r}… stands before a URL but is no "
                                     "caption (wider than the 参考URL column, or a sentence)",
                                     "expected a blank line between the 支援策 and the 参考URL cells")])
    budget_url = next((ln for ln, t in row.budget if T.URL_START.match(t)), None)
    if budget_url and "urls" not in dashed:
        raise DataError([Problem(name, budget_url, f"row {row.number}: a URL in the 予算事業名 cell, and the "
                                 "参考URL cell is not printed empty ('-') after it",
                                 "the build cannot tell a budget project's URL from a reference whose caption "
                                 "lost its blank line: expected a blank line between the 予算事業名 and the "
                                 "参考URL cells")])
    last = _last_block(row.support) or row.support  # the last block, or the whole cell
    if last and not last[0][1].startswith(("・", "【", "（")) and not last[-1][1].endswith("。") \
            and all(T.width(t) <= BUDGET_COLUMN and not t.endswith("。") for _, t in last):
        raise DataError([Problem(name, last[0][0], f"row {row.number}: the 支援策 cell ends with {last[0][1][:24]!r}, "
                                 "which reads like a budget project's name (narrow, no sentence)",
                                 "expected ＜予算事業名＞ before budget projects: fix the line")])
    heading = next(((ln, t) for ln, t in row.support if t.startswith("＜") and t.endswith("＞")), None)
    if heading:
        raise DataError([Problem(name, heading[0], f"row {row.number}: {heading[1]!r} in the 支援策 cell",
                                 "only ＜予算事業名＞ (or ＜予算事業名[…]＞) opens the budget cell: fix the line")])


def _misplaced(name: str, row: RawRow, tail: list[Line]) -> Problem | None:
    """When 支援策 / 予算事業名 / 参考URL come out of order, a line that stands where it cannot,
    which is likelier the fault than the line where the order broke; the first of:

    * a ○ marks line with at most ``MAX_TIMING_LINES`` lines between it and the timing: those lines
      (named: the first) belong to no cell;
    * a line of the 予算事業名 cell that is no project's name (wider than ``BUDGET_COLUMN``, or a
      sentence);
    * prose in the 参考URL cell (a line wider than ``URL_COLUMN``, or a sentence: no caption is):
      the caption or URL line next to prose (a URL in a paragraph, or the blank line missing between
      a paragraph and a caption), or prose that follows a "-" on its line;
    * a line after the 参考URL cell's last URL that is neither a note ("-…") nor in one: a caption
      whose URL is missing, or a line of the next row."""
    filled = [(ln, t) for ln, t in tail if t]
    marks = next((i for i, (_, t) in enumerate(filled) if T.MARKS.match(t)), None)
    if marks is not None and 0 < marks <= MAX_TIMING_LINES:
        return Problem(name, filled[0][0], f"row {row.number}: {filled[0][1][:24]!r} stands between the timing "
                       f"(掲載時期) and the ○ marks (line {filled[marks][0]})", "a line out of place, or printed "
                       "twice: fix the line")
    budget = next(((ln, t) for ln, t in row.budget if not BUDGET_HEADING.match(t) and not T.URL_START.match(t)
                   and not T.is_url_continuation(t) and (T.width(t) > BUDGET_COLUMN or t.endswith("。"))), None)
    if budget:
        return Problem(name, budget[0], f"row {row.number}: {budget[1][:24]!r}… in the 予算事業名 cell is no "
                       "project's name (wider than the column, or a sentence)", "a line out of place: fix the line")
    prose = [(ln, t, not T.URL_START.match(t) and not T.is_url_continuation(t)
              and (T.width(t) > URL_COLUMN or t.endswith("。"))) for ln, t in row.urls]
    raw = dict(tail)
    caption = next(((a[0], a[1]) if b[2] else (b[0], b[1]) for a, b in zip(prose, prose[1:], strict=False)
                    if a[2] != b[2]), next(((ln, t) for ln, t, p in prose[:1] if p and DASH.match(raw[ln])), None))
    if caption:
        return Problem(name, caption[0], f"row {row.number}: {caption[1][:24]!r} in the 参考URL cell stands next "
                       "to a paragraph (no caption is wider than the column, or a sentence)",
                       "a line out of place, or a blank line missing: fix the line")
    last_url = max((i for i, (_, t) in enumerate(row.urls) if T.URL_START.match(t)), default=None)
    depth, in_url = 0, True
    for ln, t in row.urls[last_url + 1:] if last_url is not None else []:
        in_url = in_url and T.is_url_continuation(t)
        if in_url:
            continue
        if t.startswith("-"):
            depth = T.bracket_depth(t)
        elif depth > 0:
            depth = T.bracket_depth(t, depth)
        else:
            return Problem(name, ln, f"row {row.number}: {t[:24]!r} after the 参考URL cell's last URL is no "
                           "note, and no URL follows it", "a caption whose URL is missing, or a line of another "
                           "row: fix the line")
    return None


def _last_block(lines: list[Line]) -> list[Line]:
    """The lines of a cell after its last blank line (line numbers with a gap), if it has one."""
    gaps = [i for i in range(1, len(lines)) if lines[i][0] > lines[i - 1][0] + 1]
    return lines[gaps[-1]:] if gaps else []
