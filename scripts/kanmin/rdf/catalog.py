"""Dataset metadata -> DCAT-AP 3 catalog (one dcat:Catalog, one dcat:Dataset, its distributions).

Every title, licence, date and agent comes from the package model's metadata (curated once in
data/curated/metadata.json, the source that also feeds datapackage.json). What the catalog says of
each published file — titles, media type, EU file type, the standards it conforms to — is its
entry in the registry of distributions (``kanmin.distributions``); byte sizes and SHA-256
checksums are measured on the files themselves (``distributions.measure``), so the catalog is
built after the CSVs, datapackage.json and the RDF files are written.
Nodes that DCAT-AP range shapes require to be typed (licence, location, media types, standards,
landing page, theme, access rights) are typed here; all of them are IRIs, none is a blank node.

Licences and access rights by the EU's controlled vocabularies (DCAT-AP's, which data.europa.eu's
metadata quality assessment checks): the catalog, the dataset and every distribution are
licensed by the EU licence table's concept (``licence_uri`` in the metadata, CC BY 4.0's); that
node is a dct:LicenseDocument titled like the licence (``licenses[0]``), with its SPDX id as
dct:identifier and the Creative Commons page (``licenses[0].path``, the URL datapackage.json
gives) as its foaf:page: the page where people read the licence, not a second name for it
(owl:sameAs would merge the two IRIs' statements). The source document's licence is a
dct:LicenseDocument of its own IRI (``source_licence.uri``) with the PDF of its text as foaf:page.
The dataset's dct:accessRights is the EU access-right table's concept (``access_rights``); the
rights statement (the attribution to give) is on the dataset and on every distribution.
"""

from __future__ import annotations

from ..distributions import DATA_PACKAGE, PublishedFile, Standard
from ..model import Package
from ..settings import contact_email
from .namespaces import (
    DCAT,
    DCT,
    EU_ACCESS_RIGHT_LABELS,
    EU_DATA_THEME,
    EU_DATA_THEME_LABELS,
    FOAF,
    ISO639_1,
    PROV,
    RDFS,
    SKOS,
    SPDX,
    SPDX_SHA256,
    VCARD,
    XSD,
    Iris,
)
from .serialize import RDF_TYPE, Lit, Triple


def _texts(s: str, p: str, texts: dict[str, str]) -> list[Triple]:
    return [(s, p, Lit(text, lang)) for lang, text in sorted(texts.items())]


def _agent(agent: dict) -> list[Triple]:
    s = agent["uri"]
    out = [(s, RDF_TYPE, FOAF + "Agent"), *_texts(s, FOAF + "name", agent["name"])]
    if agent.get("homepage"):
        out.append((s, FOAF + "homepage", agent["homepage"]))
    return out


def _date_literal(value: str) -> Lit:
    return Lit(value, "", XSD + ("dateTime" if "T" in value else "date"))


