"""The package model -> one CKAN dataset dict and one resource dict per published file (pure).

Nothing here talks to a portal or imports ckanapi: the dicts are made from the one metadata
source (``Package.metadata``) and the published files (size and SHA-256 from ``files``), and the
checks CKAN would make at publish time (dataset name, tags) are made here first, so that a bad
name or keyword is a clear ``DataError`` naming it before anything is sent.

Dataset: ``name`` (the package name), ``title`` and ``notes`` (Japanese, then English, as in
datapackage.json), ``author`` / ``maintainer`` from the contributors' roles, ``url`` (the
landing page of the catalog), ``version``, ``tags`` (the keywords), ``license_id`` (chosen by
``choose_license`` from the portal's licences) and ``extras``: the DCAT facts of
``scheming.dataset_values`` under the names ckanext-dcat 2.4.4's DCAT-AP profiles read
(``profiles/euro_dcat_ap_base.py``, ``_graph_from_dataset_base``: ``_get_dataset_value`` looks a
key up on the dict, then in extras; see ``dataset_extras``).

Resources: every published file of the registry of distributions (``kanmin.distributions``: the
CSVs of the model, ``datapackage.json``, the Excel workbook, the files of build/rdf/ and
``catalog.ttl`` itself), in its order, with its titles, CKAN format, media type and standards from
there; each keyed by ``uri``, the distribution IRI of the catalog (``Iris.distribution``; the
catalog IRI for catalog.ttl, which the catalog does not describe as a distribution), with its
``download_url``: its ``dcat:downloadURL`` in the package's catalog.ttl (read by
``published_catalog`` with the IRIs; ``--download-base`` may have moved it), so that the portal's
export names the same downloads (ckanext-dcat writes the portal's copy as ``dcat:accessURL``).
``DatasetSpec.owns`` says which of a portal's resources are ours by their ``uri`` (the publisher
leaves the others alone). Every value sent is a string or an integer, so that the same dict can
travel as a multipart upload and be compared with what the portal returns.

A portal that runs ckanext-scheming (``scheming.Schema``, from its answer) gets, on top of these,
the same facts as its schema's fields where it has them (``scheming``: contact point, publisher,
creator, coverage, provenance, …; for resources the vocabularies' IRIs of format, media type and
checksum algorithm, lists as lists), and the extras those fields replace are left out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..distributions import CATALOG, Distribution, distributions
from ..errors import DataError, Problem
from ..files import sha256_file
from ..model import Package
from ..package import bilingual, table_schema
from ..rdf.namespaces import DCAT, ISO639_1, RDF, Iris
from ..settings import DEFAULT_BASE, DESCRIPTOR, contact_email
from . import scheming

#: CKAN's ``name_validator``: lowercase ASCII letters, digits, "-" and "_", 2 to 100 characters.
NAME_RE = re.compile(r"[a-z0-9_-]{2,100}")
RESERVED_NAMES = frozenset({"new", "edit", "search"})
#: CKAN's ``tag_name_validator`` (Unicode word characters, space, "-", "_", ".") and
#: ``tag_length_validator`` (2 to 100 characters).
TAG_RE = re.compile(r"[\w \-.]+")
TAG_MIN, TAG_MAX = 2, 100
#: The licence CKAN ships with that is closest to ours, when the portal has no exact match.
FALLBACK_LICENSE = "cc-by"
HASH_ALGORITHM = "sha256"


@dataclass(frozen=True)
class ResourceSpec:
    """One published file as a CKAN resource: ``fields`` is exactly what is sent (and compared)."""

    path: str  # relative to the package, "/" separators
    file: Path  # where the file is now
    fields: dict  # name, description, format, mimetype, size, hash, hash_algorithm, uri, …
    table: str | None = None  # the model resource of a CSV, else None
    dist: Distribution | None = None  # its entry in the registry of distributions

    @property
    def uri(self) -> str:
        return str(self.fields["uri"])


@dataclass(frozen=True)
class DatasetSpec:
    """The CKAN dataset (without owner_org and license_id, which depend on the portal), for a
    portal with CKAN's core fields (``schema`` None) or with that ckanext-scheming schema."""

    fields: dict
    resources: list[ResourceSpec] = field(default_factory=list)
    schema: scheming.Schema | None = None

    @property
    def name(self) -> str:
        return str(self.fields["name"])

    @property
    def iri(self) -> str:
        """The dataset's IRI in the package's catalog (the field or the extra ``uri``)."""
        if "uri" in self.fields:
            return str(self.fields["uri"])
        return next(str(e["value"]) for e in self.fields["extras"] if e["key"] == "uri")

    def owns(self, uri: str | None) -> bool:
        """Whether a portal resource with this ``uri`` is ours: one of our resources' uri, or any
        IRI under the dataset's own (``<dataset IRI>/…``, where its distributions live, also those
        of files the package no longer has). Anything else was added by someone else."""
        return bool(uri) and (uri in {r.uri for r in self.resources} or str(uri).startswith(self.iri + "/"))


