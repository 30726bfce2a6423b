"""The package in memory: one model made once and handed to every output.

A ``Package`` holds the dataset metadata exactly as curated in ``data/curated/metadata.json``
(titles and descriptions as ``{"ja": …, "en": …}``, the Table Schema of every resource) and the
typed rows of every resource (``int``, ``bool``, ``str``; a missing value is ``None``), each table
in primary-key order. The pipeline makes it from the tidy tables (``from_tables``); ``load``
makes the same model from a published package through frictionless, using the multilingual
metadata that ``datapackage.json`` keeps in its documented ``kanmin`` extension property. Every
output — the CSV writer and descriptor, the RDF mapping, the DCAT catalog — reads this model, so
nothing re-parses or re-types what was typed once.

``foreign_key_problems`` checks every foreign key of the schemas once, on the in-memory rows
(frictionless re-reads the referenced table once per key; the build skips that check and runs
this one instead).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import DataError, Problem
from .settings import DESCRIPTOR, table_path

Row = dict[str, Any]


@dataclass
class Package:
    metadata: dict
    tables: dict[str, list[Row]]

    @property
    def name(self) -> str:
        return str(self.metadata["name"])

    @property
    def resources(self) -> list[dict]:
        """The resources of the metadata (each with its Table Schema), in published order."""
        return list(self.metadata["resources"])

    def resource(self, name: str) -> dict:
        for res in self.metadata["resources"]:
            if res["name"] == name:
                return res
        raise KeyError(name)

    def counts(self) -> dict[str, int]:
        return {res["name"]: len(self.tables[res["name"]]) for res in self.metadata["resources"]}


def with_strings(package: Package, change: Callable[[str], str]) -> Package:
    """The package with ``change`` applied to every string of its metadata (the rows stay as they are):
    how a build moves the metadata's URLs to another base, and how ``kanmin rdf`` moves them back."""
    def changed(value: Any) -> Any:
        if isinstance(value, str):
            return change(value)
        if isinstance(value, dict):
            return {k: changed(v) for k, v in value.items()}
        if isinstance(value, list):
            return [changed(v) for v in value]
        return value

    return replace(package, metadata=changed(package.metadata))


def sort_key(value: Any) -> tuple:
    """Ids in natural order: "10-2" after "9-13", integers as integers."""
    if value.__class__ is int:
        return ((0, value, ""),)
    if isinstance(value, str):
        return tuple([(0, int(x), "") if x.isdigit() else (1, 0, x) for x in value.split("-")])
    return ((0, value, ""),)


def from_records(metadata: dict, records: dict[str, list[dict]]) -> Package:
    """The model of tidy records: cells in schema order, "" as missing, rows in key order."""
    tables: dict[str, list[Row]] = {}
    for res in metadata["resources"]:
        names = [f["name"] for f in res["fields"]]
        key = res.get("primaryKey") or names[:1]
        rows = [{n: (None if (v := rec.get(n)) == "" else v) for n in names} for rec in records[res["name"]]]
        if len(key) == 1:
            first = key[0]
            rows.sort(key=lambda r: sort_key(r[first]))
        else:
            rows.sort(key=lambda r: tuple([sort_key(r[k]) for k in key]))
        tables[res["name"]] = rows
    return Package(metadata, tables)


def from_tables(metadata: dict, tables: Any) -> Package:
    """The model of the tidy stage's ``Tables`` (one attribute per resource of the metadata)."""
    return from_records(metadata, {res["name"]: getattr(tables, res["name"]) for res in metadata["resources"]})


def foreign_key_problems(package: Package, files: dict[str, str] | None = None) -> list[Problem]:
    """Every foreign-key value that the referenced table lacks, named by file, row and field.

    ``files`` maps a resource to the file name used in messages (default data/<name>.csv); the
    row is the CSV record number (the header is row 1)."""
    keys: dict[tuple[str, str], set] = {}
    problems: list[Problem] = []
    for res in package.metadata["resources"]:
        for fk in res.get("foreignKeys", []):
            (field,), ref = fk["fields"], fk["reference"]
            target = (ref["resource"], ref["fields"][0])
            if target not in keys:
                keys[target] = {row[target[1]] for row in package.tables[target[0]]}
            allowed = keys[target]
            file = (files or {}).get(res["name"], table_path(res["name"]))
            for number, row in enumerate(package.tables[res["name"]], start=2):
                value = row[field]
                if value is not None and value not in allowed:
                    problems.append(Problem(file, None, f"{str(value)!r} is not a {target[1]} of {target[0]}",
                                            row=number, field=field))
    return problems


