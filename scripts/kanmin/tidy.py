"""Stage 2 — raw rows → typed, tidy records (one list of dicts per published table).

Input: the ``RawRow`` cells from ``extract`` (lines as printed) and the curated code lists,
aliases and corrections. Output: ``Tables`` — plain dicts keyed by the field names of the Table
Schema in ``data/curated/metadata.json``, plus the list of corrections that were applied.

Rules (all general; row-specific fixes live in ``data/curated/corrections.csv``):

* Wrapped lines are joined (``text.join_lines``); URLs are rejoined (``text.join_url``).
* Items of a KPI or budget cell: a line that fills the column (width ≥ ``ITEM_FULL``) continues
  the item unless it closes the item's brackets with "）"; a line that opens with a bracket or a
  hiragana particle, or follows an unclosed bracket, continues it too; anything else starts a new
  item. ``＜…＞`` lines are group headings inside a KPI cell.
* Overview and support cells: a bullet marker or a line shorter than the column starts a new
  paragraph; paragraphs are separated by newlines. Overview markers ("- ", "・ ", printed before
  every paragraph) are removed; the support cell keeps its printed "・" (``SUPPORT_MARKERS``),
  which tells a list's items from the paragraph that introduces them.
* 参考URL captions: wrapped lines are joined; a line opening with a mark ("■") or following a line
  that closes all of the caption's brackets starts a new caption, kept on its own line.
* "-" is an empty cell. ``未設定…`` KPIs are flagged ``not_set``.
* The ○ marks give only a count (at most ``text.MAX_MARKS``, else an error at the marks line); the
  four effect flags are set only when the count is 0 or 4.
* A URL is printed without spaces: one in a URL line is an error at that line and column (the
  extraction joined two wrapped pieces with a space), and so is a URL that ``urls.is_web_url``
  rejects.
* Each record keeps the source lines of its text fields under ``LINES`` (field → the cell's
  ``(line, text)`` pairs), so that a problem found later names the line at fault; the published
  tables take only the schema's fields.
* Ministries are split at "、"; "◎" marks a lead; printed names map to ids through the curated
  canonical names and aliases. An unknown name is reported at the line where it starts, with the
  nearest known names (a misprint is fixed in the source, a real new name added to the code list).
* A budget project is one thing: projects printed under several policies with the same name are
  one ``budget_projects`` row, and ``policy_budget_projects`` lists them per policy.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from . import text as T
from . import urls
from .cells import BUDGET_HEADING, ITEM_FULL, TIMING, Line, RawRow
from .curated import Correction, Curated
from .errors import DataError, Problem
from .extract import Extraction

#: Width from which an overview line fills its column.
OVERVIEW_FULL = 60
#: Width from which a support-measures line fills its column, and from which a line that ends a
#: sentence ("。") still fills it.
SUPPORT_FULL = 47
SUPPORT_SENTENCE_FULL = 50
#: Bullet markers kept at the start of a support-measures paragraph (as printed, without the layout
#: spaces around them); ``checks`` accepts them there and nowhere else.
SUPPORT_MARKERS = "・"
#: A caption line opening with one of these marks starts a new caption.
CAPTION_MARKER = re.compile(r"^[■□◆◇●]")
#: A ＜…＞ group heading is printed on at most this many lines.
HEADING_LINES = 2
CONTINUES_ITEM = re.compile(r"^[（(ぁ-ゖ）)、。ー]")
EFFECT_FIELDS = ("effect_efficiency", "effect_regional_economy", "effect_convenience", "effect_safety")
LIST_SEPARATOR = " | "
POLICY_CODE = re.compile(r"[0-9]{2}-[0-9]{2}")
#: The record entry holding the source lines of each text field (not a field of any table).
LINES = "_lines"


@dataclass
class Tables:
    policies: list[dict] = field(default_factory=list)
    ministries: list[dict] = field(default_factory=list)
    policy_ministries: list[dict] = field(default_factory=list)
    kpis: list[dict] = field(default_factory=list)
    policy_references: list[dict] = field(default_factory=list)
    budget_projects: list[dict] = field(default_factory=list)
    policy_budget_projects: list[dict] = field(default_factory=list)
    pillars: list[dict] = field(default_factory=list)
    effect_categories: list[dict] = field(default_factory=list)
    applied: list[Correction] = field(default_factory=list)


def tidy(extraction: Extraction, curated: Curated) -> Tables:
    """Turn raw rows into the published tables; raise DataError listing every problem."""
    problems: list[Problem] = []
    tables = Tables()
    ministry_ids = curated.ministry_by_name()
    pillar_ids = curated.pillar_by_name()
    for row in extraction.rows:
        policy = _policy(row, pillar_ids, extraction.path, problems)
        tables.policies.append(policy)
        tables.policy_ministries += _ministries(row, ministry_ids, extraction.path, problems)
        tables.kpis += _kpis(row, "progress", row.kpi_progress, extraction.path) + _kpis(
            row, "effect", row.kpi_effect, extraction.path)
        budget, budget_urls = _budget(row, extraction.path)
        tables.budget_projects += budget
        # the budget column is printed before the 参考URL column, so its URLs come first
        budget_refs = _references(row, budget_urls, "budget_project", 1, extraction.path, problems)
        tables.policy_references += budget_refs
        tables.policy_references += _references(row, row.urls, "reference_url", len(budget_refs) + 1,
                                         extraction.path, problems)
    tables.applied = _apply_corrections(tables, curated.corrections, str(curated.files["corrections.csv"]),
                                        extraction.path, problems)
    problems += _shapes(extraction, tables)
    if problems:
        raise DataError(problems)
    for p in tables.policies:
        p["start_fiscal_year"] = T.start_fiscal_year(p["timing"])
    tables.budget_projects, tables.policy_budget_projects = _budget_identities(tables.budget_projects)
    used = {pm["ministry_id"] for pm in tables.policy_ministries}
    tables.ministries = [dict(m) for m in curated.ministries if m["ministry_id"] in used]
    tables.pillars = [dict(p) for p in curated.pillars]
    tables.effect_categories = [{**e, "position": int(e["position"])} for e in curated.effect_categories]
    return tables


# --- policies ----------------------------------------------------------------------------

def _join(cell: list[Line]) -> str:
    return T.join_lines([t.strip() for _, t in cell if t.strip()])


def _policy(row: RawRow, pillar_ids: dict[str, str], path: str, problems: list[Problem]) -> dict:
    pillar_printed = "" if _join(row.pillar) == "-" else _join(row.pillar)
    pillar_id = pillar_ids.get(pillar_printed, "") if pillar_printed else ""
    if pillar_printed and not pillar_id:
        problems.append(Problem(path, row.pillar[0][0], f"row {row.number}: unknown pillar {pillar_printed!r}",
                                "add it to data/curated/pillars.csv or pillar_aliases.csv"))
    timing = _join(row.timing)
    count = T.mark_count(row.marks[1]) if row.marks else 0
    if row.marks and count > T.MAX_MARKS:
        problems.append(Problem(path, row.marks[0], f"row {row.number}: at most {T.MAX_MARKS} ○ marks, found "
                                f"{count}: {row.marks[1]!r}", "the marks line holds one ○ per expected effect "
                                "(効率化, 地域経済, 利便性, 安全・安心): fix the line"))
    certain = {0: False, 4: True}.get(count)
    support = _paragraphs(row.support, SUPPORT_FULL, SUPPORT_SENTENCE_FULL, keep=SUPPORT_MARKERS)
    return {
        "policy_id": row.number,
        "policy_code": row.code[1],
        "name": _join(row.name),
        "overview": "\n".join(t for t, _, _ in _paragraphs(row.overview, OVERVIEW_FULL)),
        "pillar_id": pillar_id,
        "pillar_as_printed": pillar_printed,
        "timing": "" if timing == "-" else timing,
        "start_fiscal_year": None,
        "effect_mark_count": count,
        **{f: certain for f in EFFECT_FIELDS},
        "support_measures": "\n".join(t for t, _, _ in support),
        "source_line_start": row.line_start,
        "source_line_end": row.line_end,
        LINES: {"name": row.name, "overview": row.overview, "timing": row.timing, "pillar_as_printed": row.pillar,
                "support_measures": row.support},
    }


def _span(cell: list[Line], first: int, last: int) -> list[Line]:
    return [(ln, t) for ln, t in cell if first <= ln <= last]


def _paragraphs(cell: list[Line], full: int, sentence_full: int | None = None,
                keep: str = "") -> list[tuple[str, int, int]]:
    """Paragraphs of an overview or support cell; a blank entry ("") forces a break. Markers in
    ``keep`` stay at the start of their paragraph."""
    out: list[tuple[str, int, int]] = []
    chunk: list[Line] = []
    for ln, t in cell + [(0, "")]:
        if t.strip():
            chunk.append((ln, t))
            if sentence_full and t.rstrip().endswith("。") and T.width(t.strip(" ")) < sentence_full:
                out += T.paragraphs(chunk, full, keep=keep)
                chunk = []
        elif chunk:
            out += T.paragraphs(chunk, full, keep=keep)
            chunk = []
    return out


# --- items (KPIs, budget projects) -------------------------------------------------------

def _items(cell: list[Line], path: str) -> list[tuple[str, str, int, int]]:
    """Split a KPI or budget cell into items: (group heading, text, first line, last line). A group
    heading still open after ``HEADING_LINES`` lines or at the end of the cell is an error."""
    items: list[tuple[str, list[str], int, int]] = []
    group = ""
    heading: list[str] | None = None
    prev_full = False
    for ln, raw in cell:
        t = raw.strip()
        if not t or t == "-":
            continue
        # a "＜…＞" line is a group heading unless it continues a still-open item
        if heading is not None or (t.startswith("＜") and not (items and prev_full)):
            heading = (heading or []) + [t]
            if len(heading) > HEADING_LINES:
                _open_heading(path, ln, heading)
            if T.bracket_depth("".join(heading)) == 0:
                group = T.join_lines(heading)[1:-1]
                heading = None
            prev_full = False
            continue
        if items and items[-1][0] == group and (prev_full or CONTINUES_ITEM.match(t)
                                               or T.bracket_depth("".join(items[-1][1])) > 0):
            g, lines, first, _ = items[-1]
            items[-1] = (g, lines + [t], first, ln)
        else:
            items.append((group, [t], ln, ln))
        joined = "".join(items[-1][1])
        prev_full = T.width(t) >= ITEM_FULL and not (t.endswith("）") and T.bracket_depth(joined) == 0)
    if heading is not None:
        _open_heading(path, cell[-1][0], heading)
    return [(g, T.join_lines(lines), first, last) for g, lines, first, last in items]


def _open_heading(path: str, line: int, heading: list[str]) -> None:
    raise DataError([Problem(path, line, f"group heading {T.join_lines(heading)[:30]!r} is not closed with ＞",
                             "a ＜…＞ heading spans one or two lines: fix the line")])


def _kpis(row: RawRow, kind: str, cell: list[Line], path: str) -> list[dict]:
    return [{
        "kpi_id": f"{row.number}-{kind}-{pos}",
        "policy_id": row.number,
        "kind": kind,
        "position": pos,
        "kpi_group": group,
        "text": text,
        "not_set": text.startswith("未設定"),
        "source_line_start": first,
        "source_line_end": last,
        LINES: {"text": _span(cell, first, last), "kpi_group": cell},
    } for pos, (group, text, first, last) in enumerate(_items(cell, path), start=1)]


def _budget_identities(listed: list[dict]) -> tuple[list[dict], list[dict]]:
    """One budget project per distinct name (numbered in order of first appearance), and the
    policies' listings of them: the same project under two policies is one project."""
    ids: dict[str, int] = {}
    links = []
    lines: dict[int, dict] = {}
    for item in listed:
        project = ids.setdefault(item["name"], len(ids) + 1)
        lines.setdefault(project, item[LINES])
        links.append({"policy_id": item["policy_id"], "position": item["position"], "budget_project_id": project,
                      "source_line_start": item["source_line_start"], "source_line_end": item["source_line_end"]})
    return [{"budget_project_id": i, "name": name, LINES: lines[i]} for name, i in ids.items()], links


