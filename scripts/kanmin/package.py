"""Stage 3 — tidy records → CSV files + ``datapackage.json`` (Frictionless Data Package v2).

Input: ``Tables`` from ``tidy`` and the curated ``metadata.json`` (package metadata and Table
Schemas, bilingual). Output, written into a given directory: ``data/<resource>.csv`` (UTF-8,
header row, LF line ends, rows sorted by primary key, booleans ``true``/``false``, missing =
empty) and ``datapackage.json`` (keys sorted, ``bytes`` and ``sha256`` of every file).

Deterministic: the same tables give byte-identical files. ``created`` comes from
``SOURCE_DATE_EPOCH`` when set, else from the source document's date in ``metadata.json``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from .tidy import Tables

PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"


def bilingual(value: dict | str, sep: str = " / ") -> str:
    """"ja / en" rendering of a curated {"ja": …, "en": …} text."""
    if isinstance(value, str):
        return value
    return sep.join(v for v in (value.get("ja"), value.get("en")) if v)


def write_package(tables: Tables, metadata: dict, out_dir: Path) -> Path:
    """Write the CSVs and datapackage.json under ``out_dir``; return the descriptor path."""
    out_dir = Path(out_dir)
    (out_dir / "data").mkdir(parents=True, exist_ok=True)
    resources = []
    for res in metadata["resources"]:
        rows = getattr(tables, res["name"])
        data = to_csv(rows, res)
        path = f"data/{res['name']}.csv"
        (out_dir / path).write_bytes(data)
        resources.append(_resource(res, path, data))
    descriptor = _package(metadata, resources)
    target = out_dir / "datapackage.json"
    target.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                      encoding="utf-8")
    return target


def to_csv(rows: list[dict], resource: dict) -> bytes:
    """Serialise rows in schema field order, sorted by primary key."""
    names = [f["name"] for f in resource["fields"]]
    key = resource.get("primaryKey", names[:1])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for row in sorted(rows, key=lambda r: tuple(_sort_key(r[k]) for k in key)):
        writer.writerow([_cell(row.get(n)) for n in names])
    return buf.getvalue().encode("utf-8")


def _sort_key(value):
    """Sort ids naturally: "10-2" after "9-13", integers as integers."""
    if isinstance(value, str) and value.replace("-", "").isdigit():
        return tuple(int(x) for x in value.split("-"))
    if isinstance(value, str):
        return tuple(int(x) if x.isdigit() else x for x in value.split("-"))
    return (value,)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _resource(res: dict, path: str, data: bytes) -> dict:
    fields = []
    for f in res["fields"]:
        field = {k: v for k, v in f.items() if k not in ("title", "description")}
        field["title"] = bilingual(f["title"])
        field["description"] = bilingual(f["description"])
        fields.append(field)
    schema = {"$schema": SCHEMA_PROFILE, "fields": fields, "missingValues": [""],
              "primaryKey": res["primaryKey"]}
    if res.get("foreignKeys"):
        schema["foreignKeys"] = res["foreignKeys"]
    return {
        "$schema": RESOURCE_PROFILE,
        "name": res["name"],
        "type": "table",
        "path": path,
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": bilingual(res["title"]),
        "description": bilingual(res["description"]),
        "bytes": len(data),
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        "dialect": {"$schema": "https://datapackage.org/profiles/2.0/tabledialect.json",
                    "delimiter": ",", "lineTerminator": "\n", "header": True},
        "schema": schema,
    }


def created(metadata: dict) -> str:
    """SOURCE_DATE_EPOCH if set (reproducible builds convention), else the source's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return metadata["created"]


def _package(md: dict, resources: list[dict]) -> dict:
    return {
        "$schema": PACKAGE_PROFILE,
        "name": md["name"],
        "id": md["id"],
        "title": bilingual(md["title"]),
        "description": bilingual(md["description"], "\n\n") + "\n\n" + bilingual(md["attribution"], "\n"),
        "version": md["version"],
        "created": created(md),
        "homepage": md["homepage"],
        "keywords": md["keywords"],
        "licenses": md["licenses"],
        "sources": md["sources"],
        "contributors": md["contributors"],
        "resources": resources,
    }
