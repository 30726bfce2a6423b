"""The Parquet files: one per published table, with the Table Schema's types.

Input: the package model (``model.Package``: the Table Schemas and the typed rows the CSVs are
written from). Output: ``settings.parquet_path(name)`` for every resource, the registry's
``PARQUET_TABLES`` entries (``kanmin.distributions``), listed by the catalog, the site and
``kanmin ckan publish``.

Types (the Table Schema's, its one home): ``integer`` is int64, ``boolean`` bool, ``string``
UTF-8 string, ``date`` date32, ``number`` float64; a ``required`` field is not nullable. Every
column carries its field's ``title`` and ``description`` (ja / en) as field metadata, the file
its resource's; so a reader needs no option to get the types, and the data dictionary travels
with it. Columns in schema order, rows in primary-key order, as in the CSV.

Why they are not resources of ``datapackage.json``: the build validates the descriptor with
frictionless (``validation``), which reads Parquet only with its ``parquet`` extra; CSV-only
consumers (the ZIP of the package, CKAN's DataStore, frictionless in R) would meet resources they
cannot read; and a resource name is unique in a package, so each table would need a second name.
The CSVs stay the package; the Parquet files are distributions of the same dataset, described by
the DCAT catalog (format, media type, size, checksum, the Parquet specification they conform to).

Deterministic bytes: one row group, Snappy compression, dictionary encoding and statistics on (the
library's defaults, fixed here so a new default cannot change the bytes), the Parquet 2.6 format,
no timestamp anywhere; the file names its writer (``created_by``: "parquet-cpp-arrow version
…"), so the bytes are pyarrow's for the version pinned in requirements.lock (tested by building
twice). pyarrow is imported when a file is written, so that other commands do not pay for it
(about 0.15 s).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from .errors import DataError, Problem
from .model import Package
from .package import bilingual
from .settings import parquet_path

COMPRESSION = "snappy"
FORMAT_VERSION = "2.6"


def write_parquet(pkg: Package, package_dir: Path) -> list[Path]:
    """Write one Parquet file per resource of the package under ``package_dir``; return their paths."""
    import pyarrow.parquet as pq

    written = []
    for res in pkg.resources:
        table = arrow_table(res, pkg.tables[res["name"]])
        target = Path(package_dir) / parquet_path(res["name"])
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, target, compression=COMPRESSION, use_dictionary=True, write_statistics=True,
                       version=FORMAT_VERSION, row_group_size=max(1, len(pkg.tables[res["name"]])))
        written.append(target)
    return written


def arrow_table(res: dict, rows: list[dict]) -> Any:
    """The rows of a resource as an Arrow table with its Table Schema's types (see the module docstring)."""
    import pyarrow as pa

    types = {"integer": pa.int64(), "boolean": pa.bool_(), "string": pa.string(), "date": pa.date32(),
             "number": pa.float64()}
    fields, columns = [], []
    for f in res["fields"]:
        if f["type"] not in types:
            raise DataError([Problem("data/curated/metadata.json", None, f"{res['name']}.{f['name']}: type "
                                     f"{f['type']!r} has no Parquet type here",
                                     f"use one of {', '.join(types)} or extend kanmin.parquet")])
        values = [row[f["name"]] for row in rows]
        if f["type"] == "date":
            values = [None if v is None else date.fromisoformat(v) for v in values]
        fields.append(pa.field(f["name"], types[f["type"]], nullable=not f.get("constraints", {}).get("required"),
                               metadata=_texts(f)))
        columns.append(values)
    schema = pa.schema(fields, metadata=_texts(res))
    return pa.Table.from_arrays([pa.array(v, type=fd.type) for v, fd in zip(columns, fields, strict=True)],
                                schema=schema)


def _texts(item: dict) -> dict[str, str]:
    """The title and description of a metadata item as "ja / en" texts (Parquet metadata is strings)."""
    return {key: bilingual(item[key]) for key in ("title", "description") if key in item}
