"""What changed between two published packages, classified by the CHANGELOG's rules for data semver.

Input: two folders holding a package (``kanmin.releases.materialise`` gives one for a recorded
version or a git commit): ``datapackage.json``, the tables' CSVs and ``build/rdf/catalog.ttl``.
Output: plain data (``diff_packages``), printed as Markdown for people (``markdown``) or JSON for
programs; ``releases/diffs/*.json`` are this data.

What is compared, and how:
  - tables (resources): added, removed, renamed (a removed and an added table with the same
    fields), and per table its schema: fields added, removed, renamed, their type and constraints,
    the primary and foreign keys;
  - rows, keyed by the primary key: added, removed and changed, with each changed cell (old → new).
    The alignment of rows (by key) and of columns (by name and content, which finds a renamed
    column) is daff's (``daff.Coopy.compareTables``), the library behind the Frictionless tabular
    diff format; we read its alignment rather than parse its highlighter text, whose ``->`` is
    ambiguous in a cell that holds an arrow. Rows are compared only when the key is the same in
    both (else the table says so and gives its row counts);
  - metadata: every property of the descriptor, of each table and of each field that is not a
    schema rule, leaf by leaf (``version`` and ``created``, and each table's ``bytes`` and ``hash``,
    change with every build and are left out);
  - distributions: the catalog's list of published files with their SHA-256 — added, removed,
    bytes changed. The diff does not look inside a file other than the descriptor and the tables
    (the workbook's sheets, the RDF), so a changed file is reported and needs no version by itself.

Levels (``LEVELS``, the CHANGELOG's rules at its top): renaming or removing a table, field or
distribution, changing a field's type or a key is **major**; adding a table, field, distribution
or a constraint is **minor** (the project's own 2.1.0 added patterns as a minor version); a
changed row or cell (a correction) and a metadata text are **patch**.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from .releases import CATALOG_FILE
from .settings import DESCRIPTOR

ORDER = ("none", "patch", "minor", "major")
#: The level of each kind of change, in one place (the gate, the Markdown and the site read it).
LEVELS = {
    "table-removed": "major", "table-renamed": "major", "field-removed": "major", "field-renamed": "major",
    "field-type-changed": "major", "primary-key-changed": "major", "foreign-key-removed": "major",
    "distribution-removed": "major",
    "table-added": "minor", "field-added": "minor", "constraint-changed": "minor", "foreign-key-added": "minor",
    "distribution-added": "minor",
    "rows-added": "patch", "rows-removed": "patch", "rows-changed": "patch", "metadata-changed": "patch",
    "distribution-changed": "none",
}
#: Descriptor properties that change with every version or build, not with the data.
VOLATILE = {"version", "created"}
#: ... and in the kanmin extension: the date of the version.
VOLATILE_PATHS = {"kanmin.modified"}
RESOURCE_VOLATILE = {"bytes", "hash", "schema", "name", "path"}
FIELD_RULES = {"name", "type", "format", "constraints"}


def highest(levels) -> str:
    return max(levels, key=ORDER.index, default="none")


def _change(kind: str, text: str, **where: Any) -> dict:
    return {"kind": kind, "level": LEVELS[kind], **where, "text": text}


def _read_table(folder: Path, path: str) -> list[list[str]]:
    with open(folder / path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A JSON value as {dotted path: leaf}; lists by index."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k in sorted(value):
            out.update(_flatten(value[k], f"{prefix}.{k}" if prefix else k))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def _metadata(old: dict, new: dict, drop: set[str], **where: Any) -> list[dict]:
    a = _flatten({k: v for k, v in old.items() if k not in drop})
    b = _flatten({k: v for k, v in new.items() if k not in drop})
    out = []
    for key in sorted(a.keys() | b.keys()):
        if a.get(key) != b.get(key) and (where or key not in VOLATILE_PATHS):
            out.append(_change("metadata-changed", f"{key}: {_show(a.get(key))} → {_show(b.get(key))}",
                               property=key, old=a.get(key), new=b.get(key), **where))
    return out


def _show(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)


def _distributions(folder: Path) -> dict[str, str | None]:
    """The catalog's distributions: {file path: SHA-256 or None}. The path is the distribution
    IRI's last segment, which names the published file with '/' written as '-'."""
    catalog = folder / CATALOG_FILE
    if not catalog.is_file():
        return {}
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(catalog), format=ox.RdfFormat.TURTLE)
    query = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX spdx: <http://spdx.org/rdf/terms#>
    SELECT ?d ?sum WHERE { ?ds dcat:distribution ?d . OPTIONAL { ?d spdx:checksum/spdx:checksumValue ?sum } }"""
    out: dict[str, str | None] = {}
    for row in store.query(query):  # type: ignore[union-attr]
        out[row["d"].value.rsplit("/", 1)[-1]] = row["sum"].value if row["sum"] else None
    return out


def _fields(resource: dict) -> list[dict]:
    return list(resource.get("schema", {}).get("fields", []))


def _align(old_rows: list[list[str]], new_rows: list[list[str]], keys: list[str]):
    """daff's alignment of two tables (header row first): (column pairs, row pairs) as indices,
    -1 where a column or row has no partner."""
    import daff

    flags = daff.CompareFlags()
    for k in keys:
        flags.addPrimaryKey(k)
    align = daff.Coopy.compareTables(daff.PythonTableView(old_rows), daff.PythonTableView(new_rows), flags).align()
    cols = [(u.l, u.r) for u in align.meta.toOrder().getList()]
    rows = [(u.l, u.r) for u in align.toOrder().getList() if (u.l, u.r) != (0, 0)]
    return cols, rows


def _table(name: str, old_name: str, a_dir: Path, b_dir: Path, old_res: dict, new_res: dict) -> tuple[list, dict]:
    """Schema, metadata and row changes of one table present in both packages."""
    changes: list[dict] = []
    old_f = {f["name"]: f for f in _fields(old_res)}
    new_f = {f["name"]: f for f in _fields(new_res)}
    a_rows, b_rows = _read_table(a_dir, old_res["path"]), _read_table(b_dir, new_res["path"])
    old_key = old_res.get("schema", {}).get("primaryKey", [])
    new_key = new_res.get("schema", {}).get("primaryKey", [])
    same_key = old_key == new_key and bool(new_key)
    cols, rows = _align(a_rows, b_rows, new_key if same_key else [])
    # daff pairs columns by content too, which finds a renamed column; with another key the rows do
    # not correspond, and neither does a column's content: columns are then paired by name only.
    renamed = {a_rows[0][lo]: b_rows[0][r] for lo, r in cols
               if same_key and lo >= 0 and r >= 0 and a_rows[0][lo] != b_rows[0][r]}
    for old, new in renamed.items():
        changes.append(_change("field-renamed", f"table {name}: field {old} renamed to {new}",
                               table=name, field=new, old_field=old))
    matched = {renamed.get(n, n): n for n in old_f if renamed.get(n, n) in new_f}
    for n in new_f:
        if n not in matched:
            changes.append(_change("field-added", f"table {name}: field {n} added", table=name, field=n))
    for n in old_f:
        if renamed.get(n, n) not in new_f:
            changes.append(_change("field-removed", f"table {name}: field {n} removed", table=name, field=n))
    for n, o in matched.items():
        fo, fn = old_f[o], new_f[n]
        if (fo.get("type"), fo.get("format")) != (fn.get("type"), fn.get("format")):
            changes.append(_change("field-type-changed", f"table {name}: field {n} type {fo.get('type')} → "
                                   f"{fn.get('type')}", table=name, field=n))
        co, cn = fo.get("constraints", {}), fn.get("constraints", {})
        for c in sorted(co.keys() | cn.keys()):
            if co.get(c) != cn.get(c):
                changes.append(_change("constraint-changed", f"table {name}: field {n} constraint {c}: "
                                       f"{_show(co.get(c))} → {_show(cn.get(c))}", table=name, field=n,
                                       constraint=c, old=co.get(c), new=cn.get(c)))
        changes += _metadata({k: v for k, v in fo.items() if k not in FIELD_RULES},
                             {k: v for k, v in fn.items() if k not in FIELD_RULES}, set(), table=name, field=n)
    if [renamed.get(k, k) for k in old_key] != new_key:
        changes.append(_change("primary-key-changed", f"table {name}: primary key {old_key} → {new_key}",
                               table=name, old=old_key, new=new_key))
    fk_old = {json.dumps(k, sort_keys=True) for k in old_res.get("schema", {}).get("foreignKeys", [])}
    fk_new = {json.dumps(k, sort_keys=True) for k in new_res.get("schema", {}).get("foreignKeys", [])}
    for k in sorted(fk_new - fk_old):
        changes.append(_change("foreign-key-added", f"table {name}: foreign key {k} added", table=name))
    for k in sorted(fk_old - fk_new):
        changes.append(_change("foreign-key-removed", f"table {name}: foreign key {k} removed or changed", table=name))
    changes += _metadata(old_res, new_res, RESOURCE_VOLATILE, table=name)
    table: dict = {"old_rows": len(a_rows) - 1, "new_rows": len(b_rows) - 1}
    if not same_key:
        table["compared"] = False
        return changes, table
    ki = [b_rows[0].index(k) for k in new_key]
    pairs = [(lo, r) for lo, r in cols if lo >= 0 and r >= 0]

    def key(row: list[str]) -> str:
        return ",".join(row[i] for i in ki)

    def record(header: list[str], row: list[str]) -> dict:
        return dict(zip(header, row, strict=True))

    added = [record(b_rows[0], b_rows[r]) for lo, r in rows if lo < 0]
    removed = [record(a_rows[0], a_rows[lo]) for lo, r in rows if r < 0]
    changed = []
    for lo, r in rows:
        if lo >= 0 and r >= 0:
            cells = {b_rows[0][cr]: [a_rows[lo][cl], b_rows[r][cr]]
                     for cl, cr in pairs if a_rows[lo][cl] != b_rows[r][cr]}
            if cells:
                changed.append({"key": key(b_rows[r]), "cells": cells})
    table.update(compared=True, key=new_key, added=added, removed=removed, changed=changed)
    for kind, items, verb in (("rows-added", added, "added"), ("rows-removed", removed, "removed"),
                              ("rows-changed", changed, "changed")):
        if items:
            changes.append(_change(kind, f"table {name}: {len(items)} row{'s' if len(items) > 1 else ''} {verb}",
                                   table=name, count=len(items)))
    return changes, table


def diff_packages(a_dir: Path, b_dir: Path) -> dict:
    """Every change from the package in ``a_dir`` to the one in ``b_dir`` (see the module docstring)."""
    a = json.loads((Path(a_dir) / DESCRIPTOR).read_text(encoding="utf-8"))
    b = json.loads((Path(b_dir) / DESCRIPTOR).read_text(encoding="utf-8"))
    old_r = {r["name"]: r for r in a.get("resources", [])}
    new_r = {r["name"]: r for r in b.get("resources", [])}
    gone, came = [n for n in old_r if n not in new_r], [n for n in new_r if n not in old_r]
    renamed: dict[str, str] = {}
    for o in gone:
        names = [f["name"] for f in _fields(old_r[o])]
        match = next((n for n in came if n not in renamed.values() and [f["name"] for f in _fields(new_r[n])] == names),
                     None)
        if match:
            renamed[o] = match
    changes: list[dict] = []
    tables: dict[str, dict] = {}
    for o, n in renamed.items():
        changes.append(_change("table-renamed", f"table {o} renamed to {n} (file {old_r[o]['path']} → "
                               f"{new_r[n]['path']})", table=n, old_table=o))
    for n in came:
        if n not in renamed.values():
            changes.append(_change("table-added", f"table {n} added ({new_r[n]['path']})", table=n))
    for o in gone:
        if o not in renamed:
            changes.append(_change("table-removed", f"table {o} removed ({old_r[o]['path']})", table=o))
    back = {n: o for o, n in renamed.items()}
    for n in new_r:
        o = back.get(n, n)
        if o in old_r:
            found, tables[n] = _table(n, o, Path(a_dir), Path(b_dir), old_r[o], new_r[n])
            changes += found
    changes += _metadata({k: v for k, v in a.items() if k != "resources"},
                         {k: v for k, v in b.items() if k != "resources"}, VOLATILE)
    da, db = _distributions(Path(a_dir)), _distributions(Path(b_dir))
    diffed = {DESCRIPTOR.replace("/", "-")} | {r["path"].replace("/", "-") for r in [*old_r.values(), *new_r.values()]}
    for d in sorted(db.keys() - da.keys() - diffed):
        changes.append(_change("distribution-added", f"distribution {d} added", distribution=d))
    for d in sorted(da.keys() - db.keys() - diffed):
        changes.append(_change("distribution-removed", f"distribution {d} removed", distribution=d))
    for d in sorted((da.keys() & db.keys()) - diffed):
        if da[d] != db[d]:
            changes.append(_change("distribution-changed", f"distribution {d}: its bytes changed (its content is "
                                   "not compared)", distribution=d))
    return {"old": {"version": a.get("version")}, "new": {"version": b.get("version")},
            "level": highest(c["level"] for c in changes), "changes": changes, "tables": tables}


# -- Markdown ---------------------------------------------------------------------------------------

WIDTH = 60


def _cell(text: str) -> str:
    """A value for a Markdown table or code span: newlines as ⏎, pipes escaped, backticks kept out."""
    return text.replace("\n", "⏎").replace("|", "\\|").replace("`", "ˋ")


def excerpt(old: str, new: str) -> tuple[str, str]:
    """Both values, or for long ones the stretch around their first difference."""
    if len(old) <= WIDTH and len(new) <= WIDTH:
        return old, new
    p = next((i for i, (x, y) in enumerate(zip(old, new, strict=False)) if x != y), min(len(old), len(new)))
    start = max(0, p - 20)

    def cut(s: str) -> str:
        return ("…" if start else "") + s[start:start + WIDTH] + ("…" if start + WIDTH < len(s) else "")

    return cut(old), cut(new)


def _short(value: Any) -> str:
    text = _show(value)
    return text if len(text) <= WIDTH else text[:WIDTH - 1] + "…"


def summary(changes: list[dict]) -> list[tuple[str, str]]:
    """The changes as (level, line) for people: one line per change, except that a constraint
    changed on several fields of a table, and the metadata of a table's fields, are one line each."""
    out: list[tuple[str, str]] = []
    groups: dict[tuple, list[dict]] = {}
    for c in changes:
        if c["kind"] == "constraint-changed":
            groups.setdefault(("constraint", c["table"], c["constraint"]), []).append(c)
        elif c["kind"] == "metadata-changed" and "field" in c:
            groups.setdefault(("fields", c["table"]), []).append(c)
        elif c["kind"] == "metadata-changed":
            head = re.sub(r"\[\d+\]", "", c["property"]).split(".")
            groups.setdefault(("metadata", c.get("table"), ".".join(head[:2])), []).append(c)
        else:
            out.append((c["level"], c["text"]))
    for key, items in groups.items():
        fields = list(dict.fromkeys(c.get("field") for c in items))
        if key[0] == "constraint":
            text = (f"table {key[1]}: constraint {key[2]} of field {fields[0]}: {_short(items[0]['old'])} → "
                    f"{_short(items[0]['new'])}" if len(items) == 1 else
                    f"table {key[1]}: constraint {key[2]} changed on {len(fields)} fields "
                    f"({', '.join(map(str, fields))})")
        elif key[0] == "metadata":
            where = f"table {key[1]}: " if key[1] else ""
            c = items[0]
            text = (f"{where}metadata {c['property']}: {_short(c['old'])} → {_short(c['new'])}" if len(items) == 1
                    else f"{where}metadata {key[2]}: {len(items)} values changed "
                         f"({', '.join(i['property'] for i in items)})")
        else:
            props = sorted({".".join(re.sub(r"\[\d+\]", "", c["property"]).split(".")[:2]) for c in items})
            text = f"table {key[1]}: metadata of {len(fields)} field{'s' if len(fields) > 1 else ''} " \
                   f"({', '.join(map(str, fields))}): {', '.join(props)}"
        out.append((items[0]["level"], text))
    return out


