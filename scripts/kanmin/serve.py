"""``kanmin serve``: a read-only query API over the SQLite database, with Datasette.

Input: a built package (its ``datapackage.json``, whose ``kanmin`` extension is the curated
metadata, ``package.metadata_from_descriptor``, and the SQLite file, ``settings.DATABASE_PATH``).
Output: a Datasette server on 127.0.0.1 (the JSON API, SQL, facets, full-text search), or with
``--write-metadata`` the Datasette metadata as a file for a ``datasette`` command of one's own.

The Datasette metadata is made from the one metadata source (``metadata``): the dataset's
Japanese and English title and description, licence, source (出典, with the attribution text), and
for every table, view and column its ja / en title and description; the facets that matter
(``FACETS``: pillar, lead ministry, start fiscal year, …); full-text search on ``policies``
through ``database.SEARCH_TABLE`` (``?_search=``: trigram, so three characters or more); and the
views (``database.VIEWS``) first: the database's description lists them before anything else
(Datasette's own page lists tables before views, and a template of our own would be a copy of
Datasette's to keep up to date).

Limits (``SETTINGS``): the file is opened immutable (read-only, no locking: a write is refused),
a SQL query is stopped after ``sql_time_limit_ms`` with an error while the server goes on
answering, a page has at most ``max_returned_rows`` rows, and faceting stops after
``facet_time_limit_ms``. Datasette is imported when the command runs, so that other commands do
not load it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from . import database
from .errors import UsageError
from .package import bilingual, metadata_from_descriptor
from .settings import DATABASE_PATH, DESCRIPTOR, REPO, in_checkout

HOST = "127.0.0.1"
PORT = 8001
#: Datasette's settings: its defaults for time and rows, stated so that they are ours to document.
SETTINGS = {"sql_time_limit_ms": 1000, "max_returned_rows": 1000, "facet_time_limit_ms": 500,
            "default_facet_size": 30}
#: Facets offered on a table or view's page (Datasette counts rows per value).
FACETS = {
    "policies": ["pillar_id", "start_fiscal_year"],
    "policy_ministries": ["role", "ministry_id"],
    "kpis": ["kind", "not_set"],
    "policy_references": ["printed_in"],
    "policy_summary": ["pillar_name", "lead_ministries", "start_fiscal_year"],
    "kpi_summary": ["kind", "lead_ministries"],
}


def database_name() -> str:
    """Datasette names a database after its file: the SQLite file's stem."""
    return Path(DATABASE_PATH).stem


def metadata(md: dict) -> dict:
    """The Datasette metadata of the package described by the curated metadata ``md`` (see the
    module docstring)."""
    source = md["sources"][0]
    licence = md["licenses"][0]
    tables: dict[str, Any] = {}
    for view in database.VIEWS:
        tables[view.name] = {"title": bilingual(view.title), "description": bilingual(view.description, "\n"),
                             "facets": FACETS.get(view.name, [])}
    for res in md["resources"]:
        entry: dict[str, Any] = {
            "title": bilingual(res["title"]), "description": bilingual(res["description"], "\n"),
            "columns": {f["name"]: bilingual(f["title"]) + (f": {bilingual(f['description'])}"
                                                            if f.get("description") else "")
                        for f in res["fields"]},
            "facets": FACETS.get(res["name"], [])}
        if res["name"] == "policies":
            entry.update(fts_table=database.SEARCH_TABLE, fts_pk="policy_id", label_column="name")
        tables[res["name"]] = entry
    views = "".join(f'<li><a href="/{database_name()}/{v.name}">{v.name}</a>: {bilingual(v.title)}</li>'
                    for v in database.VIEWS)
    return {
        "title": bilingual(md["title"]),
        "description": bilingual(md["description"], "\n\n"),
        "license": licence["name"], "license_url": licence["path"],
        "source": f"出典 / Source: {source['title']}", "source_url": source["path"],
        "about": bilingual(md["attribution"], " "), "about_url": md["homepage"],
        "databases": {database_name(): {
            "title": bilingual(md["title"]),
            "description_html": f"<p>ビュー（結合済み） / Views (joined): </p><ul>{views}</ul>"
                                "<p>全文検索（3文字以上） / Full-text search (three characters or more): "
                                f'<a href="/{database_name()}/policies">policies</a> ?_search=</p>',
            "tables": tables,
        }},
    }


def read_metadata(package_dir: Path) -> dict:
    """The curated metadata of a built package, from its descriptor (no validation: a server reads)."""
    descriptor = Path(package_dir) / DESCRIPTOR
    if not descriptor.is_file():
        raise UsageError(f"--package {package_dir}: no {DESCRIPTOR}", "build the package first (kanmin build)")
    return metadata_from_descriptor(json.loads(descriptor.read_text(encoding="utf-8")), str(descriptor))


def serve(package_dir: Path, host: str = HOST, port: int = PORT) -> None:
    """Serve the package's SQLite file with Datasette until interrupted (immutable, ``SETTINGS``)."""
    db = Path(package_dir) / DATABASE_PATH
    if not db.is_file():
        raise UsageError(f"{db}: no such file", "build the package first (kanmin build)")
    md = metadata(read_metadata(package_dir))
    try:
        import uvicorn
        from datasette.app import Datasette
    except ImportError as exc:
        raise UsageError(f"kanmin serve needs Datasette: {exc}",
                         "in a clone of the repository: pip install -e '.[serve]'") from exc
    ds = Datasette([], immutables=[str(db)], metadata=md, settings=SETTINGS)
    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")


def register(sub) -> None:
    """The ``serve`` subcommand."""
    p = sub.add_parser("serve", help="serve the SQLite database with Datasette (a read-only JSON and SQL API)",
                       description="Start Datasette on the package's SQLite file, immutable, bound to "
                                   f"{HOST}, with metadata (ja/en titles, licence, source, facets, full-text "
                                   "search, views) made from the package's metadata. Ctrl-C stops it.",
                       epilog=f"example: kanmin serve --port {PORT}   (then open http://{HOST}:{PORT}/)")
    p.add_argument("--package", type=Path, help="folder holding datapackage.json (default: the repository)")
    p.add_argument("--host", default=HOST, help=f"address to bind (default {HOST}: this machine only)")
    p.add_argument("--port", type=int, default=PORT, help=f"port (default {PORT})")
    p.add_argument("--write-metadata", type=Path, metavar="FILE",
                   help="write the Datasette metadata to FILE and exit (for `datasette -i ... -m FILE`)")
    p.set_defaults(func=_serve)


def _serve(args) -> int:
    package_dir = Path(args.package or in_checkout(REPO, "--package"))
    if args.write_metadata:
        args.write_metadata.write_text(json.dumps(metadata(read_metadata(package_dir)), ensure_ascii=False,
                                                  indent=2) + "\n", encoding="utf-8")
        return 0
    serve(package_dir, args.host, args.port)
    return 0
