"""The registry of distributions (kanmin.distributions) is the one home of every published-file fact.

Checked here: the registry's entries by hand; every file of build/rdf/, every distribution of the
catalog, every file a build publishes and every copy the site serves has exactly one entry; each
stage writes the files the registry gives it; no other module holds a media type, format name,
standard or file title as a literal, and no stage learns about files from another stage's
internals; and adding a distribution is one entry plus its writer (the catalog, the site and the
CKAN resources follow).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from kanmin import distributions as registry
from kanmin import model, validation
from kanmin.archive import write_archive
from kanmin.distributions import (
    CATALOG,
    EU_FILE_TYPES,
    FILES,
    Distribution,
    Format,
    Standard,
    distributions,
    written_by,
)
from kanmin.package import write_package
from kanmin.rdf import build_rdf
from kanmin.settings import ARCHIVE_PATH, DEFAULT_DOWNLOAD_BASE, RDF_DIR, SITE_DIR, WORKBOOK_PATH
from support import REPO, copy_published_package, make_package, metadata

DCAT = Namespace("http://www.w3.org/ns/dcat#")
PACKAGE = REPO / "scripts" / "kanmin"
RESOURCES = metadata()["resources"]

TABLE_STANDARDS = {"https://datapackage.org/standard/table-schema/", "https://www.rfc-editor.org/rfc/rfc4180"}
VOCAB_IRI = "https://w3id.org/kanmin-data/vocab"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Checked by hand: path -> (IANA media type, EU file-type code, CKAN format, standards, stage).
EXPECTED = {
    "build/kuni-shisaku-ichiran-todofuken-2019.xlsx": (XLSX_MEDIA, "XLSX", "XLSX", set(), "workbook"),
    "build/kuni-shisaku-ichiran-todofuken-2019.zip": ("application/zip", "ZIP", "ZIP", set(), "archive"),
    **{f"data/{name}.csv": ("text/csv", "CSV", "CSV", TABLE_STANDARDS, "package")
       for name in ("policies", "ministries", "policy_ministries", "kpis", "policy_references", "budget_projects",
                    "policy_budget_projects", "pillars", "effect_categories")},
    "datapackage.json": ("application/json", "JSON", "JSON", {"https://datapackage.org/standard/data-package/"},
                         "package"),
    "build/rdf/data.ttl": ("text/turtle", "RDF_TURTLE", "Turtle", {VOCAB_IRI}, "rdf"),
    "build/rdf/data.nt": ("application/n-triples", "RDF_N_TRIPLES", "N-Triples", {VOCAB_IRI}, "rdf"),
    "build/rdf/data.jsonld": ("application/ld+json", "JSON_LD", "JSON-LD", {VOCAB_IRI}, "rdf"),
    "build/rdf/context.jsonld": ("application/ld+json", "JSON_LD", "JSON-LD", set(), "rdf"),
    "build/rdf/vocab.ttl": ("text/turtle", "RDF_TURTLE", "Turtle", set(), "rdf"),
    "build/rdf/shapes.ttl": ("text/turtle", "RDF_TURTLE", "Turtle", {"https://www.w3.org/TR/shacl/"}, "rdf"),
    "build/rdf/catalog.ttl": ("text/turtle", "RDF_TURTLE", "Turtle", set(), "rdf"),
}


def _facts(d: Distribution) -> tuple:
    return (d.format.media_type, d.format.eu_file_type_code, d.format.ckan, {s.iri for s in d.conforms_to}, d.stage)


# --- the registry itself ---------------------------------------------------------------------------

def test_the_registry_checked_by_hand():
    dists = distributions(RESOURCES)
    # publish order: the files for people (workbook, ZIP), tables, descriptor, build/rdf/
    assert [d.path for d in dists] == list(EXPECTED)
    assert {d.path: _facts(d) for d in dists} == EXPECTED
    assert [d.path for d in dists if not d.described] == ["build/rdf/catalog.ttl"]
    assert all(d.site_copy for d in dists)
    assert [d.path for d in dists if d.optional] == [WORKBOOK_PATH, ARCHIVE_PATH]
    assert all(d.format.eu_file_type.startswith(EU_FILE_TYPES) for d in dists)
    for d in dists:
        title, description = d.texts()
        assert set(title) == set(description) == {"ja", "en"} and all(title.values()), d.path


def test_a_table_is_titled_and_described_by_its_table_schema_resource():
    policies = next(d for d in distributions(RESOURCES) if d.table)
    assert (policies.path, policies.table) == ("data/policies.csv", "policies")
    assert policies.texts() == (RESOURCES[0]["title"], RESOURCES[0]["description"])
    assert distributions([]) == list(FILES)  # no resources, no tables


@pytest.mark.parametrize("path", [WORKBOOK_PATH, ARCHIVE_PATH])
def test_the_workbook_and_the_zip_are_listed_only_where_they_are(tmp_path, path):
    assert path in [d.path for d in distributions(RESOURCES)]
    assert path not in [d.path for d in distributions(RESOURCES, tmp_path)]
    assert CATALOG in distributions(RESOURCES, tmp_path)  # any other file is listed, there or not
    (tmp_path / path).parent.mkdir(parents=True)
    (tmp_path / path).write_bytes(b"")
    assert path in [d.path for d in distributions(RESOURCES, tmp_path)]


# --- every published file has exactly one entry ---------------------------------------------------

def test_every_file_of_build_rdf_has_exactly_one_entry():
    on_disk = sorted(f"{RDF_DIR}/{p.name}" for p in (REPO / RDF_DIR).iterdir() if not p.name.startswith("."))
    entries = Counter(d.path for d in distributions(RESOURCES) if d.path.startswith(RDF_DIR + "/"))
    assert on_disk == sorted(entries) and set(entries.values()) == {1}


def test_every_distribution_of_the_catalog_has_exactly_one_entry_and_says_what_it_says():
    g = Graph().parse(REPO / RDF_DIR / "catalog.ttl", format="turtle")
    dists = distributions(RESOURCES, REPO)
    in_catalog = {}
    for node in g.subjects(RDF.type, DCAT.Distribution):
        path = str(g.value(node, DCAT.downloadURL)).removeprefix(DEFAULT_DOWNLOAD_BASE)
        (entry,) = [d for d in dists if d.path == path]  # exactly one
        in_catalog[path] = node
        assert g.value(node, DCAT.mediaType) == URIRef(entry.format.media_type_iri), path
        assert g.value(node, DCTERMS["format"]) == URIRef(entry.format.eu_file_type), path
        assert {str(s) for s in g.objects(node, DCTERMS.conformsTo)} == {s.iri for s in entry.conforms_to}, path
        title, description = entry.texts()
        assert set(g.objects(node, DCTERMS.title)) == {Literal(t, lang=lang) for lang, t in title.items()}, path
        assert set(g.objects(node, DCTERMS.description)) == {Literal(t, lang=lang)
                                                             for lang, t in description.items()}, path
    assert sorted(in_catalog) == sorted(d.path for d in dists if d.described)


def test_a_build_publishes_and_the_site_copies_exactly_the_registry(site_build):
    published = {p.relative_to(site_build).as_posix() for p in [
        *(site_build / "data").glob("*.csv"), site_build / "datapackage.json", *(site_build / "build").glob("*.xlsx"),
        *(site_build / "build").glob("*.zip"),
        *(site_build / RDF_DIR).iterdir()] if not p.name.startswith(".")}
    dists = distributions(RESOURCES, site_build)
    assert published == {d.path for d in dists} and len(published) == len(dists)
    files = site_build / SITE_DIR / "files"
    copies = {p.relative_to(files).as_posix() for p in files.rglob("*") if p.is_file()}
    assert copies == {d.path for d in dists if d.site_copy}


def test_each_stage_writes_the_files_the_registry_gives_it(tmp_path):
    pkg = model.from_records(metadata(), {r["name"]: [] for r in RESOURCES})
    package_only = tmp_path / "package"
    write_package(pkg, package_only)
    written = {p.relative_to(package_only).as_posix() for p in package_only.rglob("*") if p.is_file()}
    assert written == {d.path for d in written_by("package", RESOURCES)}
    write_archive(pkg, package_only)
    zipped = {p.relative_to(package_only).as_posix() for p in package_only.rglob("*") if p.is_file()} - written
    assert zipped == {d.path for d in written_by("archive")} == {ARCHIVE_PATH}
    package = make_package(tmp_path / "pkg")
    build_rdf(package, package / RDF_DIR)
    rdf = sorted(f"{RDF_DIR}/{p.name}" for p in (package / RDF_DIR).iterdir() if not p.name.startswith("."))
    assert rdf == sorted(d.path for d in written_by("rdf"))
    assert [d.path for d in written_by("workbook")] == [WORKBOOK_PATH]  # the path the build writes it to


# --- no other home --------------------------------------------------------------------------------

#: String constants elsewhere that equal a registry value by coincidence, not as a file fact.
ALLOWED = {("workbook.py", "CSV"): "the heading of the workbook's note on opening the CSV files in Excel"}
#: Modules whose literals hold such values as facts of their own, not of our files.
ALLOWED_MODULES = {"rdf/mqa.py": "the EU's and IANA's vocabularies (file types, media types, the machine-readable "
                                 "and non-proprietary formats), with which the metadata quality assessment "
                                 "compares the registry's values"}


def _strings(source: str) -> list[str]:
    return [node.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def _facts_held(source: str, name: str) -> list[str]:
    """The registry's facts that a module's string literals hold: a media type, EU file type or
    standard IRI anywhere in a literal; a CKAN format name, EU file-type code, standard title or
    title of a file as a whole literal."""
    formats = [v for v in vars(registry).values() if isinstance(v, Format)]
    standards = [v for v in vars(registry).values() if isinstance(v, Standard)]
    within = {f.media_type for f in formats} | {f.eu_file_type for f in formats} | {s.iri for s in standards}
    whole = ({f.ckan for f in formats} | {f.eu_file_type_code for f in formats} | {s.title for s in standards}
             | {text for d in FILES for texts in d.texts() for text in texts.values()})
    held = []
    for text in _strings(source):
        held += [w for w in within if w in text] + ([text] if text in whole and (name, text) not in ALLOWED else [])
    return held


def test_the_scan_finds_a_planted_copy():
    assert _facts_held('MEDIA = {".ttl": "text/turtle; charset=utf-8"}', "x.py") == ["text/turtle"]
    assert _facts_held('FORMATS = {".xlsx": "XLSX"}', "x.py") == ["XLSX"]
    assert _facts_held('TITLE = ("JSON-LDコンテキスト", "JSON-LD context")', "x.py") == [
        "JSON-LDコンテキスト", "JSON-LD context"]
    assert _facts_held('STANDARD = f"{BASE}https://www.w3.org/TR/shacl/"', "x.py") == ["https://www.w3.org/TR/shacl/"]
    assert _facts_held('HEADING = ("CSV", "…")', "workbook.py") == []
    assert _facts_held('HEADING = ("CSV", "…")', "tidy.py") == ["CSV"]


def test_no_module_but_the_registry_holds_a_file_fact():
    held = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "distributions.py" and path.parent == PACKAGE:
            continue
        found = _facts_held(path.read_text(encoding="utf-8"), path.name)
        if found and path.relative_to(PACKAGE).as_posix() not in ALLOWED_MODULES:
            held[path.relative_to(PACKAGE).as_posix()] = found
    assert held == {}
    assert all((PACKAGE / module).is_file() for module in ALLOWED_MODULES)


def _imports_of(source: str, package: str) -> set[str]:
    """The kanmin modules (and names) a module of ``package`` imports, relative imports resolved."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = ".".join(parts[:len(parts) - node.level + 1]) if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            out |= {module} | {f"{module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return {m for m in out if m.startswith("kanmin")}


def _imports(path: Path) -> set[str]:
    return _imports_of(path.read_text(encoding="utf-8"), ".".join(("kanmin", *path.relative_to(PACKAGE).parent.parts)))


def _stage_internals(imported: set[str]) -> set[str]:
    return {m for m in imported if m.startswith(("kanmin.rdf.catalog", "kanmin.rdf.build"))}


@pytest.mark.parametrize("folder", ["site", "portal"])
def test_site_and_portal_learn_about_files_from_the_registry_only(folder):
    paths = sorted((PACKAGE / folder).glob("*.py"))
    assert paths and {p.name: _stage_internals(_imports(p)) for p in paths} == {p.name: set() for p in paths}


def test_the_import_scan_sees_a_planted_import():
    source = (PACKAGE / "site" / "views.py").read_text(encoding="utf-8")
    assert _stage_internals(_imports_of(source, "kanmin.site")) == set()
    planted = source + "\nfrom ..rdf.catalog import catalog_triples\n"
    assert _stage_internals(_imports_of(planted, "kanmin.site")) == {"kanmin.rdf.catalog",
                                                                     "kanmin.rdf.catalog.catalog_triples"}


def test_the_registry_imports_only_paths_and_hashing():
    assert {m.split(".")[1] for m in _imports(PACKAGE / "distributions.py")} == {"files", "settings"}


# --- adding a distribution: one entry + its writer -------------------------------------------------

NOTES = Distribution("build/notes.txt", {"ja": "メモ", "en": "Notes"},
                     Format("text/plain", EU_FILE_TYPES + "TXT", "TXT"), (), "package")


def test_adding_a_distribution_is_one_entry_and_its_writer(tmp_path, monkeypatch):
    from kanmin.portal import mapping
    from kanmin.site import write_site

    monkeypatch.setattr(registry, "FILES", (*FILES[:2], NOTES, *FILES[2:]))
    package = copy_published_package(tmp_path / "pkg")
    (package / NOTES.path).write_text("a note\n", encoding="utf-8")  # its writer
    pkg = validation.load(package)
    build_rdf(package, package / RDF_DIR)

    g = Graph().parse(package / RDF_DIR / "catalog.ttl", format="turtle")
    (node,) = g.subjects(DCAT.downloadURL, URIRef(DEFAULT_DOWNLOAD_BASE + NOTES.path))
    assert g.value(node, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/text/plain")
    assert g.value(node, DCTERMS["format"]) == URIRef(EU_FILE_TYPES + "TXT")
    assert Literal("Notes", lang="en") in set(g.objects(node, DCTERMS.title))

    (resource,) = [r for r in mapping.dataset_spec(pkg, package).resources if r.path == NOTES.path]
    assert (resource.fields["name"], resource.fields["format"], resource.fields["mimetype"]) == (
        "メモ / Notes", "TXT", "text/plain")

    write_site(pkg, tmp_path / "site", package)
    downloads = (tmp_path / "site" / "downloads.html").read_text(encoding="utf-8")
    assert f'data-path="{NOTES.path}"' in downloads and "text/plain" in downloads
    assert (tmp_path / "site" / "files" / NOTES.path).read_text(encoding="utf-8") == "a note\n"
