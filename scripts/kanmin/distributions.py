"""The one registry of what we publish: every distribution of the dataset, described once.

A published file is one ``Distribution``: its path in the package, its titles (and descriptions)
in Japanese and English, its ``Format`` (IANA media type, EU file type, CKAN format name), the
``Standard``s it conforms to, whether the DCAT catalog describes it, whether the dataset site
copies it, and which stage writes it. The tables are one entry kind (``TABLES``): one CSV per
Table Schema resource of the metadata, titled and described by that resource. Every other file
is one entry of ``FILES``.

No other module holds these facts: the DCAT catalog (``rdf.catalog``, ``rdf.build``), the site
(``site``), the CKAN publisher (``portal.mapping``), the descriptor (``package``) and the tests
read them here (a test rejects a media type, format name or title literal anywhere else).
Adding a distribution is one entry here plus its writer, the function of the stage it names:

  ``"package"``   ``package.write_package``  (the CSVs and datapackage.json)
  ``"workbook"``  ``workbook.write_workbook`` (the Excel workbook)
  ``"archive"``   ``archive.write_archive``   (the ZIP of the files the package stage writes)
  ``"rdf"``       ``rdf.build.write_rdf``     (build/rdf/: data graph, context, vocabulary, shapes, catalog)

The publish order (the catalog's, the site's downloads page's and CKAN's) puts the files for
people first (``before_tables``: the workbook, then the ZIP), then the tables, then the rest of
``FILES`` in its order.

The paths themselves are ``settings``' (the one home of paths: ``DESCRIPTOR``, ``WORKBOOK_PATH``,
``ARCHIVE_PATH``, ``RDF_DIR``, ``table_path``). The IRIs of the standards and of the two authority tables (IANA
media types, EU file types) are defined here; the namespace of the project vocabulary
(``rdf.namespaces.KD``) is made from ``VOCABULARY``.

Importing reads no file. ``distributions`` looks into a package folder only when given one (are
the optional workbook and ZIP there?); ``measure`` hashes the file it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from .files import sha256_file
from .settings import ARCHIVE_PATH, DEFAULT_BASE, DESCRIPTOR, RDF_DIR, WORKBOOK_PATH, table_path

#: The stage whose writer writes a file (see the module docstring).
Stage = Literal["package", "workbook", "archive", "rdf"]

IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
EU_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class Format:
    """How a file is written, in the three vocabularies its readers use."""

    media_type: str  # IANA media type (dcat:mediaType, the site's list, CKAN's mimetype)
    eu_file_type: str  # concept IRI in the EU file-type table (dct:format)
    #: CKAN's ``format``: a name CKAN's resource_formats.json knows (CSV, JSON, XLSX) or, for the RDF
    #: syntaxes it does not know, their usual name (CKAN's clean_format keeps it as sent).
    ckan: str

    @property
    def media_type_iri(self) -> str:
        return IANA_MEDIA_TYPES + self.media_type

    @property
    def eu_file_type_code(self) -> str:
        """The code of the EU file type, its label in the catalog: RDF_TURTLE, CSV, …"""
        return self.eu_file_type.removeprefix(EU_FILE_TYPES)


CSV = Format("text/csv", EU_FILE_TYPES + "CSV", "CSV")
JSON = Format("application/json", EU_FILE_TYPES + "JSON", "JSON")
TURTLE = Format("text/turtle", EU_FILE_TYPES + "RDF_TURTLE", "Turtle")
N_TRIPLES = Format("application/n-triples", EU_FILE_TYPES + "RDF_N_TRIPLES", "N-Triples")
JSON_LD = Format("application/ld+json", EU_FILE_TYPES + "JSON_LD", "JSON-LD")
XLSX = Format("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", EU_FILE_TYPES + "XLSX", "XLSX")
ZIP = Format("application/zip", EU_FILE_TYPES + "ZIP", "ZIP")


@dataclass(frozen=True)
class Standard:
    """A specification a distribution conforms to (dct:conformsTo), with its English title."""

    iri: str
    title: str


DATA_PACKAGE = Standard("https://datapackage.org/standard/data-package/", "Data Package (v2)")
TABLE_SCHEMA = Standard("https://datapackage.org/standard/table-schema/", "Table Schema (v2)")
CSV_RFC4180 = Standard("https://www.rfc-editor.org/rfc/rfc4180",
                       "RFC 4180: Common Format and MIME Type for Comma-Separated Values (CSV) Files")
SHACL = Standard("https://www.w3.org/TR/shacl/", "Shapes Constraint Language (SHACL)")
#: The project vocabulary (build/rdf/vocab.ttl), which the data graph files conform to; its terms
#: are ``<iri>#term`` (``rdf.namespaces.KD``), a namespace that does not move with ``--base-iri``.
VOCABULARY = Standard(DEFAULT_BASE + "vocab", "kanmin-data vocabulary")


@dataclass(frozen=True)
class Distribution:
    """One published file and every fact its readers need about it."""

    path: str  # relative to the package, "/" separators
    title: dict[str, str] = field(hash=False)  # {"ja": …, "en": …}
    format: Format
    conforms_to: tuple[Standard, ...]  # none: its format is all there is to say (no data standard covers it)
    stage: Stage
    description: dict[str, str] | None = field(default=None, hash=False)  # None: the title says it
    table: str | None = None  # the Table Schema resource whose rows a table's CSV holds
    #: The catalog describes it as a dcat:Distribution: every file but the catalog itself.
    described: bool = True
    #: The site lists it and serves a copy at files/<path>, the catalog's default download URL.
    site_copy: bool = True
    #: Listed only where its file is there: the workbook and the ZIP, which older packages do not
    #: have (see CHANGELOG.md).
    optional: bool = False
    #: Published before the tables: the files for people (the workbook, the ZIP), first on the
    #: site's downloads page and in CKAN's resource list.
    before_tables: bool = False

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    def texts(self) -> tuple[dict[str, str], dict[str, str]]:
        """Title and description ({lang: text}); the title doubles as the description if there is none."""
        return self.title, self.description or self.title


@dataclass(frozen=True)
class TableKind:
    """The entry kind of the tables: one CSV per Table Schema resource of the metadata, at
    ``settings.table_path(name)``, titled and described by its resource."""

    format: Format
    conforms_to: tuple[Standard, ...]
    stage: Stage

    def entry(self, resource: dict) -> Distribution:
        return Distribution(table_path(resource["name"]), resource["title"], self.format, self.conforms_to,
                            self.stage, description=resource["description"], table=resource["name"])


TABLES = TableKind(CSV, (TABLE_SCHEMA, CSV_RFC4180), "package")

DESCRIPTOR_FILE = Distribution(
    DESCRIPTOR,
    title={"ja": "データパッケージ記述子（Frictionless Data Package v2）",
           "en": "Data Package descriptor (Frictionless Data Package v2)"},
    format=JSON, conforms_to=(DATA_PACKAGE,), stage="package")
WORKBOOK = Distribution(
    WORKBOOK_PATH,
    title={"ja": "Excelブック（説明とデータ辞書、原典どおりの施策一覧、全テーブル）",
           "en": "Excel workbook (description and data dictionary, the policy table as printed, every table)"},
    format=XLSX, conforms_to=(), stage="workbook", optional=True, before_tables=True)
#: The Data Package in one file: what it holds and why is ``archive``'s docstring.
ARCHIVE = Distribution(
    ARCHIVE_PATH,
    title={"ja": "データパッケージ一式のZIP（datapackage.json と全テーブルのCSV）",
           "en": "ZIP of the Data Package (datapackage.json and the CSV of every table)"},
    format=ZIP, conforms_to=(), stage="archive", optional=True, before_tables=True)
VOCAB = Distribution(
    f"{RDF_DIR}/vocab.ttl",
    title={"ja": "語彙（kd: の用語のラベルと説明、Turtle）",
           "en": "Vocabulary: labels and comments of the kd: terms (Turtle)"},
    format=TURTLE, conforms_to=(), stage="rdf")
SHAPES = Distribution(
    f"{RDF_DIR}/shapes.ttl",
    title={"ja": "データグラフのSHACLシェイプ（Turtle）", "en": "SHACL shapes of the data graph (Turtle)"},
    format=TURTLE, conforms_to=(SHACL,), stage="rdf")
#: The catalog describes every other file: it is published (site, CKAN) but not a distribution of itself.
CATALOG = Distribution(
    f"{RDF_DIR}/catalog.ttl",
    title={"ja": "DCAT-AP 3 カタログ（このデータセットと配布ファイルの記述、Turtle）",
           "en": "DCAT-AP 3 catalog: the dataset and its distributions (Turtle)"},
    format=TURTLE, conforms_to=(), stage="rdf", described=False)

#: Every published file but the tables, in publish order (the catalog's, the site's and CKAN's order;
#: those ``before_tables`` come before the tables).
FILES: tuple[Distribution, ...] = (
    WORKBOOK,
    ARCHIVE,
    DESCRIPTOR_FILE,
    Distribution(f"{RDF_DIR}/data.ttl", title={"ja": "RDFグラフ（Turtle）", "en": "RDF graph (Turtle)"},
                 format=TURTLE, conforms_to=(VOCABULARY,), stage="rdf"),
    Distribution(f"{RDF_DIR}/data.nt", title={"ja": "RDFグラフ（N-Triples）", "en": "RDF graph (N-Triples)"},
                 format=N_TRIPLES, conforms_to=(VOCABULARY,), stage="rdf"),
    Distribution(f"{RDF_DIR}/data.jsonld", title={"ja": "RDFグラフ（JSON-LD）", "en": "RDF graph (JSON-LD)"},
                 format=JSON_LD, conforms_to=(VOCABULARY,), stage="rdf"),
    Distribution(f"{RDF_DIR}/context.jsonld", title={"ja": "JSON-LDコンテキスト", "en": "JSON-LD context"},
                 format=JSON_LD, conforms_to=(), stage="rdf"),
    VOCAB,
    SHAPES,
    CATALOG,
)


def distributions(resources: Iterable[dict], package_dir: Path | None = None) -> list[Distribution]:
    """Every published file of a package with these Table Schema resources, in publish order: the
    files of ``FILES`` that come ``before_tables``, one CSV per resource (in the resources' order),
    then the rest of ``FILES``.

    Given the folder the package is in, an optional file (the workbook, the ZIP) is listed only if
    it is there, so that a package written without one (by ``package.write_package`` alone, or by
    an older version) still has a catalog; every other file is listed whether it is
    there or not (a missing one is an error where it is read)."""
    def present(d: Distribution) -> bool:
        return not d.optional or package_dir is None or (Path(package_dir) / d.path).is_file()

    return [*(d for d in FILES if d.before_tables and present(d)), *(TABLES.entry(r) for r in resources),
            *(d for d in FILES if not d.before_tables and present(d))]


def written_by(stage: Stage, resources: Iterable[dict] = ()) -> list[Distribution]:
    """The files one stage writes, in publish order (the tables' only given their resources)."""
    return [d for d in distributions(resources) if d.stage == stage]


def by_path(path: str, resources: Iterable[dict]) -> Distribution:
    """The entry published at ``path`` (relative to the package); KeyError if there is none."""
    for d in distributions(resources):
        if d.path == path:
            return d
    raise KeyError(path)


@dataclass(frozen=True)
class PublishedFile:
    """A distribution as it is published: its entry, its path (relative to the package, "/"
    separators: the entry's, unless ``kanmin rdf --out`` put build/rdf/ elsewhere in the package),
    its size and SHA-256."""

    dist: Distribution
    path: str
    size: int
    sha256: str


def measure(dist: Distribution, file: Path, path: str | None = None) -> PublishedFile:
    """The size and SHA-256 of ``file``, the distribution ``dist`` published at ``path`` (default: its own)."""
    digest, size = sha256_file(file)
    return PublishedFile(dist, path or dist.path, size, digest)