def catalog_triples(pkg: Package, files: list[PublishedFile], iris: Iris,
                    download_base: str, modified: str) -> set[Triple]:
    """The catalog, its dataset and one dcat:Distribution per file of ``files`` (the registry's
    distributions that the catalog describes, measured), downloaded from ``download_base`` + path."""
    metadata = pkg.metadata
    name = metadata["name"]
    catalog, dataset = iris.catalog(), iris.dataset(name)
    publisher, creator = metadata["publisher"], metadata["source_publisher"]
    licence = metadata["licence_uri"]
    homepage = publisher["homepage"]
    issued = _date_literal(metadata["issued"])
    modified_lit = _date_literal(modified)
    languages = [ISO639_1 + code for code in metadata["language"]]
    spatial, theme = metadata["spatial"]["uri"], metadata["theme"]
    t: list[Triple] = []

    # The catalog, titled after its publisher.
    pub_names = publisher["name"]
    t += [(catalog, RDF_TYPE, DCAT + "Catalog"),
          (catalog, DCT + "title", Lit(f"{pub_names['ja']} データカタログ", "ja")),
          (catalog, DCT + "title", Lit(f"{pub_names['en']} data catalog", "en")),
          (catalog, DCT + "description",
           Lit(f"{pub_names['ja']}が公開するデータセット：{metadata['title']['ja']}", "ja")),
          (catalog, DCT + "description",
           Lit(f"Datasets published by the {pub_names['en']}: {metadata['title']['en']}", "en")),
          (catalog, DCT + "publisher", publisher["uri"]),
          (catalog, DCT + "license", licence),
          (catalog, DCT + "issued", issued),
          (catalog, DCT + "modified", modified_lit),
          (catalog, DCT + "spatial", spatial),
          (catalog, DCAT + "themeTaxonomy", EU_DATA_THEME),
          (catalog, FOAF + "homepage", homepage),
          (catalog, DCAT + "dataset", dataset)]
    t += [(catalog, DCT + "language", lang) for lang in languages]

    # The dataset.
    contact = iris.dataset_part(name, "contact")
    temporal = iris.dataset_part(name, "temporal")
    rights = iris.dataset_part(name, "rights")
    t += [(dataset, RDF_TYPE, DCAT + "Dataset"),
          *_texts(dataset, DCT + "title", metadata["title"]),
          *_texts(dataset, DCT + "description", metadata["description"]),
          (dataset, DCT + "identifier", Lit(metadata["id"])),
          (dataset, DCAT + "version", Lit(metadata["version"])),
          (dataset, DCAT + "theme", theme),
          (dataset, DCT + "publisher", publisher["uri"]),
          (dataset, DCT + "creator", creator["uri"]),
          (dataset, DCAT + "contactPoint", contact),
          (dataset, DCT + "license", licence),
          (dataset, DCT + "accessRights", metadata["access_rights"]),
          (dataset, DCT + "rights", rights),
          (dataset, DCT + "issued", issued),
          (dataset, DCT + "modified", modified_lit),
          (dataset, DCT + "spatial", spatial),
          (dataset, DCT + "temporal", temporal),
          (dataset, DCAT + "landingPage", metadata["homepage"]),
          (metadata["homepage"], RDF_TYPE, FOAF + "Document"),
          (dataset, DCT + "conformsTo", DATA_PACKAGE.iri)]
    t += [(dataset, DCT + "language", lang) for lang in languages]
    t += [(dataset, DCAT + "keyword", Lit(k, "en" if k.isascii() else "ja"))
          for k in metadata["keywords"]]

    # Agents, contact point, licence, rights, place, period, theme, languages, standards.
    t += _agent(publisher) + _agent(creator)
    t += [(contact, RDF_TYPE, VCARD + "Kind"), (contact, RDF_TYPE, VCARD + "Organization"),
          *_texts(contact, VCARD + "fn", pub_names),
          (contact, VCARD + "hasURL", homepage)]
    email = contact_email()
    if email:
        t.append((contact, VCARD + "hasEmail", "mailto:" + email))
    t += _licence(metadata)
    t += [(metadata["access_rights"], RDF_TYPE, DCT + "RightsStatement"),
          (metadata["access_rights"], SKOS + "prefLabel", Lit(EU_ACCESS_RIGHT_LABELS[metadata["access_rights"]], "en")),
          (rights, RDF_TYPE, DCT + "RightsStatement"),
          *_texts(rights, RDFS + "label", metadata["attribution"]),
          (spatial, RDF_TYPE, DCT + "Location"),
          *_texts(spatial, SKOS + "prefLabel", metadata["spatial"]["label"]),
          (temporal, RDF_TYPE, DCT + "PeriodOfTime"),
          (temporal, DCAT + "startDate", _date_literal(metadata["temporal"]["start"])),
          (temporal, DCAT + "endDate", _date_literal(metadata["temporal"]["end"])),
          (temporal, RDFS + "label", Lit(f"{metadata['temporal']['start']}/{metadata['temporal']['end']}")),
          (theme, RDF_TYPE, SKOS + "Concept"),
          (theme, SKOS + "inScheme", EU_DATA_THEME),
          (theme, SKOS + "prefLabel", Lit(EU_DATA_THEME_LABELS[theme], "en")),
          (EU_DATA_THEME, RDF_TYPE, SKOS + "ConceptScheme"),
          (EU_DATA_THEME, DCT + "title", Lit("Data theme", "en")),
          # No rdfs:label on the home page / landing page: ckanext-dcat's harvester reads a label of
          # the landing page as the dataset's url, so the page is left as the bare IRI it is.
          (homepage, RDF_TYPE, FOAF + "Document")]
    t += [(lang, RDF_TYPE, DCT + "LinguisticSystem") for lang in languages]
    t += [(lang, RDFS + "label", Lit(lang.rsplit("/", 1)[-1])) for lang in languages]
    t += _source(metadata, dataset, iris, creator, spatial, temporal, theme, languages)

    # Distributions.
    used_standards: set[Standard] = {DATA_PACKAGE}
    for f in files:
        t += _distribution(f, metadata, iris, download_base, licence, rights, modified_lit,
                           dataset, used_standards)
    for std in used_standards:
        t += [(std.iri, RDF_TYPE, DCT + "Standard"), (std.iri, DCT + "title", Lit(std.title, "en"))]
    return with_labels(set(t))