def _budget(row: RawRow, path: str) -> tuple[list[dict], list[Line]]:
    """Budget project names, and URL lines printed inside the budget cell."""
    names: list[Line] = []
    urls: list[Line] = []
    for ln, t in row.budget:
        s = t.strip()
        if BUDGET_HEADING.match(s):
            continue
        if T.URL_START.match(s) or (urls and T.is_url_continuation(s)):
            urls.append((ln, s))
        else:
            names.append((ln, s))
    projects = [{
        "policy_id": row.number,
        "position": pos,
        "name": text,
        "source_line_start": first,
        "source_line_end": last,
        LINES: {"name": _span(names, first, last)},
    } for pos, (_, text, first, last) in enumerate(_items(names, path), start=1)]
    return projects, urls


# --- references --------------------------------------------------------------------------

def _url_groups(lines: list[Line]) -> list[dict]:
    """Captions, URLs and notes of a 参考URL cell, in printed order."""
    refs: list[dict] = []
    label: list[Line] = []
    state = "label"
    for ln, raw in lines:
        t = raw.strip()
        if not t:
            continue
        if T.URL_START.match(t):
            refs.append({"label": label, "url": [(ln, t)], "note": []})
            label, state = [], "url"
        elif state == "url" and T.is_url_continuation(t):
            refs[-1]["url"].append((ln, t))
        elif refs and not label and (t.startswith("-") or (state == "note" and T.bracket_depth(
                "".join(x for _, x in refs[-1]["note"][-1])) > 0)):
            if t.startswith("-"):
                refs[-1]["note"].append([(ln, t[1:].strip())])
            else:
                refs[-1]["note"][-1].append((ln, t))
            state = "note"
        else:
            label.append((ln, t))
            state = "label"
    if label:
        refs.append({"label": label, "url": [], "note": []})
    return refs


