"""The dataset site without a browser: its JSON-LD, its downloads against the catalog, escaping,
self-containment, link statuses, corrections, canonical links and descriptions, citations, the
report links, the update history and byte-identical rebuilds.

The site is the one ``kanmin build`` writes (``site_build`` in conftest.py: a build into a temporary
folder holding a planted link-check report); the escaping and base tests render the site again
from a changed model with ``write_site``.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF

from kanmin import curated, model, pipeline, validation
from kanmin.distributions import distributions
from kanmin.settings import DEFAULT_BASE, RDF_DIR, SITE_DIR
from kanmin.site import write_site
from support import (
    LINK_ARCHIVE,
    LINK_BROKEN,
    LINK_ERROR,
    LINK_OK,
    LINK_TIMEOUT,
    REPO,
    SOURCE,
    TEST_REPOSITORY,
    metadata,
)

SDO = rdflib.Namespace("http://schema.org/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")


class Page(HTMLParser):
    """What the tests look at in a page: links and sources, scripts by type, and the text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.assets: list[str] = []  # what the page loads: scripts, style sheets, icons, images
        self.scripts: list[tuple[str, str]] = []  # (type, content)
        self.rows: list[dict] = []  # the attributes of every <tr>
        self.links: list[dict] = []  # the attributes of every <link>
        self.metas: list[dict] = []  # the attributes of every <meta>
        self.text: list[str] = []
        self._script: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("href", "src"):
            if a.get(name) is not None:
                self.urls.append((tag, name, a[name]))
        if a.get("src") is not None:
            self.assets.append(a["src"])
        if tag == "link" and a.get("rel") != "canonical":
            self.assets.append(a["href"])
        if tag == "script":
            self._script = a.get("type") or "text/javascript"
            self.scripts.append((self._script, ""))
        if tag == "tr":
            self.rows.append(a)
        if tag == "link":
            self.links.append(a)
        if tag == "meta":
            self.metas.append(a)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            kind, content = self.scripts[-1]
            self.scripts[-1] = (kind, content + data)
        else:
            self.text.append(data)

    def script(self, kind: str) -> str:
        (content,) = [c for k, c in self.scripts if k == kind]
        return content


def page(site: Path, rel: str) -> Page:
    return Page((site / rel).read_text(encoding="utf-8"))


def pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "files" not in p.relative_to(site).parts)


@pytest.fixture(scope="module")
def site(site_build) -> Path:
    return site_build / SITE_DIR


@pytest.fixture(scope="module")
def pkg():
    """The model of the build (as the pipeline makes it) and the corrections it applied."""
    return validation.load(REPO)


def test_pages_and_files(site):
    rels = {p.relative_to(site).as_posix() for p in pages(site)}
    policies = list(csv.DictReader((REPO / "data/policies.csv").open(encoding="utf-8")))
    ministries = list(csv.DictReader((REPO / "data/ministries.csv").open(encoding="utf-8")))
    assert rels == ({"index.html", "downloads.html", "ministries.html", "changes.html", "sparql.html"}
                    | {f"policy/{p['policy_id']}.html" for p in policies}
                    | {f"ministry/{m['ministry_id']}.html" for m in ministries})
    assert {p.relative_to(site / "static").as_posix() for p in (site / "static").rglob("*") if p.is_file()} == {
        "cite.js", "favicon.svg", "site.css", "site.js", "sparql.js", "sparql-worker.js",
        "vendor/oxigraph/web.js", "vendor/oxigraph/web_bg.wasm", "vendor/oxigraph/LICENSE-MIT",
        "vendor/oxigraph/LICENSE-APACHE"}


def test_jsonld_is_a_schema_org_dataset(site, pkg):
    index = page(site, "index.html")
    doc = json.loads(index.script("application/ld+json"))
    assert doc["@context"] == "https://schema.org"
    # Parsed as JSON-LD offline: the schema.org context's own @vocab stands in for the remote context.
    doc["@context"] = {"@vocab": str(SDO)}
    g = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    md = pkg.metadata
    ds = rdflib.URIRef(md["id"])
    assert (ds, RDF.type, SDO.Dataset) in g
    assert str(g.value(ds, SDO.name)) == md["title"]["ja"]
    assert md["description"]["ja"] in str(g.value(ds, SDO.description))
    curated_md = metadata()
    assert str(g.value(ds, SDO.license)) == curated_md["licenses"][0]["path"]
    assert str(g.value(ds, SDO.url)) == md["homepage"] == DEFAULT_BASE.rstrip("/")
    creator = g.value(ds, SDO.creator)
    assert (creator, RDF.type, SDO.Organization) in g
    assert str(g.value(creator, SDO.name)) == md["source_publisher"]["name"]["ja"]
    temporal = curated_md["temporal"]
    assert str(g.value(ds, SDO.temporalCoverage)) == f"{temporal['start']}/{temporal['end']}"
    place = g.value(ds, SDO.spatialCoverage)
    assert str(g.value(place, SDO.name)) == curated_md["spatial"]["label"]["ja"]
    assert str(g.value(place, SDO.sameAs)) == md["spatial"]["uri"]
    source = g.value(ds, SDO.isBasedOn)
    assert str(g.value(source, SDO.url)) == curated_md["sources"][0]["path"]
    # one DataDownload per distribution of the catalog, at the catalog's download URL
    catalog = rdflib.Graph().parse(site.parent / "rdf" / "catalog.ttl")
    expected = {str(catalog.value(d, DCAT.downloadURL)) for d in catalog.subjects(RDF.type, DCAT.Distribution)}
    downloads = list(g.objects(ds, SDO.distribution))
    assert len(downloads) == len(expected) >= 16  # 16 before the workbook joins the catalog
    assert {str(g.value(d, SDO.contentUrl)) for d in downloads} == expected
    assert all((d, RDF.type, SDO.DataDownload) in g for d in downloads)


