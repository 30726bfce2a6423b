"""How a sheet of the workbook is laid out, on screen and on paper: paper, column widths and row
heights (``kanmin.workbook`` writes them with XlsxWriter; this module computes, it writes nothing).

Input: a sheet's header and rows (the values the workbook writes: text, numbers, empty cells),
the papers it may print on and the smallest print scale wanted. Output: a ``Layout``: the paper,
each column's width (Excel's character units) and each row's height (points).

Why row heights are computed: an .xlsx file stores the height of each row, and what a reader
shows is the stored height (LibreOffice keeps a height marked custom, and Excel measures a row
again only when someone asks it to), so a row stored one line tall cuts a cell of five lines, on
screen and in print. Every row here is as tall as the lines its tallest cell wraps into.

How text is measured; every figure errs on the side of more lines, so that no reader draws more
(a test renders the workbook with LibreOffice and finds every cell's text in the PDF):
- the cells' font is ``FONT`` (Meiryo) at ``FONT_SIZE``. A character is 1 em wide when it is
  full width (Unicode East Asian Width F, W, and A, which Japanese fonts draw full width: ○ ◎ ※)
  and 0.5 em when half-width katakana; a Latin letter or sign 0.5, 0.65, 0.85 or 1.1 em
  (``NARROW_LETTERS``, the rest, ``BROAD_LETTERS``, ``WIDE_LETTERS``): at least its advance in
  Verdana, whose design Meiryo's Latin letters follow, and in DejaVu Sans, which LibreOffice on
  Linux draws them with when Meiryo is missing;
- a column's text area is ``WIDTH_UNIT_PT`` per width unit (the widest digit of the Normal
  style's font, Calibri 11 at 96 dpi: 7 px; LibreOffice, with Carlito, Calibri's metric twin,
  draws a column some 5% wider), less ``CELL_PADDING_PT``, of which ``WIDTH_SLACK`` is used (on
  screen a glyph's advance is rounded to whole pixels); a header cell also leaves room for the
  auto-filter's button;
- lines are filled greedily and broken only where Excel and LibreOffice may break too: after a
  space, and between two full-width characters but before closing punctuation and small kana
  (、。」）ー っ …) and after opening punctuation (「（ …). A Latin word is kept whole with the
  full-width characters on either side of it, and a piece wider than a line of its own is broken
  anywhere, as the readers do. With no more break points than a reader and no narrower
  characters, greedy filling gives at least as many lines as the reader draws;
- a line is ``LINE_HEIGHT_EM`` tall: Meiryo's is 1.5 em (Excel's default row for Meiryo 11 pt
  is 18.75 pt), that of LibreOffice's fallback for Japanese, Noto Sans CJK JP, 1.45 em.

Column widths: a column is as wide as its longest line (its natural width; at most ``MAX_WIDTH``
or the sheet's cap for it, and wide enough for its header in ``HEADER_LINES`` lines) unless the
sheet's columns together are wider than the paper holds at the smallest print scale wanted; then
the widest are all cut to one width (water-filling), none narrower than its floor: the widest
word of its header (up to ``HEADER_WORD_MAX``: a longer field name is split), its widest number,
and the width at which each of its cells fits in the tallest row Excel allows (409 pt). The
paper is the first of the sheet's papers on which the floors fit at that scale.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: The font of every cell: Meiryo (メイリオ), on every Japanese Windows since Vista. Where it is
#: missing, LibreOffice falls back through fontconfig (Noto Sans CJK JP or IPAexGothic for the
#: Japanese, DejaVu Sans for Latin letters), whose widths and line height are close to Meiryo's.
FONT = "Meiryo"
FONT_SIZE = 10
LINE_HEIGHT_EM = 1.55
ROW_PADDING_PT = 2.25
ROW_STEP_PT = 0.75  # one pixel at 96 dpi: Excel draws rows in whole pixels
MAX_ROW_HEIGHT_PT = 409.0  # Excel's tallest row
WIDTH_UNIT_PT = 5.25
COLUMN_GAP_PT = 3.75  # a column is width * 7 px + 5 px wide
CELL_PADDING_PT = 3.0
WIDTH_SLACK = 0.95
FILTER_BUTTON_PT = 12.0
MIN_WIDTH, MAX_WIDTH = 6.0, 90.0
HEADER_WORD_MAX = 12.0  # a longer word of a header (a field name) is split
HEADER_LINES = 3  # a column is wide enough for its header in this many lines, if the sheet has room
#: Printable width (points) of each paper in landscape, before margins: A4 297 mm, A3 420 mm.
PAPER_WIDTH_PT = {"A4": 841.89, "A3": 1190.55}

#: Latin characters by advance: at most 0.5 em, 0.85 em and 1.1 em in Verdana (whose design
#: Meiryo's Latin letters follow) and in DejaVu Sans; any other one at most 0.65 em.
NARROW_LETTERS = frozenset("fijlrtIJ.,:;'!|()[]-/\\\"")
BROAD_LETTERS = frozenset("ABCDEFGHKLNOPQRSTUVXYZ#&+<=>~^")
WIDE_LETTERS = frozenset("MWmw@%")
#: No line starts with these (closing punctuation, small kana, prolonged sound marks) ...
NO_LINE_START = frozenset("、。，．・：；？！）」』】〕〉》］｝〟’”ゝゞ々ー〜‐"
                          "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ)]},.:;!?%")
#: ... and no line ends with these (opening punctuation).
NO_LINE_END = frozenset("（「『【〔〈《［｛〝‘“([{")


@dataclass(frozen=True)
class Layout:
    paper: str  # a key of PAPER_WIDTH_PT, printed landscape
    scale: float  # the print scale at which the columns fill the paper's width (at most 1)
    widths: list[float]  # Excel character units, one per column
    heights: list[float]  # points: the header row, then one per row
    #: The cells that need more lines than the tallest row holds at their column's widest width:
    #: (row index, the header row 0; column index; lines needed).
    overflows: list[tuple[int, int, int]]


class _Classes(dict):
    """Code point -> its class: ``F`` full width, ``O`` full-width opening punctuation (no line
    ends with it), ``C`` full-width closing punctuation or small kana (no line starts with it),
    ``I`` the ideographic space, ``S`` a space, ``H`` half-width katakana; of the other
    characters ``N`` a narrow one, ``U`` a broad one, ``W`` a wide one, ``L`` the rest. Filled as
    characters are met (``str.translate`` asks for each)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch == " ":
            cls = "S"
        elif ch == "\u3000":
            cls = "I"
        elif unicodedata.east_asian_width(ch) in "WFA":
            cls = "O" if ch in NO_LINE_END else "C" if ch in NO_LINE_START else "F"
        elif unicodedata.east_asian_width(ch) == "H":
            cls = "H"
        else:
            cls = ("W" if ch in WIDE_LETTERS else "U" if ch in BROAD_LETTERS
                   else "N" if ch in NARROW_LETTERS else "L")
        self[code] = cls
        return cls


