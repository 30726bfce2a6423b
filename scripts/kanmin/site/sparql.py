"""The query page (``sparql.html``): SPARQL on the published graph in the visitor's browser, with
nothing to install, and the "SPARQLで調べる" links of the policy and ministry pages.

Input: the example queries with their titles and descriptions (``rdf.examples``, from the headers
of ``rdf/queries/*.rq``), the published files a triple store loads (``rdf.examples.QUERY_GRAPH``:
the data graph, the vocabulary and the catalog, as the site copies them to ``files/``), the
engine vendored from the npm registry (``vendor/oxigraph/``, below), the site's base (IRIs under it
link to the site's pages) and the queries about one policy or ministry (``queries/*.rq`` here).
Output: what the page's template and script need (``page``), the query of a policy's or a
ministry's link (``policy_query``, ``ministry_query``), and the engine's files in the site
(``copy_engine``).

The engine is Oxigraph's JavaScript/WebAssembly build, npm ``oxigraph`` — the same Rust engine as
pyoxigraph and the Oxigraph server of the tests, released from the same repository with the same
version numbers (the npm package lags: its latest is 0.5.11, the Python packages are at 0.5.13).
``kanmin build`` needs no npm and no network: the two files the browser needs (``web.js``, the
module wasm-bindgen writes, and ``web_bg.wasm``) are committed in ``vendor/oxigraph/``, byte for
byte those of the package that ``vendor/oxigraph/package-lock.json`` pins with its integrity hash
(a test installs the lock with ``npm ci`` and compares the bytes), with the licence texts the
package names (``MIT OR Apache-2.0``; the npm package has no licence file, so they are the
Oxigraph repository's). The lock is the one place of the version: the page and the README say it,
and tests compare them with the lock. They are copied into ``static/vendor/oxigraph/``, and only
this page fetches them, once it has loaded; no other page gets heavier.

To move to another version: set it in ``vendor/oxigraph/package.json``, run ``npm install
--package-lock-only`` there, ``npm ci`` a copy of the two files in a temporary folder and copy its
``node_modules/oxigraph/web.js`` and ``web_bg.wasm`` here (tests/site/test_sparql_engine.py fails
until the files are the lock's, and test_sparql_page.py checks the engine's arithmetic against
``RIGHT_TO_LEFT_BEFORE``).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus, urlencode

from ..distributions import PublishedFile
from ..rdf.examples import QUERY_GRAPH, Example, examples
from ..rdf.namespaces import Iris
from ..settings import DEFAULT_BASE

HERE = Path(__file__).parent
VENDOR_DIR = HERE / "vendor" / "oxigraph"
#: The npm package and the lock that pins it (the one place of its version).
PACKAGE = "oxigraph"
LOCK = VENDOR_DIR / "package-lock.json"
#: The files of the npm package the browser needs (copied byte for byte), and the licence texts.
ENGINE_FILES = ("web.js", "web_bg.wasm")
LICENCE_FILES = ("LICENSE-MIT", "LICENSE-APACHE")
#: Where the site keeps them (sparql-worker.js imports ``./vendor/oxigraph/web.js``).
ENGINE_PATH = "static/vendor/oxigraph"
#: The queries of the policy and ministry pages' links: about policy 7 and 総務省 on the default
#: base, run as they are by the tests; the build puts another policy's or ministry's IRI in their
#: ``VALUES`` clause.
QUERY_DIR = HERE / "queries"
#: The time limit of a query (seconds; the page lets the visitor change it) and the rows the
#: results table shows at most (the downloads hold every row).
TIME_LIMIT_S = 10
MAX_ROWS = 1000
#: Oxigraph before 0.5.12 reads a chain of ``-`` or ``/`` from the right: ``10 - 4 - 6`` is 12 and
#: ``100 / 10 / 5`` is 50 (pyoxigraph 0.5.11 and the npm package 0.5.11 do; 0.5.12 fixed it, and
#: npm has no 0.5.12). The page warns while its engine is older; a browser test runs such a chain
#: on the page and checks the warning against the answer.
RIGHT_TO_LEFT_BEFORE = (0, 5, 12)


@dataclass(frozen=True)
class Engine:
    """The vendored engine: its npm version, licence (SPDX expression) and files in the site with
    their sizes."""

    version: str
    license: str
    files: dict[str, int]  # site path -> bytes

    @property
    def right_to_left(self) -> bool:
        """Whether this version computes ``a - b - c`` as ``a - (b - c)`` (``RIGHT_TO_LEFT_BEFORE``)."""
        return tuple(int(part) for part in self.version.split("-")[0].split(".")) < RIGHT_TO_LEFT_BEFORE


def engine() -> Engine:
    """The vendored engine as the lock pins it."""
    entry = json.loads(LOCK.read_text(encoding="utf-8"))["packages"][f"node_modules/{PACKAGE}"]
    sizes = {f"{ENGINE_PATH}/{name}": (VENDOR_DIR / name).stat().st_size for name in ENGINE_FILES + LICENCE_FILES}
    return Engine(entry["version"], entry["license"], sizes)


def copy_engine(out_dir: Path) -> None:
    """The engine's files and licence texts into the site, byte for byte."""
    target = Path(out_dir) / ENGINE_PATH
    target.mkdir(parents=True, exist_ok=True)
    for name in ENGINE_FILES + LICENCE_FILES:
        shutil.copyfile(VENDOR_DIR / name, target / name)