def markdown(d: dict, old_label: str, new_label: str, max_rows: int = 20) -> str:
    """The diff for people: the level it needs, the changes by level, then the rows of each table."""
    lines = [f"## {old_label} → {new_label}", "",
             f"Version {d['old']['version']} → {d['new']['version']}; the changes need a **{d['level']}** version "
             "(by the CHANGELOG's rules)." if d["changes"] else
             f"Version {d['old']['version']} → {d['new']['version']}; no change to the tables, their schemas, the "
             "metadata or the distributions.", ""]
    lines_by_level = summary(d["changes"])
    for level in reversed(ORDER):
        found = [text for lv, text in lines_by_level if lv == level]
        if found:
            lines.append(f"**{level}**" + (" (contents not compared; needs no version by itself)"
                                           if level == "none" else ""))
            lines.append("")
            lines += [f"- {_cell(text)}" for text in found]
            lines.append("")
    for name, t in d["tables"].items():
        if not t["compared"]:
            lines += [f"### {name}", "", f"Rows not compared one by one (the primary key changed): "
                      f"{t['old_rows']} → {t['new_rows']} rows.", ""]
            continue
        if not (t["added"] or t["removed"] or t["changed"]):
            continue
        lines += [f"### {name}", "", f"{len(t['added'])} added, {len(t['removed'])} removed, "
                  f"{len(t['changed'])} changed (key {', '.join(t['key'])}).", ""]
        for verb, rows in (("added", t["added"]), ("removed", t["removed"])):
            for row in rows[:max_rows]:
                lines.append(f"- {verb} `{_cell(','.join(row[k] for k in t['key']))}`")
            if len(rows) > max_rows:
                lines.append(f"- … and {len(rows) - max_rows} more {verb} (all in the JSON: --json)")
        if t["changed"]:
            lines += ["", "| key | field | old | new |", "| --- | --- | --- | --- |"]
            shown = 0
            for row in t["changed"]:
                for field, (o, n) in row["cells"].items():
                    if shown < max_rows:
                        eo, en = excerpt(o, n)
                        lines.append(f"| {_cell(row['key'])} | {field} | {_cell(eo)} | {_cell(en)} |")
                    shown += 1
            if shown > max_rows:
                lines.append(f"\n… and {shown - max_rows} more changed cells (all in the JSON: --json)")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
