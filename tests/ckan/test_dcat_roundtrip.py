"""DCAT round trip with ckanext-dcat 2.4.4 (in the CKAN venv): its RDFParser (profile
euro_dcat_ap_3) reads our catalog as exactly one dataset with the licence, the distributions and
their download URLs; and the portals' own DCAT exports of the published dataset
(``/dataset/<name>.ttl`` and ``.jsonld``, the files a national or EU portal harvests) are checked
with the official DCAT-AP 3.0.1 shapes (../shared/dcat-ap/shapes.ttl + range.ttl):

- the DCAT-AP portal (ckanext-scheming's DCAT-AP schema, ``ckan_dcat_portal``): 0 violations with
  the two vocabulary facts of vocabularies.ttl as background, and without them exactly the two
  class-range results on those vocabulary IRIs (ckanext-dcat names a theme and a licence type
  without their class, and SEMIC's shapes expect the vocabularies loaded with the data); it
  describes the distributions of our catalog.ttl, compared as graphs of (download URL, property,
  value) on checksum and its algorithm, media type, format, licence and size, and it has every
  property of our dataset and distributions that the schema can hold (``EXPORT_LACKS``);
- the core portal (``ckan_portal``): its violations are counted and asserted, per distribution
  and per dataset message (``CORE_PER_DISTRIBUTION``, ``CORE_DATASET_VIOLATIONS``; printed with
  -s), and it describes our distributions with the same download URLs, checksums, licence and sizes.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator

import pytest
import services
from rdflib import Graph, Namespace
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from kanmin.portal.publish import Portal, publish
from kanmin.settings import DESCRIPTOR, RDF_DIR, REPO
from support import published

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
NAME = json.loads((REPO / DESCRIPTOR).read_text(encoding="utf-8"))["name"]
FORMATS = {"ttl": "turtle", "jsonld": "json-ld"}
#: DCAT-AP 3.0.1 violations of the core portal's export of the package, per distribution: its
#: format and media type written as literals (each: not an IRI, not of the class), 4 in all.
CORE_PER_DISTRIBUTION = 4
#: ... and of the dataset (property: message -> count): a contact point typed vcard:Organization
#: only (ckanext-dcat's writer of the contact_* extras), the theme and the licence type without
#: their class (see UNTYPED). Before issue 18 (identifier and source documents as extras
#: ``identifier``, ``source``) there were 4 more: 73-79 in all with 17-18 distributions.
CORE_DATASET_VIOLATIONS = {
    "dcat#contactPoint: Value does not have class vcard:Kind": 1,
    "dcat#theme: Value does not have class skos:Concept": 1,
    "type: Value does not have class skos:Concept": 1,
}
#: The vocabulary IRIs the exports name without their class (each one result of range.ttl).
UNTYPED = {(str(DCAT.theme), "http://publications.europa.eu/resource/authority/data-theme/GOVE"),
           (str(DCT.type), "http://purl.org/adms/licencetype/UnknownIPR")}
PARSE = """
import json, sys
from ckanext.dcat.processors import RDFParser
parser = RDFParser(profiles=["euro_dcat_ap_3"])
parser.parse(open(sys.argv[1], encoding="utf-8").read(), _format="turtle")
print(json.dumps(list(parser.datasets()), ensure_ascii=False))
"""


def _catalog() -> Graph:
    return Graph().parse(REPO / RDF_DIR / "catalog.ttl", format="turtle")


def _shapes() -> Graph:
    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        shapes.parse(services.ROOT.parent / "shared" / "dcat-ap" / name, format="turtle")
    return shapes


def _violations(graph: Graph, background: Graph | None = None) -> list[dict]:
    from kanmin.rdf.validate import shacl_results

    data = Graph()
    for triple in graph:
        data.add(triple)
    for triple in background or ():
        data.add(triple)
    return [r for r in shacl_results(data, _shapes(), inplace=True) if r["severity"] == "Violation"]


def _purge(ckan) -> None:
    from ckanapi import NotFound

    try:
        ckan.action.dataset_purge(id=NAME)
    except NotFound:
        pass


@pytest.fixture(scope="module")
def exports(ckan_portal, ckan_dcat_portal) -> Iterator[dict[tuple[str, str], Graph]]:
    """The package published afresh on both portals; their exports, {(portal, "ttl"|"jsonld"): graph}."""
    import requests

    graphs = {}
    for kind, portal in (("core", ckan_portal), ("dcat-ap", ckan_dcat_portal)):
        admin = portal.client()
        _purge(admin)
        publish(REPO, Portal(portal.url, portal.api_token), portal.organization)
        for suffix, fmt in FORMATS.items():
            response = requests.get(f"{portal.url}/dataset/{NAME}.{suffix}", timeout=30)
            response.raise_for_status()
            # CKAN names no charset: the bytes are UTF-8 (requests would read them as Latin-1)
            graphs[kind, suffix] = Graph().parse(data=response.content.decode("utf-8"), format=fmt)
        admin.close()
    yield graphs
    for portal in (ckan_portal, ckan_dcat_portal):
        with portal.client() as admin:
            _purge(admin)


def test_rdfparser_reads_our_catalog_as_one_dataset(ckan_portal):
    python = services.CKAN_VENV / "bin" / "python"
    run = subprocess.run([str(python), "-c", PARSE, str(REPO / RDF_DIR / "catalog.ttl")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    datasets = json.loads(run.stdout)
    assert len(datasets) == 1
    catalog = _catalog()
    expected = {str(url) for url in catalog.objects(None, DCAT.downloadURL)}
    resources = datasets[0]["resources"]
    assert {r["download_url"] for r in resources} == expected and len(resources) == len(expected)
    licence_title = json.loads((REPO / DESCRIPTOR).read_text(encoding="utf-8"))["licenses"][0]["title"]
    assert {r.get("license") for r in resources} == {licence_title}
    extras = {e["key"]: e["value"] for e in datasets[0]["extras"]}
    assert extras["uri"] == str(next(catalog.subjects(RDF.type, DCAT.Dataset)))


@pytest.mark.parametrize("kind", ["core", "dcat-ap"])
def test_the_turtle_and_the_json_ld_export_are_one_graph(exports, kind):
    assert len(exports[kind, "ttl"]) > 300 and isomorphic(exports[kind, "ttl"], exports[kind, "jsonld"])


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_dcat_ap_portals_export_is_valid(exports, suffix, capsys):
    graph = exports["dcat-ap", suffix]
    alone = _violations(graph)
    background = Graph().parse(services.HERE / "vocabularies.ttl", format="turtle")
    with_vocabularies = _violations(graph, background)
    with capsys.disabled():
        print(f"\n[dcat] DCAT-AP portal /dataset/{NAME}.{suffix}: {len(graph)} triples, "
              f"{len(with_vocabularies)} DCAT-AP 3.0.1 violations with the vocabularies' "
              f"{len(background)} triples ({len(alone)} without them)")
    assert with_vocabularies == []
    assert {(r["path"], r["value"]) for r in alone} == UNTYPED and len(alone) == len(UNTYPED)
    assert {r["message"] for r in alone} == {"Value does not have class skos:Concept"}


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_core_portals_export_violations_are_counted(exports, suffix, capsys):
    graph = exports["core", suffix]
    violations = _violations(graph)
    with capsys.disabled():
        counts = Counter(f"{r['path'].rsplit('/', 1)[-1]}: {r['message']}" for r in violations)
        print(f"\n[dcat] core portal /dataset/{NAME}.{suffix}: {len(graph)} triples, "
              f"{len(violations)} DCAT-AP 3.0.1 violations (ckanext-dcat's writer of CKAN's core fields; "
              f"reported, not gated): " + "; ".join(f"{n} × {m}" for m, n in counts.most_common()))
    distributions = {str(d) for d in graph.subjects(RDF.type, DCAT.Distribution)}
    assert len(distributions) == len(published())
    per = Counter(r["focus"] for r in violations if r["focus"] in distributions)
    assert set(per) == distributions and set(per.values()) == {CORE_PER_DISTRIBUTION}
    rest = Counter(f"{r['path'].rsplit('/', 1)[-1]}: {r['message']}" for r in violations
                   if r["focus"] not in distributions)
    assert rest == CORE_DATASET_VIOLATIONS
    assert len(violations) == CORE_PER_DISTRIBUTION * len(published()) + sum(CORE_DATASET_VIOLATIONS.values())


#: Each distribution's properties compared with our catalog, keyed by its download URL.
DISTRIBUTIONS = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX spdx: <http://spdx.org/rdf/terms#>
SELECT ?d ?download ?algorithm ?checksum ?media ?format ?licence ?size WHERE {
  ?dataset a dcat:Dataset ; dcat:distribution ?d .
  OPTIONAL { ?d dcat:downloadURL ?download }
  OPTIONAL { ?d spdx:checksum ?c . ?c spdx:algorithm ?algorithm ; spdx:checksumValue ?checksum }
  OPTIONAL { ?d dcat:mediaType ?media }
  OPTIONAL { ?d dct:format ?format }
  OPTIONAL { ?d dct:license ?licence }
  OPTIONAL { ?d dcat:byteSize ?size }
}"""
PROPERTIES = ("algorithm", "checksum", "media", "format", "licence", "size")