def _caption(lines: list[Line]) -> str:
    """A caption's printed lines: wrapped lines are joined; a line that opens with a marker
    (``CAPTION_MARKER``, e.g. "■") or follows a line that closes all the caption's brackets with a
    closing bracket starts a new caption, kept on its own line ("（パッケージツール）" / "■政府CIO…")."""
    segments: list[list[str]] = []
    for _, raw in lines:
        t = raw.strip()
        if segments and not CAPTION_MARKER.match(t) and not _caption_closed(segments[-1]):
            segments[-1].append(t)
        else:
            segments.append([t])
    return "\n".join(T.join_lines(seg) for seg in segments)


def _caption_closed(caption: list[str]) -> bool:
    """The caption's last line ends with a closing bracket that closes all its brackets."""
    return caption[-1].endswith(tuple(T.CLOSE)) and T.bracket_depth("".join(caption)) == 0


def _references(row: RawRow, lines: list[Line], printed_in: str, start: int, path: str,
                problems: list[Problem]) -> list[dict]:
    out = []
    for pos, ref in enumerate(_url_groups(lines), start=start):
        if not ref["url"]:
            problems.append(Problem(path, ref["label"][0][0],
                                    f"row {row.number}: caption without a URL: {_join(ref['label'])!r}",
                                    "a 参考URL caption must be followed by its URL"))
            continue
        all_lines = ref["label"] + ref["url"] + [x for n in ref["note"] for x in n]
        url = T.join_url([t for _, t in ref["url"]])
        spaced = next(((ln, t) for ln, t in ref["url"] if any(ch.isspace() for ch in t)), None)
        if spaced:
            column = next(i for i, ch in enumerate(spaced[1], start=1) if ch.isspace())
            problems.append(Problem(path, spaced[0], f"row {row.number}: URL contains a space at column {column}; "
                                    f"a URL wrapped over two lines? {spaced[1][:60]!r}",
                                    "a URL is printed without spaces: remove the space"))
        elif not urls.is_web_url(url):
            problems.append(Problem(path, ref["url"][0][0], f"row {row.number}: {url[:60]!r} is not a web URL "
                                    "(http:// or https://, a dotted host name)", "fix the line"))
        out.append({
            "reference_id": f"{row.number}-{pos}",
            "policy_id": row.number,
            "position": pos,
            "label": _caption(ref["label"]),
            "url": url,
            "note": "\n".join(_join(n) for n in ref["note"]),
            "printed_in": printed_in,
            "source_line_start": min(ln for ln, _ in all_lines),
            "source_line_end": max(ln for ln, _ in all_lines),
            LINES: {"label": ref["label"], "url": ref["url"], "note": [x for n in ref["note"] for x in n]},
        })
    return out


