"""The full build: source text → extract → tidy → checks → model → package (+ RDF, site) → publish.

``build`` reads like the table of contents of the project. The tidy tables become one in-memory
``model.Package``, which every output reads: the CSVs and ``datapackage.json``, the build report,
the Excel workbook, the ZIP of the Data Package, the RDF/DCAT files (whose catalog describes the
workbook and the ZIP too) and the dataset site (``build/site/``, which lists every file the catalog
describes, so it is written last).
Which files are published, and which stage writes each, is the registry's (``kanmin.distributions``).
Nothing is published until every stage has succeeded and frictionless has validated the staged
package against its own Table Schemas; then ``staging.staged`` moves the files into place. A failing
build leaves the previously published outputs untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import archive, checks, extract, files, model, package, settings, tidy, validation, workbook
from . import curated as curated_mod
from .errors import DataError, Problem, UsageError
from .processes import beside, collector_paused
from .settings import (
    CHANGELOG,
    CITATION,
    CURATED_DIR,
    DESCRIPTOR,
    LINKCHECK_DIR,
    RAW_SOURCE,
    RDF_DIR,
    REPO,
    REPORT_PATH,
    SITE_DIR,
    WORKBOOK_PATH,
)
from .staging import Owner, staged, staged_files

__all__ = ["BuildResult", "build", "build_report", "prepare", "provenance"]


@dataclass
class BuildResult:
    out: Path
    counts: dict[str, int]
    written: list[str] = field(default_factory=list)
    report: str = ""
    rdf: dict | None = None
    site: dict | None = None
    #: What the user should know although the build succeeded (a source other than the recorded one).
    notices: list[str] = field(default_factory=list)


def build(source: Path = RAW_SOURCE, out: Path = REPO, curated_dir: Path = CURATED_DIR,
          with_rdf: bool = True, base_url: str | None = None, repository_url: str | None = None,
          changelog: Path | None = CHANGELOG) -> BuildResult:
    """Run every stage; publish into ``out`` only if all of them succeed.

    ``base_url`` is the dataset's home page for this build, with a final slash (default: the
    ``homepage`` of metadata.json): every URL of the outputs under the
    default moves under it (``at_base``), the RDF's IRIs and download URLs too. The site's "report
    an error" links open the issue form of ``repository_url`` (default: ``KANMIN_REPOSITORY_URL``,
    ``settings.repository_url``); ``changelog`` (default: the checkout's CHANGELOG.md; None: none)
    becomes its update-history page. Neither changes a published file but the site's pages."""
    with collector_paused():
        return _build(Path(source), Path(out), Path(curated_dir), with_rdf, base_url, repository_url, changelog)


def _build(source: Path, out: Path, curated_dir: Path, with_rdf: bool, base_url: str | None,
           repository_url: str | None, changelog: Path | None) -> BuildResult:
    repository, contact = settings.repository_url(repository_url), settings.contact_email()
    history = _changelog(changelog) if with_rdf else None
    release_diffs = _release_diffs(changelog) if history is not None else []
    cur = curated_mod.load(curated_dir)
    base = settings.base_url(base_url, cur.metadata["homepage"])
    extraction, tables = prepare(source, cur)
    metadata, notices = provenance(cur.metadata, source)
    made = model.from_tables(metadata, tables)
    pkg = at_base(made, base)
    report = build_report(extraction, tables, pkg, source, notices)
    rdf_figures = site_figures = None
    # An output folder is new, empty, or holds a package of this dataset that a build wrote.
    owner = Owner(DESCRIPTOR, lambda path: package.built_here(path, pkg.metadata["name"]))
    with staged(Path(out), notices, owner) as staging:
        package.write_package(pkg, staging)
        (staging / REPORT_PATH).parent.mkdir(parents=True, exist_ok=True)
        (staging / REPORT_PATH).write_text(report, encoding="utf-8")
        (staging / CITATION).write_text(package.citation_cff(pkg.metadata), encoding="utf-8")
        # frictionless validates the staged CSVs in a child process while the other outputs, made
        # from the same model, are written here; nothing is published unless it passes.
        with beside(validation.staged, pkg, staging, str(source)):
            workbook.write_workbook(pkg, staging / WORKBOOK_PATH)
            archive.write_archive(pkg, staging)  # the descriptor and CSVs just written, zipped
            if with_rdf:
                from .rdf.build import write_rdf
                from .site import write_site
                # write_rdf makes the graph under the default base and moves it to ``base`` itself;
                # its catalog describes the files written so far and its own (kanmin.distributions)
                rdf_figures = write_rdf(made, staging / RDF_DIR, staging, RDF_DIR, base_iri=base)
                # The site lists (and copies) every distribution of the catalog and the catalog; a
                # link-check report from an earlier `kanmin linkcheck`, if any, gives the references' statuses.
                site_figures = write_site(pkg, staging / SITE_DIR, staging,
                                          linkcheck=Path(out) / LINKCHECK_DIR / "report.json",
                                          corrections=tables.applied, base=base, repository=repository,
                                          contact=contact, changelog=history, release_diffs=release_diffs)
        written = staged_files(staging)
    return BuildResult(out=Path(out), counts=pkg.counts(), written=written, report=report, rdf=rdf_figures,
                       site=site_figures, notices=notices)


def _changelog(path: Path | None) -> str | None:
    """The text of CHANGELOG.md for the site, or None; a path that names no file is a usage error."""
    if path is None:
        return None
    if not Path(path).is_file():
        raise UsageError(f"--changelog {path}: no such file", "pass the project's CHANGELOG.md, or build without "
                                                              "an update-history page (an installed kanmin's default)")
    return Path(path).read_text(encoding="utf-8")


def _release_diffs(changelog: Path | None) -> list[dict]:
    """The diffs between the recorded releases (``releases/diffs/*.json`` beside CHANGELOG.md, written by
    ``make release-diffs``), newest first, for the site's update history; none where there are none.
    Committed, so that building the site needs no git."""
    folder = Path(changelog).parent / "releases" / "diffs" if changelog else None
    if folder is None or not folder.is_dir():
        return []
    from .releases import parse_version

    found = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")]
    return sorted(found, key=lambda d: parse_version(d["new"]["version"]), reverse=True)


def provenance(metadata: dict, source: Path) -> tuple[dict, list[str]]:
    """The metadata with the size and SHA-256 of the source actually read in its ``sources`` item
    that has them, and a notice when they differ from the recorded ones (data/curated/metadata.json).

    Another file is recorded by its name only (a local absolute path means nothing to the package's
    users and tells them about the machine it was built on), with a description saying that it is
    not the reviewed source."""
    digest, size = files.sha256_file(source)
    sources, notices = [], []
    for item in metadata["sources"]:
        if "hash" in item and (item["hash"] != f"sha256:{digest}" or item["bytes"] != size):
            notices.append(f"{source}: not the source recorded in data/curated/metadata.json ({item['path']}, "
                           f"{item['bytes']:,} bytes, {item['hash']}) but {size:,} bytes, sha256:{digest}; the "
                           "package records this file, and the curated corrections were reviewed against the "
                           "recorded one: review the output before publishing it")
            item = {**item, "path": Path(source).name, "bytes": size, "hash": f"sha256:{digest}",
                    "description": f"A PDF-to-text extraction of the table that is not the reviewed source: "
                                   f"the curated corrections were reviewed against {item['path']} ({item['bytes']} "
                                   f"bytes, {item['hash']}), not against this file (UTF-8, one printed line per "
                                   "line); bytes and hash identify it."}
        sources.append(item)
    return {**metadata, "sources": sources}, notices


def prepare(source: Path, cur: curated_mod.Curated) -> tuple[extract.Extraction, tidy.Tables]:
    """extract → tidy → checks: the checked tables of a source, or DataError naming every problem."""
    expected = int(cur.metadata["source_rows"])
    extraction = extract.extract(Path(source), cur, expected)
    gaps = extract.coverage_gaps(extraction)
    if gaps:
        raise DataError([Problem(str(source), n, "line is neither in a cell nor page furniture",
                                 "extend the extraction rules or data/curated/page_furniture.txt")
                         for n in gaps])
    tables = tidy.tidy(extraction, cur)
    problems = checks.check(tables, expected, str(source), cur.furniture_leaks)
    if problems:
        raise DataError(problems)
    return extraction, tables


def at_base(pkg: model.Package, base: str) -> model.Package:
    """The package with every URL of its metadata under the default base moved under ``base``
    (``settings.rebase_url``): the dataset's home page and identifier, and the publisher's and
    contributors' home pages where they are the dataset's. The same package for the default.
    ``kanmin rdf --package`` moves them back (``rdf.build.build_rdf``)."""
    if base == settings.DEFAULT_BASE:
        return pkg
    return model.with_strings(pkg, lambda value: settings.rebase_url(value, base))


def build_report(extraction: extract.Extraction, tables: tidy.Tables, pkg: model.Package,
                 source: Path, notices: list[str] | None = None) -> str:
    """A deterministic Markdown report: counts, inferred rows, corrections, coverage; and, for a
    source other than the recorded one, the ``provenance`` notice (with the file's name only).
    The source's name is anybody's choice, so it goes in as literal text (``files.md_text``): a
    name with a backtick and HTML must not render as live HTML in a Markdown viewer."""
    used: set[int] = set()
    for row in extraction.rows:
        used |= row.used
    lines = [
        "# Build report",
        "",
        f"Source: {files.md_text(Path(source).name)} — {len(extraction.nonblank)} non-blank lines: "
        f"{len(used & extraction.nonblank)} in table cells, {len(extraction.furniture)} page furniture, "
        f"{len(extract.coverage_gaps(extraction))} unassigned.",
        "",
        files.markdown_table(["table", "rows"], list(pkg.counts().items()), ["left", "right"]),
        "",
    ]
    if notices:
        lines += ["## Not the recorded source", ""]
        lines += [f"- {files.md_text(n.replace(str(source), Path(source).name, 1))}" for n in notices] + [""]
    lines += [
        "## Row numbers inferred (lost at page breaks)",
        "",
    ]
    for row in extraction.rows:
        if row.number_inferred:
            lines.append(f"- row {row.number}: starts at line {row.line_start} without its number; "
                         f"rows {row.number - 1} and {row.number + 1} are printed around it")
    lines += ["", "## Corrections applied (data/curated/corrections.csv)", "",
              files.markdown_table(["row", "field", "printed", "corrected", "kind", "reason"],
                                   [(c.policy_id, c.field, c.printed, c.corrected, c.kind, c.reason)
                                    for c in tables.applied],
                                   ["right", "left", "left", "left", "left", "left"])]
    lines += ["", "## Characters normalised while reading the source (scripts/kanmin/source.py)", ""]
    lines += [f"- line {n}: {what}" for n, what in extraction.normalised] or [
        "None: no tab or format character (zero-width space, bidi control, soft hyphen, …) in the source."]
    unknown = sum(1 for p in pkg.tables["policies"] if p["effect_efficiency"] is None)
    lines += ["", "## Known unknowns", "",
              f"- {unknown} of {len(tables.policies)} policies have 1–3 effect marks: the text does not say "
              "in which of the four columns they stood, so their four effect flags are published empty."]
    blank = [p["policy_id"] for p in pkg.tables["policies"] if not p["pillar_as_printed"]]
    lines += [f"- {len(blank)} policies print no pillar (rows {', '.join(map(str, blank))}): "
              "data/curated/blank_cells.csv says so, with the reason, for each; any other row without one "
              "stops the build.", ""]
    return "\n".join(lines)
