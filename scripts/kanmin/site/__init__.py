"""The dataset site: the package model → a folder of static HTML pages for people (``build/site/``).

Input: the ``model.Package`` (the published tables and the one metadata source), the folder the
published files are in (a build's staging folder: which files, their titles and media types are
the registry's, ``kanmin.distributions``), the corrections the build applied, optionally a
link-check report (``build/linkcheck/report.json``, written by ``kanmin linkcheck``; only the site
reads it), the text of CHANGELOG.md, and where readers report an error (the repository's address,
the contact address: the build's settings, ``settings.repository_url`` and ``contact_email``).
Nothing is taken from the extraction.

Output, a self-contained folder to deploy as it is (no CDN, no external fonts or scripts):
  index.html              the policies in one table, with filters, a search that marks what it
                          found and sorting (JavaScript, static/site.js; all kept in the URL's
                          query string), and the schema.org ``Dataset`` as JSON-LD
  policy/<No>.html        every field of a policy, the corrections applied to it (reasons in
                          Japanese and English), its permanent address (IRI) and citation texts
                          with copy buttons (static/cite.js), and how to report an error in it
  ministry/<id>.html      the policies a ministry leads and those it shares; ministries.html lists them
  downloads.html          every distribution of the catalog with size and SHA-256 (the workbook
                          first, then the ZIP), how to open the CSVs in Excel, the licence, the
                          attribution (出典) and snippets for pandas, frictionless, SPARQL and CKAN
  changes.html            the update history: CHANGELOG.md rendered (when the build has it),
                          linked from every page's footer
  files/<path>            a copy of every distribution the registry says the site copies (all of
                          them, and the catalog): the catalog's download URL is ``<base>files/<path>``,
                          so the site deployed at the base serves them
  static/                 the style sheet and the scripts (the index's filters, the copy buttons)
The site's root is the dataset's home page: ``base`` without its final slash (settings.DEFAULT_BASE,
the same base as the RDF's IRIs). Pages link to each other relatively, so the folder works
anywhere, also opened from disk; absolute URLs (JSON-LD, download URLs) hang off ``base``.

Deterministic: the same inputs give byte-identical files (no clock is read; the link-check dates
shown are the report's own).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..distributions import CATALOG, distributions, measure
from ..errors import DataError, Problem
from ..model import Package
from ..settings import DEFAULT_BASE, download_base
from . import render, views

__all__ = ["read_linkcheck", "write_site"]


def write_site(pkg: Package, out_dir: Path, package_dir: Path, linkcheck: Path | None = None,
               corrections: Sequence[Any] = (), base: str = DEFAULT_BASE, download: str | None = None,
               repository: str | None = None, contact: str | None = None, changelog: str | None = None,
               release_diffs: Sequence[dict] = ()) -> dict:
    """Write the site into ``out_dir`` (which the caller stages); return the page and file counts.

    ``package_dir`` holds the published files (the package and its build/rdf/): the site lists the
    registry's distributions that the catalog describes, in publish order, offers the catalog beside
    them, and copies each that the registry says it copies; ``linkcheck`` a report.json that may be
    absent; ``corrections`` the applied ``curated.Correction`` rows; ``base`` the site's URL with a
    final slash and ``download`` the download base when it is not ``<base>files/``. A policy page's
    "report an error" opens the issue form of ``repository`` (its address), else writes to
    ``contact`` (an e-mail address), else says how to report; ``changelog`` is the text of
    CHANGELOG.md, rendered as changes.html (none: no such page, no link to it), after a summary of
    ``release_diffs`` (``kanmin diff`` between the recorded releases, releases/diffs/*.json)."""
    out_dir, package_dir = Path(out_dir), Path(package_dir)
    links = read_linkcheck(linkcheck) if linkcheck is not None and Path(linkcheck).is_file() else None
    files = [measure(d, package_dir / d.path) for d in distributions(pkg.resources, package_dir) if d.site_copy]
    described = [f for f in files if f.dist.described]
    catalog_file = next((f for f in files if f.dist == CATALOG), None)
    pages = render.pages(pkg, views.policies(pkg, corrections, links), described, catalog_file, links,
                         base, download_base(base, download), repository=repository, contact=contact,
                         changelog=changelog, release_diffs=release_diffs)
    for rel, text in pages.items():
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
    for rel in render.STATIC:
        target = out_dir / "static" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(render.STATIC_DIR / rel, target)
    for f in files:
        target = out_dir / "files" / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(package_dir / f.path, target)
    return {"pages": len(pages), "files": len(files), "linkcheck": links is not None}


def read_linkcheck(path: Path) -> dict[str, dict]:
    """The results of a ``kanmin linkcheck`` report.json by URL (status, checked_at, archive_url, …)."""
    path = Path(path)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        return {r["url"]: r for r in report["results"]}
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError([Problem(str(path), None, f"not a link-check report: {exc!r}",
                                 "run `kanmin linkcheck` again, or delete the file")]) from None