# --- ministries --------------------------------------------------------------------------

def _ministries(row: RawRow, ids: dict[str, str], path: str, problems: list[Problem]) -> list[dict]:
    """The row's ministries in printed order; an unknown name is a problem at the line where it
    starts (``_unknown_ministry``)."""
    out = []
    before = 0  # non-space characters of the cell before this part (``text.line_at`` counts them)
    for pos, part in enumerate(_join(row.ministries).split("、"), start=1):
        lead = part.startswith("◎")
        name = part.lstrip("◎").strip()
        start = before + _nonspace(part) - _nonspace(name)
        before += _nonspace(part) + 1  # the part and its "、"
        if name not in ids:
            problems.append(_unknown_ministry(row, name, start, ids, path))
            continue
        out.append({"policy_id": row.number, "position": pos, "ministry_id": ids[name],
                    "role": "lead" if lead else "co", "name_as_printed": name})
    return out


def _nonspace(text: str) -> int:
    return len("".join(text.split()))


def _unknown_ministry(row: RawRow, name: str, start: int, ids: dict[str, str], path: str) -> Problem:
    """An unknown name, at the source line where it starts (the list is printed over several lines,
    and its first line is often far from the fault), naming the line where it ends when that is
    another one, with the nearest known names (canonical names and aliases): most unknown names
    are misprints of a known one, to be fixed in the source rather than added to the code list."""
    first = T.line_at(row.ministries, start)
    last = T.line_at(row.ministries, start + max(_nonspace(name) - 1, 0))
    where = f", printed over lines {first}-{last}" if last != first else ""
    near = difflib.get_close_matches(name, sorted(ids), n=3, cutoff=0.6)
    guess = f"did you mean {' or '.join(filter(None, [', '.join(near[:-1]), near[-1]]))}? " if near else ""
    return Problem(path, first, f"row {row.number}: unknown ministry {name!r}{where}",
                   f"{guess}fix the source, or, if it is a real name, add it to data/curated/ministries.csv "
                   "or ministry_aliases.csv")