# --- checks CKAN would make -------------------------------------------------------------------

#: Metadata the portal's dicts read that packages of versions before the EU licence and access
#: rights (issue 18) do not record.
SINCE_3 = ("licence_uri", "access_rights")


def missing_metadata(metadata: dict, where: str = DESCRIPTOR) -> list[Problem]:
    """A problem for each of ``SINCE_3`` that the package's metadata lacks (an older build's)."""
    return [Problem(where, None, f"the package's metadata has no {key!r} (built by an older kanmin)",
                    "rebuild it with `kanmin build`, or publish it with the kanmin version that built it")
            for key in SINCE_3 if key not in metadata]


def name_problems(name: str, where: str = DESCRIPTOR) -> list[Problem]:
    if NAME_RE.fullmatch(name) and name not in RESERVED_NAMES:
        return []
    return [Problem(where, None, f"package name {name!r} is not a valid CKAN dataset name",
                    "use 2-100 characters of lowercase a-z, 0-9, '-' and '_' (not new/edit/search)")]


def tag_problems(keywords: list[str], where: str = DESCRIPTOR) -> list[Problem]:
    """Every keyword CKAN's tag validators would refuse, by name and reason."""
    problems = []
    for keyword in keywords:
        reason = None
        if not TAG_MIN <= len(keyword) <= TAG_MAX:
            reason = f"has {len(keyword)} characters (CKAN allows {TAG_MIN} to {TAG_MAX})"
        else:
            bad = sorted({c for c in keyword if not TAG_RE.fullmatch(c)})
            if bad:
                shown = ", ".join(f"U+{ord(c):04X} ({'space' if c.isspace() else c})" for c in bad)
                reason = f"contains characters CKAN refuses in tags: {shown}"
        if reason:
            problems.append(Problem(where, None, f"keyword {keyword!r} {reason}",
                                    "CKAN tags allow letters, digits, spaces, '-', '_' and '.'; "
                                    "change the keyword in data/curated/metadata.json"))
    return problems


# --- the licence -------------------------------------------------------------------------------

def licence_urls(metadata: dict) -> list[str]:
    """The URLs a portal's licence register may know our licence by: the Creative Commons page
    (``licenses[0].path``, what registers list) and the EU licence table's IRI (``licence_uri``)."""
    return [metadata["licenses"][0]["path"], metadata["licence_uri"]]


def _url_key(url: str | None) -> str:
    """A licence URL compared without scheme, "www." and trailing slash."""
    text = (url or "").strip().lower()
    text = re.sub(r"^https?://", "", text)
    text = text.removeprefix("www.")
    return text.rstrip("/")


