"""The EU's metadata quality assessment (kanmin.rdf.mqa): its table against the methodology's, the
published catalog indicator by indicator, and a planted fault for each indicator that it catches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS as DCT
from rdflib.namespace import RDF

from kanmin import distributions as registry
from kanmin.rdf import mqa
from kanmin.rdf.validate import shacl_results
from kanmin.settings import dcat_ap_dir

REPO = Path(__file__).resolve().parents[1]
CATALOG = REPO / "build" / "rdf" / "catalog.ttl"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
EU = "http://publications.europa.eu/resource/authority/"
DATASET = URIRef("https://w3id.org/kanmin-data/dataset/kuni-shisaku-ichiran-todofuken-2019")
XLSX = f"{DATASET}/distribution/build-kuni-shisaku-ichiran-todofuken-2019.xlsx"
ZIP = f"{DATASET}/distribution/build-kuni-shisaku-ichiran-todofuken-2019.zip"

#: The methodology's table (https://data.europa.eu/mqa/methodology), copied by hand: metric,
#: dimension, points, what it is measured on, computable without the network.
METHODOLOGY = [
    ("keywordAvailability", "findability", 30, "dataset", True),
    ("categoryAvailability", "findability", 30, "dataset", True),
    ("spatialAvailability", "findability", 20, "dataset", True),
    ("temporalAvailability", "findability", 20, "dataset", True),
    ("accessUrlStatusCode", "accessibility", 50, "distribution", False),
    ("downloadUrlAvailability", "accessibility", 20, "distribution", True),
    ("downloadUrlStatusCode", "accessibility", 30, "distribution", False),
    ("formatAvailability", "interoperability", 20, "distribution", True),
    ("mediaTypeAvailability", "interoperability", 10, "distribution", True),
    ("formatMediaTypeVocabularyAlignment", "interoperability", 10, "distribution", True),
    ("formatMediaTypeNonProprietary", "interoperability", 20, "distribution", True),
    ("formatMediaTypeMachineInterpretable", "interoperability", 20, "distribution", True),
    ("dcatApCompliance", "interoperability", 30, "dataset", True),
    ("licenceAvailability", "reusability", 20, "distribution", True),
    ("knownLicence", "reusability", 10, "distribution", True),
    ("accessRightsAvailability", "reusability", 10, "dataset", True),
    ("accessRightsVocabularyAlignment", "reusability", 5, "dataset", True),
    ("contactPointAvailability", "reusability", 20, "dataset", True),
    ("publisherAvailability", "reusability", 10, "dataset", True),
    ("rightsAvailability", "contextuality", 5, "distribution", True),
    ("byteSizeAvailability", "contextuality", 5, "distribution", True),
    ("dateIssuedAvailability", "contextuality", 5, "either", True),
    ("dateModifiedAvailability", "contextuality", 5, "either", True),
]


def test_the_table_is_the_methodology_s():
    assert [(i.metric, i.dimension, i.points, i.on, i.offline) for i in mqa.INDICATORS] == METHODOLOGY
    by_dimension: dict[str, int] = {}
    for i in mqa.INDICATORS:
        by_dimension[i.dimension] = by_dimension.get(i.dimension, 0) + i.points
    assert by_dimension == {"findability": 100, "accessibility": 100, "interoperability": 110,
                            "reusability": 75, "contextuality": 20}
    assert (mqa.MAXIMUM, mqa.OFFLINE_MAXIMUM) == (405, 325)
    assert [mqa.rating(p) for p in (405, 351, 350, 221, 220, 121, 120, 0)] == [
        "excellent", "excellent", "good", "good", "sufficient", "sufficient", "bad", "bad"]


#: What the lists say of each format of the registry: (machine-readable, non-proprietary), as
#: README.md says it (the workbook is proprietary, the ZIP is no machine-readable format).
FORMAT_CLASSES = {"CSV": (True, True), "JSON": (True, True), "RDF_TURTLE": (True, True),
                  "RDF_N_TRIPLES": (True, True), "JSON_LD": (True, True), "XLSX": (True, False), "ZIP": (False, True)}


def test_every_format_of_the_registry_is_in_the_vocabularies():
    formats = {v.eu_file_type_code: v for v in vars(registry).values() if isinstance(v, registry.Format)}
    assert set(formats) == set(FORMAT_CLASSES)
    for code, fmt in formats.items():
        assert fmt.eu_file_type == EU + "file-type/" + code and code in mqa.FILE_TYPES
        assert fmt.media_type_iri == "https://www.iana.org/assignments/media-types/" + fmt.media_type
        assert fmt.media_type in mqa.MEDIA_TYPES
        assert (code in mqa.MACHINE_READABLE, code in mqa.NON_PROPRIETARY) == FORMAT_CLASSES[code], code


@pytest.fixture(scope="module")
def published() -> Graph:
    return Graph().parse(CATALOG, format="turtle")


@pytest.fixture(scope="module")
def compliant(published) -> bool:
    """The published catalog by the official DCAT-AP 3.0.1 shapes (catalog.ttl alone)."""
    folder = dcat_ap_dir()
    if not (folder / "shapes.ttl").is_file():
        pytest.skip(f"DCAT-AP shapes not in {folder}")
    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        shapes.parse(folder / name, format="turtle")
    return not [r for r in shacl_results(published, shapes) if r["severity"] == "Violation"]


def test_the_published_catalog_meets_every_indicator_computable_offline(published, compliant):
    assert compliant
    [assessment] = mqa.assess(published, compliant)
    assert assessment.dataset == str(DATASET)
    distributions = sorted(str(d) for d in published.objects(DATASET, DCAT.distribution))
    assert len(distributions) == 18
    # metric -> (points counted, distributions that do not meet it)
    expected = {metric: (points if offline else 0, ()) for metric, _d, points, _on, offline in METHODOLOGY}
    expected["formatMediaTypeNonProprietary"] = (20, (XLSX,))  # the workbook
    expected["formatMediaTypeMachineInterpretable"] = (20, (ZIP,))  # the ZIP
    expected["dateIssuedAvailability"] = (5, tuple(distributions))  # the dataset's date of issue counts
    assert {o.indicator.metric: (o.points, o.failing) for o in assessment.outcomes} == expected
    assert all(o.met for o in assessment.outcomes)  # the two URL indicators: the URLs are there to try
    assert {o.measured for o in assessment.outcomes if o.indicator.on != "dataset"} == {18}
    assert assessment.score == 325 and mqa.rating(assessment.score + 80) == "excellent"
    summary = mqa.summary(assessment)
    assert (summary["score"], summary["offline_maximum"], summary["maximum"]) == (325, 325, 405)
    assert summary["not_computed_offline"] == ["accessUrlStatusCode", "downloadUrlStatusCode"]


# --- planted faults ---------------------------------------------------------------------------------

def _on_distributions(g: Graph, prop: URIRef, value=None) -> None:
    """Remove ``prop`` from every distribution, or set it to ``value``."""
    for d in list(g.subjects(RDF.type, DCAT.Distribution)):
        g.remove((d, prop, None))
        if value is not None:
            g.add((d, prop, value))


def _everywhere(prop: URIRef) -> Callable[[Graph], None]:
    return lambda g: g.remove((None, prop, None))


CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")


def _as_before_issue_18(g: Graph) -> None:
    """The catalog as 86e4830 published it: the Creative Commons URL as licence, no access rights,
    rights on the dataset only."""
    for s in list(g.subjects(DCT.license, URIRef(EU + "licence/CC_BY_4_0"))):
        g.set((s, DCT.license, CC_BY))
    g.remove((DATASET, DCT.accessRights, None))
    _on_distributions(g, DCT.rights)


#: (id, fault, the metric it fails or None, points lost)
FAULTS = [
    ("no keyword", lambda g: g.remove((DATASET, DCAT.keyword, None)), "keywordAvailability", 30),
    ("no theme", lambda g: g.remove((DATASET, DCAT.theme, None)), "categoryAvailability", 30),
    ("no spatial", lambda g: g.remove((DATASET, DCT.spatial, None)), "spatialAvailability", 20),
    ("no temporal", lambda g: g.remove((DATASET, DCT.temporal, None)), "temporalAvailability", 20),
    ("no access URL", _everywhere(DCAT.accessURL), "accessUrlStatusCode", 0),  # not counted offline
    ("no download URL", _everywhere(DCAT.downloadURL), "downloadUrlAvailability", 20),
    ("no format", lambda g: _on_distributions(g, DCT["format"]), "formatAvailability", 70),  # and the 3 below
    ("format a literal", lambda g: _on_distributions(g, DCT["format"], Literal("CSV")),
     "formatMediaTypeVocabularyAlignment", 50),  # and non-proprietary, machine-readable
    ("format not in the file-type table", lambda g: _on_distributions(g, DCT["format"], URIRef(EU + "file-type/CSVX")),
     "formatMediaTypeVocabularyAlignment", 50),
    ("every format XLSX", lambda g: _on_distributions(g, DCT["format"], URIRef(EU + "file-type/XLSX")),
     "formatMediaTypeNonProprietary", 20),
    ("every format ZIP", lambda g: _on_distributions(g, DCT["format"], URIRef(EU + "file-type/ZIP")),
     "formatMediaTypeMachineInterpretable", 20),
    ("no media type", lambda g: _on_distributions(g, DCAT.mediaType), "mediaTypeAvailability", 20),
    ("media type not in IANA's register", lambda g: _on_distributions(
        g, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/text/x-kanmin")),
     "formatMediaTypeVocabularyAlignment", 10),
    ("no licence", lambda g: _on_distributions(g, DCT.license), "licenceAvailability", 30),
    ("licence the Creative Commons URL", lambda g: _on_distributions(g, DCT.license, CC_BY), "knownLicence", 10),
    ("no access rights", lambda g: g.remove((DATASET, DCT.accessRights, None)), "accessRightsAvailability", 15),
    ("access rights not in the EU table", lambda g: g.set((DATASET, DCT.accessRights, URIRef(EU + "access-right/OPEN"))),
     "accessRightsVocabularyAlignment", 5),
    ("no contact point", lambda g: g.remove((DATASET, DCAT.contactPoint, None)), "contactPointAvailability", 20),
    ("no publisher", lambda g: g.remove((DATASET, DCT.publisher, None)), "publisherAvailability", 10),
    ("no rights on the distributions", lambda g: _on_distributions(g, DCT.rights), "rightsAvailability", 5),
    ("no byte size", lambda g: _on_distributions(g, DCAT.byteSize), "byteSizeAvailability", 5),
    ("no date of issue", lambda g: g.remove((DATASET, DCT.issued, None)), "dateIssuedAvailability", 5),
    ("no modification date", _everywhere(DCT.modified), "dateModifiedAvailability", 5),
    # one distribution falling short costs nothing while another meets the indicator (the best counts)
    ("the CSV's format a literal", lambda g: g.set((URIRef(f"{DATASET}/distribution/data-policies.csv"),
                                                    DCT["format"], Literal("CSV"))), None, 0),
    ("modified on the distributions only", lambda g: g.remove((DATASET, DCT.modified, None)), None, 0),
    ("as before issue 18", _as_before_issue_18, "knownLicence", 30),
]


@pytest.mark.parametrize("fault,metric,lost", [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_each_indicator_catches_its_fault(published, fault, metric, lost):
    graph = Graph()
    for triple in published:
        graph.add(triple)
    fault(graph)
    [assessment] = mqa.assess(graph, True)
    if metric is not None:
        assert assessment.outcome(metric).met is False
    assert assessment.score == 325 - lost


def test_a_catalog_that_breaks_dcat_ap_loses_its_30_points(published):
    [assessment] = mqa.assess(published, False)
    assert assessment.outcome("dcatApCompliance").met is False and assessment.score == 295
