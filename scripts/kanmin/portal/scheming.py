"""A portal's dataset schema, and what we fill in ckanext-dcat's DCAT-AP scheming schemas (pure).

Input: the answer of ckanext-scheming's ``scheming_dataset_schema_show`` (type ``dataset``) on the
portal, or None when the portal does not run ckanext-scheming (CKAN's core fields: the dicts of
``mapping`` as they are, DCAT facts as the extras ckanext-dcat reads). Output: ``Schema`` (the
field names of the portal's dataset and resource schemas) and the values of the schema fields
that our metadata knows (``dataset_values``, ``resource_values``), each from the one metadata
source or the registry of distributions, in the form ckanext-dcat 2.4.4's ``euro_dcat_ap_3``
profile writes as valid DCAT-AP 3 (``profiles/euro_dcat_ap_base.py``, ``euro_dcat_ap_scheming.py``).

``mapping`` sends a value only when the portal's schema has its field (so any scheming schema
works: ``dcat_ap_full``, ``dcat_ap_recommended``, a publisher's own), and then leaves out the
extras it replaces (``REPLACES``) and every extra named like a schema field (ckanext-scheming
refuses those). What the schema lacks stays an extra, which ckanext-dcat also reads.

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


#: The extras of ``mapping.dataset_extras`` that a schema field replaces when the schema has it.
REPLACES: dict[str, tuple[str, ...]] = {
    "uri": ("uri",),
    "alternate_identifier": ("identifier",),
    "issued": ("issued",),
    "modified": ("modified",),
    "language": ("language",),
    "theme": ("theme",),
    "conforms_to": ("conforms_to",),
    "contact": ("contact_uri", "contact_name", "contact_email"),
    "publisher": ("publisher_uri", "publisher_name", "publisher_url"),
    "creator": ("creator_uri", "creator_name", "creator_url"),
    "temporal_coverage": ("temporal_start", "temporal_end"),
    "spatial_coverage": ("spatial_uri", "spatial_text"),
    "related_resource": ("source",),  # an extra on every scheming portal (``dataset_extras``)
}


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
    """Every dataset field of ckanext-dcat's DCAT-AP schemas that the metadata knows, by field name."""
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
        "provenance": lineage(metadata),
    }


def dataset_extras(metadata: dict) -> dict[str, str]:
    """Extras a DCAT-AP portal gets besides what its schema fields hold: the source documents as
    ``related_resource`` (dct:relation; see the module docstring)."""
    return {"related_resource": json.dumps(documents(metadata))}


def resource_values(dist: Distribution, metadata: dict, download_url: str | None) -> dict[str, object]:
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
    if download_url:
        values["download_url"] = download_url
    return values
