"""RDF stage: data graph, serialisations, catalog, vocabulary, CLI (fixture package in tests/fixtures/rdf)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF

DCAT = Namespace("http://www.w3.org/ns/dcat#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

from kanmin.cli import main as kanmin_main
from kanmin.distributions import distributions
from kanmin.errors import DataError as RdfInputError
from kanmin.rdf import build_rdf, validate_rdf
from kanmin.rdf.mapping import check_mapping
from kanmin.rdf.namespaces import KD, PREFIXES, STANDARD_NAMESPACES
from kanmin.rdf.serialize import Lit, to_jsonld, to_ntriples, to_turtle
from kanmin.settings import ARCHIVE_PATH, RDF_DIR, WORKBOOK_PATH
from support import describe_files_again, make_package, metadata

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "rdf"
METADATA = REPO / "data" / "curated" / "metadata.json"
DCAT_AP_DIR = Path(os.environ.get("KANMIN_DCAT_AP_DIR", REPO.parent / "shared" / "dcat-ap"))
B = Namespace("https://w3id.org/kanmin-data/")
KDN = Namespace(KD)
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SCHEMA = Namespace("http://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
FORMATS = {"data.ttl": "turtle", "data.nt": "nt", "data.jsonld": "json-ld"}

# Standard terms the graphs may use (a typo such as dct:titel fails the vocabulary test).
STANDARD_TERMS = {
    str(DCTERMS[t]) for t in ("identifier title description subject type source creator publisher isPartOf isReferencedBy relation "
                              "license rights accessRights issued modified language spatial temporal conformsTo "
                              "format LicenseDocument RightsStatement Location PeriodOfTime "
                              "LinguisticSystem MediaType MediaTypeOrExtent Standard".split())
} | {str(DCAT[t]) for t in ("Catalog Dataset Distribution dataset distribution theme themeTaxonomy "
                            "keyword contactPoint landingPage version downloadURL accessURL "
                            "mediaType byteSize startDate endDate hadRole".split())} | {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/ns/org#Organization",
    "http://xmlns.com/foaf/0.1/Agent", "http://xmlns.com/foaf/0.1/name", "http://xmlns.com/foaf/0.1/Group",
    "http://xmlns.com/foaf/0.1/homepage", "http://xmlns.com/foaf/0.1/Document", "http://xmlns.com/foaf/0.1/page",
    str(PROV.Attribution), str(PROV.qualifiedAttribution), str(PROV.agent),
    str(PROV.wasAttributedTo), str(PROV.wasDerivedFrom),
    str(SKOS.Concept), str(SKOS.ConceptScheme), str(SKOS.prefLabel), str(SKOS.notation),
    str(SKOS.inScheme), str(SKOS.topConceptOf), str(SKOS.hasTopConcept),
    str(SCHEMA.position), str(SCHEMA.url),
    "http://spdx.org/rdf/terms#Checksum", "http://spdx.org/rdf/terms#checksum",
    "http://spdx.org/rdf/terms#algorithm", "http://spdx.org/rdf/terms#checksumValue",
    "http://www.w3.org/2006/vcard/ns#Kind", "http://www.w3.org/2006/vcard/ns#Organization",
    "http://www.w3.org/2006/vcard/ns#fn", "http://www.w3.org/2006/vcard/ns#hasEmail",
    "http://www.w3.org/2006/vcard/ns#hasURL",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    package = make_package(tmp_path_factory.mktemp("rdf") / "pkg")
    figures = build_rdf(package, package / "build" / "rdf")
    return package / "build" / "rdf", figures


@pytest.fixture(scope="module")
def data(built) -> Graph:
    return Graph().parse(built[0] / "data.ttl", format="turtle")


@pytest.fixture(scope="module")
def catalog(built) -> Graph:
    return Graph().parse(built[0] / "catalog.ttl", format="turtle")


# --- the data graph --------------------------------------------------------------------------

def test_data_graph_matches_hand_checked_expected(data):
    expected = Graph().parse(FIXTURE / "expected" / "data.ttl", format="turtle")
    assert isomorphic(data, expected)


def test_three_serialisations_are_isomorphic(built):
    graphs = {name: Graph().parse(built[0] / name, format=fmt) for name, fmt in FORMATS.items()}
    assert isomorphic(graphs["data.ttl"], graphs["data.nt"])
    assert isomorphic(graphs["data.ttl"], graphs["data.jsonld"])
    assert len(graphs["data.ttl"]) == built[1]["triples"]


@pytest.mark.parametrize("name,fmt", [("data.ttl", pyoxigraph.RdfFormat.TURTLE),
                                      ("data.nt", pyoxigraph.RdfFormat.N_TRIPLES),
                                      ("data.jsonld", pyoxigraph.RdfFormat.JSON_LD),
                                      ("catalog.ttl", pyoxigraph.RdfFormat.TURTLE),
                                      ("vocab.ttl", pyoxigraph.RdfFormat.TURTLE)])
def test_oxigraph_parses_every_file(built, name, fmt):
    quads = list(pyoxigraph.parse(path=str(built[0] / name), format=fmt))
    assert quads
    assert not any(isinstance(t, pyoxigraph.BlankNode) for q in quads for t in (q.subject, q.object))


def test_rebuild_is_byte_identical(built, tmp_path):
    out, _ = built
    again = tmp_path / "again"
    build_rdf(out.parents[1], again)
    for path in sorted(out.iterdir()):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_no_blank_nodes(data, catalog):
    for graph in (data, catalog):
        assert all(isinstance(term, (URIRef, Literal)) for triple in graph for term in triple)


def test_unknown_effects_stay_absent_and_known_ones_are_stated(data):
    p1, p2, p3 = (B[f"policy/{n}"] for n in (1, 2, 3))
    assert not set(data.objects(p1, KDN.expectedEffect)) | set(data.objects(p1, KDN.notExpectedEffect))
    assert len(set(data.objects(p2, KDN.expectedEffect))) == 4
    assert len(set(data.objects(p3, KDN.notExpectedEffect))) == 4
    assert data.value(p1, KDN.effectMarkCount) == Literal(2)


def test_multi_lead_policy_has_two_lead_attributions(data):
    leads = {data.value(a, PROV.agent) for a in data.objects(B["policy/2"], PROV.qualifiedAttribution)
             if data.value(a, DCAT.hadRole) == KDN["role-lead"]}
    assert leads == {B["ministry/mic"], B["ministry/cas"]}


def test_empty_cells_give_no_triples(data):
    assert data.value(B["policy/2"], DCTERMS.subject) is None  # empty pillar
    assert data.value(B["policy/1"], KDN.startFiscalYear) is None
    # no caption printed: only the generic labels every resource has, no caption literal
    assert set(data.objects(B["reference/2-1"], URIRef("http://www.w3.org/2000/01/rdf-schema#label"))) == {
        Literal("施策2の参考URL 1", lang="ja"), Literal("Reference 2-1 of policy 2", lang="en")}
    assert data.value(B["kpi/1-effect-1"], KDN.kpiGroup) is None


def test_literals_keep_types_languages_and_newlines(data):
    kpi = B["kpi/2-effect-1"]
    assert data.value(kpi, KDN.notSet) == Literal(True)
    assert data.value(kpi, DCTERMS.type) == KDN["kpi-effect"]
    assert data.value(B["policy/2"], KDN.startFiscalYear) == Literal(2019, datatype=XSD.integer)
    overview = data.value(B["policy/1"], DCTERMS.description)
    assert overview.language == "ja" and "\n" in overview
    names = set(data.objects(B["ministry/meti"], SKOS.prefLabel))
    assert {n.language for n in names} == {"ja", "en"}
    assert data.value(B["reference/3-1"], SCHEMA.url) == URIRef("https://cio.go.jp/policy-opendata")
    assert data.value(B["policy/3"], SKOS.notation) == Literal("02-01")


def test_every_schema_field_is_mapped():
    assert check_mapping(metadata()) == []


def test_graph_uses_only_standard_or_defined_terms(built, data, catalog):
    vocab = Graph().parse(built[0] / "vocab.ttl", format="turtle")
    defined = {str(s) for s in vocab.subjects(RDF.type, None)}
    used = {str(p) for g in (data, catalog) for p in g.predicates()}
    used |= {str(o) for g in (data, catalog) for o in g.objects(None, RDF.type)}
    used |= {str(o) for o in data.objects() if str(o).startswith(KD)}
    unknown = sorted(t for t in used if not (t in STANDARD_TERMS or (t.startswith(KD) and t in defined)))
    assert unknown == []
    # The standard terms come from namespaces declared once in kanmin.rdf.namespaces.
    assert all(t.startswith(STANDARD_NAMESPACES) for t in used if t in STANDARD_TERMS)
    assert KD in PREFIXES.values()


def test_vocabulary_labels_and_comments_are_bilingual(built):
    vocab = Graph().parse(built[0] / "vocab.ttl", format="turtle")
    rdfs = Namespace("http://www.w3.org/2000/01/rdf-schema#")
    terms = [s for s in vocab.subjects(RDF.type, None) if str(s).startswith(KD)]
    assert terms
    for term in terms:
        labels = list(vocab.objects(term, rdfs.label)) + list(vocab.objects(term, SKOS.prefLabel))
        assert {lab.language for lab in labels} == {"ja", "en"}, term


def test_base_iri_moves_everything_derived_from_it(built, tmp_path):
    out = tmp_path / "other"
    build_rdf(built[0].parents[1], out, base_iri="https://example.org/k/")
    graph = Graph().parse(out / "data.ttl", format="turtle")
    subjects = {str(s) for s in graph.subjects()}
    assert subjects and all(s.startswith("https://example.org/k/") for s in subjects)
    # no trace of the default base in any file: data, catalog (identifier, agents, downloads),
    # vocabulary, shapes, context
    for path in sorted(out.iterdir()):
        assert "w3id.org/kanmin-data" not in path.read_text(encoding="utf-8"), path.name
    catalog = Graph().parse(out / "catalog.ttl", format="turtle")
    dataset = URIRef("https://example.org/k/dataset/kuni-shisaku-ichiran-todofuken-2019")
    assert catalog.value(dataset, DCTERMS.identifier) == Literal(str(dataset))
    assert str(next(catalog.objects(None, DCAT.downloadURL))).startswith("https://example.org/k/files/")


def test_every_kpi_reference_and_budget_project_links_back_to_its_policy(data):
    for cls, forward, back in ((KDN.KPI, KDN.kpi, DCTERMS.isPartOf), (KDN.Reference, KDN.reference, DCTERMS.isReferencedBy),
                               (KDN.BudgetProject, KDN.budgetProject, DCTERMS.isReferencedBy)):
        nodes = set(data.subjects(RDF.type, cls))
        assert nodes, cls
        for node in nodes:
            policies = {s for s in data.subjects(forward, node) if (s, RDF.type, KDN.Policy) in data}
            assert set(data.objects(node, back)) == policies != set(), node


def test_every_resource_has_an_rdfs_label(data, catalog):
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    meta = metadata()
    for graph in (data, catalog):
        subjects = set(graph.subjects())
        # the landing page alone stays a bare IRI: a harvester reads its label as the dataset's url
        assert subjects and [s for s in subjects if graph.value(s, label) is None
                             and str(s) != meta["homepage"]] == []
    for cls in (DCAT.Catalog, DCAT.Dataset, DCAT.Distribution):
        for node in catalog.subjects(RDF.type, cls):
            assert {lit.language for lit in catalog.objects(node, label)} >= {"ja"}, node


def test_collectives_are_groups_not_organisations(data):
    org = URIRef("http://www.w3.org/ns/org#Organization")
    group = URIRef("http://xmlns.com/foaf/0.1/Group")
    assert (B["ministry/related-fushocho"], RDF.type, group) in data
    assert (B["ministry/related-fushocho"], RDF.type, org) not in data
    assert (B["ministry/mic"], RDF.type, org) in data
    for name in data.objects(B["ministry/related-fushocho"], SKOS.prefLabel):
        if name.language == "en":
            assert name.isascii() and "関係" not in name


# --- the catalog -----------------------------------------------------------------------------

def test_catalog_metadata_comes_from_metadata_json(catalog):
    meta = metadata()
    dataset = B[f"dataset/{meta['name']}"]
    assert set(catalog.objects(dataset, DCTERMS.title)) == {Literal(t, lang=lang) for lang, t in meta["title"].items()}
    assert catalog.value(dataset, DCAT.version) == Literal(meta["version"])
    assert catalog.value(dataset, DCTERMS.creator) == URIRef(meta["source_publisher"]["uri"])
    # the licence: the EU licence table's concept, whose page is the Creative Commons URL that
    # datapackage.json gives; the access rights: the EU access-right table's concept
    licence = URIRef(meta["licence_uri"])
    assert licence == URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
    assert set(catalog.objects(None, DCTERMS.license)) >= {licence}
    assert {s for s in catalog.subjects(DCTERMS.license, licence)} == {
        dataset, B["catalog"], *catalog.subjects(RDF.type, DCAT.Distribution)}
    assert (licence, RDF.type, DCTERMS.LicenseDocument) in catalog
    assert catalog.value(licence, FOAF.page) == URIRef(meta["licenses"][0]["path"]) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    assert catalog.value(licence, DCTERMS.title) == Literal(meta["licenses"][0]["title"])
    assert catalog.value(licence, DCTERMS.identifier) == Literal("CC-BY-4.0")
    assert catalog.value(dataset, DCTERMS.accessRights) == URIRef(
        "http://publications.europa.eu/resource/authority/access-right/PUBLIC") == URIRef(meta["access_rights"])
    # the source document's licence: a licence document of its own, with the PDF of its text as page
    terms = URIRef(meta["source_licence"]["uri"])
    assert catalog.value(URIRef(meta["sources"][0]["path"]), DCTERMS.license) == terms
    assert (terms, RDF.type, DCTERMS.LicenseDocument) in catalog
    assert catalog.value(terms, FOAF.page) == URIRef(meta["source_licence"]["path"])
    assert set(catalog.objects(terms, DCTERMS.title)) == {Literal(t, lang=lang)
                                                           for lang, t in meta["source_licence"]["title"].items()}
    assert set(catalog.subjects(RDF.type, DCTERMS.LicenseDocument)) == {licence, terms}
    # the dataset's own dates are this package's; the source document's date is the source's
    assert catalog.value(dataset, DCTERMS.issued) == Literal(meta["issued"], datatype=XSD.dateTime)
    assert catalog.value(dataset, DCTERMS.modified) == Literal(meta["modified"], datatype=XSD.dateTime)
    source = URIRef(meta["sources"][0]["path"])
    assert catalog.value(source, DCTERMS.issued) == Literal("2019-10-11", datatype=XSD.date)
    assert "2019-10-11" not in {str(o) for p in (DCTERMS.issued, DCTERMS.modified)
                                for o in catalog.objects(dataset, p)}


def test_one_distribution_per_published_file_with_size_and_checksum(built, catalog):
    out, _ = built
    package = out.parents[1]
    spdx = Namespace("http://spdx.org/rdf/terms#")
    urls = {}
    for dist in catalog.subjects(RDF.type, DCAT.Distribution):
        url = str(catalog.value(dist, DCAT.downloadURL))
        checksum = catalog.value(dist, spdx.checksum)
        urls[url] = (int(catalog.value(dist, DCAT.byteSize)), str(catalog.value(checksum, spdx.checksumValue)))
    base = "https://w3id.org/kanmin-data/files/"
    # every distribution of the registry but the catalog itself (the registry is checked by hand in
    # test_distributions.py)
    resources = json.loads(METADATA.read_text(encoding="utf-8"))["resources"]
    expected = [d.path for d in distributions(resources, package) if d.path != f"{RDF_DIR}/catalog.ttl"]
    assert len(expected) == 18 and WORKBOOK_PATH in expected and ARCHIVE_PATH in expected
    assert sorted(urls) == sorted(base + e for e in expected)
    for rel in expected:
        blob = (package / rel).read_bytes()
        assert urls[base + rel] == (len(blob), hashlib.sha256(blob).hexdigest()), rel


def test_source_date_epoch_sets_modified(built, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build_rdf(built[0].parents[1], tmp_path / "o")
    graph = Graph().parse(tmp_path / "o" / "catalog.ttl", format="turtle")
    assert Literal("2023-11-14T22:13:20Z", datatype=XSD.dateTime) in set(graph.objects(None, DCTERMS.modified))


@pytest.mark.skipif(not (DCAT_AP_DIR / "shapes.ttl").is_file(), reason="DCAT-AP shapes not present")
def test_validate_rdf_passes_own_and_dcat_ap_shapes(built):
    report = validate_rdf(built[0], DCAT_AP_DIR)
    assert report["problems"] == []
    assert [r for r in report["own_shapes"] if r["severity"] == "Violation"] == []
    assert report["catalog_shapes"] == []
    assert [r for r in report["dcat_ap"] if r["severity"] == "Violation"] == []
    assert [(m["score"], m["offline_maximum"]) for m in report["mqa"]] == [(325, 325)]
    assert report["ok"] is True
    # Recommendations left open are the ones the README explains (see EXPLAINED_WARNINGS).
    paths = {r["path"].rsplit("/", 1)[-1].rsplit("#", 1)[-1] for r in report["dcat_ap_recommended"]}
    assert paths <= {"bbox", "centroid", "contactPoint", "distribution", "keyword", "type", "availability"}


# --- errors and CLI --------------------------------------------------------------------------

def _break(package: Path, table: str, old: str, new: str) -> None:
    """A table broken as a faulty build would write it (its descriptor describes it)."""
    path = package / "data" / f"{table}.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    describe_files_again(package)


def test_all_problems_are_collected(tmp_path):
    package = make_package(tmp_path / "pkg")
    _break(package, "policy_ministries", "1,2,meti,co", "1,2,nowhere,co")
    _break(package, "kpis", "1-effect-1,1,effect,1,,電子応札率,false", "1-effect-1,1,effect,one,,電子応札率,maybe")
    with pytest.raises(RdfInputError) as info:
        build_rdf(package, tmp_path / "out")
    messages = [str(p) for p in info.value.problems]
    assert messages == [
        "data/policy_ministries.csv, row 3, field ministry_id: 'nowhere' is not a ministry_id of ministries",
        "data/kpis.csv, row 2, field position: 'one' is not an integer",
        "data/kpis.csv, row 2, field not_set: 'maybe' is not true/false",
    ]
    assert not (tmp_path / "out").exists()


def test_failed_build_keeps_previous_output(tmp_path):
    package = make_package(tmp_path / "pkg")
    out = tmp_path / "out"
    build_rdf(package, out)
    before = (out / "data.ttl").read_bytes()
    _break(package, "policy_references", "https://cio.go.jp/opendata100", "not a url")
    with pytest.raises(RdfInputError):
        build_rdf(package, out)
    assert (out / "data.ttl").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "pkg"]


def test_cli_exit_codes_and_messages(tmp_path, capsys):
    package = make_package(tmp_path / "pkg")
    assert kanmin_main(["rdf", "--package", str(package), "--out", str(tmp_path / "o")]) == 0
    assert "data triples" in capsys.readouterr().out
    _break(package, "kpis", "2-effect-1,2,effect", "2-effect-1,99,effect")
    assert kanmin_main(["rdf", "--package", str(package), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err == "error: data/kpis.csv, row 4, field policy_id: '99' is not a policy_id of policies\n"
    with pytest.raises(SystemExit) as info:
        kanmin_main(["rdf", "--no-such-option"])
    assert info.value.code == 2


def test_a_folder_the_rdf_command_cannot_use_is_one_usage_error(tmp_path, capsys):
    """A missing package or output folder, a package without datapackage.json, an output folder
    that is a file or holds none of the RDF files: one line, exit 2 (was: a line per missing RDF
    file and exit 1, or a traceback for --out naming a file)."""
    missing, empty, afile = tmp_path / "missing", tmp_path / "empty", tmp_path / "afile"
    empty.mkdir()
    afile.write_text("x", encoding="utf-8")
    package_hint = "(pass a folder holding datapackage.json, such as the --out folder of `kanmin build`)"
    rdf_hint = "(run `kanmin rdf` first to write the RDF files there, or pass --out DIR, the folder holding them)"
    cases = [
        (["--validate-only", "--package", str(missing)], f"--package {missing}: no such folder {package_hint}"),
        (["--package", str(missing)], f"--package {missing}: no such folder {package_hint}"),
        (["--package", str(afile)], f"--package {afile}: not a folder {package_hint}"),
        (["--package", str(empty)], f"{empty}/datapackage.json: no such file "
                                    "(pass --package DIR, a folder holding datapackage.json)"),
        (["--validate-only", "--package", str(empty)], f"{empty}/build/rdf: no such folder {rdf_hint}"),
        (["--validate-only", "--out", str(missing)], f"--out {missing}: no such folder {rdf_hint}"),
        (["--validate-only", "--out", str(empty)], f"--out {empty}: holds none of the RDF files {rdf_hint}"),
        (["--validate-only", "--out", str(afile)], f"--out {afile}: not a folder "
                                                   "(pass a folder for the RDF files, made if missing)"),
        (["--package", str(REPO), "--out", str(afile)], f"--out {afile}: not a folder "
                                                        "(pass a folder for the RDF files, made if missing)"),
    ]
    for argv, message in cases:
        assert kanmin_main(["rdf", *argv]) == 2, argv
        assert capsys.readouterr().err == f"error: kanmin: {message}\n", argv
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "empty"]


def test_the_base_of_a_package_is_read_from_its_descriptor(tmp_path, capsys):
    """A package's base is its home page with the separator its identifier shows; a home page that
    is no web URL stops `kanmin rdf` with the descriptor named."""
    from kanmin.settings import DEFAULT_BASE, HOMEPAGE, package_base

    assert package_base(HOMEPAGE, DEFAULT_BASE + "dataset/x") == DEFAULT_BASE
    assert package_base("https://example.test/kd", "https://example.test/kd/dataset/x") == "https://example.test/kd/"
    assert package_base("https://example.test/kd", "https://example.test/kd#dataset/x") == "https://example.test/kd#"
    assert package_base("https://example.test/kd", "urn:x") == "https://example.test/kd/"
    package = make_package(tmp_path / "pkg")
    descriptor = package / "datapackage.json"
    descriptor.write_text(descriptor.read_text(encoding="utf-8").replace(f'"homepage": "{HOMEPAGE}"',
                                                                         '"homepage": "kanmin-data"'), encoding="utf-8")
    assert kanmin_main(["rdf", "--package", str(package), "--out", str(tmp_path / "o")]) == 1
    assert capsys.readouterr().err == f"error: {descriptor}: homepage 'kanmin-data' is not an http(s) URL, so the " \
                                      "base it was built under is unknown (rebuild the package with `kanmin build`, " \
                                      "which records its home page)\n"


# --- serialisers (property test) -------------------------------------------------------------

# min_size=1: the mapping never emits empty literals (empty cells give no triple, tested above).
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["ja", "en", "", "int", "bool"]), text),
                min_size=1, max_size=8))
def test_writers_round_trip_any_literal(items):
    triples = set()
    for n, kind, value in items:
        s = f"https://w3id.org/kanmin-data/policy/{n}"
        if kind == "int":  # typed values get a property of their own, as in the mapping
            p, o = KD + "count", Lit(str(len(value) - 5), "", str(XSD.integer))
        elif kind == "bool":
            p, o = KD + "flag", Lit("true" if len(value) % 2 else "false", "", str(XSD.boolean))
        else:
            p, o = KD + "note", Lit(value, kind, "")
        if (kind in ("int", "bool")) and any(t[0] == s and t[1] == p for t in triples):
            continue  # booleans and integers are single-valued in the data graph
        triples.add((s, p, o))
    prefixes = {"kd": KD, "policy": "https://w3id.org/kanmin-data/policy/"}
    nt = Graph().parse(data=to_ntriples(triples), format="nt")
    ttl = Graph().parse(data=to_turtle(triples, prefixes), format="turtle")
    jsonld = Graph().parse(data=to_jsonld(triples, prefixes), format="json-ld")
    assert len(nt) == len(triples)
    assert isomorphic(nt, ttl) and isomorphic(nt, jsonld)


# --- the real package ------------------------------------------------------------------------

@pytest.mark.skipif(not (REPO / "data" / "policies.csv").is_file(), reason="real tables not built yet")
def test_real_package_builds_the_committed_graph(tmp_path):
    figures = build_rdf(REPO, tmp_path / "rdf")
    assert figures["triples"] > 1000
    graph = Graph().parse(tmp_path / "rdf" / "data.ttl", format="turtle")
    assert len(set(graph.subjects(RDF.type, KDN.Policy))) == 75
    for name in ("data.ttl", "data.nt", "data.jsonld", "catalog.ttl"):
        assert (tmp_path / "rdf" / name).read_bytes() == (REPO / "build" / "rdf" / name).read_bytes(), name


@pytest.mark.skipif(not (DCAT_AP_DIR / "shapes.ttl").is_file(), reason="DCAT-AP shapes not present")
def test_committed_rdf_validates_with_the_cli(capsys):
    """The one validation of the published RDF per test run: `kanmin rdf --validate-only`
    (every serialisation parses to the same graph, project shapes, DCAT-AP 3.0.1 shapes)."""
    assert kanmin_main(["rdf", "--validate-only", "--package", str(REPO),
                        "--dcat-ap-dir", str(DCAT_AP_DIR)]) == 0
    out = capsys.readouterr().out
    assert "project shapes: 0 violations" in out and "DCAT-AP 3.0.1 shapes: 0 violations" in out
    assert "project catalog shapes: 0 violations" in out
    assert ("EU metadata quality (MQA) of https://w3id.org/kanmin-data/dataset/kuni-shisaku-ichiran-todofuken-2019: "
            "325 of the 325 points computable offline (80 more when the access and download URLs answer, not "
            "checked)\n") in out
    assert out.rstrip().endswith("valid")


def test_failed_validation_goes_through_the_one_error_path(tmp_path, capsys):
    out = tmp_path / "rdf"
    shutil.copytree(REPO / "build" / "rdf", out)
    (out / "data.jsonld").write_text("{}", encoding="utf-8")
    assert kanmin_main(["rdf", "--validate-only", "--out", str(out), "--dcat-ap-dir", str(DCAT_AP_DIR)]) == 1
    captured = capsys.readouterr()
    assert captured.out.rstrip().endswith("INVALID")
    assert captured.err.startswith(f"error: {out / 'data.jsonld'}: ") and "differ from data.nt" in captured.err


def test_contact_address_is_a_setting_and_placeholders_are_refused(built, tmp_path, monkeypatch):
    vcard = Namespace("http://www.w3.org/2006/vcard/ns#")
    catalog = Graph().parse(built[0] / "catalog.ttl", format="turtle")
    assert list(catalog.objects(None, vcard.hasEmail)) == []  # none set: none published
    monkeypatch.setenv("KANMIN_CONTACT_EMAIL", "opendata@kanmin-data.jp")
    build_rdf(built[0].parents[1], tmp_path / "o")
    catalog = Graph().parse(tmp_path / "o" / "catalog.ttl", format="turtle")
    assert list(catalog.objects(None, vcard.hasEmail)) == [URIRef("mailto:opendata@kanmin-data.jp")]
    monkeypatch.setenv("KANMIN_CONTACT_EMAIL", "kanmin-data@example.org")
    with pytest.raises(RdfInputError, match="placeholder domain 'example.org'"):
        build_rdf(built[0].parents[1], tmp_path / "p")


def test_one_dataset_and_one_landing_page(catalog):
    meta = metadata()
    datasets = set(catalog.subjects(RDF.type, DCAT.Dataset))
    assert datasets == {B[f"dataset/{meta['name']}"]}
    dataset = datasets.pop()
    assert catalog.value(dataset, DCAT.landingPage) == URIRef(meta["homepage"])
    source = URIRef(meta["sources"][0]["path"])
    assert (dataset, PROV.wasDerivedFrom, source) in catalog and (dataset, DCTERMS.source, None) not in catalog
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["homepage"] == meta["homepage"]


def test_the_rdf_workers_load_no_extraction_or_frictionless():
    """The Turtle writer and the comparison worker are fresh Python processes that import
    kanmin.rdf.serialize / kanmin.rdf.validate: their start-up is on the critical path of the RDF
    stage and of the validation (importing the extraction's checks through rdf.build made
    `kanmin rdf --validate-only` 6-8% slower on the real source, side by side)."""
    probe = ("import sys, kanmin.rdf.validate, kanmin.rdf.serialize; print(sorted(m for m in sys.modules if m in "
             "('kanmin.tidy', 'kanmin.extract', 'kanmin.validation', 'kanmin.checks', 'frictionless')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