def choose_license(offered: list[dict], licence_url: str | list[str], requested: str | None = None,
                   where: str = "portal") -> str:
    """The ``license_id`` to send: ``requested`` if the portal offers it; else the first offered
    licence whose URL is ours (``licence_url``, or the first of its URLs that the portal has: the
    Creative Commons URL registers list, then the EU licence table's IRI); else ``cc-by``. An id the
    portal lacks is a ``DataError`` naming the ids it offers (CKAN itself accepts any id silently and
    shows the dataset as not open)."""
    ids = [str(lic.get("id")) for lic in offered]
    urls = [licence_url] if isinstance(licence_url, str) else list(licence_url)
    if requested is None:
        for url in urls:
            wanted = _url_key(url)
            match = next((lic["id"] for lic in offered if wanted and _url_key(lic.get("url")) == wanted), None)
            if match:
                return str(match)
        requested = FALLBACK_LICENSE
        how = f"no licence of the portal has the URL {' or '.join(urls)} and the default {FALLBACK_LICENSE!r}"
    else:
        how = f"--license-id {requested!r}"
    if requested in ids:
        return requested
    raise DataError([Problem(where, None, f"{how} is not offered by the portal",
                             f"pass --license-id with one of: {', '.join(ids) or '(none)'}; or add the "
                             "licence to the portal's register (licenses_group_url)")])


# --- the dataset ------------------------------------------------------------------------------

def _contributors(metadata: dict, role: str) -> list[str]:
    return [c["title"] for c in metadata.get("contributors", []) if role in c.get("roles", [])]


def dataset_extras(metadata: dict, iris: Iris | None = None) -> dict[str, str]:
    """The dataset's DCAT facts (``scheming.dataset_values``) as the extras ckanext-dcat 2.4.4's
    DCAT-AP profiles read, as strings (lists as JSON): what a portal with CKAN's core fields holds
    of them (``scheming.as_extras``). The names were checked in
    ckanext/dcat/profiles/euro_dcat_ap_base.py (``_graph_from_dataset_base``, which looks a key up
    on the dict, then in the extras): uri, alternate_identifier (adms:identifier: our identifier is
    an IRI, and dct:identifier must be a literal), issued, modified, language, theme, conforms_to,
    related_resource (dct:relation: the source document, not a dcat:Dataset), provenance,
    contact_uri / contact_name / contact_email, publisher_*, creator_*, temporal_start /
    temporal_end, spatial_uri with spatial_text (``_get_or_create_spatial_ref``, base.py)."""
    return scheming.as_extras(scheming.dataset_values(metadata, iris or Iris(DEFAULT_BASE)))


def dataset_fields(metadata: dict, iris: Iris | None = None) -> dict:
    """The dataset dict (no owner_org, no license_id): every value a string, a list of tags or
    a list of extras; keys that have no value are sent as "" so that a stale value is cleared."""
    authors = _contributors(metadata, "author")
    maintainers = _contributors(metadata, "publisher")
    email = contact_email()
    extras = dataset_extras(metadata, iris)
    return {
        "name": metadata["name"],
        "title": bilingual(metadata["title"]),
        "notes": bilingual(metadata["description"], "\n\n") + "\n\n" + bilingual(metadata["attribution"], "\n"),
        "author": "; ".join(authors),
        "author_email": "",
        "maintainer": "; ".join(maintainers),
        "maintainer_email": email or "",
        "url": metadata["homepage"],  # the landing page: one fact with datapackage.json and dcat:landingPage
        "version": str(metadata["version"]),
        "tags": [{"name": k} for k in metadata["keywords"]],
        "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())],
    }


# --- the resources ----------------------------------------------------------------------------

def published_files(pkg: Package, package_dir: Path) -> list[tuple[Distribution, Path]]:
    """(registry entry, file) of every published file, in publish order (``distributions``: the
    workbook only when the package has one)."""
    package_dir = Path(package_dir)
    return [(d, package_dir / d.path) for d in distributions(pkg.resources, package_dir)]


