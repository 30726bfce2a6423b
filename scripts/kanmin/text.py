"""Pure text rules for undoing the PDF-to-text extraction.

Every rule here is general (no row numbers, no literal cell values) and is used by the extract
and tidy stages. They encode what the extraction does to a printed table cell:

* A cell's text is wrapped at the cell width; the extraction keeps the line breaks. Japanese has
  no spaces between words, so wrapped lines are joined with nothing between them, except where
  two ASCII words meet (``Electronic Health`` / ``Record``), which get one space.
* URLs are broken at the cell width too; their pieces are joined with nothing between them.
* Cells that stand side by side on the page can come out on one line, separated by one ASCII
  space ("取扱機関数（地方公共団体等） ワンストップサービスにより電子"). Japanese text never
  contains an ASCII space next to a Japanese character outside brackets, so such a space is a
  cell boundary.
* Two neighbouring cells with identical text can come out glued without any separator; a line
  that is exactly one string printed twice is two cells.
* A line that is clearly shorter than the column is the last line of an item or paragraph (the
  printed cell broke the line on purpose).
"""

from __future__ import annotations

import re
import unicodedata

#: Characters allowed in the pieces of a URL broken over lines (RFC 3986 unreserved, reserved, %).
URL_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
URL_START = re.compile(r"^https?://")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
_OPEN = "（(「『【＜［"
CLOSE = "）)」』】＞］"
#: Bullet markers at the start of an overview or support paragraph: "- ", "-　", "・ ", "・", "-" + text.
BULLET = re.compile(r"^[ 　]*(?:[-・][ 　]*)(?=\S)")
MARKS = re.compile(r"^[○〇](?:[ 　]*[○〇])*$")
#: The effect marks as extracted: ○ (U+25CB WHITE CIRCLE, as printed) and 〇 (U+3007, which some
#: extractions give for it). Neither is read as text anywhere (``checks.CELL_MARKS``).
MARK_CHARS = "○〇"
#: Other white circles that PDF extractions give for a printed ○ (fonts draw them alike):
#: U+25EF LARGE CIRCLE, U+26AA MEDIUM WHITE CIRCLE, U+2B55 HEAVY LARGE CIRCLE. On a line of
#: nothing but circles (a marks line) ``source.read`` reads each as ○ and the build report lists
#: it with its line; anywhere else they are refused like ○ (no text cell holds a circle).
MARK_LOOKALIKES = "◯⚪⭕"
#: Circle glyphs that are no effect mark and no text of this table: ◎ is the lead-ministry mark,
#: the others (fisheye, circled dot, white bullets, ring operators) a damaged mark or ◎. A marks
#: line holding one is no marks line, and no text cell may hold one (``checks.CELL_MARKS``).
#: ● (BLACK CIRCLE) is not among them: it is a caption marker like ■ (``tidy.CAPTION_MARKER``).
OTHER_CIRCLES = "◎◉⊙◦⚬⦾⦿"
MARKS_LINE = re.compile(f"^[{MARK_CHARS}{MARK_LOOKALIKES}](?:[ 　]*[{MARK_CHARS}{MARK_LOOKALIKES}])*$")
#: At most one ○ per expected-effect column.
MAX_MARKS = 4

ERA_BASE = {"平成": 1988, "令和": 2018}
_ERA_YEAR = re.compile(r"(平成|令和)(元|[0-9０-９]+)年度")


def _wide_bmp() -> dict[int, None]:
    """str.translate table deleting every wide or full-width character of the BMP (made once)."""
    return {c: None for c in range(0x80, 0x10000) if unicodedata.east_asian_width(chr(c)) in "WF"}