def load(package_dir: Path) -> Package:
    """A published package (``datapackage.json`` and its CSVs) read into the model by frictionless.

    Cells are typed by the Table Schema; a cell frictionless cannot type, a missing file or a
    descriptor without the ``kanmin`` metadata is a ``DataError`` naming file, row and field.
    Foreign keys are checked once on the typed rows."""
    from frictionless import system

    from .package import metadata_from_descriptor

    package_dir = Path(package_dir)
    descriptor_path = package_dir / DESCRIPTOR
    if not descriptor_path.is_file():
        raise DataError([Problem(str(descriptor_path), None, "descriptor not found",
                                 "run `kanmin build` first, or pass --package DIR")])
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError([Problem(str(descriptor_path), getattr(exc, "lineno", None),
                                 f"not a JSON descriptor: {exc}", "rebuild the package")]) from None
    metadata = metadata_from_descriptor(descriptor, str(descriptor_path))
    problems: list[Problem] = []
    tables: dict[str, list[Row]] = {}
    declared = {r["name"]: r for r in descriptor.get("resources", [])}
    with system.use_context(trusted=True):
        for res in metadata["resources"]:
            name = res["name"]
            # Each resource on its own, outside its package, so that frictionless does not
            # re-read the referenced tables for every foreign key (checked once below).
            resource = standalone_resource(declared[name], package_dir)
            path = package_dir / str(resource.path)
            if not path.is_file():
                problems.append(Problem(str(resource.path), None, "table not found",
                                        "run `kanmin build` to write the CSVs first"))
                continue
            rows: list[Row] = []
            with resource:
                header = list(resource.labels or [])
                expected = [f["name"] for f in res["fields"]]
                if header != expected:
                    problems.append(Problem(str(resource.path), 1,
                                            f"header {header} differs from the schema's fields {expected}",
                                            "rebuild the package"))
                    continue
                for row in resource.row_stream:
                    for error in row.errors:
                        problems.append(table_problem(str(resource.path), error, res["fields"]))
                    rows.append(row.to_dict())
            tables[name] = rows
    package = Package(metadata, tables)
    if set(tables) == {r["name"] for r in metadata["resources"]}:  # every table read: check the keys
        problems += foreign_key_problems(package)
    if problems:
        order = {r["name"]: i for i, r in enumerate(metadata["resources"])}
        fields = {(r["name"], f["name"]): i for r in metadata["resources"] for i, f in enumerate(r["fields"])}

        def where(p: Problem) -> tuple:
            name = Path(p.file).stem
            return (order.get(name, -1), p.row or 0, fields.get((name, p.field or ""), -1))
        raise DataError(sorted(problems, key=where))
    return package


def standalone_resource(descriptor: dict, basepath: Path) -> Any:
    """A frictionless Resource for one table of a package, on its own and without its foreign keys.

    Inside its package, frictionless re-reads the referenced table once per foreign key (and does
    so even when foreign-key errors are skipped); the keys are checked once, on the typed rows, by
    ``foreign_key_problems``. Use inside ``frictionless.system.use_context(trusted=True)``."""
    from frictionless import Resource

    schema = {k: v for k, v in descriptor.get("schema", {}).items() if k != "foreignKeys"}
    return Resource({**descriptor, "schema": schema}, basepath=str(basepath))


_EXPECTED = {"integer": "an integer", "boolean": "true/false", "number": "a number"}


def describe_error(error: Any, fields: list[dict]) -> str:
    """What a frictionless error says, worded the same way by every command: a cell that does not
    have its type, a missing required value, or frictionless's own note (with the value)."""
    field = getattr(error, "field_name", None)
    cell = getattr(error, "cell", None)
    if error.type == "type-error":
        ftype = next((f["type"] for f in fields if f["name"] == field), "")
        return f"{cell!r} is not {_EXPECTED.get(ftype, ftype)}"
    if error.type == "constraint-error" and cell in ("", None):
        return "required value is missing"
    from .source import FORBIDDEN, FORMULA_START, describe

    bad = FORBIDDEN.search(str(cell)) if error.type == "constraint-error" and cell is not None else None
    if bad:
        return (f"{cell!r} holds {describe(bad.group())}: no published cell may hold a control or format "
                "character (the schema's pattern)")
    if error.type == "constraint-error" and isinstance(cell, str) and cell.startswith(FORMULA_START):
        return (f"{cell[:80]!r} starts with {cell[0]!r}, which a spreadsheet runs as a formula: no published "
                "cell may start with =, +, -, @ (the schema's pattern)")
    if error.type == "constraint-error" and "pattern" in str(error.note):
        pattern = next((f.get("constraints", {}).get("pattern", "") for f in fields if f["name"] == field), "")
        space = next((i for i, ch in enumerate(str(cell), start=1) if ch.isspace()), None)
        why = f"it contains a space at column {space}" if space else (
            f"the pattern {pattern!r}" if len(pattern) <= MAX_PATTERN else
            "the field's pattern (see its schema in datapackage.json)")
        return f"{str(cell)[:80]!r} does not match the field's pattern: {why}"
    return f"{error.type}: {_shorten(str(error.note))}" + (f" (value {cell!r})" if cell not in ("", None) else "")


#: The longest pattern (or other quoted schema text) a message prints whole.
MAX_PATTERN = 60


def _shorten(note: str) -> str:
    """frictionless's note with any quoted text longer than ``MAX_PATTERN`` cut (a Table Schema
    pattern can be hundreds of characters of escapes)."""
    import re

    return re.sub(r'"([^"]{' + str(MAX_PATTERN + 1) + r',})"', lambda m: f'"{m.group(1)[:40]}…"', note)


def table_problem(file: str, error: Any, fields: list[dict]) -> Problem:
    """A frictionless error in a published table as a Problem: file, row, field, what was wrong."""
    return Problem(file, None, describe_error(error, fields), row=getattr(error, "row_number", None),
                   field=getattr(error, "field_name", None))