def test_downloads_page_lists_every_distribution_of_the_catalog(site):
    catalog = rdflib.Graph().parse(site.parent / "rdf" / "catalog.ttl")
    expected = {}
    for d in catalog.subjects(RDF.type, DCAT.Distribution):
        url = str(catalog.value(d, DCAT.downloadURL))
        checksum = catalog.value(d, SPDX.checksum)
        expected[url.removeprefix(DEFAULT_BASE + "files/")] = (
            int(catalog.value(d, DCAT.byteSize)), str(catalog.value(checksum, SPDX.checksumValue)))
    downloads = page(site, "downloads.html")
    rows = {r["data-path"]: r for r in downloads.rows if "data-path" in r}
    assert set(rows) == set(expected)
    html = (site / "downloads.html").read_text(encoding="utf-8")
    for rel, (size, sha256) in expected.items():
        copy_ = site / "files" / rel  # the copy the download URL points at
        assert copy_.stat().st_size == size and hashlib.sha256(copy_.read_bytes()).hexdigest() == sha256
        assert f'data-bytes="{size}"' in html and sha256 in html
        assert ("a", "href", f"files/{rel}") in downloads.urls
    assert (site / "files" / RDF_DIR / "catalog.ttl").read_bytes() == (site.parent / "rdf" / "catalog.ttl").read_bytes()
    text = "".join(downloads.text)
    md = metadata()
    assert md["attribution"]["ja"] in text and "CC-BY-4.0" in text
    for snippet in ("import pandas as pd", "from frictionless import Package", "oxigraph serve", "ckanapi.RemoteCKAN",
                    "SELECT ?pillar"):
        assert snippet in text


def test_the_search_data_holds_each_policys_searched_texts_as_printed(site, pkg):
    """The index's search data: the Japanese titles of overview, KPI text and support measures
    (the snippets' labels), and per policy those texts as printed, the KPIs one a line in the
    order the policy page shows them (progress, then effect, each by position)."""
    data = json.loads(page(site, "index.html").script("application/json"))
    descriptor = json.loads((site.parent.parent / "datapackage.json").read_text(encoding="utf-8"))
    titles = {(r["name"], f["name"]): f["kanmin"]["title"]["ja"]
              for r in descriptor["resources"] for f in r["schema"]["fields"]}
    assert data["fields"] == [titles["policies", "overview"], titles["kpis", "text"],
                              titles["policies", "support_measures"]]
    kpis = list(csv.DictReader((REPO / "data/kpis.csv").open(encoding="utf-8")))
    policies = list(csv.DictReader((REPO / "data/policies.csv").open(encoding="utf-8")))
    assert set(data["policies"]) == {p["policy_id"] for p in policies}
    for p in policies:
        own = sorted((k for k in kpis if k["policy_id"] == p["policy_id"]),
                     key=lambda k: (k["kind"] != "progress", int(k["position"])))
        expected = [p["overview"], "\n".join(k["text"] for k in own), p["support_measures"]]
        assert data["policies"][p["policy_id"]] == expected, p["policy_id"]


def test_no_page_loads_anything_from_elsewhere(site):
    for path in pages(site):
        p = Page(path.read_text(encoding="utf-8"))
        assert p.assets, path
        assert all(not v.startswith(("http:", "https:", "//", "data:")) for v in p.assets), (path, p.assets)
    for asset in (site / "static").rglob("*"):
        if asset.suffix not in (".js", ".css", ".svg"):  # the licence texts, the WebAssembly
            continue
        text = asset.read_text(encoding="utf-8")
        if asset.suffix == ".svg":  # its namespace is a name, not a request; it must load nothing
            text = text.replace('xmlns="http://www.w3.org/2000/svg"', "")
            assert "href" not in text, asset
        # no URL literal (the query page's script tells http(s) IRIs by a pattern, without one)
        assert "://" not in text and "@import" not in text and "url(" not in text, asset
    # the query page's script and worker fetch only what the page's settings name, all on the site
    config = json.loads(page(site, "sparql.html").script("application/json"))
    fetched = [config["worker"], config["wasm"], *(g["url"] for g in config["graph"])]
    assert all((site / url).is_file() for url in fetched), fetched