def resource_specs(pkg: Package, package_dir: Path, iris: Iris | None = None,
                   downloads: dict[str, str] | None = None) -> list[ResourceSpec]:
    """One ``ResourceSpec`` per published file; a missing file is a ``DataError`` naming it.
    ``downloads``: the download URL of each distribution IRI (``published_catalog``); the catalog
    file, which the catalog does not describe, is downloaded beside the others (their URLs with its
    path, when they are all one base + their path)."""
    iris = iris or Iris(DEFAULT_BASE)
    downloads = dict(downloads or {})
    metadata = pkg.metadata
    name = metadata["name"]
    files = published_files(pkg, package_dir)
    missing = [Problem(str(file), None, "published file not found", "run `kanmin build` first")
               for _, file in files if not file.is_file()]
    if missing:
        raise DataError(missing)
    licence = metadata["licence_uri"]  # each distribution's dct:license, as catalog.ttl has it
    rights = bilingual(metadata["attribution"], "\n")
    language = json.dumps([ISO639_1 + code for code in metadata["language"]])
    bases = {downloads[iris.distribution(name, d.path)].removesuffix(d.path)
             if downloads.get(iris.distribution(name, d.path), "").endswith(d.path) else None
             for d, _ in files if d != CATALOG}
    if len(bases) == 1 and None not in bases:
        downloads[iris.catalog()] = f"{next(iter(bases))}{CATALOG.path}"
    specs = []
    for dist, file in files:
        digest, size = sha256_file(file)
        title, description = dist.texts()
        # catalog.ttl is not a distribution of itself: its resource is keyed by the catalog's IRI
        uri = iris.catalog() if dist == CATALOG else iris.distribution(name, dist.path)
        fields = {
            "name": bilingual(title),
            "description": bilingual(description, "\n\n"),
            "format": dist.format.ckan,
            "mimetype": dist.format.media_type,
            "size": size,
            "hash": digest,
            "hash_algorithm": HASH_ALGORITHM,
            "uri": uri,
            "license": licence,
            "rights": rights,
            "language": language,
        }
        if dist.conforms_to:
            fields["conforms_to"] = json.dumps([std.iri for std in dist.conforms_to])
        if downloads.get(uri):  # ckanext-dcat's dcat:downloadURL (else only the portal's copy, as accessURL)
            fields["download_url"] = downloads[uri]
        table = pkg.resource(dist.table) if dist.table else None
        if table is not None:
            fields["schema"] = json.dumps(table_schema(table), ensure_ascii=False, sort_keys=True)
        specs.append(ResourceSpec(dist.path, file, fields, dist.table, dist))
    return specs


def dataset_spec(pkg: Package, package_dir: Path, iris: Iris | None = None) -> DatasetSpec:
    """The dataset and its resources for CKAN's core fields, after CKAN's name and tag checks (all
    problems at once); ``for_schema`` makes it a scheming portal's."""
    metadata = pkg.metadata
    problems = (missing_metadata(metadata, str(Path(package_dir) / DESCRIPTOR)) or name_problems(metadata["name"])
                + tag_problems(list(metadata["keywords"])))
    if problems:
        raise DataError(problems)
    downloads = None
    if iris is None:
        iris, downloads = published_catalog(package_dir)
    return DatasetSpec(dataset_fields(metadata, iris), resource_specs(pkg, package_dir, iris, downloads))


