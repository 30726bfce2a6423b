"""The project's SHACL shapes (of the data graph, of the catalog) accept the fixture's graphs and
reject deliberately broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from kanmin.rdf import build_rdf
from kanmin.rdf.build import SHAPES_SOURCE, VOCAB_SOURCE
from kanmin.rdf.validate import CATALOG_SHAPES_SOURCE, hoisted, shacl_results
from support import make_package

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "rdf"
B = Namespace("https://w3id.org/kanmin-data/")
KD = Namespace("https://w3id.org/kanmin-data/vocab#")
DCT = Namespace("http://purl.org/dc/terms/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SCHEMA = Namespace("http://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SH = Namespace("http://www.w3.org/ns/shacl#")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    package = tmp_path_factory.mktemp("shapes") / "pkg"
    make_package(package)
    build_rdf(package, package / "out")
    return package / "out"


@pytest.fixture(scope="module")
def good(out) -> Graph:
    return Graph().parse(out / "data.ttl", format="turtle") + Graph().parse(VOCAB_SOURCE, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_SOURCE, format="turtle")


def violations(graph: Graph, shapes: Graph) -> set[tuple[str, str]]:
    return {(r["focus"], r["path"]) for r in shacl_results(graph, shapes) if r["severity"] == "Violation"}


def test_fixture_graph_conforms(good, shapes):
    assert violations(good, shapes) == set()


P1, P2 = B["policy/1"], B["policy/2"]


def _second_code(g):
    g.add((P1, SKOS.notation, Literal("09-99")))


def _no_code(g):
    g.remove((P1, SKOS.notation, None))


def _no_lead(g):
    for a in list(g.objects(P1, PROV.qualifiedAttribution)):
        g.set((a, DCAT.hadRole, KD["role-co"]))


def _bad_kpi_kind(g):
    g.set((B["kpi/1-effect-1"], DCT.type, KD["kpi-outcome"]))


def _url_as_literal(g):
    g.set((B["reference/2-1"], SCHEMA.url, Literal("https://www.soumu.go.jp/")))


def _year_as_string(g):
    g.set((P2, KD.startFiscalYear, Literal("2019")))


def _year_out_of_range(g):
    g.set((P2, KD.startFiscalYear, Literal(1999)))


def _title_without_language(g):
    g.set((P1, DCT.title, Literal("マイナンバーカード")))


def _title_in_english(g):
    g.set((P1, DCT.title, Literal("Procurement", lang="en")))


def _mark_count_as_decimal(g):
    g.set((P1, KD.effectMarkCount, Literal("2.0", datatype=XSD.decimal)))


def _position_as_string(g):
    g.set((B["attribution/1-1"], SCHEMA.position, Literal("1")))


def _ministry_without_english_name(g):
    g.remove((B["ministry/mic"], SKOS.prefLabel, Literal("Ministry of Internal Affairs and Communications", lang="en")))


BROKEN = [
    (_second_code, P1, SKOS.notation),
    (_no_code, P1, SKOS.notation),
    (_no_lead, P1, PROV.qualifiedAttribution),
    (_bad_kpi_kind, B["kpi/1-effect-1"], DCT.type),
    (_url_as_literal, B["reference/2-1"], SCHEMA.url),
    (_year_as_string, P2, KD.startFiscalYear),
    (_year_out_of_range, P2, KD.startFiscalYear),
    (_title_without_language, P1, DCT.title),
    (_title_in_english, P1, DCT.title),
    (_mark_count_as_decimal, P1, KD.effectMarkCount),
    (_position_as_string, B["attribution/1-1"], SCHEMA.position),
    (_ministry_without_english_name, B["ministry/mic"], SKOS.prefLabel),
]


@pytest.mark.parametrize("breaker,focus,path", BROKEN, ids=[b[0].__name__.strip("_") for b in BROKEN])
def test_shapes_reject_broken_graph(good, shapes, breaker, focus, path):
    graph = Graph()
    for triple in good:
        graph.add(triple)
    breaker(graph)
    assert (str(focus), str(path)) in violations(graph, shapes)


@pytest.mark.parametrize("breaker", [None] + [b[0] for b in BROKEN],
                         ids=["good"] + [b[0].__name__.strip("_") for b in BROKEN])
def test_hoisted_shapes_give_the_same_results(good, shapes, breaker):
    """validate_rdf validates `hoisted(shapes)` (property shapes carrying their node shape's
    targets): every result, not only the verdict, must be what the shapes as written give."""
    graph = Graph()
    for triple in good:
        graph.add(triple)
    if breaker is not None:
        breaker(graph)
    assert shacl_results(graph, shapes, hoist=True) == shacl_results(graph, shapes, hoist=False)


def test_hoisting_moves_targets_onto_property_shapes(shapes):
    flat = hoisted(shapes)
    nested = set(shapes.triples((None, SH.property, None)))
    assert len(nested) > 50 and set(flat.triples((None, SH.property, None))) == set()
    for node, _p, prop in nested:
        assert set(flat.objects(prop, SH.targetClass)) == set(shapes.objects(node, SH.targetClass))


def test_hoisting_leaves_shapes_used_by_other_shapes_alone():
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:A a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:pa .
        ex:pa sh:path ex:p ; sh:minCount 1 .
        ex:B a sh:NodeShape ; sh:targetClass ex:D ; sh:node ex:A .
        ex:E a sh:NodeShape ; sh:targetClass ex:F ; sh:deactivated true ; sh:property ex:pe .
        ex:pe sh:path ex:p ; sh:minCount 1 .
        ex:G a sh:NodeShape , <http://www.w3.org/2000/01/rdf-schema#Class> ; sh:targetClass ex:H ; sh:property ex:pg .
        ex:pg sh:path ex:p ; sh:minCount 1 .
        ex:I a sh:NodeShape ; sh:targetClass ex:J ; sh:property ex:pi .
        ex:K a sh:NodeShape ; sh:targetClass ex:L ; sh:property ex:pi .
        ex:pi sh:path ex:p ; sh:minCount 1 .
        ex:M a sh:NodeShape ; sh:targetClass ex:N ; sh:property ex:pm .
        ex:pm sh:path ex:p ; sh:minCount 1 .
    """, format="turtle")
    flat = hoisted(shapes)
    moved = {str(s).rsplit("/", 1)[-1] for s in flat.subjects(SH.targetClass, None)} - {"A", "B", "E", "G", "I", "K", "M"}
    assert moved == {"pm"}


