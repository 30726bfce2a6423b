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
breaks (the number is inferred and checked against the sequence); several empty cells on one line
("- - -"); URLs broken over lines; page titles and column headers leaking in between rows.

Reading the file (size bound, line ends, characters) is ``source.read``; cutting one row's lines
into its cells is ``cells.parse_body``. Here: page furniture; whether the text is the table at all
(a file with none of its page titles or column headers, no policy code line and no ministries
line is some other text, refused as such); and where each row begins and ends
(its number, its policy code, its ministries — a list that ends where its last name is complete,
not at a blank line or an indent, which are layout, and that is printed on at most
``MAX_MINISTRY_LINES`` lines). A row whose number was not found but that meets that number
further on began too early: its first line is named (``_stray``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import text as T
from .cells import Line, RawRow, parse_body
from .curated import Curated
from .errors import DataError, Problem
from .source import read as read_source

ROW_NUMBER = re.compile(r"^\s*([0-9]{1,5})\s*$")
#: The policy code, possibly after the end of a URL and before the ministries ("x.html 06-11 ◎総務省").
#: Tolerates printing errors (stray apostrophe, full-width digit); tidy applies the corrections.
CODE_LINE = re.compile(
    r"^(?:(?P<pre>.*\S)\s+)?(?P<code>[0-9０-９'’]{2,3}-[0-9０-９]{2})(?:\s+(?P<rest>◎.*))?$")
#: A ministries list is printed on at most this many lines (the longest, row 5's, on 7).
MAX_MINISTRY_LINES = 8


@dataclass
class Extraction:
    path: str
    rows: list[RawRow]
    furniture: set[int]
    nonblank: set[int]
    #: (line, what was done): characters the reading removed or replaced (``source.read``).
    normalised: list[tuple[int, str]] = field(default_factory=list)


def extract(path: Path, curated: Curated, expected_rows: int) -> Extraction:
    """Read the source file and cut it into raw rows; raise DataError for bad input."""
    source = read_source(Path(path), expected_rows)
    name, lines = source.path, source.lines
    furniture = _furniture_lines(lines, curated)
    if not furniture and not any(t.startswith("◎") or ("-" in t and CODE_LINE.match(t)) for _, t in lines):
        # README.md or another text: "row 1 has no policy code before the end of the file" would send
        # the user looking for a truncation
        raise DataError([Problem(name, None, "not the table: none of its lines is a page title or column "
                                 "header of the table, a policy code (NN-NN) or a ministries list (◎…)",
                                 "pass the PDF-to-text extraction of the table, like the one in data/raw/")])
    content = [(n, "" if n in furniture else t) for n, t in lines]
    rows = _split_rows(name, content, set(curated.pillar_by_name()), set(curated.ministry_by_name()),
                       curated.blank_cells)
    problems = []
    if len(rows) != expected_rows:
        last = rows[-1].line_end if rows else None
        problems.append(Problem(name, last, f"expected {expected_rows} numbered rows, found {len(rows)}",
                                "the file looks truncated or has extra rows; use the complete extraction"))
    if problems:
        raise DataError(problems)
    nonblank = {n for n, t in lines if t.strip()}
    return Extraction(name, rows, furniture, nonblank, source.normalised)


def coverage_gaps(extraction: Extraction) -> list[int]:
    """Non-blank source lines that are neither in a cell nor page furniture (should be none)."""
    used = set(extraction.furniture)
    for row in extraction.rows:
        used |= row.used
    return sorted(extraction.nonblank - used)


# --- furniture ---------------------------------------------------------------------------

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

def _split_rows(name: str, content: list[Line], pillars: set[str], ministries: set[str],
                blank: dict[int, set[str]]) -> list[RawRow]:
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
        j = _find_code(name, content, body_start, number, lineno, inferred)
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
            row.ministries.append(content[k])
            k += 1
        k = _more_ministries(name, content, k, row.ministries, ministries)
        for ln, _ in row.ministries:
            row.used.add(ln)
        if inferred:  # the next line in place (a slice of the rest per row was quadratic)
            after = next((content[a] for a in range(k, len(content)) if content[a][1].strip()), None)
            own = ROW_NUMBER.match(after[1]) if after else None
            if after and own and int(own.group(1)) == number:  # the row began before its own number
                raise DataError([_stray(name, content[i], number, after[0])])
        row.line_end = row.ministries[-1][0]
        parse_body(name, row, body, pillars, blank.get(number, set()))
        rows.append(row)
        expected += 1
        i = k
    if problems:
        raise DataError(problems)
    return rows


def _stray(name: str, first: Line, number: int, number_line: int) -> Problem:
    """A row taken to begin (its number not found) at ``first``, whose own number stands later on
    ``number_line``: the first line stands between two rows, where no cell can be."""
    return Problem(name, first[0], f"{first[1].strip()[:24]!r} stands before row {number}'s number (line "
                   f"{number_line}), where no row has cells", "a damaged page title or column header, or a line "
                   "out of place: fix the line")


def _more_ministries(source: str, content: list[Line], k: int, lines: list[Line], names: set[str]) -> int:
    """Add the lines that continue the ministries list; return the index after the list.

    The list goes on while it is incomplete (it ends with "、", or its last name is not a known
    ministry: "◎内閣官房、関" / "係府省庁"), or while the next line completes a longer known name
    ("関係府省" / "庁"). Blank lines and indentation are layout and decide nothing. A line after a
    complete list that is the end of a ministry's name ("文部" / "科学省" / "科学省") is refused:
    it would begin the next row's name. A list longer than ``MAX_MINISTRY_LINES`` is refused at the
    line where its last name stopped being the start of a known one (a damaged row number or a
    line out of place kept it going)."""
    n = len(content)
    while True:
        nxt = k
        while nxt < n and not content[nxt][1].strip():
            nxt += 1
        if nxt >= n or ROW_NUMBER.match(content[nxt][1]):
            return k
        joined = T.join_lines([t.strip() for _, t in lines])
        last = joined.rpartition("、")[2].lstrip("◎")
        following = content[nxt][1].strip()
        incomplete = joined.endswith("、") or last not in names or following.startswith("、")
        longer = bool(last) and (last + following.split("、")[0]) in names
        if not (incomplete or longer):
            if any(known.endswith(following) for known in names):
                # "◎内閣府、文部" / "科学省" / "科学省": the list is complete, and the next row's
                # name would begin with the end of a ministry's name (a repeated line)
                raise DataError([Problem(source, content[nxt][0],
                                         f"{following!r} after the complete ministries list "
                                         f"{joined!r} is the end of a ministry's name, not a policy name",
                                         "a ministries line printed twice? remove the repeated line")])
            return k
        if len(lines) == MAX_MINISTRY_LINES:
            raise DataError([_long_ministries(source, lines + [content[nxt]], names)])
        lines.append(content[nxt])
        k = nxt + 1


def _long_ministries(source: str, lines: list[Line], names: set[str]) -> Problem:
    """A ministries list printed on too many lines, named at the line where its last name first
    began no known name (else at its last line)."""
    for i in range(1, len(lines) + 1):
        last = T.join_lines([t.strip() for _, t in lines[:i]]).rpartition("、")[2].lstrip("◎")
        if last and not any(known.startswith(last) for known in names):
            ln, text = lines[i - 1]
            break
    else:
        ln, text = lines[-1]
    return Problem(source, ln, f"the ministries list from line {lines[0][0]} goes on over more than "
                   f"{MAX_MINISTRY_LINES} lines: {text.strip()[:24]!r} begins no ministry's name",
                   "a damaged row number, or a line out of place after the ministries: fix the line")


def _find_code(name: str, content: list[Line], start: int, number: int, row_line: int, inferred: bool) -> int:
    """The index of the row's policy code line; raise at the line where the row cannot go on. A row
    whose number was not found (``inferred``) and that reaches a line holding just that number
    began too early: its first line (``row_line``) stands between two rows (a damaged page title or
    header, or a line out of place) and is named (``_stray``). When the next row's number comes
    first, a line holding ministries (◎) is the row's damaged code line, else that number's line."""
    for j in range(start, len(content)):
        t = content[j][1]
        if "-" in t and CODE_LINE.match(t):  # "-": a cheap test first (every code has one)
            return j
        if t.startswith("◎"):
            raise DataError([Problem(name, content[j][0],
                                     f"row {number} (from line {row_line}) has ministries but no policy code "
                                     "before them",
                                     "expected a line with the code NN-NN (国の施策番号) before the ◎ line")])
        m = ROW_NUMBER.match(t) if t[-1:].isdigit() or t[-1:].isspace() else None  # only digits can match
        if m and int(m.group(1)) == number + 1:
            marked = next(((ln, t) for ln, t in content[start:j] if "◎" in t), None)
            if marked:  # the row's code line, damaged: its ministries stand before the next row
                raise DataError([Problem(name, marked[0], f"row {number} (from line {row_line}): {marked[1][:24]!r} "
                                         "holds ministries (◎) but no policy code NN-NN before them",
                                         "fix the code (国の施策番号) on the line")])
            raise DataError([Problem(name, content[j][0],
                                     f"row {number + 1} starts before row {number} (from line {row_line}) "
                                     "has its policy code",
                                     "expected a line with the code NN-NN (国の施策番号) and the ministries")])
        if m and inferred and int(m.group(1)) == number:
            raise DataError([_stray(name, content[start], number, content[j][0])])
        if m:  # no cell of a row is a bare number
            raise DataError([Problem(name, content[j][0], f"a line holding only the number {m.group(1)} inside "
                                     f"row {number} (from line {row_line})",
                                     "a row number stands before its row's cells; remove the misplaced line")])
    raise DataError([Problem(name, content[-1][0] if content else None,
                             f"row {number} (from line {row_line}) has no policy code before the end of the file",
                             "the file looks truncated; use the complete extraction")])