#: Where a catalog node's name already is, in order of preference: copied to rdfs:label so that a
#: generic client finds one label property on every resource.
NAME_PROPERTIES = (SKOS + "prefLabel", DCT + "title", FOAF + "name", VCARD + "fn")


def with_labels(triples: set[Triple]) -> set[Triple]:
    """The triples plus an rdfs:label for every subject that has a name but no rdfs:label."""
    names: dict[str, dict[str, list[Lit]]] = {}
    labelled = set()
    for s, p, o in triples:
        if p == RDFS + "label":
            labelled.add(s)
        elif p in NAME_PROPERTIES and isinstance(o, Lit):
            names.setdefault(s, {}).setdefault(p, []).append(o)
    out = set(triples)
    for s, by_property in names.items():
        if s not in labelled:
            first = next(p for p in NAME_PROPERTIES if p in by_property)
            out |= {(s, RDFS + "label", o) for o in by_property[first]}
    return out


def _licence(metadata: dict) -> list[Triple]:
    """The licence of the data (the EU licence table's concept, with the Creative Commons page) and
    that of the source document (its own IRI, with the PDF of its text), as licence documents. The
    pages stay bare IRIs, like the landing page: web pages of others, described by their owners."""
    licence, node = metadata["licenses"][0], metadata["licence_uri"]
    source_licence = metadata["source_licence"]
    source_node = source_licence["uri"]
    return [(node, RDF_TYPE, DCT + "LicenseDocument"),
            (node, DCT + "title", Lit(licence["title"])),
            (node, DCT + "identifier", Lit(licence["name"])),
            (node, FOAF + "page", licence["path"]),
            (source_node, RDF_TYPE, DCT + "LicenseDocument"),
            *_texts(source_node, DCT + "title", source_licence["title"]),
            (source_node, FOAF + "page", source_licence["path"])]


def _source(metadata: dict, dataset: str, iris: Iris, creator: dict, spatial: str,
            temporal: str, theme: str, languages: list[str]) -> list[Triple]:
    """The source document (the government's PDF and its page), by its publisher.

    It is a foaf:Document linked with prov:wasDerivedFrom and dct:relation, not a dcat:Dataset
    behind dct:source: DCAT-AP gives dct:source the range dcat:Dataset, and a harvester (ckanext-dcat's
    RDFParser) then takes the source for a second dataset of this catalog. It is not one: the
    catalog has exactly one dataset."""
    out: list[Triple] = []
    source_licence = metadata["source_licence"]
    documents = [s for s in metadata["sources"] if "hash" not in s]
    for source in metadata["sources"]:
        if "hash" in source:
            out += _source_text(source, dataset, [d["path"] for d in documents])
            continue
        s = source["path"]
        out += [(dataset, PROV + "wasDerivedFrom", s), (dataset, DCT + "relation", s),
                (s, RDF_TYPE, FOAF + "Document"),
                (s, DCT + "title", Lit(source["title"], "ja")),
                (s, DCT + "description", Lit(source["description"], "en")),
                (s, DCT + "publisher", creator["uri"]),
                (s, DCT + "creator", creator["uri"]),
                (s, DCT + "issued", _date_literal(metadata["source_issued"])),
                (s, DCT + "license", source_licence["uri"]),
                (s, DCT + "spatial", spatial),
                (s, DCT + "temporal", temporal),
                (s, DCAT + "theme", theme),
                (s, DCAT + "landingPage", s)]
        out += [(s, DCT + "language", lang) for lang in languages]
    return out