def test_rebuild_is_byte_identical(site_build):
    site = site_build / SITE_DIR

    def digest() -> dict[str, str]:
        return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(site.rglob("*")) if p.is_file()}

    before = digest()
    pipeline.build(source=SOURCE, out=site_build, repository_url=TEST_REPOSITORY)  # the fixture's settings
    assert digest() == before


def test_link_status_from_the_report(site):
    refs = {r["reference_id"]: r for r in csv.DictReader((REPO / "data/policy_references.csv").open(encoding="utf-8"))}
    assert refs["9-1"]["url"] == LINK_OK and refs["10-1"]["url"] == LINK_BROKEN
    ok = (site / "policy/9.html").read_text(encoding="utf-8")
    assert "status-ok" in ok and "正常" in ok and '<time datetime="2026-11-29T01:00:01Z">2026-11-29</time>' in ok
    broken = page(site, "policy/10.html")
    assert ("a", "href", LINK_ARCHIVE) in broken.urls
    assert "リンク切れ" in "".join(broken.text) and "HTTP 404" in "".join(broken.text)
    # a reference the report does not have is said to be unchecked
    other = next(r for r in refs.values() if r["url"] not in (LINK_OK, LINK_BROKEN, LINK_ERROR, LINK_TIMEOUT))
    assert "not in the link-check report" in (site / f"policy/{other['policy_id']}.html").read_text(encoding="utf-8")


def link_status(site: Path, reference_id: str) -> tuple[str, str]:
    """The class and the text of a reference's link status on its policy page."""
    import re

    policy = reference_id.split("-")[0]
    html = (site / f"policy/{policy}.html").read_text(encoding="utf-8")
    item = re.search(rf'<li id="ref-{reference_id}">(.*?)</li>', html, re.S)
    assert item, reference_id
    status = re.search(r'<p class="link-status (status-[a-z]+)">(.*?)</p>', item.group(1), re.S)
    assert status, reference_id
    return status.group(1), "".join(Page(status.group(2)).text)


def test_no_answer_reads_as_not_checked_and_only_a_servers_answer_as_broken(site):
    """An error (DNS, connection) or a timeout, which an offline check gives for every URL, is
    labelled 未確認 (not checked), never リンク切れ / broken; a 404 is リンク切れ. The labels are
    the link checker's (links.model.STATUS_LABELS)."""
    refs = {r["reference_id"]: r["url"] for r in csv.DictReader((REPO / "data/policy_references.csv").open(encoding="utf-8"))}
    assert (refs["9-2"], refs["11-1"]) == (LINK_ERROR, LINK_TIMEOUT)
    for rid, kind, label in (("9-2", "status-error", "未確認（通信エラー）"), ("11-1", "status-timeout", "未確認（応答なし）")):
        css, text = link_status(site, rid)
        assert css == kind and label in text and "not checked" in text, (rid, text)
        assert "リンク切れ" not in text and "broken" not in text and "エラー error" not in text, (rid, text)
    css, text = link_status(site, "10-1")
    assert css == "status-broken" and "リンク切れ" in text and "broken" in text and "未確認" not in text
    # the pages with an unanswered link say what 未確認 means; a page with none does not
    for policy, explained in (("9", True), ("11", True), ("10", False)):
        assert ("リンク切れとは限りません" in (site / f"policy/{policy}.html").read_text(encoding="utf-8")) is explained


def test_without_a_report_every_reference_is_not_checked(tmp_path, site_build, pkg):
    write_site(pkg, tmp_path, site_build, linkcheck=tmp_path / "absent.json")
    text = (tmp_path / "policy/9.html").read_text(encoding="utf-8")
    assert "Links not checked" in text and "status-ok" not in text


def test_corrections_are_shown_on_their_rows(site):
    corrections = list(csv.DictReader((REPO / "data/curated/corrections.csv").open(encoding="utf-8")))
    assert corrections
    for c in corrections:
        text = "".join(page(site, f"policy/{c['policy_id']}.html").text)
        assert c["reason"] in text and c["reason_ja"] in text and c["corrected"] in text, c
    untouched = {str(n) for n in range(1, 76)} - {c["policy_id"] for c in corrections}
    text = (site / f"policy/{min(untouched, key=int)}.html").read_text(encoding="utf-8")
    assert "Corrections applied to this row" in text and 'class="corrections"' not in text


EVIL = '</script><script>alert("x")</script><!-- & \' "'


