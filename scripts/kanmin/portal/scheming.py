"""The dataset's DCAT facts by ckanext-dcat's field names, and a portal's scheming schema (pure).

Input: the curated metadata and the registry of distributions; the answer of ckanext-scheming's
``scheming_dataset_schema_show`` (type ``dataset``) on the portal, or None when the portal does
not run ckanext-scheming. Output: the values of every field of ckanext-dcat's DCAT-AP schemas that
our metadata knows (``dataset_values``, ``resource_values``), each from the one metadata source or
the registry, in the form ckanext-dcat 2.4.4's ``euro_dcat_ap_3`` profile writes as valid
DCAT-AP 3 (``profiles/euro_dcat_ap_base.py``, ``euro_dcat_ap_scheming.py``); the same facts as the
extras that profile reads on a portal with CKAN's core fields (``as_extras``, ``FLAT``); and
``Schema`` (the field names of the portal's dataset and resource schemas).

``mapping`` sends a field when the portal's schema has it (so any scheming schema works:
``dcat_ap_full``, ``dcat_ap_recommended``, a publisher's own), and then leaves out the extras that
carried it (``extra_names``) and every extra named like a schema field (ckanext-scheming refuses
those). What the schema lacks stays an extra, which ckanext-dcat also reads.

Known quirks of ckanext-dcat 2.4.4 that decide the forms below:

- Any value that starts with http(s):// becomes an IRI. Our identifier is one, and DCAT-AP wants
  ``dct:identifier`` as a literal: it is sent as ``alternate_identifier`` (``adms:identifier``, a
  literal notation) and the dataset's IRI is ``uri``; CKAN's own id fills ``dct:identifier``.
- ``format`` and ``mimetype`` are written as they are: a name or a bare media type is a literal,
  which DCAT-AP refuses for ``dct:format`` and ``dcat:mediaType``. On a DCAT-AP schema
  (``Schema.dcat_ap``) they are the EU file-type and IANA media-type IRIs of the registry, as in
  ckanext-dcat's own SHACL-tested example; ``hash_algorithm`` is the SPDX algorithm IRI. CKAN
  sends ``mimetype`` as the Content-Type of an uploaded file's download, so on such a portal that
  header is the IRI (the bytes are the same).
- ``dct:source`` has the range dcat:Dataset, so the source document is not sent as ``source`` (a
  harvester would take it for a second dataset; catalog.ttl links it with ``dct:relation`` for the
  same reason): it is ``related_resource`` (``dct:relation``), and the lineage is ``provenance``.
- Without a contact point of its own, ckanext-dcat makes one of ``maintainer`` or ``author`` (a
  blank node typed vcard:Organization only, which DCAT-AP's vcard:Kind range refuses), and it
  does so even beside ``contact``: where ``contact`` is filled, those core fields are sent empty
  (``CONTACT_FALLBACKS``; the contact point, the publisher and the creator say who they are).
- ``access_url`` is left empty on purpose: ckanext-dcat then writes the portal's own copy (the
  upload's URL) as ``dcat:accessURL``, beside our ``dcat:downloadURL`` (``download_url``, the
  catalog's download URL of the file).
- A multipart upload carries only strings: a list of one item travels as that item (scheming's
  ``scheming_multiple_text`` takes a single string as a one-item list), longer lists after it
  (``publish``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..distributions import DATA_PACKAGE, Distribution
from ..package import bilingual
from ..rdf.namespaces import ISO639_1, SPDX_SHA256, Iris
from ..settings import build_timestamp, contact_email


@dataclass(frozen=True)
class Schema:
    """The field names of a portal's scheming schema for datasets (``about`` is its title)."""

    dataset_fields: frozenset[str]
    resource_fields: frozenset[str]
    about: str = ""

    @classmethod
    def from_answer(cls, answer: dict) -> Schema:
        """From ``scheming_dataset_schema_show``'s answer (its ``dataset_fields`` and
        ``resource_fields``, each a list of dicts with a ``field_name``)."""
        return cls(frozenset(str(f["field_name"]) for f in answer.get("dataset_fields") or []),
                   frozenset(str(f["field_name"]) for f in answer.get("resource_fields") or []),
                   str(answer.get("about") or ""))

    @property
    def dcat_ap(self) -> bool:
        """A DCAT-AP schema of ckanext-dcat: its distributions have access and download URLs
        (resource fields CKAN's core schema lacks)."""
        return {"access_url", "download_url"} <= self.resource_fields

    def describe(self) -> str:
        kind = "ckanext-scheming, DCAT-AP" if self.dcat_ap else "ckanext-scheming"
        return f"{kind} ({self.about})" if self.about else kind