def _source_text(source: dict, dataset: str, documents: list[str]) -> list[Triple]:
    """The text extraction the package was built from (a ``sources`` item with ``bytes`` and
    ``hash``): a document derived from the source document, identified by its size and SHA-256."""
    node = dataset + "/source-text"
    checksum = node + "/checksum"
    digest = source["hash"].removeprefix("sha256:")
    return [(dataset, PROV + "wasDerivedFrom", node),
            (node, RDF_TYPE, FOAF + "Document"),
            (node, DCT + "title", Lit(source["title"], "en")),
            (node, DCT + "description", Lit(source["description"], "en")),
            (node, DCT + "identifier", Lit(source["path"])),
            (node, DCAT + "byteSize", Lit(str(source["bytes"]), "", XSD + "nonNegativeInteger")),
            (node, SPDX + "checksum", checksum),
            (checksum, RDF_TYPE, SPDX + "Checksum"),
            (checksum, RDFS + "label", Lit(f"SHA-256 of {source['path']}", "en")),
            (checksum, SPDX + "algorithm", SPDX_SHA256),
            (checksum, SPDX + "checksumValue", Lit(digest, "", XSD + "hexBinary")),
            *[(node, PROV + "wasDerivedFrom", d) for d in documents]]


def _distribution(f: PublishedFile, metadata: dict, iris: Iris, download_base: str,
                  licence: str, rights: str, modified: Lit, dataset: str,
                  used_standards: set[Standard]) -> list[Triple]:
    """The dcat:Distribution of one published file (the registry's facts, its size and checksum)."""
    d = iris.distribution(metadata["name"], f.path)
    fmt = f.dist.format
    media_iri, format_iri = fmt.media_type_iri, fmt.eu_file_type
    checksum = d + "/checksum"
    url = download_base + f.path
    out: list[Triple] = [
        (dataset, DCAT + "distribution", d),
        (d, RDF_TYPE, DCAT + "Distribution"),
        (d, DCAT + "downloadURL", url), (d, DCAT + "accessURL", url),
        (d, DCAT + "mediaType", media_iri), (media_iri, RDF_TYPE, DCT + "MediaType"),
        (media_iri, RDFS + "label", Lit(fmt.media_type)),
        (d, DCT + "format", format_iri), (format_iri, RDF_TYPE, DCT + "MediaTypeOrExtent"),
        (format_iri, RDFS + "label", Lit(fmt.eu_file_type_code)),
        (d, DCAT + "byteSize", Lit(str(f.size), "", XSD + "nonNegativeInteger")),
        (d, SPDX + "checksum", checksum),
        (checksum, RDF_TYPE, SPDX + "Checksum"),
        (checksum, RDFS + "label", Lit(f"SHA-256 of {f.path}", "en")),
        (checksum, SPDX + "algorithm", SPDX_SHA256),
        (checksum, SPDX + "checksumValue", Lit(f.sha256, "", XSD + "hexBinary")),
        (d, DCT + "license", licence),
        (d, DCT + "rights", rights),
        (d, DCT + "modified", modified),
    ]
    title, description = f.dist.texts()
    out += _texts(d, DCT + "title", title) + _texts(d, DCT + "description", description)
    for std in f.dist.conforms_to:
        used_standards.add(std)
        out.append((d, DCT + "conformsTo", std.iri))
    return out