def test_every_page_escapes_the_data(tmp_path, site_build, pkg):
    evil = model.Package(copy.deepcopy(pkg.metadata), copy.deepcopy(pkg.tables))
    evil.metadata["title"]["ja"] = EVIL
    evil.metadata["description"]["en"] = EVIL
    row = evil.tables["policies"][0]
    row["name"] = row["overview"] = row["support_measures"] = EVIL
    evil.tables["ministries"][0]["name_ja"] = EVIL
    evil.tables["kpis"][0]["text"] = evil.tables["kpis"][0]["kpi_group"] = EVIL
    ref = evil.tables["policy_references"][0]
    ref["label"], ref["url"] = EVIL, 'javascript:alert("x")'
    evil.tables["budget_projects"][0]["name"] = EVIL
    write_site(evil, tmp_path, site_build, corrections=curated.load().corrections)
    for path in pages(tmp_path):
        text = path.read_text(encoding="utf-8")
        assert '<script>alert' not in text and "<!-- &" not in text and 'href="javascript:' not in text, path
    index = page(tmp_path, "index.html")
    assert json.loads(index.script("application/ld+json"))["name"] == EVIL  # the same text, safely embedded
    search = json.loads(index.script("application/json"))
    overview, _, support = search["policies"][str(row["policy_id"])]
    assert overview == support == EVIL  # as printed, for the script to show through text nodes
    first = page(tmp_path, f"policy/{row['policy_id']}.html")
    assert EVIL in "".join(first.text) and first.scripts == [("text/javascript", "")]  # static/cite.js only
    assert [v for t, a, v in first.urls if t == "script"] == ["../static/cite.js"]
    description = next(m["content"] for m in first.metas if m.get("name") == "description")
    assert EVIL in description  # the description holds the name, escaped (no raw <script> above)
    cite = next(t for t in first.text if t.startswith(pkg.metadata["source_publisher"]["name"]["ja"]))
    assert EVIL in cite  # the citation too


def test_base_is_configurable(tmp_path, site_build, pkg):
    write_site(pkg, tmp_path, site_build, base="https://example.org/k/")
    doc = json.loads(page(tmp_path, "index.html").script("application/ld+json"))
    assert doc["url"] == "https://example.org/k"
    described = [d.path for d in distributions(pkg.resources, site_build) if d.described]
    assert {d["contentUrl"] for d in doc["distribution"]} == {"https://example.org/k/files/" + rel for rel in described}
    assert "https://example.org/k/files/data/policies.csv" in (tmp_path / "downloads.html").read_text(encoding="utf-8")


def test_a_malformed_link_check_report_is_a_clear_error(tmp_path, pkg):
    from kanmin.errors import DataError

    bad = tmp_path / "report.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(DataError) as err:
        write_site(pkg, tmp_path / "site", tmp_path, linkcheck=bad)
    assert str(bad) in err.value.problems[0].file and "kanmin linkcheck" in err.value.problems[0].hint


#: Latin-script words that stand in Japanese text as they are: formats, standards, tools and names.
#: Anything else of 4+ ASCII letters outside a lang="en" element is English that a screen reader
#: would read with Japanese pronunciation.
INLINE_IN_JAPANESE = {"CSV", "JSON", "RDF", "KPI", "SPARQL", "pandas", "DCAT", "SHA", "Turtle", "CKAN", "ckanapi",
                      "frictionless", "Excel", "Oxigraph", "XLSX", "SHACL", "NFKC", "JavaScript", "SKOS", "HTTP",
                      "GitHub", "WebAssembly", "SQLite", "Parquet", "Datasette", "DuckDB"}