def _by_download(graph: Graph, properties: tuple[str, ...] = PROPERTIES) -> tuple[set[tuple[str, str, str]],
                                                                                  dict[str, str]]:
    """(download URL, property, value) of every distribution, and distribution -> download URL."""
    triples, downloads = set(), {}
    for row in graph.query(DISTRIBUTIONS):
        assert row.download is not None, f"{row.d} has no dcat:downloadURL"
        downloads[str(row.d)] = str(row.download)
        triples |= {(str(row.download), p, str(row[p])) for p in properties if row[p] is not None}
    return triples, downloads


def _compare(theirs: Graph, properties: tuple[str, ...]) -> None:
    """The portal's export describes our catalog's distributions with the same values of
    ``properties``, under the same IRIs and download URLs; and one more: catalog.ttl itself, which
    the catalog does not describe, published beside the others."""
    ours, our_downloads = _by_download(_catalog(), properties)
    described = [d for d in published() if d.described]
    assert len(our_downloads) == len(described) and len(ours) == len(described) * len(properties)
    triples, their_downloads = _by_download(theirs, properties)
    (extra,) = set(their_downloads.values()) - set(our_downloads.values())
    assert extra.endswith(f"/{RDF_DIR}/catalog.ttl")
    assert {t for t in triples if t[0] != extra} == ours
    # the same distribution IRIs too: the portal's resources are keyed by them (uri)
    assert {d: u for d, u in their_downloads.items() if u != extra} == our_downloads


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_dcat_ap_export_describes_the_distributions_of_our_catalog(exports, suffix):
    _compare(exports["dcat-ap", suffix], PROPERTIES)


