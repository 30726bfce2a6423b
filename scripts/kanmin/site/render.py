"""The site's pages rendered with Jinja2 (autoescaping on) from the views of ``views``.

``pages`` returns every page as text by relative path. Every value reaches HTML through Jinja2's
autoescaping; JSON inside a ``<script>`` element (the schema.org JSON-LD, the search texts) goes
through ``script_json``, which escapes ``<``, ``>`` and ``&`` as JSON ``\\u`` escapes so that no
text of the data can close the element. The update history (``changes.html``) is CHANGELOG.md
rendered by markdown-it-py (CommonMark and tables, raw HTML off: its text is escaped like any
other, and markdown-it makes no link of a ``javascript:``, ``vbscript:``, ``file:`` or ``data:``
URL), its headings one level down under the page's own.

Every page has a ``<link rel="canonical">`` (its URL under the base) and a Japanese ``<meta
name="description">`` of its own (``base.html``; the pages override the defaults, which are the
index's: the home page and the dataset's description).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..distributions import PublishedFile
from ..model import Package
from ..package import bilingual
from ..rdf.examples import QUERY_GRAPH, code_spans
from ..settings import DEFAULT_BASE
from . import cite, sparql, views

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC = ("cite.js", "favicon.svg", "site.css", "site.js", "sparql.js", "sparql-worker.js")
#: The query shown on the downloads page, as the project keeps it (run by the SPARQL tests).
SPARQL_EXAMPLE = HERE.parent / "rdf" / "queries" / "policies-per-pillar.rq"


def script_json(value: object) -> Markup:
    """JSON that is safe inside a <script> element (sorted keys, so rebuilds are identical)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return Markup(text)


def size(n: int) -> str:
    """A byte count for people: 12,345 バイト (12.1 KB)."""
    if n < 1024:
        return f"{n:,} バイト"
    unit, value = next((u, n / d) for u, d in (("MB", 1024 ** 2), ("KB", 1024)) if n >= d)
    return f"{n:,} バイト ({value:.1f} {unit})"


def is_web_url(value: object) -> bool:
    """Only http(s) URLs become links: escaping cannot make a ``javascript:`` URL harmless."""
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def changelog_html(text: str) -> Markup:
    """CHANGELOG.md as HTML: CommonMark with tables, no raw HTML, headings one level down (the
    page's own title is its only h1)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    return Markup(md.renderer.render(tokens, md.options, {}))


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja2's cache, which never fails a build: a full or read-only temporary folder leaves the
    compiled code unsaved (the next build compiles again), as a missing cache would."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            return


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    try:
        return _BytecodeCache()
    except (OSError, RuntimeError):  # no private temporary folder (RuntimeError: Jinja2 found it unsafe)
        return None


def environment() -> jinja2.Environment:
    """The site's Jinja2 environment. Compiling the templates took 85 ms of every build (a tenth of
    it, on the path the build waits on); Jinja2's own bytecode cache keeps the compiled code in the
    user's private cache folder (``_jinja2-cache-<uid>`` in the temporary folder, made 0700 and
    refused if another user owns it or it is a symlink), keyed by each template's source checksum,
    so an edited template is compiled again and the pages are the same either way (3 ms warm)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("kanmin.site", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             bytecode_cache=_bytecode_cache())
    env.filters["script_json"] = script_json
    env.filters["size"] = size
    env.filters["bilingual"] = bilingual
    env.tests["web_url"] = is_web_url
    env.globals["code_spans"] = code_spans
    return env


def dataset_jsonld(pkg: Package, downloads: list[dict], base: str) -> dict:
    """The schema.org ``Dataset`` of the index page (what dataset search engines read), from the
    one metadata source and the catalog's distributions."""
    md = pkg.metadata
    creator, publisher, source = md["source_publisher"], md["publisher"], md["sources"][0]
    ja, en = md["spatial"]["label"]["ja"], md["spatial"]["label"]["en"]
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": md["id"],
        "name": md["title"]["ja"],
        "alternateName": md["title"]["en"],
        "description": md["description"]["ja"] + "\n\n" + md["description"]["en"],
        "url": base.rstrip("/"),
        "identifier": md["id"],
        "version": md["version"],
        "inLanguage": md["language"],
        "keywords": md["keywords"],
        "license": md["licenses"][0]["path"],
        "isAccessibleForFree": True,
        "datePublished": md["issued"][:10],
        "dateModified": md["modified"][:10],
        "creator": {"@type": "Organization", "name": creator["name"]["ja"], "alternateName": creator["name"]["en"],
                    "url": creator["homepage"]},
        "publisher": {"@type": "Organization", "name": publisher["name"]["ja"],
                      "alternateName": publisher["name"]["en"], "url": publisher["homepage"]},
        "creditText": md["attribution"]["ja"],
        "temporalCoverage": f"{md['temporal']['start']}/{md['temporal']['end']}",
        "spatialCoverage": {"@type": "Place", "name": ja, "alternateName": en, "sameAs": md["spatial"]["uri"]},
        "isBasedOn": {"@type": "CreativeWork", "name": source["title"], "url": source["path"],
                      "datePublished": md["source_issued"], "license": md["source_licence"]["path"]},
        "distribution": [{"@type": "DataDownload", "name": d["title"]["ja"], "alternateName": d["title"]["en"],
                          "contentUrl": d["url"], "encodingFormat": d["media_type"],
                          "contentSize": f"{d['size']} B"} for d in downloads],
    }