_CLASSES = _Classes()
#: The advance of each class in twentieths of an em (an integer, so that sums are exact).
EM = 20
ADVANCE = {"F": EM, "O": EM, "C": EM, "I": EM, "H": 10, "S": 10, "N": 10, "L": 13, "U": 17, "W": 22}
#: Full-width characters that a line may break before and after, each its own unit (group 1); or a
#: unit (group 2) and the spaces after it (group 3); or a line of spaces only (group 4). A line
#: breaks after a space, and between two full-width characters unless the first is ``O`` or the
#: second ``C``; leading spaces join the first unit.
_UNIT = re.compile(r"((?:F(?=[FO]|$))+)|([SI]*[^SI](?:(?<![FC])[^SI]|[^SIFO])*)([SI]*)|([SI]+)")


#: A unit: a piece of a line no reader breaks inside, as (its width, the width of the spaces
#: after it, in twentieths of an em; its text), or ``run`` characters of one em each with a
#: break allowed between any two (text empty). A reader may break after a space, and lets a
#: space end a line.
Unit = tuple[int, int, int, str]


@functools.lru_cache(maxsize=16384)
def measure(text: str) -> tuple[tuple[Unit, ...], ...]:
    """``text`` as its lines (split at line breaks), each a tuple of units."""
    paragraphs = []
    for line in text.split("\n"):
        classes = line.translate(_CLASSES)
        at = list(itertools.accumulate(map(ADVANCE.__getitem__, classes), initial=0))
        units: list[Unit] = []
        for m in _UNIT.finditer(classes):
            run, unit, _, blank = m.groups()
            if run:
                units.append((EM, 0, len(run), ""))
            elif blank:
                units.append((0, at[m.end()] - at[m.start()], 0, ""))
            else:
                start, end = m.span(2)
                units.append((at[end] - at[start], at[m.end()] - at[end], 0, line[start:end]))
        paragraphs.append(tuple(units))
    return tuple(paragraphs)