#: Names of several words that stand in Japanese text as they are (a file's title: 「データパッケージ
#: 記述子（Frictionless Data Package v2）」).
INLINE_NAMES = ("Frictionless Data Package", "Web Worker")
#: Elements whose text is code or a machine value, not prose (the query page's editor holds a
#: query); and elements that are not read.
CODE_ELEMENTS = {"pre", "code", "script", "style", "kbd", "samp", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: Attributes read out as text (they cannot hold a lang="en" part, so they must be Japanese only).
TEXT_ATTRIBUTES = ("aria-label", "title", "data-label", "alt", "placeholder")
WORD = r"(?<![\w./:@#?=&+-])[A-Za-z]{4,}(?![\w./:@#?=&+-])"


def words_of_the_data() -> set[str]:
    """The Latin-script words printed in the source's own Japanese text (ISUT(Information Support
    Team), Society 5.0, …): the site shows them as printed, inside Japanese text."""
    import re

    columns = {"policies": ("name", "overview", "support_measures"), "kpis": ("text", "kpi_group"),
               "policy_references": ("label", "note"), "budget_projects": ("name",),
               "policy_ministries": ("name_as_printed",), "ministries": ("name_ja",)}
    out: set[str] = set()
    for name, fields in columns.items():
        with (REPO / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            out |= {w for row in csv.DictReader(fh) for f in fields for w in re.findall(WORD, row[f])}
    return out


class LanguageCheck(HTMLParser):
    """Every English word (4+ ASCII letters, not part of a URL, path or file name, not in
    ``INLINE_IN_JAPANESE``) in text or a read attribute that is not inside a lang="en" element."""

    def __init__(self, text: str, allowed: set[str] = frozenset()):
        super().__init__(convert_charrefs=True)
        self.allowed = INLINE_IN_JAPANESE | allowed
        self.stack: list[tuple[str, str | None]] = []  # (tag, lang)
        self.found: list[str] = []
        self.feed(text)

    def _lang(self) -> str | None:
        return next((lang for _, lang in reversed(self.stack) if lang), None)

    def _check(self, text: str, where: str) -> None:
        import re

        for name in INLINE_NAMES:
            text = text.replace(name, "")
        for word in re.findall(WORD, text):
            if word not in self.allowed:
                self.found.append(f"{where}: {word!r} in {text.strip()[:80]!r}")

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        lang = a.get("lang")
        effective = lang or self._lang()
        for name in TEXT_ATTRIBUTES:
            if a.get(name) and effective != "en":
                self._check(a[name], f"<{tag} {name}>")
        if tag == "meta" and a.get("name") == "description":
            self._check(a.get("content") or "", "<meta description>")
        if tag not in VOID:
            self.stack.append((tag, lang))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self._lang() == "en" or any(t in CODE_ELEMENTS for t, _ in self.stack):
            return
        self._check(data, f"<{self.stack[-1][0] if self.stack else ''}>")


def test_the_check_for_english_without_lang_catches_a_planted_word():
    assert LanguageCheck('<html lang="ja"><p>ライセンス <span lang="en">Licence</span> CSV '
                         '<code>pandas.read_csv</code> https://example.org/path/file.json</p></html>').found == []
    assert len(LanguageCheck('<html lang="ja"><p>すべて (all) 記載なし (none printed)</p>'
                             '<nav aria-label="サイト内 (Site)"></nav></html>').found) == 3


def test_no_english_outside_lang_en(site):
    """Japanese pages, English in its own lang="en" elements: no English word in Japanese text or
    in a read attribute (aria-label, title, data-label), which cannot be marked as English. The
    words the source itself prints inside Japanese text (``words_of_the_data``) are allowed."""
    allowed = words_of_the_data()
    found = [f"{p.relative_to(site)} {f}" for p in pages(site)
             for f in LanguageCheck(p.read_text(encoding="utf-8"), allowed).found]
    assert found == []


# --- canonical links and descriptions ----------------------------------------------------------

def test_every_page_has_its_canonical_link_and_a_japanese_description_of_its_own(site):
    """One <link rel="canonical"> per page, at the page's URL under the base (the index: the home
    page), and one Japanese <meta name="description">, no two pages alike; a policy page's says
    the policy's name and code (from the CSV)."""
    home = DEFAULT_BASE.rstrip("/")
    descriptions: dict[str, str] = {}
    for path in pages(site):
        rel = path.relative_to(site).as_posix()
        p = page(site, rel)
        canonical = [a["href"] for a in p.links if a.get("rel") == "canonical"]
        assert canonical == [home if rel == "index.html" else f"{DEFAULT_BASE}{rel}"], rel
        (description,) = [m["content"] for m in p.metas if m.get("name") == "description"]
        assert len(description) >= 40 and any("\u3040" <= c <= "\u30ff" for c in description), (rel, description)
        descriptions[rel] = description
    assert len(set(descriptions.values())) == len(descriptions)
    for p in csv.DictReader((REPO / "data/policies.csv").open(encoding="utf-8")):
        text = descriptions[f"policy/{p['policy_id']}.html"]
        assert p["name"] in text and p["policy_code"] in text and f"No {p['policy_id']}" in text


# --- citations --------------------------------------------------------------------------------------

#: Policy 7's citations, checked by hand against data/policies.csv (row 7: 01-18, its name) and
#: data/curated/metadata.json (the source's title, publisher and date; the dataset's title,
#: publisher, version and date).
CITATION_7_JA = (
    "内閣官房 情報通信技術（IT）総合戦略室「都道府県官民データ活用推進計画策定の手引（令和元年10月11日改訂） Ⅲ "
    "都道府県の施策に関する国の施策一覧」No 7（国の施策番号 01-18）「企業が行う従業員の社会保険・税手続のワンストップ化・"
    "ワンスオンリー化の推進」。kanmin-data プロジェクト『都道府県の施策に関する国の施策一覧（都道府県官民データ活用推進計画"
    "策定の手引 Ⅲ、令和元年10月11日改訂）』版 3.0.0（2026-12-07）、https://w3id.org/kanmin-data/policy/7（参照 YYYY-MM-DD）")
CITATION_7_EN = (
    "National strategy office of Information and Communications Technology, Cabinet Secretariat (2019-10-11). "
    "“都道府県官民データ活用推進計画策定の手引（令和元年10月11日改訂） Ⅲ 都道府県の施策に関する国の施策一覧”, row number 7 "
    "(national policy code 01-18): “企業が行う従業員の社会保険・税手続のワンストップ化・ワンスオンリー化の推進”. In: "
    "kanmin-data project, National policies for prefectural public-private data utilisation plans (Guide for "
    "prefectural plans, Part III, revised 2019-10-11), version 3.0.0 (2026-12-07). "
    "https://w3id.org/kanmin-data/policy/7 (accessed YYYY-MM-DD)")


def element_text(html: str, element_id: str) -> str:
    import re

    match = re.search(rf'<(\w+)[^>]* id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, element_id
    return "".join(Page(match.group(2)).text)


def test_policy_7_can_be_cited_by_its_iri(site):
    html = (site / "policy/7.html").read_text(encoding="utf-8")
    assert element_text(html, "iri") == "https://w3id.org/kanmin-data/policy/7"
    assert element_text(html, "cite-ja") == CITATION_7_JA
    assert element_text(html, "cite-en") == CITATION_7_EN
    assert "w3id.org の転送が登録されると" in html  # the small print: the IRI resolves once registered


def test_the_citation_comes_from_the_metadata_and_the_row(tmp_path, site_build, pkg):
    """Another source title, publisher, dataset title, version and base give another citation:
    nothing of it is typed in the code or the templates."""
    other = model.Package(copy.deepcopy(pkg.metadata), copy.deepcopy(pkg.tables))
    md = other.metadata
    md["sources"][0]["title"] = "別の手引 Ⅸ 別の表"
    md["source_publisher"]["name"] = {"ja": "別の省", "en": "Another Ministry"}
    md["publisher"]["name"] = {"ja": "別の公開者", "en": "Another publisher"}
    md["title"] = {"ja": "別のデータセット", "en": "Another dataset"}
    md["version"], md["modified"], md["source_issued"] = "9.8.7", "2030-01-02T00:00:00Z", "2029-03-04"
    other.tables["policies"][6]["policy_code"] = "99-98"
    write_site(other, tmp_path, site_build, base="https://example.org/k/")
    html = (tmp_path / "policy/7.html").read_text(encoding="utf-8")
    assert element_text(html, "cite-ja") == (
        "別の省「別の手引 Ⅸ 別の表」No 7（国の施策番号 99-98）「企業が行う従業員の社会保険・税手続のワンストップ化・"
        "ワンスオンリー化の推進」。別の公開者『別のデータセット』版 9.8.7（2030-01-02）、https://example.org/k/policy/7"
        "（参照 YYYY-MM-DD）")
    assert element_text(html, "cite-en") == (
        "Another Ministry (2029-03-04). “別の手引 Ⅸ 別の表”, row number 7 (national policy code 99-98): "
        "“企業が行う従業員の社会保険・税手続のワンストップ化・ワンスオンリー化の推進”. In: Another publisher, Another dataset, "
        "version 9.8.7 (2030-01-02). https://example.org/k/policy/7 (accessed YYYY-MM-DD)")
    assert "w3id.org" not in element_text(html, "h-cite") + html.split('id="iri"')[1][:300]


# --- reporting an error -------------------------------------------------------------------------

def issue_form_ids() -> set[str]:
    import yaml

    form = yaml.safe_load((REPO / ".github/ISSUE_TEMPLATE/data-error.yml").read_text(encoding="utf-8"))
    return {field["id"] for field in form["body"] if "id" in field}


def report_links(html: str) -> list[str]:
    return [a for t, attr, a in Page(html).urls if t == "a" and ("/issues/new?" in a or a.startswith("mailto:"))]


def test_the_report_link_opens_the_issue_form_with_the_policy_filled_in(site):
    """With the repository setting (the test build's): the repository's issue form, its policy,
    code and version fields filled in by query parameters named like the form's field ids."""
    from urllib.parse import parse_qs, urlsplit

    for p in csv.DictReader((REPO / "data/policies.csv").open(encoding="utf-8")):
        (link,) = report_links((site / f"policy/{p['policy_id']}.html").read_text(encoding="utf-8"))
        url = urlsplit(link)
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{TEST_REPOSITORY}/issues/new"
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert query["template"] == "data-error.yml" and (REPO / ".github/ISSUE_TEMPLATE" / query["template"]).is_file()
        assert (query["policy"], query["code"], query["version"]) == (p["policy_id"], p["policy_code"],
                                                                     metadata_version())
        assert f"No {p['policy_id']}" in query["title"]
        assert set(query) - {"template", "title"} <= issue_form_ids()


def metadata_version() -> str:
    return (REPO / "data/curated/VERSION").read_text(encoding="utf-8").strip()


def test_without_the_setting_the_page_says_how_to_report(tmp_path, site_build, pkg, monkeypatch):
    """No repository and no contact address: no link to a form that may not exist, but what to
    write and to whom. With a contact address only: a mail with the policy in its subject."""
    write_site(pkg, tmp_path / "none", site_build)
    html = (tmp_path / "none" / "policy/7.html").read_text(encoding="utf-8")
    assert report_links(html) == [] and "issues/new" not in html
    text = "".join(Page(html).text)
    assert "誤りを見つけたら、No 7（国の施策番号 01-18）と版 3.0.0 を添えて、公開者（kanmin-data プロジェクト）にお知らせください" in text
    assert "報告用のリンクはありません" in text

    write_site(pkg, tmp_path / "mail", site_build, contact="opendata@kanmin-data.jp")
    (link,) = report_links((tmp_path / "mail" / "policy/7.html").read_text(encoding="utf-8"))
    assert link.startswith("mailto:opendata@kanmin-data.jp?subject=") and "No%207%20%2801-18%29" in link


def test_the_repository_setting_is_an_address_or_nothing(monkeypatch):
    from kanmin.errors import UsageError
    from kanmin.settings import repository_url

    monkeypatch.delenv("KANMIN_REPOSITORY_URL", raising=False)
    assert repository_url() is None
    monkeypatch.setenv("KANMIN_REPOSITORY_URL", "https://github.com/owner/repo/")
    assert repository_url() == "https://github.com/owner/repo"
    assert repository_url("https://ghe.example.org/a/b") == "https://ghe.example.org/a/b"  # the option wins
    for bad in ("github.com/owner/repo", "javascript:alert(1)", "https://github.com/o/r?x=1", "https://x/ y"):
        with pytest.raises(UsageError):
            repository_url(bad)


# --- the update history ---------------------------------------------------------------------------

def test_the_update_history_is_the_changelog_linked_from_every_page(site):
    import re

    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    html = (site / "changes.html").read_text(encoding="utf-8")
    versions = re.findall(r"^## (.+)$", changelog, re.M)
    assert versions and [h for h in re.findall(r"<h3>(.*?)</h3>", html)] == versions  # one level down
    assert "### Added: a ZIP of the package" in changelog and "<h4>Added: a ZIP of the package" in html
    assert '<div class="changelog" lang="en">' in html and html.count("<h1>") == 1
    for path in pages(site):
        rel = path.relative_to(site).as_posix()
        assert ("a", "href", "../" * rel.count("/") + "changes.html") in page(site, rel).urls, rel


def test_the_changelog_cannot_inject_html_and_without_one_there_is_no_page(tmp_path, site_build, pkg):
    write_site(pkg, tmp_path / "evil", site_build,
               changelog="# Changelog\n\n<script>alert(1)</script> [x](javascript:alert(2))\n")
    html = (tmp_path / "evil" / "changes.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and 'href="javascript:' not in html and "&lt;script&gt;" in html
    write_site(pkg, tmp_path / "none", site_build)
    assert not (tmp_path / "none" / "changes.html").exists()
    assert "changes.html" not in (tmp_path / "none" / "policy/7.html").read_text(encoding="utf-8")


# --- downloads --------------------------------------------------------------------------------------

def test_downloads_list_the_workbook_first_then_the_zip_and_say_how_to_open_a_csv_in_excel(site):
    downloads = page(site, "downloads.html")
    paths = [r["data-path"] for r in downloads.rows if "data-path" in r]
    assert paths[:3] == ["build/kuni-shisaku-ichiran-todofuken-2019.xlsx",
                         "build/kuni-shisaku-ichiran-todofuken-2019.zip", "data/policies.csv"]
    text = "".join(downloads.text)
    for words in ("BOMなし", "「データ」→「テキストまたはCSVから」", "65001: Unicode (UTF-8)", "Excelブック"):
        assert words in text, words


# --- the query page (issue 22) ---------------------------------------------------------------------

def test_the_query_page_lists_every_example_with_its_titles_descriptions_and_text(site):
    """Every example of rdf/queries/ with the titles and descriptions of its header (the one
    place they live), code between backticks as code, and its text as the file holds it."""
    import re

    from kanmin.rdf.examples import examples

    html = (site / "sparql.html").read_text(encoding="utf-8")
    found = examples()
    assert len(found) == len(list((REPO / "scripts/kanmin/rdf/queries").glob("*.rq")))
    for e in found:
        item = re.search(rf'<li id="example-{e.name}">(.*?)</li>', html, re.S)
        assert item, e.name
        text = "".join(Page(item.group(1)).text)
        assert e.title["ja"] in text and e.title["en"] in text
        for description in (e.description["ja"], e.description["en"]):
            assert description.replace("`", "") in text, (e.name, description)
        assert element_text(item.group(1), f"query-{e.name}") == e.text
    assert "<code>VALUES</code>" in html  # a description's code, shown as code
    # the editor starts with the example the downloads page shows
    starter = re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "policies-per-pillar" not in starter and "SELECT ?pillar ?pillar_ja" in starter


def test_the_query_page_loads_the_files_a_triple_store_loads(site):
    from kanmin.rdf.examples import QUERY_GRAPH

    config = json.loads(page(site, "sparql.html").script("application/json"))
    assert [g["url"] for g in config["graph"]] == [f"files/{path}" for path in QUERY_GRAPH]
    assert {g["format"] for g in config["graph"]} == {"text/turtle"}
    for path in QUERY_GRAPH:  # the site's copies are the published files
        assert (site / "files" / path).read_bytes() == (site.parent.parent / path).read_bytes()
    assert config["base"] == DEFAULT_BASE and config["limit"] == 10 and config["rows"] == 1000


def test_only_the_query_page_loads_the_engine(site):
    """No other page gets heavier than a link: none loads the query page's script or the engine."""
    for path in pages(site):
        assets = Page(path.read_text(encoding="utf-8")).assets
        uses = any("sparql" in a or "vendor" in a or a.endswith(".wasm") for a in assets)
        assert uses == (path.name == "sparql.html"), (path, assets)


@pytest.fixture(scope="module")
def published_store(site):
    import pyoxigraph

    from kanmin.rdf.examples import QUERY_GRAPH

    store = pyoxigraph.Store()
    for path in QUERY_GRAPH:
        store.bulk_load(path=str(site.parent.parent / path), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def sparql_link(html: str) -> str:
    """The query of a page's "SPARQLで調べる" link."""
    from urllib.parse import parse_qs, urlsplit

    (href,) = [a for t, attr, a in Page(html).urls if t == "a" and "sparql.html?" in a]
    assert urlsplit(href).path.endswith("sparql.html")
    return parse_qs(urlsplit(href).query)["query"][0]


def test_every_policy_page_links_to_a_query_whose_results_name_the_policy(site, published_store):
    dct = "http://purl.org/dc/terms/"
    for p in csv.DictReader((REPO / "data/policies.csv").open(encoding="utf-8")):
        query = sparql_link((site / f"policy/{p['policy_id']}.html").read_text(encoding="utf-8"))
        assert f"<{DEFAULT_BASE}policy/{p['policy_id']}>" in query
        rows = {(r["property"].value, r["value"].value) for r in published_store.query(query)}
        assert (dct + "title", p["name"]) in rows and (dct + "identifier", p["policy_id"]) in rows, p["policy_id"]


def test_every_ministry_page_links_to_a_query_listing_its_policies(site, published_store):
    named: dict[str, set[tuple[str, str]]] = {}
    for a in csv.DictReader((REPO / "data/policy_ministries.csv").open(encoding="utf-8")):
        named.setdefault(a["ministry_id"], set()).add((a["policy_id"], a["role"]))
    roles = {"主担当（◎）": "lead", "共管": "co"}
    for m in csv.DictReader((REPO / "data/ministries.csv").open(encoding="utf-8")):
        query = sparql_link((site / f"ministry/{m['ministry_id']}.html").read_text(encoding="utf-8"))
        rows = [(r["no"].value, roles[r["role"].value]) for r in published_store.query(query)]
        assert set(rows) == named.get(m["ministry_id"], set()) and len(rows) == len(set(rows)), m["ministry_id"]


def test_the_query_page_moves_with_the_base(tmp_path, site_build, pkg):
    from kanmin.site import sparql

    base = "https://example.org/k/"
    write_site(pkg, tmp_path, site_build, base=base)
    html = (tmp_path / "sparql.html").read_text(encoding="utf-8")
    config = json.loads(page(tmp_path, "sparql.html").script("application/json"))
    assert config["base"] == base and DEFAULT_BASE not in json.dumps(config)
    assert {"prefix": base + "policy/", "page": "policy/{id}.html"} in config["links"]
    assert "PREFIX kd: &lt;https://example.org/k/vocab#&gt;" in html  # the examples' vocabulary moved too
    assert f"<{base}policy/7>" in sparql_link((tmp_path / "policy/7.html").read_text(encoding="utf-8"))
    with pytest.raises(ValueError):  # a link's query must name what it is about in one VALUES clause
        sparql.about("SELECT * WHERE { ?s ?p ?o }", base + "policy/7")


def test_the_template_cache_never_fails_a_build(tmp_path, monkeypatch):
    """The site's templates are compiled once into Jinja2's bytecode cache in the temporary folder
    (render.environment). A temporary folder that cannot hold it (missing, or full: any OSError on
    writing) leaves the templates compiled each time, with the same pages."""
    import os

    import jinja2

    from kanmin.site import render

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "missing"))
    assert render.environment().bytecode_cache is None
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    env = render.environment()
    assert isinstance(env.bytecode_cache, jinja2.FileSystemBytecodeCache)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tempfile.NamedTemporaryFile", full)
    assert env.get_template("base.html").name == "base.html"  # compiled; its dump refused, no error
    assert list((tmp_path / f"_jinja2-cache-{os.getuid()}").iterdir()) == []
    monkeypatch.undo()
    # and where it can, the compiled template is kept (the pages of a warm build are the same as a
    # cold one's: the byte-identical rebuild tests build twice)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    render.environment().get_template("base.html")
    assert len(list((tmp_path / f"_jinja2-cache-{os.getuid()}").iterdir())) == 1