def pages(pkg: Package, policy_views: list[dict], files: list[PublishedFile], catalog: PublishedFile | None,
          links: dict | None, base: str, download_base: str, repository: str | None = None,
          contact: str | None = None, changelog: str | None = None,
          release_diffs: Sequence[dict] = ()) -> dict[str, str]:
    """Every page of the site: relative path → HTML. ``repository`` and ``contact`` are where a
    reader reports an error (``cite``); ``changelog`` the text of CHANGELOG.md, the update history
    page (none: no such page and no link to it)."""
    env = environment()
    env.globals["title_of"] = lambda resource, field: views.title_of(pkg, resource, field)
    md = pkg.metadata
    downloads = views.downloads(files, download_base)
    catalog_view = views.downloads([catalog], download_base)[0] if catalog else None
    by_path = {d["path"]: d for d in downloads + ([catalog_view] if catalog_view else [])}
    ministry_views = views.ministries(pkg, policy_views)
    common = {"md": md, "site_url": base.rstrip("/"),
              "linkchecked": links is not None, "changelog": changelog is not None}
    out: dict[str, str] = {}
    out["index.html"] = env.get_template("index.html").render(
        **common, root="", page="index", policies=policy_views, options=views.filter_options(pkg, policy_views),
        search=views.search_data(pkg, policy_views),
        jsonld=dataset_jsonld(pkg, downloads, base), NO_PILLAR=views.NO_PILLAR, NO_YEAR=views.NO_YEAR)
    policy_template = env.get_template("policy.html")
    w3id = base.startswith("https://w3id.org/")  # the IRI resolves once the w3id redirect is registered
    for v in policy_views:
        row = v["row"]
        report = {"form": cite.report_url(repository, row, md["version"]) if repository else None,
                  "mail": cite.report_mail(contact, row, md["version"]) if contact else None, "email": contact}
        out[f"policy/{row['policy_id']}.html"] = policy_template.render(
            **common, root="../", page="policy", p=v, iri=cite.iri(row, base), cite=cite.citation(pkg, row, base),
            w3id=w3id, report=report, query=sparql.link(sparql.policy_query(row["policy_id"], base)))
    ministry_template = env.get_template("ministry.html")
    for m in ministry_views:
        mid = m["row"]["ministry_id"]
        out[f"ministry/{mid}.html"] = ministry_template.render(
            **common, root="../", page="ministry", m=m, query=sparql.link(sparql.ministry_query(mid, base)))
    out["ministries.html"] = env.get_template("ministries.html").render(
        **common, root="", page="ministries", ministries=ministry_views)
    out["downloads.html"] = env.get_template("downloads.html").render(
        **common, root="", page="downloads", downloads=downloads, by_path=by_path, catalog=catalog_view,
        # the example's vocabulary prefix moves with the base, as vocab.ttl does (rdf.build)
        sparql=SPARQL_EXAMPLE.read_text(encoding="utf-8").replace(DEFAULT_BASE, base), download_base=download_base,
        graph_paths=QUERY_GRAPH)
    graph = sparql.graph_files(files + ([catalog] if catalog else []))
    out["sparql.html"] = env.get_template("sparql.html").render(
        **common, root="", page="sparql", starter=sparql.rebased(sparql.example(SPARQL_EXAMPLE.stem), base),
        sparql=sparql.page(graph, base, md["name"], download_base))
    if changelog is not None:
        out["changes.html"] = env.get_template("changes.html").render(
            **common, root="", page="changes", history=changelog_html(changelog),
            releases=[views.release_changes(d) for d in release_diffs])
    return out