def count_lines(paragraphs: tuple[tuple[Unit, ...], ...], width_pt: float) -> int:
    """The lines measured text wraps into in a text area ``width_pt`` wide: greedy, a unit wider
    than a line of its own broken character by character."""
    avail = max(EM, int(width_pt / FONT_SIZE * EM))  # a line holds at least one character
    lines = 0
    for units in paragraphs:
        lines += 1
        used = 0
        for width, spaces, run, text in units:
            if run:  # one-em characters, any of them may start a line
                room = max(0, avail - used) // EM
                if run > room:
                    rest = run - room
                    per_line = avail // EM
                    more = -(-rest // per_line)
                    lines += more
                    used = (rest - (more - 1) * per_line) * EM
                else:
                    used += run * EM
                continue
            if used and used + width > avail:
                lines += 1
                used = 0
            if width > avail:
                for code in text.translate(_CLASSES):
                    advance = ADVANCE[code]
                    if used and used + advance > avail:
                        lines += 1
                        used = 0
                    used += advance
                width = 0
            used += width + spaces
    return lines


def line_count(text: str, width_pt: float) -> int:
    """The lines ``text`` wraps into in a text area ``width_pt`` wide (see the module docstring)."""
    return count_lines(measure(text), width_pt)


def widest_line(paragraphs: tuple[tuple[Unit, ...], ...]) -> float:
    """The widest line of measured text, unwrapped, in points."""
    return max(sum(w * (run or 1) + sp for w, sp, run, _ in units) for units in paragraphs) * FONT_SIZE / EM


def text_area_pt(width: float, header: bool = False) -> float:
    """The width a cell's text has in a column ``width`` units wide."""
    return (width * WIDTH_UNIT_PT - CELL_PADDING_PT) * WIDTH_SLACK - (FILTER_BUTTON_PT if header else 0.0)


def width_for(text_pt: float, header: bool = False) -> float:
    """The narrowest column (units, to the next half unit) whose text area holds ``text_pt``."""
    needed = ((text_pt + (FILTER_BUTTON_PT if header else 0.0)) / WIDTH_SLACK + CELL_PADDING_PT) / WIDTH_UNIT_PT
    return math.ceil(needed * 2) / 2


def row_height(lines: int) -> float:
    """The height (points, a whole number of pixels) of a row whose tallest cell has ``lines`` lines."""
    return math.ceil((lines * LINE_HEIGHT_EM * FONT_SIZE + ROW_PADDING_PT) / ROW_STEP_PT) * ROW_STEP_PT


def max_lines() -> int:
    """The most lines the tallest row Excel allows shows."""
    return int((MAX_ROW_HEIGHT_PT - ROW_PADDING_PT) // (LINE_HEIGHT_EM * FONT_SIZE))


def budget(paper: str, min_scale: float, margins_pt: float, columns: int) -> float:
    """The sum of the column widths (units) that prints on ``paper`` at ``min_scale`` or larger."""
    return ((PAPER_WIDTH_PT[paper] - margins_pt) / min_scale - COLUMN_GAP_PT * columns) / WIDTH_UNIT_PT


def _floor(header: str, texts: list[tuple[tuple[Unit, ...], ...]], numbers: list[float]) -> float:
    """The narrowest the column may be: its header's widest word (up to HEADER_WORD_MAX), its
    widest number, and wide enough for every cell to fit in the tallest row."""
    word = max(w for units in measure(header) for w, _, _, _ in units) * FONT_SIZE / EM
    floor = max(MIN_WIDTH, min(HEADER_WORD_MAX, width_for(word, header=True)),
                *(width_for(widest_line(measure(str(n)))) for n in numbers))
    limit = max_lines()
    for text in texts:
        if count_lines(text, text_area_pt(floor)) <= limit:
            continue
        lo, hi = floor, MAX_WIDTH  # too narrow, wide enough (or the widest there is)
        while hi - lo > 0.5:
            mid = math.ceil(lo + hi) / 2  # a half unit between them
            if count_lines(text, text_area_pt(mid)) <= limit:
                hi = mid
            else:
                lo = mid
        floor = hi
    return floor


def layout(header: Sequence[str], rows: Sequence[Sequence[Any]], papers: Sequence[str], min_scale: float,
           margins_pt: float, max_widths: dict[int, float] | None = None) -> Layout:
    """The first of ``papers`` on which the columns' floors print at ``min_scale`` or larger (else
    the last), column widths that fill it at that scale where the floors allow (see the module
    docstring; ``max_widths`` caps a column's natural width), and the row heights that show every
    line of every cell at those widths."""
    n = len(header)
    cells = [[measure(v) if isinstance(v, str) else None for v in row] for row in rows]
    texts = [[m for row in cells if (m := row[c]) is not None] for c in range(n)]
    numbers = [[r[c] for r in rows if isinstance(r[c], (int, float))] for c in range(n)]
    floors = [_floor(header[c], texts[c], numbers[c]) for c in range(n)]
    caps = max_widths or {}
    natural = [max(floors[c], min(caps.get(c, MAX_WIDTH), max([
        width_for(widest_line(measure(header[c])) / HEADER_LINES, header=True),
        *(width_for(widest_line(t)) for t in texts[c])]))) for c in range(n)]
    paper = next((p for p in papers if sum(floors) <= budget(p, min_scale, margins_pt, n)), papers[-1])
    widths = _water_fill(floors, natural, budget(paper, min_scale, margins_pt, n))
    areas = [text_area_pt(w) for w in widths]
    heights = [row_height(max(count_lines(measure(h), text_area_pt(w, header=True))
                              for h, w in zip(header, widths, strict=True)))]
    overflows: list[tuple[int, int, int]] = []
    limit = max_lines()
    for r, row in enumerate(cells, start=1):
        counts = [1 if m is None else count_lines(m, a) for m, a in zip(row, areas, strict=True)]
        overflows += [(r, c, k) for c, k in enumerate(counts) if k > limit]
        heights.append(min(MAX_ROW_HEIGHT_PT, row_height(max(counts))))
    printed = sum(widths) * WIDTH_UNIT_PT + COLUMN_GAP_PT * n
    return Layout(paper, min(1.0, (PAPER_WIDTH_PT[paper] - margins_pt) / printed), widths, heights, overflows)


def _water_fill(floors: list[float], natural: list[float], total: float) -> list[float]:
    """Every column at its natural width when they fit in ``total``; else the widest cut to one
    width ``t`` (to the half unit), the largest for which the columns fit, never below a floor."""
    if sum(natural) <= total:
        return natural
    lo, hi = 0.0, max(natural)
    for _ in range(40):
        t = (lo + hi) / 2
        if sum(min(n, max(f, t)) for f, n in zip(floors, natural, strict=True)) <= total:
            lo = t
        else:
            hi = t
    cut = math.floor(lo * 2) / 2
    return [min(n, max(f, cut)) for f, n in zip(floors, natural, strict=True)]