@pytest.mark.parametrize("names", [("shapes.ttl", "range.ttl"), ("shapes_recommended.ttl",)],
                         ids=["dcat-ap", "dcat-ap-recommended"])
def test_hoisted_dcat_ap_shapes_give_the_same_results_on_the_published_catalog(names):
    """The official DCAT-AP 3.0.1 shapes (212 and 36 sh:property links) on the published catalog
    and data graph: hoisted or as written, the same results."""
    from kanmin.rdf.validate import FORMATS, OTHER_GRAPHS, rdflib_graph, read_prefixes
    from kanmin.settings import dcat_ap_dir

    folder, rdf = dcat_ap_dir(), REPO / "build" / "rdf"
    if not all((folder / n).is_file() for n in names):
        pytest.skip(f"DCAT-AP shapes not in {folder}")
    prefixes, _ = read_prefixes(rdf)
    graph = rdflib_graph([(rdf / "data.nt", FORMATS["data.nt"]), (rdf / "vocab.ttl", OTHER_GRAPHS["vocab.ttl"]),
                          (rdf / "catalog.ttl", OTHER_GRAPHS["catalog.ttl"])], prefixes)
    shapes = Graph()
    for name in names:
        shapes.parse(folder / name, format="turtle")
    assert len(set(shapes.triples((None, SH.property, None)))) > 30
    assert shacl_results(graph, shapes, hoist=True) == shacl_results(graph, shapes, hoist=False)


