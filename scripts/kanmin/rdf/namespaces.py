"""The one place for the base IRI, the namespaces and the IRI patterns of the linked data.

Instance IRIs hang off a configurable base (default `DEFAULT_BASE`) and are built only from the
tables' stable identifiers. The project vocabulary has a fixed namespace (`KD`) that does not move
with `--base-iri`: it names the schema, not the data; it is the vocabulary's IRI
(`distributions.VOCABULARY`, a standard the data graph files conform to) + "#". External authority
IRIs the catalog needs (languages, data themes, checksum algorithm) are kept here too; those of
the published files (media types, EU file types, the standards they conform to) are facts of the
distributions, in `kanmin.distributions`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..distributions import VOCABULARY
from ..settings import DEFAULT_BASE, DEFAULT_DOWNLOAD_BASE  # noqa: F401  (defined once there)

KD = VOCABULARY.iri + "#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
FOAF = "http://xmlns.com/foaf/0.1/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
SPDX = "http://spdx.org/rdf/terms#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SH = "http://www.w3.org/ns/shacl#"

# Prefixes written into the Turtle files and the JSON-LD @context, in this order.
PREFIXES: dict[str, str] = {
    "kd": KD,
    "dcat": DCAT,
    "dct": DCT,
    "foaf": FOAF,
    "org": ORG,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "schema": SCHEMA,
    "skos": SKOS,
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": XSD,
}
# Namespaces whose terms count as "standard" (the project's own terms live in KD).
STANDARD_NAMESPACES = tuple(ns for prefix, ns in PREFIXES.items() if prefix != "kd")

ISO639_1 = "http://id.loc.gov/vocabulary/iso639-1/"
EU_DATA_THEME = "http://publications.europa.eu/resource/authority/data-theme"
#: The EU authority tables of licences and of access rights (DCAT-AP's controlled vocabularies for
#: dct:license and dct:accessRights; the concepts the catalog uses are in metadata.json).
EU_LICENCE = "http://publications.europa.eu/resource/authority/licence/"
EU_ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
SPDX_SHA256 = SPDX + "checksumAlgorithm_sha256"

# English labels of the EU data-theme concepts this project may use (the authority has no Japanese).
EU_DATA_THEME_LABELS: dict[str, str] = {
    EU_DATA_THEME + "/GOVE": "Government and public sector",
}
#: The concepts of the EU access-right table with their English labels (the table's prefLabels).
EU_ACCESS_RIGHT_LABELS: dict[str, str] = {
    EU_ACCESS_RIGHT + "PUBLIC": "public",
    EU_ACCESS_RIGHT + "RESTRICTED": "restricted",
    EU_ACCESS_RIGHT + "NON_PUBLIC": "non-public",
}


@dataclass(frozen=True)
class Iris:
    """IRI patterns of the data graph and the catalog under one base IRI."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            raise ValueError(f"base IRI must end with '/' or '#': {self.base!r}")

    def policy(self, policy_id: int | str) -> str:
        return f"{self.base}policy/{policy_id}"

    def attribution(self, policy_id: int | str, position: int | str) -> str:
        return f"{self.base}attribution/{policy_id}-{position}"

    def ministry(self, ministry_id: str) -> str:
        return f"{self.base}ministry/{ministry_id}"

    def kpi(self, kpi_id: str) -> str:
        return f"{self.base}kpi/{kpi_id}"

    def reference(self, reference_id: str) -> str:
        return f"{self.base}reference/{reference_id}"

    def budget_project(self, budget_project_id: int | str) -> str:
        return f"{self.base}budget-project/{budget_project_id}"

    def budget_listing(self, policy_id: int | str, position: int | str) -> str:
        return f"{self.base}budget-listing/{policy_id}-{position}"

    def pillar(self, pillar_id: str) -> str:
        return f"{self.base}pillar/{pillar_id}"

    def effect_category(self, effect_category_id: str) -> str:
        return f"{self.base}effect-category/{effect_category_id}"

    def scheme(self, name: str) -> str:
        return f"{self.base}scheme/{name}"

    def prefixes(self) -> dict[str, str]:
        """Prefixes for the instance IRIs (used by the Turtle and JSON-LD writers)."""
        paths = {"attribution": "attribution", "budget": "budget-project", "listing": "budget-listing",
                 "effect": "effect-category", "kpi": "kpi", "ministry": "ministry", "pillar": "pillar",
                 "policy": "policy", "reference": "reference", "scheme": "scheme"}
        return {prefix: f"{self.base}{path}/" for prefix, path in paths.items()}

    def catalog(self) -> str:
        return f"{self.base}catalog"

    def dataset(self, name: str) -> str:
        return f"{self.base}dataset/{name}"

    def dataset_part(self, name: str, part: str) -> str:
        return f"{self.base}dataset/{name}/{part}"

    def distribution(self, name: str, path: str) -> str:
        return f"{self.base}dataset/{name}/distribution/{path.replace('/', '-')}"


def vocab_term(kind: str, value: str) -> str:
    """Concept IRI in the project vocabulary for an enum value, e.g. ('kpi', 'progress')."""
    return f"{KD}{kind}-{value}"