#: Properties of our catalog's dataset and distributions that the DCAT-AP portal's export does not
#: have, and why: ckanext-dcat's DCAT-AP schema has no field for them.
EXPORT_LACKS = {
    # DCAT-AP 3 gives a dataset no licence or rights: the distributions carry them (and do here)
    ("Dataset", "http://purl.org/dc/terms/license"), ("Dataset", "http://purl.org/dc/terms/rights"),
    # the text extraction the dataset is derived from: its lineage is the export's dct:provenance
    ("Dataset", "http://www.w3.org/ns/prov#wasDerivedFrom"),
    # labels for RDF browsers; dct:title says the same
    ("Dataset", "http://www.w3.org/2000/01/rdf-schema#label"),
    ("Distribution", "http://www.w3.org/2000/01/rdf-schema#label"),
}


def _properties(graph: Graph) -> set[tuple[str, str]]:
    """(class, property) of every property a dcat:Dataset or dcat:Distribution of ``graph`` has."""
    return {(cls.rsplit("#", 1)[-1], str(p)) for cls in (DCAT.Dataset, DCAT.Distribution)
            for s in graph.subjects(RDF.type, cls) for p in graph.predicates(s)}


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_dcat_ap_export_has_every_property_of_our_catalog(exports, suffix):
    """Every field of the schema that our metadata knows is filled: what the catalog says of the
    dataset and its distributions, the portal's export says too (but ``EXPORT_LACKS``)."""
    ours, theirs = _properties(_catalog()), _properties(exports["dcat-ap", suffix])
    assert EXPORT_LACKS <= ours  # each exception is still needed
    assert ours - theirs == EXPORT_LACKS


#: What the core portal's export says as our catalog does (its format, media type and checksum
#: algorithm are CKAN's names, literals: counted among its violations above).
CORE_PROPERTIES = ("checksum", "licence", "size")


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_core_export_describes_our_downloads_checksums_and_licence(exports, suffix):
    graph = exports["core", suffix]
    _compare(graph, CORE_PROPERTIES)
    theirs, _ = _by_download(graph, ("media", "format"))
    assert theirs and all(not value.startswith("http") for _, _, value in theirs)  # names, not IRIs
