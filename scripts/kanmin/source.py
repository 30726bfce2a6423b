"""Reading the source text: size bound, decoding, line breaks and characters, each rule general.

Input: the path of the PDF-to-text extraction and the number of printed rows it should hold.
Output: a ``Source`` — numbered lines (the numbers ``sed -n``, ``grep -n`` and editors show) with
layout removed, and the list of characters the reading removed or replaced, which the build
report lists with their lines. Layout is not meaning: the same table saved on another machine,
with other line ends, a byte order mark, indentation or trailing spaces, reads as the same lines.

Rules, in order:

* A file larger than ``MAX_BYTES_PER_ROW`` × the expected rows (about ten times the real
  source) is refused before it is read; so is a line longer than ``MAX_LINE_CHARS``.
* UTF-8 only; a byte order mark at the start is dropped.
* Line ends: LF or CRLF; a file with no LF at all uses CR. A CR anywhere else is refused.
* A tab is a space (reported). Format characters (Unicode category Cf: zero-width spaces and
  joiners, bidi controls, soft hyphens, a byte order mark inside the text) are removed
  (reported): they are invisible in the print and split words the rules must see whole
  (``＜予算事業名＞`` with a zero-width space is still the budget heading).
* Any other control character (C0, DEL, C1, NUL) and the Unicode line and paragraph separators
  are refused with their line: they mean a damaged file, and no rule can say what they stood for.
* Leading and trailing spaces (ASCII and U+3000) are removed: the extraction indents some lines
  at page breaks, and nothing in the table depends on it.
* On a line of nothing but white circles (the expected-effect marks), a look-alike of ○
  (``text.MARK_LOOKALIKES``: ◯ U+25EF and others that extractions give for it) is read as ○
  (reported). Elsewhere such a glyph stays, and the checks refuse it in any text cell.

``FORBIDDEN`` is the set of characters no published cell may hold, and ``FORMULA_START`` the
characters no published cell may start with (a spreadsheet would run the cell as a formula); the
Table Schemas of ``data/curated/metadata.json`` say the same with a ``pattern`` (``TEXT_PATTERN``,
``ASCII_TEXT_PATTERN``; a test keeps them equal), so frictionless refuses such a cell both in the
build (at the source line of its row) and in a hand-edited CSV (``kanmin validate``,
``frictionless validate``). Text is refused, not rewritten: a published value stays as printed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import text as T
from .errors import DataError, Problem

Line = tuple[int, str]

#: About ten times the bytes per printed row of the real source (137,473 bytes for 75 rows).
MAX_BYTES_PER_ROW = 20_000
#: The longest line of the real source has 224 characters.
MAX_LINE_CHARS = 2_000
#: Spaces removed at both ends of every line.
LAYOUT_SPACES = " \u3000"
#: Control characters (all but LF), the line and paragraph separators, and every format (Cf)
#: character of Unicode 15: the characters no published cell may hold.
FORBIDDEN_CLASS = (
    r"\x00-\x09\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    r"\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    r"\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    r"\U000e0001\U000e0020-\U000e007f")
FORBIDDEN = re.compile(f"[{FORBIDDEN_CLASS}]")
#: What a spreadsheet runs as a formula when a cell starts with it (OWASP, "CSV injection"): no
#: published cell starts with one (no printed cell does), so a CSV opened in Excel runs nothing.
#: Tab and CR are forbidden anywhere already.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_START_CLASS = r"=+\-@"
#: The Table Schema pattern of a text field: no forbidden character (LF between items is allowed)
#: and no formula start (a missing value is null, never checked against the pattern).
TEXT_PATTERN = f"([^{FORMULA_START_CLASS}{FORBIDDEN_CLASS}][^{FORBIDDEN_CLASS}]*)?"
#: The same rules for a field of printable ASCII (the English names).
ASCII_TEXT_PATTERN = r"[ -*,.-<>?A-~][ -~]*"


@dataclass
class Source:
    path: str
    lines: list[Line]
    #: (line, what was done), in line order: the characters the reading removed or replaced.
    normalised: list[tuple[int, str]] = field(default_factory=list)


def read(path: Path, expected_rows: int) -> Source:
    """The numbered lines of the source file, normalised; raise DataError for a file no rule can read."""
    name = str(path)
    limit = MAX_BYTES_PER_ROW * max(expected_rows, 1)
    with Path(path).open("rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise DataError([Problem(name, None, f"the file is larger than {limit:,} bytes (about ten times the "
                                 f"extraction of a table of {expected_rows} rows)",
                                 "pass the PDF-to-text extraction of the table, not another file")])
    if not data.strip():
        raise DataError([Problem(name, None, "the file is empty",
                                 "pass the PDF-to-text extraction of the table (data/raw/…)")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError([Problem(name, line, f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                                 "convert the file to UTF-8, e.g. iconv -f SHIFT_JIS -t UTF-8")]) from None
    text = text.removeprefix("\ufeff")
    pieces = text.split("\n") if "\n" in text else text.split("\r")
    if pieces[-1] in ("", "\r"):  # the line end that ends the last line starts no line of its own
        pieces.pop()
    source = Source(name, [])
    problems: list[Problem] = []
    longest = max(map(len, pieces), default=0)
    if (longest <= MAX_LINE_CHARS and not FORBIDDEN.search(text.replace("\r\n", "\n"))
            and not any(ch in text for ch in T.MARK_LOOKALIKES)):
        # the common case, in one pass over the text: nothing for _clean to remove, replace or refuse
        source.lines = [(number, raw.removesuffix("\r").strip(LAYOUT_SPACES))
                        for number, raw in enumerate(pieces, start=1)]
        return source
    for number, raw in enumerate(pieces, start=1):
        raw = raw.removesuffix("\r")
        if len(raw) > MAX_LINE_CHARS:
            raise DataError([Problem(name, number, f"the line has {len(raw):,} characters; the table's longest "
                                     f"line has a few hundred (at most {MAX_LINE_CHARS:,} are read)",
                                     "pass the line-by-line PDF-to-text extraction of the table")])
        source.lines.append((number, _clean(raw, number, source, problems)))
    if problems:
        raise DataError(problems)
    return source


def _clean(raw: str, number: int, source: Source, problems: list[Problem]) -> str:
    line = _clean_chars(raw, number, source, problems)
    if T.MARKS_LINE.match(line) and not T.MARKS.match(line):
        for column, ch in enumerate(line, start=1):
            if ch in T.MARK_LOOKALIKES:
                source.normalised.append((number, f"{describe(ch)} at column {column} read as ○ (an effect mark)"))
        line = line.translate({ord(ch): "○" for ch in T.MARK_LOOKALIKES})
    return line


def _clean_chars(raw: str, number: int, source: Source, problems: list[Problem]) -> str:
    if not FORBIDDEN.search(raw):
        return raw.strip(LAYOUT_SPACES)
    out = []
    for column, ch in enumerate(raw, start=1):
        if not FORBIDDEN.match(ch):
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
            source.normalised.append((number, f"tab (U+0009) at column {column} read as a space"))
        elif unicodedata.category(ch) == "Cf":
            source.normalised.append((number, f"{describe(ch)} at column {column} removed"))
        else:
            problems.append(Problem(source.path, number, f"{describe(ch)} at column {column}",
                                    "the file is damaged or not a plain-text extraction: remove the character "
                                    "(line ends must be LF or CRLF)"))
            return ""
    return "".join(out).strip(LAYOUT_SPACES)


def describe(ch: str) -> str:
    """A character as ``U+200B ZERO WIDTH SPACE`` (control characters have no Unicode name)."""
    names = {"\x00": "NUL", "\r": "CARRIAGE RETURN", "\x7f": "DELETE"}
    return f"U+{ord(ch):04X} {unicodedata.name(ch, names.get(ch, 'control character'))}"