_WIDE_BMP = _wide_bmp()
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def width(text: str) -> int:
    """Display width in half-width units: wide and full-width characters count 2.

    Counted in C: deleting the wide characters (str.translate) leaves the narrow ones, so the
    width is 2 × length − narrow. Text beyond the BMP (rare) is counted character by character."""
    if text.isascii():
        return len(text)
    if _ASTRAL.search(text):
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return 2 * len(text) - len(text.translate(_WIDE_BMP))


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines of one paragraph: nothing between Japanese characters, one space
    where an ASCII letter/digit ends a line and the next begins with one."""
    out = ""
    for line in lines:
        if out and line and _ASCII_WORD.match(out[-1]) and _ASCII_WORD.match(line[0]):
            out += " "
        out += line
    return out


def join_url(pieces: list[str]) -> str:
    """Rejoin a URL broken over lines: the pieces are concatenated with nothing between them."""
    return "".join(p.strip() for p in pieces)


def is_url_continuation(line: str) -> bool:
    """A line that can only be the next piece of a broken URL (URL characters, not a new URL)."""
    return bool(URL_CHARS.match(line)) and not URL_START.match(line)


def bracket_depth(text: str, depth: int = 0) -> int:
    """Depth of open brackets (full- and half-width) after reading ``text``."""
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in CLOSE and depth > 0:
            depth -= 1
    return depth


def split_inline_cells(line: str) -> list[str]:
    """Split a line where neighbouring cells were extracted onto one line.

    A boundary is an ASCII space outside brackets with a non-ASCII character on at least one
    side. Spaces between ASCII words ("JIS X 8341-3") and full-width spaces are text.
    A line that is one string printed twice ("AB" + "AB") is two cells.
    """
    parts: list[str] = []
    if " " in line:
        depth = 0
        start = 0
        for i, ch in enumerate(line):
            if ch == " ":
                if depth == 0 and 0 < i < len(line) - 1:
                    left, right = line[i - 1], line[i + 1]
                    if (not left.isascii() or not right.isascii()) and left != " " and right != " ":
                        parts.append(line[start:i])
                        start = i + 1
            elif ch in _OPEN:
                depth += 1
            elif ch in CLOSE and depth > 0:
                depth -= 1
        parts.append(line[start:])
    else:
        parts.append(line)
    out: list[str] = []
    for part in (p.strip() for p in parts):
        half = len(part) // 2
        if len(part) >= 8 and len(part) % 2 == 0 and part[:half] == part[half:]:
            out.extend([part[:half], part[half:]])
        elif part:
            out.append(part)
    return out


def strip_bullet(line: str) -> tuple[bool, str]:
    """Remove a leading bullet marker; tell whether there was one."""
    m = BULLET.match(line)
    if m:
        return True, line[m.end():]
    return False, line


def mark_count(line: str) -> int:
    """Number of ○/〇 marks on an expected-effect marks line."""
    return sum(line.count(ch) for ch in MARK_CHARS)


def line_at(lines: list[tuple[int, str]], offset: int) -> int | None:
    """The line holding the ``offset``-th non-space character of a cell's lines (joined text has
    spaces and breaks the lines lack, and lacks the bullets they have: offsets ignore whitespace)."""
    seen = 0
    for lineno, t in lines:
        seen += len("".join(t.split()))
        if offset < seen:
            return lineno
    return lines[-1][0] if lines else None


def locate(lines: list[tuple[int, str]], needle: str) -> int | None:
    """The line of a cell where ``needle`` (a character or a few) starts, even when it is wrapped
    over two lines; None when the lines do not hold it."""
    flat = "".join("".join(t.split()) for _, t in lines)
    at = flat.find("".join(needle.split()))
    return line_at(lines, at) if at >= 0 else None


def start_fiscal_year(timing: str) -> int | None:
    """The Gregorian year in which the first era fiscal year named in ``timing`` starts.

    平成N年度 starts in 1988+N, 令和N年度 in 2018+N (令和元年度 = 2019). None when the timing names
    no fiscal year (時期調整中, その他, empty).
    """
    m = _ERA_YEAR.search(timing)
    if not m:
        return None
    era, num = m.groups()
    n = 1 if num == "元" else int(unicodedata.normalize("NFKC", num))
    return ERA_BASE[era] + n


def paragraphs(lines: list[tuple[int, str]], full_width: int, *, bullets: bool = True,
               continues: re.Pattern[str] | None = None, keep: str = "") -> list[tuple[str, int, int]]:
    """Group the wrapped lines of one cell into paragraphs (items).

    A new paragraph starts at a bullet marker (when ``bullets``), after a line whose width is
    below ``full_width`` (the writer broke the line), and never at a line matching
    ``continues`` (e.g. a line opening with a bracket or a particle that cannot start an item).
    Markers are removed, except those listed in ``keep``: such a marker stays at the start of its
    paragraph, without the layout spaces around it ("　・ 「…" → "・「…").
    Returns (text, first line number, last line number).
    """
    out: list[tuple[str, list[str], int, int]] = []
    prev_full = False
    for lineno, raw in lines:
        line = raw.strip(" ")
        had_bullet, body = strip_bullet(line) if bullets else (False, line)
        marker = line.lstrip(" 　")[:1]
        if had_bullet and marker in keep:
            body = marker + body
        starts_new = (
            not out
            or had_bullet
            or (not prev_full and not (continues and continues.match(body)))
        )
        if starts_new:
            out.append(("", [body], lineno, lineno))
        else:
            _, body_lines, first, _ = out[-1]
            body_lines.append(body)
            out[-1] = ("", body_lines, first, lineno)
        prev_full = width(line) >= full_width
    return [(join_lines(bl).strip(" 　"), first, last) for _, bl, first, last in out]