def _shapes(extraction: Extraction, tables: Tables) -> list[Problem]:
    """After the corrections, a policy code is NN-NN and a timing one of the known forms (or empty),
    reported at the source line of the cell."""
    problems = []
    for row, p in zip(extraction.rows, tables.policies, strict=True):
        if not POLICY_CODE.fullmatch(p["policy_code"]):
            problems.append(Problem(extraction.path, row.code[0], f"row {row.number}: policy code "
                                    f"{p['policy_code']!r} is not NN-NN (ASCII digits)",
                                    "fix the line, or add a reviewed correction to data/curated/corrections.csv"))
        if p["timing"] and (p["timing"].startswith("'") or not TIMING.match(p["timing"])):
            problems.append(Problem(extraction.path, row.timing[0][0], f"row {row.number}: timing "
                                    f"{p['timing']!r} is not one of the known forms",
                                    "fix the line, or add a reviewed correction to data/curated/corrections.csv"))
    return problems


# --- corrections -------------------------------------------------------------------------

#: The tables a correction may change, and the policies' fields it may change (in the other
#: tables: ``policy_references.<column>``, ``kpis.progress`` / ``kpis.effect``, ``budget_projects.name``).
CORRECTED_TABLES = ("policies", "policy_references", "kpis", "budget_projects")
CORRECTABLE = ("timing", "policy_code", "name", "pillar_as_printed")


