"""Is a package valid: the one home of that question, and of how every problem of it is worded.

Every command that validates calls this module. ``load`` reads a published package into the
model only if it is valid (``kanmin validate`` reports what it finds; ``kanmin rdf --package`` and
``kanmin ckan publish`` read a package through it); ``staged`` checks a package the build has
staged, before anything is published. The checks, in order:

1. the folder: no interrupted publish (its files may be a mix of two builds: ``staging``), a
   ``datapackage.json``;
2. the descriptor: JSON, written by a build (the ``kanmin`` extension), valid by the Data Package
   standard (frictionless);
3. each table against its Table Schema, every rule but foreign keys (frictionless: header, types,
   required, unique, patterns, enums, bytes and hash), each table on its own
   (``standalone_resource``: inside its package frictionless re-reads a referenced table once per
   foreign key);
4. the foreign keys, once, on the typed rows (``model.foreign_key_problems``);
5. what a schema cannot say (``checks``: rows 1..N, a lead ministry per policy, no mark, budget
   heading or bullet marker inside a text cell).

Problems are worded here (``describe_error``, ``table_problem``): a cell without its type, a
missing value, a control character or a formula start, a pattern too long to print.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from . import checks
from .errors import DataError, Problem, UsageError
from .model import Package, Row, foreign_key_problems
from .package import metadata_from_descriptor
from .processes import beside
from .settings import DESCRIPTOR, table_path
from .staging import JOURNAL, interrupted

__all__ = ["describe_error", "load", "staged", "table_problem"]


def load(root: Path) -> Package:
    """The published package in ``root`` as the model, if it is valid (checks 1–5 of the module
    docstring); else a ``DataError`` naming every problem (file, row, field), in table, row and
    field order. A folder without a descriptor is a ``UsageError``."""
    root = Path(root)
    descriptor = _descriptor(root)
    metadata = metadata_from_descriptor(descriptor, str(root / DESCRIPTOR))
    declared = {r["name"]: r for r in descriptor.get("resources", [])}
    problems = _descriptor_problems(descriptor, str(root / DESCRIPTOR))
    tables = {}
    for res in metadata["resources"]:
        found = _table_problems(declared[res["name"]], root)
        problems += found
        if not (found and found[0].message == TABLE_NOT_FOUND):
            tables[res["name"]] = _rows(declared[res["name"]], root)
    package = Package(metadata, tables)
    if len(tables) == len(metadata["resources"]):  # every table read: the keys (a bad cell reads as None)
        problems += foreign_key_problems(package)
    if not problems:  # the content of valid tables
        problems = checks.published(package)
    if problems:
        raise DataError(_in_order(problems, metadata))
    return package


def staged(pkg: Package, staging: Path, source: str) -> None:
    """The build's check of the package it staged in ``staging`` (made from ``pkg``): the
    descriptor, each table against its Table Schema (``standalone_resource``), then the foreign
    keys once on the model. A row problem is reported at the source line its row came from; the
    content checks ran on the tidy tables before (``checks.check``).

    The tables are checked in two halves of about equal size (cells), one in a child process
    (``processes.beside``): frictionless' row checks are most of the time, and the halves need
    nothing of each other. The problems come in a fixed order: the descriptor's, then each half's."""
    descriptor = json.loads((staging / DESCRIPTOR).read_text(encoding="utf-8"))
    problems = _descriptor_problems(descriptor, DESCRIPTOR, "the generated descriptor violates the Data Package "
                                                            "standard; this is a bug")
    cells = {r["name"]: len(pkg.tables.get(r["name"], [])) * len(r["schema"]["fields"])
             for r in descriptor["resources"]}
    halves: tuple[list[dict], list[dict]] = ([], [])
    load_of = [0, 0]
    for res in sorted(descriptor["resources"], key=lambda r: -cells[r["name"]]):
        half = load_of.index(min(load_of))  # the larger tables first, each to the half with fewer cells so far
        halves[half].append(res)
        load_of[half] += cells[res["name"]]
    here: list[Problem] = []
    try:
        with beside(_raise_staged_problems, pkg, staging, source, halves[1]):
            here = _staged_problems(pkg, staging, source, halves[0])
    except DataError as exc:
        problems += here + list(exc.problems)
    else:
        problems += here
    problems += foreign_key_problems(pkg)
    if problems:
        raise DataError(problems)


def _descriptor(root: Path) -> dict:
    """The descriptor of a published package, after checks 1 (a usage error for no descriptor)."""
    if interrupted(root):
        raise DataError([Problem(str(root / JOURNAL), None, "a publish into this folder was interrupted, so its files "
                                 "may be a mix of two builds", "run `kanmin build` (with --out for another folder): "
                                 "it completes the interrupted publish first")])
    path = root / DESCRIPTOR
    if not path.is_file():
        raise UsageError(f"{path}: no such file", "pass --package DIR, a folder holding datapackage.json")
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError([Problem(str(path), getattr(exc, "lineno", None), f"not a JSON descriptor: {exc}",
                                 "rebuild the package")]) from None
    if not isinstance(descriptor, dict):
        raise DataError([Problem(str(path), None, "not a JSON object", "rebuild the package")])
    return descriptor


def _descriptor_problems(descriptor: dict, file: str, hint: str = "") -> list[Problem]:
    from frictionless import Package as FrictionlessPackage

    return [Problem(file, None, f"{error.type}: {_shorten(str(error.note))}", hint)
            for error in FrictionlessPackage.validate_descriptor(descriptor).errors]


def standalone_resource(descriptor: dict, basepath: Path) -> Any:
    """A frictionless Resource for one table of a package, on its own and without its foreign keys.

    Inside its package, frictionless re-reads the referenced table once per foreign key (and does
    so even when foreign-key errors are skipped); the keys are checked once, on the typed rows, by
    ``model.foreign_key_problems``. Use inside ``frictionless.system.use_context(trusted=True)``."""
    from frictionless import Resource

    schema = {k: v for k, v in descriptor.get("schema", {}).items() if k != "foreignKeys"}
    return Resource({**descriptor, "schema": schema}, basepath=str(basepath))


def _errors(resource: dict, root: Path) -> list[Any]:
    """frictionless' errors of one table of a package (check 3)."""
    from frictionless import system

    with system.use_context(trusted=True):
        report = standalone_resource(resource, root).validate()
    return [e for task in report.tasks for e in task.errors] + list(report.errors)