def example(name: str) -> Example:
    """The example of ``rdf/queries/<name>.rq``."""
    return next(e for e in examples() if e.name == name)


def rebased(example: Example, base: str) -> str:
    """An example's text on this site's graph: the vocabulary namespace moves with the base, as
    vocab.ttl does (rdf.build)."""
    return example.text.replace(DEFAULT_BASE, base)


def links(base: str, name: str, download_base: str) -> list[dict[str, object]]:
    """Which IRIs have a page on the site, for the results table: an exact ``iri``, or a ``prefix``
    (``rdf.namespaces.Iris``, the one home of the IRI patterns) whose remainder ``{id}`` (a name:
    letters, digits, ``_.-``; with ``path``, names joined by ``/``) fills ``page``; ``{policy}`` is
    the part of ``{id}`` before its first ``-`` (KPI ``7-progress-3`` → policy 7). ``name`` is the
    dataset's name; ``download_base`` where the catalog's download URLs
    are, whose files the site keeps under ``files/``. Other IRIs under the base (the vocabulary,
    budget projects, the code lists' concepts, the agents) have no page of their own."""
    iris = Iris(base)
    prefixes = iris.prefixes()
    return [
        {"prefix": prefixes["policy"], "page": "policy/{id}.html"},
        {"prefix": prefixes["ministry"], "page": "ministry/{id}.html"},
        {"prefix": prefixes["kpi"], "page": "policy/{policy}.html#kpi-{id}"},
        {"prefix": prefixes["reference"], "page": "policy/{policy}.html#ref-{id}"},
        {"prefix": prefixes["attribution"], "page": "policy/{policy}.html#h-ministries"},
        {"prefix": prefixes["listing"], "page": "policy/{policy}.html#h-budget"},
        {"prefix": prefixes["pillar"], "page": "index.html?pillar={id}"},
        {"iri": iris.dataset(name), "page": "index.html"},
        {"iri": iris.catalog(), "page": "downloads.html"},
        {"prefix": iris.dataset_part(name, "distribution/"), "page": "downloads.html"},
        {"prefix": download_base, "page": "files/{id}", "path": True},
    ]


def page(graph: list[PublishedFile], base: str, name: str, download_base: str) -> dict:
    """What sparql.html shows and its script reads: the examples (their texts on this site's
    graph), the graph's files with their sizes, the engine, and the script's settings."""
    eng = engine()
    config = {
        "worker": "static/sparql-worker.js",
        "wasm": f"{ENGINE_PATH}/web_bg.wasm",
        # the engine is told each file's media type, the registry's (kanmin.distributions)
        "graph": [{"url": f"files/{f.path}", "format": f.dist.format.media_type} for f in graph],
        "base": base,
        "links": links(base, name, download_base),
        "limit": TIME_LIMIT_S,
        "rows": MAX_ROWS,
    }
    return {"examples": [{"example": e, "text": rebased(e, base)} for e in examples()], "graph": graph,
            "engine": eng, "engine_bytes": sum(eng.files[f"{ENGINE_PATH}/{n}"] for n in ENGINE_FILES),
            "graph_bytes": sum(f.size for f in graph), "config": config}


def graph_files(files: list[PublishedFile]) -> list[PublishedFile]:
    """The published files of ``QUERY_GRAPH``, in its order (the catalog is not a described
    distribution, so ``files`` holds it beside them)."""
    by_path = {f.dist.path: f for f in files}
    return [by_path[path] for path in QUERY_GRAPH if path in by_path]


_VALUES = re.compile(r"(VALUES \?(\w+) \{ )<[^>]*>( \})")


def about(template: str, iri: str) -> str:
    """``template`` with ``iri`` in its one ``VALUES ?x { <…> }`` clause (the template names the
    policy or ministry it is about there, so that it runs as it stands)."""
    found = _VALUES.findall(template)
    if len(found) != 1:
        raise ValueError(f"a link's query needs exactly one VALUES clause with one IRI, found {len(found)}")
    return _VALUES.sub(lambda m: f"{m.group(1)}<{iri}>{m.group(3)}", template)


#: Characters a query string may hold as they are (RFC 3986), kept so that a page's link stays
#: short and readable: ``?policy``, ``<https://…>``'s ``:`` and ``/``; a space is ``+``.
QUERY_SAFE = "/:?@!$()*,;="


def link(query: str) -> str:
    """The query page's URL (relative to the site's root) that opens and runs ``query``."""
    return "sparql.html?" + urlencode({"query": query}, quote_via=quote_plus, safe=QUERY_SAFE)


def policy_query(policy_id: int | str, base: str) -> str:
    """Every property and value of a policy, with the values' Japanese labels."""
    return about((QUERY_DIR / "policy.rq").read_text(encoding="utf-8"), Iris(base).policy(policy_id))


def ministry_query(ministry_id: str, base: str) -> str:
    """The policies a ministry is named for, with its role (lead first) and their names."""
    return about((QUERY_DIR / "ministry.rq").read_text(encoding="utf-8"), Iris(base).ministry(ministry_id))
