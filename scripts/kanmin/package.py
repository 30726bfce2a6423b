"""Stage 3 — the package model → CSV files + ``datapackage.json`` (Frictionless Data Package v2).

Input: a ``model.Package`` (the curated metadata with its bilingual Table Schemas, and typed rows
in primary-key order). Output, written into a given directory: ``data/<resource>.csv`` (UTF-8,
header row, LF line ends, booleans ``true``/``false``, missing = empty) and ``datapackage.json``
(keys sorted, ``bytes`` and ``sha256`` of every file): the files of stage "package" in the
registry of distributions (``kanmin.distributions``), whose media type the descriptor gives.

Titles and descriptions are printed ``"ja / en"`` in the standard properties, for every Data
Package reader. The multilingual originals and the dataset facts that have no Data Package
property (publisher, attribution, temporal and spatial coverage, …) are kept in a documented
extension property named ``kanmin`` on the package, each resource and each field, so that
``metadata_from_descriptor`` gives back exactly the curated metadata: a published package is
self-contained for ``kanmin rdf --package DIR``.

Deterministic: the same model gives byte-identical files. ``created`` (when this descriptor was
made) is the build's reproducible timestamp: ``SOURCE_DATE_EPOCH`` when set, else the date of
this version (``modified`` in ``metadata.json``). The source document's own date is a fact of the
source (``source_issued``), not of the package.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .distributions import TABLES
from .errors import DataError, Problem
from .files import sha256_bytes
from .model import Package
from .settings import DATA_DIR, DESCRIPTOR, build_timestamp, table_path

PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
DIALECT_PROFILE = "https://datapackage.org/profiles/2.0/tabledialect.json"
#: The extension property that carries the multilingual metadata (see the module docstring).
EXTENSION = "kanmin"
#: Metadata keys the descriptor carries in standard Data Package properties, as they are.
NATIVE = ("name", "id", "version", "homepage", "keywords", "licenses", "sources", "contributors")
TEXTS = ("title", "description")


def bilingual(value: dict | str, sep: str = " / ") -> str:
    """"ja / en" rendering of a curated {"ja": …, "en": …} text."""
    if isinstance(value, str):
        return value
    return sep.join(v for v in (value.get("ja"), value.get("en")) if v)


def write_package(package: Package, out_dir: Path) -> Path:
    """Write the CSVs and datapackage.json under ``out_dir``; return the descriptor path."""
    out_dir = Path(out_dir)
    (out_dir / DATA_DIR).mkdir(parents=True, exist_ok=True)
    resources = []
    for res in package.resources:
        data = to_csv(package.tables[res["name"]], res)
        path = table_path(res["name"])
        (out_dir / path).write_bytes(data)
        resources.append(_resource(res, path, data))
    target = out_dir / DESCRIPTOR
    target.write_text(json.dumps(_package(package.metadata, resources), ensure_ascii=False, indent=2,
                                 sort_keys=True) + "\n", encoding="utf-8")
    return target


def built_here(descriptor: Path, name: str) -> bool:
    """``descriptor`` is a datapackage.json that a build of the package ``name`` wrote (its name,
    and the ``kanmin`` extension only this project writes): the mark of an output folder that a
    build may publish into again (``files.Owner``). An unreadable or foreign file is not."""
    try:
        if Path(descriptor).stat().st_size > MAX_DESCRIPTOR_BYTES:
            return False
        data = json.loads(Path(descriptor).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("name") == name and isinstance(data.get(EXTENSION), dict)


#: Far above any descriptor of this package (72 kB) and below what is sensible to read to decide.
MAX_DESCRIPTOR_BYTES = 64 << 20


def to_csv(rows: list[dict], resource: dict) -> bytes:
    """Serialise rows (already in key order) in schema field order."""
    names = [f["name"] for f in resource["fields"]]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([_cell(row.get(n)) for n in names] for row in rows)
    return buf.getvalue().encode("utf-8")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _texts(item: dict) -> dict:
    """The standard properties of a metadata item with its texts flattened, plus the extension."""
    out = {k: v for k, v in item.items() if k not in TEXTS}
    for key in TEXTS:
        if key in item:
            out[key] = bilingual(item[key])
    out[EXTENSION] = {key: item[key] for key in TEXTS if key in item}
    return out


def table_schema(res: dict) -> dict:
    """The Table Schema of a metadata resource as the descriptor publishes it."""
    schema = {"$schema": SCHEMA_PROFILE, "fields": [_texts(f) for f in res["fields"]],
              "missingValues": [""], "primaryKey": res["primaryKey"]}
    if res.get("foreignKeys"):
        schema["foreignKeys"] = res["foreignKeys"]
    return schema


def _resource(res: dict, path: str, data: bytes) -> dict:
    schema = table_schema(res)
    texts = _texts({k: res[k] for k in TEXTS if k in res})
    return {
        "$schema": RESOURCE_PROFILE,
        "name": res["name"],
        "type": "table",
        "path": path,
        "scheme": "file",
        "format": Path(path).suffix.removeprefix("."),  # Data Package: the file's extension
        "mediatype": TABLES.format.media_type,
        "encoding": "utf-8",
        **texts,
        "bytes": len(data),
        "hash": "sha256:" + sha256_bytes(data),
        "dialect": {"$schema": DIALECT_PROFILE, "delimiter": ",", "lineTerminator": "\n", "header": True},
        "schema": schema,
    }


def _package(md: dict, resources: list[dict]) -> dict:
    return {
        "$schema": PACKAGE_PROFILE,
        **{key: md[key] for key in NATIVE},
        "title": bilingual(md["title"]),
        "description": bilingual(md["description"], "\n\n") + "\n\n" + bilingual(md["attribution"], "\n"),
        "created": build_timestamp(md["modified"]),
        EXTENSION: {k: v for k, v in md.items() if k not in (*NATIVE, "resources")},
        "resources": resources,
    }


def metadata_from_descriptor(descriptor: dict, file: str = DESCRIPTOR) -> dict:
    """The curated metadata back from a descriptor written by ``write_package``."""
    if not isinstance(descriptor.get(EXTENSION), dict):
        raise DataError([Problem(file, None, f"no {EXTENSION!r} metadata in the descriptor",
                                 "it was not written by `kanmin build`; rebuild the package")])
    md = {key: descriptor[key] for key in NATIVE if key in descriptor}
    md.update(descriptor[EXTENSION])
    resources = []
    for res in descriptor.get("resources", []):
        schema = res.get("schema", {})
        item = {"name": res["name"], **res.get(EXTENSION, {}), "primaryKey": schema.get("primaryKey")}
        if schema.get("foreignKeys"):
            item["foreignKeys"] = schema["foreignKeys"]
        item["fields"] = [{**{k: v for k, v in f.items() if k not in (*TEXTS, EXTENSION)},
                           **f.get(EXTENSION, {})} for f in schema.get("fields", [])]
        resources.append(item)
    md["resources"] = resources
    return md


def citation_cff(md: dict) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for this dataset and the source document it is
    made from, from the one metadata source. Strings are written as JSON strings, which YAML reads
    as double-quoted scalars, so no text needs YAML escaping rules of its own."""
    q = json.dumps  # a JSON string is a YAML double-quoted scalar
    publisher, source = md["publisher"], md["sources"][0]
    office = md["source_publisher"]["name"]
    lines = [
        "# Written by `kanmin build` from data/curated/metadata.json; do not edit by hand.",
        'cff-version: "1.2.0"',
        'message: "If you use this dataset, please cite it as below, and cite the source document it was made from."',
        'type: "dataset"',
        f"title: {q(bilingual(md['title']), ensure_ascii=False)}",
        f"version: {q(md['version'])}",
        f"date-released: {q(md['modified'][:10])}",
        f"license: {q(md['licenses'][0]['name'])}",
        f"identifiers:\n  - type: \"url\"\n    value: {q(md['id'])}",
        "authors:",
        f"  - name: {q(publisher['name']['en'], ensure_ascii=False)}",
        f"    website: {q(publisher['homepage'])}",
        f"abstract: {q(md['description']['en'], ensure_ascii=False)}",
        "keywords:",
        *(f"  - {q(k, ensure_ascii=False)}" for k in md["keywords"]),
        "references:",
        '  - type: "report"',
        f"    title: {q(source['title'], ensure_ascii=False)}",
        "    authors:",
        f"      - name: {q(office['ja'], ensure_ascii=False)}",
        f"        alias: {q(office['en'], ensure_ascii=False)}",
        f"    date-published: {q(md['source_issued'])}",
        f"    url: {q(source['path'])}",
        '    languages: ["ja"]',
        f"    notes: {q(bilingual(md['attribution']), ensure_ascii=False)}",
        "",
    ]
    return "\n".join(lines)