# --- the catalog's shapes -------------------------------------------------------------------------

FOAF = Namespace("http://xmlns.com/foaf/0.1/")
EU = "http://publications.europa.eu/resource/authority/"
DATASET = B["dataset/kuni-shisaku-ichiran-todofuken-2019"]
CSV = B["dataset/kuni-shisaku-ichiran-todofuken-2019/distribution/data-policies.csv"]
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
LICENCE = URIRef(EU + "licence/CC_BY_4_0")


@pytest.fixture(scope="module")
def catalog(out) -> Graph:
    return Graph().parse(out / "catalog.ttl", format="turtle")


@pytest.fixture(scope="module")
def catalog_shapes() -> Graph:
    return Graph().parse(CATALOG_SHAPES_SOURCE, format="turtle")


def test_fixture_catalog_conforms(catalog, catalog_shapes):
    assert shacl_results(catalog, catalog_shapes) == []


CATALOG_BROKEN = [
    ("no_access_rights", lambda g: g.remove((DATASET, DCT.accessRights, None)), DATASET, DCT.accessRights),
    ("access_rights_not_eu", lambda g: g.set((DATASET, DCT.accessRights, URIRef(EU + "access-right/OPEN"))),
     DATASET, DCT.accessRights),
    ("dataset_licence_cc_url", lambda g: g.set((DATASET, DCT.license, CC_BY)), DATASET, DCT.license),
    ("distribution_licence_cc_url", lambda g: g.set((CSV, DCT.license, CC_BY)), CSV, DCT.license),
    ("no_distribution_licence", lambda g: g.remove((CSV, DCT.license, None)), CSV, DCT.license),
    ("catalog_licence_cc_url", lambda g: g.set((B["catalog"], DCT.license, CC_BY)), B["catalog"], DCT.license),
    ("no_format", lambda g: g.remove((CSV, DCT["format"], None)), CSV, DCT["format"]),
    ("format_as_literal", lambda g: g.set((CSV, DCT["format"], Literal("CSV"))), CSV, DCT["format"]),
    ("format_as_media_type", lambda g: g.set((CSV, DCT["format"], URIRef("https://www.iana.org/assignments/"
                                                                    "media-types/text/csv"))), CSV, DCT["format"]),
    ("no_media_type", lambda g: g.remove((CSV, DCAT.mediaType, None)), CSV, DCAT.mediaType),
    ("media_type_as_file_type", lambda g: g.set((CSV, DCAT.mediaType, URIRef(EU + "file-type/CSV"))),
     CSV, DCAT.mediaType),
    ("media_type_as_literal", lambda g: g.set((CSV, DCAT.mediaType, Literal("text/csv"))), CSV, DCAT.mediaType),
    ("no_distribution_rights", lambda g: g.remove((CSV, DCT.rights, None)), CSV, DCT.rights),
    ("no_byte_size", lambda g: g.remove((CSV, DCAT.byteSize, None)), CSV, DCAT.byteSize),
    ("no_keyword", lambda g: g.remove((DATASET, DCAT.keyword, None)), DATASET, DCAT.keyword),
    ("licence_without_page", lambda g: g.remove((LICENCE, FOAF.page, None)), LICENCE, FOAF.page),
    ("licence_without_title", lambda g: g.remove((LICENCE, DCT.title, None)), LICENCE, DCT.title),
]


@pytest.mark.parametrize("breaker,focus,path", [b[1:] for b in CATALOG_BROKEN], ids=[b[0] for b in CATALOG_BROKEN])
def test_catalog_shapes_reject_broken_catalog(catalog, catalog_shapes, breaker, focus, path):
    graph = Graph()
    for triple in catalog:
        graph.add(triple)
    assert (focus, None, None) in graph  # the fixture's node
    breaker(graph)
    assert violations(graph, catalog_shapes) == {(str(focus), str(path))}
