"""The EU's Metadata Quality Assessment (MQA) of a DCAT catalog: the indicators that need no network.

Input: an rdflib graph of a DCAT catalog (``build/rdf/catalog.ttl``) and whether it is DCAT-AP
compliant (no violation of the official shapes, which the caller runs: ``rdf.validate``). Output:
one ``Assessment`` per dcat:Dataset: every indicator, whether it is met (for a distribution's
indicator: on which distributions it is not), and the points. Pure: no file, no network, no clock.

The methodology is data.europa.eu's "Metadata Quality Assessment methodology"
(https://data.europa.eu/mqa/methodology): five dimensions (findability, accessibility,
interoperability, reusability, contextuality), 23 indicators, 405 points; ``INDICATORS`` is its
table (each indicator's property, what it is measured on, its points), with the name of its
metric in the data.europa.eu quality vocabulary (``pv:``) that its implementation, piveau-metrics,
uses. The score is counted as piveau-metrics counts it (``io.piveau.metrics``, ``scoreMetrics``):
the dataset's own indicators, plus the distribution indicators of its best-scored distribution
(one good distribution is enough; the others are reported, not subtracted); a date of issue or of
modification is counted once, from that distribution or else from the dataset. Ratings:
excellent 351-405, good 221-350, sufficient 121-220, bad 0-120.

Not computed offline: whether the access and download URLs answer (HTTP 2xx/3xx; 50 and 30
points). Their URLs' presence is checked and reported; the points are not counted, so the
offline maximum is ``OFFLINE_MAXIMUM`` (325) and a catalog that earns it reaches 405 when its
URLs answer.

Vocabularies: the MQA compares values with controlled vocabularies it loads from the network:
the EU file-type, licence and access-right tables (publications.europa.eu/resource/authority),
IANA's media types, and data.europa.eu's lists of machine-readable and of non-proprietary
formats (EU file-type codes; gitlab.com/dataeuropa/vocabularies). Offline, the sets below hold
codes known to be in them: every code this project uses and their common neighbours, so that a
value outside them counts as not from the vocabulary (a real code missing here could be a false
"no"; a false "yes" cannot happen). The two format lists are data.europa.eu's, as open MQA
implementations copy them; what they say of this project's formats is in README.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ..distributions import EU_FILE_TYPES, IANA_MEDIA_TYPES
from .namespaces import DCAT, DCT, EU_ACCESS_RIGHT, EU_ACCESS_RIGHT_LABELS, EU_LICENCE

#: data.europa.eu's non-proprietary formats (EU file-type codes).
NON_PROPRIETARY = frozenset({
    "BMP", "CSV", "DBF", "GEOJSON", "GZIP", "HTML", "ICS", "JPEG2000", "JSON", "JSON_LD", "KML", "KMZ",
    "NETCDF", "ODS", "PNG", "RDF", "RDF_N_QUADS", "RDF_N_TRIPLES", "RDF_TRIG", "RDF_TURTLE", "RDF_XML",
    "RSS", "RTF", "TAR", "TIFF", "TSV", "TXT", "WMS_SRVC", "XML", "ZIP"})
#: data.europa.eu's machine-readable formats (EU file-type codes).
MACHINE_READABLE = frozenset({
    "CSV", "GEOJSON", "ICS", "JSON", "JSON_LD", "KML", "KMZ", "NETCDF", "ODS", "RDF", "RDFA",
    "RDF_N_QUADS", "RDF_N_TRIPLES", "RDF_TRIG", "RDF_TURTLE", "RDF_XML", "RSS", "SHP", "XLS", "XLSX", "XML"})
#: Codes of the EU file-type table (the two lists are made of them).
FILE_TYPES = NON_PROPRIETARY | MACHINE_READABLE | frozenset({"PDF", "DOCX", "PPTX"})
#: Media types of IANA's register (type/subtype).
MEDIA_TYPES = frozenset({
    "text/csv", "application/json", "text/turtle", "application/n-triples", "application/ld+json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip",
    "application/rdf+xml", "application/n-quads", "application/trig", "application/xml", "text/html",
    "application/pdf", "text/tab-separated-values", "application/geo+json",
    "application/vnd.oasis.opendocument.spreadsheet"})
#: Codes of the EU licence table.
LICENCES = frozenset({"CC_BY_4_0", "CC_BYSA_4_0", "CC0"})
#: Codes of the EU access-right table (all its concepts).
ACCESS_RIGHTS = frozenset(iri.removeprefix(EU_ACCESS_RIGHT) for iri in EU_ACCESS_RIGHT_LABELS)

Dimension = Literal["findability", "accessibility", "interoperability", "reusability", "contextuality"]
#: What an indicator is measured on: the dataset, each distribution, or either (the dates).
On = Literal["dataset", "distribution", "either"]
Check = Callable[[Graph, URIRef, bool], bool]

#: The rating bands of the score (lowest points of each).
RATINGS = ((351, "excellent"), (221, "good"), (121, "sufficient"), (0, "bad"))


@dataclass(frozen=True)
class Indicator:
    """One indicator of the methodology: its table row and how it is checked on one node."""

    dimension: Dimension
    name: str  # the methodology's name
    metric: str  # the data.europa.eu quality vocabulary's metric (pv:…)
    points: int
    on: On
    #: (graph, dataset or distribution, DCAT-AP compliant?) -> met? For an indicator that needs the
    #: network, the offline part: is the property there to be tried?
    check: Check
    offline: bool = True  # False: needs an HTTP request, its points are not counted here


def _has(prop: str) -> Check:
    return lambda g, node, _compliant: (node, URIRef(prop), None) in g


def _all_in(prop: str, namespace: str, known: frozenset[str]) -> Check:
    """There is a value of ``prop``, and every one is an IRI of ``namespace`` whose code is ``known``."""
    def check(g: Graph, node: URIRef, _compliant: bool) -> bool:
        values = list(g.objects(node, URIRef(prop)))
        return bool(values) and all(isinstance(v, URIRef) and str(v).startswith(namespace)
                                    and str(v).removeprefix(namespace) in known for v in values)
    return check


def _format_and_media_type(g: Graph, node: URIRef, compliant: bool) -> bool:
    return (_all_in(DCT + "format", EU_FILE_TYPES, FILE_TYPES)(g, node, compliant)
            and _all_in(DCAT + "mediaType", IANA_MEDIA_TYPES, MEDIA_TYPES)(g, node, compliant))


def _compliant(_g: Graph, _node: URIRef, compliant: bool) -> bool:
    return compliant


#: The methodology's table: 23 indicators, 405 points.
INDICATORS: tuple[Indicator, ...] = (
    Indicator("findability", "Keyword usage", "keywordAvailability", 30, "dataset", _has(DCAT + "keyword")),
    Indicator("findability", "Categories", "categoryAvailability", 30, "dataset", _has(DCAT + "theme")),
    Indicator("findability", "Geo search", "spatialAvailability", 20, "dataset", _has(DCT + "spatial")),
    Indicator("findability", "Time based search", "temporalAvailability", 20, "dataset", _has(DCT + "temporal")),
    Indicator("accessibility", "AccessURL accessibility", "accessUrlStatusCode", 50, "distribution",
              _has(DCAT + "accessURL"), offline=False),
    Indicator("accessibility", "DownloadURL", "downloadUrlAvailability", 20, "distribution",
              _has(DCAT + "downloadURL")),
    Indicator("accessibility", "DownloadURL accessibility", "downloadUrlStatusCode", 30, "distribution",
              _has(DCAT + "downloadURL"), offline=False),
    Indicator("interoperability", "Format", "formatAvailability", 20, "distribution", _has(DCT + "format")),
    Indicator("interoperability", "Media type", "mediaTypeAvailability", 10, "distribution",
              _has(DCAT + "mediaType")),
    Indicator("interoperability", "Format / Media type from vocabulary", "formatMediaTypeVocabularyAlignment", 10,
              "distribution", _format_and_media_type),
    Indicator("interoperability", "Non-proprietary", "formatMediaTypeNonProprietary", 20, "distribution",
              _all_in(DCT + "format", EU_FILE_TYPES, NON_PROPRIETARY)),
    Indicator("interoperability", "Machine readable", "formatMediaTypeMachineInterpretable", 20, "distribution",
              _all_in(DCT + "format", EU_FILE_TYPES, MACHINE_READABLE)),
    Indicator("interoperability", "DCAT-AP compliance", "dcatApCompliance", 30, "dataset", _compliant),
    Indicator("reusability", "Licence information", "licenceAvailability", 20, "distribution",
              _has(DCT + "license")),
    Indicator("reusability", "Licence vocabulary", "knownLicence", 10, "distribution",
              _all_in(DCT + "license", EU_LICENCE, LICENCES)),
    Indicator("reusability", "Access restrictions", "accessRightsAvailability", 10, "dataset",
              _has(DCT + "accessRights")),
    Indicator("reusability", "Access restrictions vocabulary", "accessRightsVocabularyAlignment", 5, "dataset",
              _all_in(DCT + "accessRights", EU_ACCESS_RIGHT, ACCESS_RIGHTS)),
    Indicator("reusability", "Contact point", "contactPointAvailability", 20, "dataset",
              _has(DCAT + "contactPoint")),
    Indicator("reusability", "Publisher", "publisherAvailability", 10, "dataset", _has(DCT + "publisher")),
    Indicator("contextuality", "Rights", "rightsAvailability", 5, "distribution", _has(DCT + "rights")),
    Indicator("contextuality", "File size", "byteSizeAvailability", 5, "distribution", _has(DCAT + "byteSize")),
    Indicator("contextuality", "Date of issue", "dateIssuedAvailability", 5, "either", _has(DCT + "issued")),
    Indicator("contextuality", "Modification date", "dateModifiedAvailability", 5, "either", _has(DCT + "modified")),
)
MAXIMUM = sum(i.points for i in INDICATORS)
OFFLINE_MAXIMUM = sum(i.points for i in INDICATORS if i.offline)


@dataclass(frozen=True)
class Outcome:
    """One indicator on one dataset."""

    indicator: Indicator
    #: Met by the dataset (for a distribution's indicator: by the best-scored distribution; for
    #: one not computed offline: its property is there to be tried).
    met: bool
    points: int  # counted (0 for an indicator not computed offline)
    #: For a distribution's indicator: the distributions that do not meet it (IRIs, sorted).
    failing: tuple[str, ...] = ()
    measured: int = 1  # the nodes it was measured on (the dataset, or its distributions)


@dataclass(frozen=True)
class Assessment:
    dataset: str
    outcomes: tuple[Outcome, ...]

    @property
    def score(self) -> int:
        """The points counted offline (of ``OFFLINE_MAXIMUM``)."""
        return sum(o.points for o in self.outcomes)

    def outcome(self, metric: str) -> Outcome:
        return next(o for o in self.outcomes if o.indicator.metric == metric)


def rating(points: int) -> str:
    """The methodology's rating of a score: excellent, good, sufficient or bad."""
    return next(name for lowest, name in RATINGS if points >= lowest)