def for_schema(spec: DatasetSpec, metadata: dict, schema: scheming.Schema | None) -> DatasetSpec:
    """``spec`` for a portal with this scheming schema (None: CKAN's core fields, ``spec`` itself):
    the schema's fields that we know (``scheming``) added, the extras they replace and every extra
    named like a schema field left out (ckanext-scheming refuses those); with a contact point,
    author and maintainer are sent empty (``scheming.CONTACT_FALLBACKS``)."""
    if schema is None:
        return spec
    values = scheming.dataset_values(metadata, _iris_of(spec, metadata))
    filled = {k: v for k, v in values.items() if k in schema.dataset_fields}
    replaced = {key for name in filled for key in scheming.extra_names(name)}
    extras = {e["key"]: e["value"] for e in spec.fields["extras"]}
    extras = {k: v for k, v in extras.items() if k not in replaced and k not in schema.dataset_fields}
    fields = {**spec.fields, **filled, "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())]}
    if "contact" in filled:  # else ckanext-dcat writes a second contact point from author / maintainer
        fields.update(dict.fromkeys(scheming.CONTACT_FALLBACKS, ""))
    resources = []
    for r in spec.resources:
        known = scheming.resource_values(r.dist, metadata) if r.dist is not None else {}
        if not schema.dcat_ap:  # names, not IRIs, where no DCAT-AP profile reads them
            known = {k: v for k, v in known.items() if k not in ("format", "mimetype", "hash_algorithm")}
        resources.append(ResourceSpec(r.path, r.file, {**r.fields, **{k: v for k, v in known.items()
                                                                      if k in schema.resource_fields}},
                                      r.table, r.dist))
    return DatasetSpec(fields, resources, schema)


def _iris_of(spec: DatasetSpec, metadata: dict) -> Iris:
    """The IRIs ``spec`` was made with (its dataset IRI is ``<base>dataset/<name>``)."""
    return Iris(spec.iri[: -len("dataset/" + metadata["name"])])


def published_catalog(package_dir: Path) -> tuple[Iris, dict[str, str]]:
    """The IRIs the package's own catalog.ttl was built with (``kanmin rdf --base-iri`` may have
    moved them), so that each resource's ``uri`` is the distribution IRI in that catalog, and the
    download URL of each distribution (its IRI -> ``dcat:downloadURL``; ``--download-base`` may
    have moved them)."""
    import pyoxigraph as ox

    catalog = Path(package_dir) / CATALOG.path
    if not catalog.is_file():
        raise DataError([Problem(str(catalog), None, "catalog not found", "run `kanmin build` first")])
    kind = ox.NamedNode(RDF + "type")
    dcat_catalog = ox.NamedNode(DCAT + "Catalog")
    download = ox.NamedNode(DCAT + "downloadURL")
    found, downloads = set(), {}
    for q in ox.parse(path=str(catalog), format=ox.RdfFormat.TURTLE):
        if q.predicate == kind and q.object == dcat_catalog:
            found.add(q.subject.value)
        elif q.predicate == download and isinstance(q.object, ox.NamedNode):
            downloads[q.subject.value] = q.object.value
    if len(found) != 1 or not next(iter(found)).endswith("catalog"):
        raise DataError([Problem(str(catalog), None,
                                 f"expected one dcat:Catalog named <…catalog>, found {sorted(found)}",
                                 "rebuild the RDF with `kanmin rdf`")])
    return Iris(next(iter(found))[: -len("catalog")]), downloads


# --- the DataStore ------------------------------------------------------------------------------

#: Table Schema type -> DataStore (PostgreSQL) type.
DATASTORE_TYPES = {"integer": "int", "boolean": "bool", "string": "text", "number": "numeric",
                   "date": "date", "datetime": "timestamp"}


def datastore_fields(table: dict) -> list[dict]:
    """The DataStore data dictionary of a table: ``info.label`` is the title, Japanese then English
    ("施策番号 / Policy code"); ``info.notes`` the Japanese and the English description
    (blank-line separated)."""
    out = []
    for f in table["fields"]:
        title, description = f.get("title", {}), f.get("description", {})
        notes = "\n\n".join(t for t in (description.get("ja"), description.get("en")) if t)
        out.append({"id": f["name"], "type": DATASTORE_TYPES.get(f["type"], "text"),
                    "info": {"label": bilingual(title) or f["name"], "notes": notes}})
    return out