def _apply_corrections(tables: Tables, corrections: list[Correction], path: str, source: str,
                       problems: list[Problem]) -> list[Correction]:
    """Apply each reviewed correction to the value it names; a correction that matches nothing
    is an error (the source or the rules changed and the correction must be reviewed)."""
    index = {name: _by_policy(getattr(tables, name)) for name in CORRECTED_TABLES}
    applied = []
    for c in corrections:
        if _target(c.field) is None:
            problems.append(Problem(path, c.line, f"correction for row {c.policy_id}: unknown field {c.field!r}",
                                    "use timing, policy_code, name, pillar_as_printed, policy_references.<column>, "
                                    "kpis.progress, kpis.effect or budget_projects.name"))
            continue
        if _apply_one(index, c):
            applied.append(c)
            continue
        row = next((p for p in tables.policies if p["policy_id"] == c.policy_id), None)
        if row is None:
            problems.append(Problem(path, c.line, f"correction for row {c.policy_id}, field {c.field}: "
                                    "no such row", "review or remove the correction"))
        else:
            problems.append(Problem(source, _departure(index, c) or row["source_line_start"],
                                    f"row {c.policy_id}, {c.field}: the printed "
                                    f"value {c.printed!r} that {path} line {c.line} corrects is not found",
                                    "the source or the rules changed: fix the line, or review the correction"))
    for name in ("kpis", "budget_projects"):
        setattr(tables, name, [r for rows in index[name].values() for r in rows])
    return applied


def _departure(index: dict[str, dict[int, list[dict]]], c: Correction) -> int | None:
    """The source line where the row's value most like the correction's printed one departs from it
    (the line that changed since the correction was reviewed), if the row has such a value."""
    target = _target(c.field)
    if target is None:
        return None
    table, column = target
    text_field = {"kpis": "text", "budget_projects": "name"}.get(table, column)
    kind = column if table == "kpis" else None
    rows = [r for r in index.get(table, {}).get(c.policy_id, []) if r.get("kind") == kind
            and r.get(LINES, {}).get(text_field)]
    if not rows:
        return None
    printed = "".join(c.printed.split())

    def common(r: dict) -> int:
        value = "".join(str(r[text_field] or "").split())
        return next((i for i, (a, b) in enumerate(zip(value, printed, strict=False)) if a != b),
                    min(len(value), len(printed)))
    best = max(rows, key=common)
    return T.line_at(best[LINES][text_field], common(best))


def _by_policy(rows: list[dict]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r in rows:
        out.setdefault(r["policy_id"], []).append(r)
    return out


def _target(field: str) -> tuple[str, str] | None:
    """(table, column) that a correction's field names, or None when no correction may change it."""
    table, _, column = field.partition(".")
    if not column:
        table, column = "policies", field
    if table not in CORRECTED_TABLES or (table == "policies" and column not in CORRECTABLE):
        return None
    return table, column


def _apply_one(index: dict[str, dict[int, list[dict]]], c: Correction) -> bool:
    target = _target(c.field)
    assert target is not None  # _apply_corrections reports a correction of an unknown field
    table, column = target
    rows = index[table].get(c.policy_id, [])
    if table in ("kpis", "budget_projects"):
        return _split_item(rows, table, column, c)
    for r in rows:
        if r[column] == c.printed:
            r[column] = c.corrected
            return True
    return False


def _split_item(rows: list[dict], table: str, column: str, c: Correction) -> bool:
    """Replace one item with several (the print's item boundary is not recoverable from the text)."""
    text_field = "text" if table == "kpis" else "name"
    kind = column if table == "kpis" else None
    match = [i for i, r in enumerate(rows) if r.get("kind") == kind and r[text_field] == c.printed]
    if not match:
        return False
    i = match[0]
    new = []
    for part in c.corrected.split(LIST_SEPARATOR):
        r = dict(rows[i], **{text_field: part})
        if table == "kpis":
            r["not_set"] = part.startswith("未設定")
        new.append(r)
    rows[i:i + 1] = new
    pos = 0
    for r in rows:
        if r.get("kind") == kind:
            pos += 1
            r["position"] = pos
            if table == "kpis":
                r["kpi_id"] = f"{c.policy_id}-{kind}-{pos}"
    return True