#: How a structured field of the DCAT-AP schemas travels as extras on a portal that lacks it:
#: the subfields of its one item, each under the extra ckanext-dcat 2.4.4 reads
#: (``euro_dcat_ap_base._graph_from_dataset_base``; a subfield it has no extra for, the contact
#: point's ``url``, is not sent). Any other field is an extra of its own name (lists as JSON).
FLAT: dict[str, dict[str, str]] = {
    "contact": {"uri": "contact_uri", "name": "contact_name", "email": "contact_email"},
    "publisher": {"uri": "publisher_uri", "name": "publisher_name", "url": "publisher_url"},
    "creator": {"uri": "creator_uri", "name": "creator_name", "url": "creator_url"},
    "temporal_coverage": {"start": "temporal_start", "end": "temporal_end"},
    "spatial_coverage": {"uri": "spatial_uri", "text": "spatial_text"},
}


def extra_names(field: str) -> tuple[str, ...]:
    """The extras that carry ``field`` on a portal without it (``FLAT``, else its own name)."""
    return tuple(FLAT[field].values()) if field in FLAT else (field,)


def as_extras(values: dict[str, object]) -> dict[str, str]:
    """Field values (``dataset_values``) as the extras ckanext-dcat reads, every value a string."""
    extras: dict[str, str] = {}
    for key, value in values.items():
        if key in FLAT:
            assert isinstance(value, list) and len(value) == 1, (key, value)  # one agent, one period, one place
            extras |= {FLAT[key][sub]: str(v) for sub, v in value[0].items() if sub in FLAT[key]}
        elif isinstance(value, list):
            extras[key] = json.dumps(value, ensure_ascii=False)
        else:
            extras[key] = str(value)
    return extras


#: Core fields ckanext-dcat makes a contact point of when they are set (see the module docstring).
CONTACT_FALLBACKS = ("author", "author_email", "maintainer", "maintainer_email")


def _agent(agent: dict) -> dict:
    return {"uri": agent["uri"], "name": bilingual(agent["name"]), "url": agent["homepage"]}


def documents(metadata: dict) -> list[str]:
    """The source documents the dataset is derived from (the ``sources`` without a checksum: the
    government's page of the PDF), as catalog.ttl links them with dct:relation."""
    return [s["path"] for s in metadata.get("sources", []) if "hash" not in s]


def lineage(metadata: dict) -> str:
    """The provenance statement: every source, its address and what it is (the text extraction
    with its size and SHA-256), one paragraph each, as the curated metadata describes them."""
    paragraphs = []
    for source in metadata.get("sources", []):
        where = source["path"]
        if "hash" in source:
            where += f", {source['bytes']} bytes, {source['hash']}"
        paragraphs.append(f"{source['title']} ({where}): {source['description']}")
    return "\n\n".join(paragraphs)


def dataset_values(metadata: dict, iris: Iris) -> dict[str, object]:
    """Every DCAT fact of the dataset that the metadata knows, by the name of its field in
    ckanext-dcat's DCAT-AP schemas (``related_resource`` is in none of them: an extra everywhere).
    A portal without a field gets it as extras (``as_extras``), ckanext-dcat reads both."""
    name = metadata["name"]
    publisher = metadata["publisher"]
    contact = {"uri": iris.dataset_part(name, "contact"), "name": bilingual(publisher["name"]),
               "url": publisher["homepage"]}
    email = contact_email()  # a placeholder address is a UsageError, never published
    if email:
        contact["email"] = email
    return {
        "uri": iris.dataset(name),
        "alternate_identifier": [metadata["id"]],
        "issued": metadata["issued"],
        "modified": build_timestamp(metadata["modified"]),
        "language": [ISO639_1 + code for code in metadata["language"]],
        "theme": [metadata["theme"]],
        "conforms_to": [DATA_PACKAGE.iri],
        "contact": [contact],
        "publisher": [_agent(publisher)],
        "creator": [_agent(metadata["source_publisher"])],
        "temporal_coverage": [{"start": metadata["temporal"]["start"], "end": metadata["temporal"]["end"]}],
        "spatial_coverage": [{"uri": metadata["spatial"]["uri"], "text": bilingual(metadata["spatial"]["label"])}],
        "access_rights": metadata["access_rights"],
        "provenance": lineage(metadata),
        "related_resource": documents(metadata),  # not dct:source: see the module docstring
    }


def resource_values(dist: Distribution, metadata: dict) -> dict[str, object]:
    """Every resource field of ckanext-dcat's DCAT-AP schemas that the registry entry and the
    metadata know (size and hash are measured by ``mapping``), by field name."""
    values: dict[str, object] = {
        "format": dist.format.eu_file_type,
        "mimetype": dist.format.media_type_iri,
        "hash_algorithm": SPDX_SHA256,
        "language": [ISO639_1 + code for code in metadata["language"]],
        "modified": build_timestamp(metadata["modified"]),
    }
    if dist.conforms_to:
        values["conforms_to"] = [std.iri for std in dist.conforms_to]
    return values