def assess(graph: Graph, dcat_ap_compliant: bool) -> list[Assessment]:
    """Every dcat:Dataset of the graph, assessed (in the order of their IRIs)."""
    return [_assess(graph, dataset, dcat_ap_compliant)
            for dataset in sorted(graph.subjects(RDF.type, URIRef(DCAT + "Dataset")), key=str)
            if isinstance(dataset, URIRef)]


def _assess(g: Graph, dataset: URIRef, compliant: bool) -> Assessment:
    distributions = sorted((d for d in g.objects(dataset, URIRef(DCAT + "distribution")) if isinstance(d, URIRef)),
                           key=str)
    per_distribution = {i: {d: i.check(g, d, compliant) for d in distributions}
                        for i in INDICATORS if i.on != "dataset"}

    def counted(i: Indicator, met: bool) -> int:
        return i.points if met and i.offline else 0

    # The best-scored distribution (piveau-metrics' rule; on a tie, the first by IRI).
    best = max(distributions, key=lambda d: sum(counted(i, met[d]) for i, met in per_distribution.items()),
               default=None)
    outcomes = []
    for i in INDICATORS:
        if i.on == "dataset":
            met = i.check(g, dataset, compliant)
            outcomes.append(Outcome(i, met, counted(i, met)))
            continue
        by_node = per_distribution[i]
        met = best is not None and by_node[best]
        if i.on == "either":
            met = met or i.check(g, dataset, compliant)
        failing = tuple(str(d) for d in distributions if not by_node[d])
        outcomes.append(Outcome(i, met, counted(i, met), failing, len(distributions)))
    return Assessment(str(dataset), tuple(outcomes))


def summary(assessment: Assessment) -> dict:
    """The assessment as plain data (``kanmin rdf --validate --json``)."""
    return {
        "dataset": assessment.dataset,
        "score": assessment.score,
        "offline_maximum": OFFLINE_MAXIMUM,
        "maximum": MAXIMUM,
        "not_computed_offline": [o.indicator.metric for o in assessment.outcomes if not o.indicator.offline],
        "indicators": [{"dimension": o.indicator.dimension, "name": o.indicator.name, "metric": o.indicator.metric,
                        "points": o.points, "of": o.indicator.points, "met": o.met,
                        "computed": o.indicator.offline, "failing": list(o.failing)}
                       for o in assessment.outcomes],
    }