TABLE_NOT_FOUND = "table not found"


def _table_problems(resource: dict, root: Path) -> list[Problem]:
    path = table_path(resource["name"]) if resource.get("path") is None else str(resource["path"])
    if not (root / path).is_file():
        return [Problem(path, None, TABLE_NOT_FOUND, "run `kanmin build` to write the CSVs first")]
    return [table_problem(path, error, resource["schema"]["fields"]) for error in _errors(resource, root)]


def _rows(resource: dict, root: Path) -> list[Row]:
    """The typed rows of a table (a cell frictionless cannot type reads as None: check 3 named it)."""
    from frictionless import system

    with system.use_context(trusted=True), standalone_resource(resource, root) as table:
        return [row.to_dict() for row in table.row_stream]


def _in_order(problems: list[Problem], metadata: dict) -> list[Problem]:
    """Problems in table, row and field order (the descriptor's first)."""
    order = {table_path(r["name"]): i for i, r in enumerate(metadata["resources"])}
    fields = {(table_path(r["name"]), f["name"]): i for r in metadata["resources"] for i, f in enumerate(r["fields"])}
    return sorted(problems, key=lambda p: (order.get(p.file, -1), p.row or 0, fields.get((p.file, p.field or ""), -1)))


def _raise_staged_problems(pkg: Package, staging: Path, source: str, resources: list[dict]) -> None:
    problems = _staged_problems(pkg, staging, source, resources)
    if problems:
        raise DataError(problems)


def _staged_problems(pkg: Package, staging: Path, source: str, resources: list[dict]) -> list[Problem]:
    """frictionless' problems of these staged tables, each at the source line of its row."""
    problems: list[Problem] = []
    for res in resources:
        rows = pkg.tables.get(res["name"], [])
        for error in _errors(res, staging):
            number = getattr(error, "row_number", None)
            row = rows[number - 2] if number and 2 <= number < len(rows) + 2 else {}
            if not row.get("source_line_start"):  # a table without source lines: the CSV itself
                problems.append(table_problem(table_path(res["name"]), error, res["schema"]["fields"]))
                continue
            what = f"{res['name']}.{getattr(error, 'field_name', None) or ''}".rstrip(".")
            problems.append(Problem(source, row["source_line_start"],
                                    f"{what}: {describe_error(error, res['schema']['fields'])}",
                                    "fix the extraction rules or add a reviewed correction"))
    return problems


# --- the wording ---------------------------------------------------------------------------------

_EXPECTED = {"integer": "an integer", "boolean": "true/false", "number": "a number"}
#: The longest pattern (or other quoted schema text) a message prints whole.
MAX_PATTERN = 60


def describe_error(error: Any, fields: list[dict]) -> str:
    """What a frictionless error says, worded the same way by every command: a cell that does not
    have its type, a missing required value, or frictionless's own note (with the value)."""
    field = getattr(error, "field_name", None)
    cell = getattr(error, "cell", None)
    if error.type in ("hash-count", "byte-count"):
        return (f"not the file datapackage.json describes: its {'SHA-256' if error.type == 'hash-count' else 'size'} "
                "differs (changed after the build? rebuild the package, or restore the file)")
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


def _shorten(note: str) -> str:
    """frictionless's note with any quoted text longer than ``MAX_PATTERN`` cut (a Table Schema
    pattern can be hundreds of characters of escapes)."""
    return re.sub(r'"([^"]{' + str(MAX_PATTERN + 1) + r',})"', lambda m: f'"{m.group(1)[:40]}…"', note)


def table_problem(file: str, error: Any, fields: list[dict]) -> Problem:
    """A frictionless error in a published table as a Problem: file, row, field, what was wrong."""
    return Problem(file, None, describe_error(error, fields), row=getattr(error, "row_number", None),
                   field=getattr(error, "field_name", None))
