"""The package in memory: one model made once and handed to every output.

A ``Package`` holds the dataset metadata exactly as curated in ``data/curated/metadata.json``
(titles and descriptions as ``{"ja": …, "en": …}``, the Table Schema of every resource) and the
typed rows of every resource (``int``, ``bool``, ``str``; a missing value is ``None``), each table
in primary-key order. The pipeline makes it from the tidy tables (``from_tables``);
``validation.load`` makes the same model from a published package through frictionless, using the
multilingual metadata that ``datapackage.json`` keeps in its documented ``kanmin`` extension
property. Every output — the CSV writer and descriptor, the RDF mapping, the DCAT catalog — reads
this model, so nothing re-parses or re-types what was typed once.

``foreign_key_problems`` checks every foreign key of the schemas once, on the in-memory rows
(frictionless re-reads the referenced table once per key; the build skips that check and runs
this one instead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .errors import Problem
from .settings import table_path

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
