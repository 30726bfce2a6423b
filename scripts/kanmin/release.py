"""What a release ships, besides the package: the release ZIP, SHA256SUMS, the notes, .zenodo.json.

Input: a checkout after ``make build`` (the published package, workbook, RDF, CITATION.cff,
LICENSE, README.md, CHANGELOG.md), the release record and CHANGELOG.md. Output, for the release
workflow (``.github/workflows/release.yml``, through ``make release-artefacts``):
  - ``<name>-<version>.zip``: every published file under one folder ``<name>-<version>/``, written by
    the package ZIP's deterministic writer (``archive.zip_bytes``: sorted entries, one date —
    ``modified`` of the metadata or ``SOURCE_DATE_EPOCH`` —, mode 0644, DEFLATE 6), so two runs
    give the same bytes (tested);
  - the workbook and the ZIP of the Data Package, as assets of their own;
  - ``SHA256SUMS`` of those three (``sha256sum -c SHA256SUMS`` checks them);
  - the release notes: the version's CHANGELOG entry, then ``kanmin diff`` from the previous release.
``zenodo_json`` is ``.zenodo.json``, Zenodo's metadata for the DOI of each GitHub release, made from
the one metadata source (a test compares the committed file).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

from .archive import zip_bytes
from .errors import DataError, Problem
from .settings import ARCHIVE_PATH, CITATION, DESCRIPTOR, RDF_DIR, WORKBOOK_PATH

#: The files of the repository a release ZIP holds besides the package and build/rdf/.
DOCUMENTS = (CITATION, "LICENSE", "README.md", "CHANGELOG.md")


def release_members(repo: Path) -> list[str]:
    """The paths the release ZIP holds, sorted: the descriptor and its tables, the workbook, every
    file of build/rdf/, CITATION.cff, LICENSE, README.md and CHANGELOG.md."""
    descriptor = json.loads((repo / DESCRIPTOR).read_text(encoding="utf-8"))
    paths = [DESCRIPTOR, WORKBOOK_PATH, *DOCUMENTS, *(r["path"] for r in descriptor["resources"])]
    paths += [f"{RDF_DIR}/{p.name}" for p in (repo / RDF_DIR).iterdir() if p.is_file()]
    missing = [p for p in paths if not (repo / p).is_file()]
    if missing:
        raise DataError([Problem(str(repo / p), None, "missing: a release needs every published file",
                                 "run make build first") for p in missing])
    return sorted(set(paths))


def write_artefacts(repo: Path, out: Path) -> list[Path]:
    """Write the release ZIP, the workbook, the package ZIP and SHA256SUMS into ``out``; return them."""
    descriptor = json.loads((repo / DESCRIPTOR).read_text(encoding="utf-8"))
    name, version = descriptor["name"], descriptor["version"]
    modified = descriptor["kanmin"]["modified"]
    folder = f"{name}-{version}"
    out.mkdir(parents=True, exist_ok=True)
    archive = out / f"{folder}.zip"
    archive.write_bytes(zip_bytes([(f"{folder}/{p}", repo / p) for p in release_members(repo)], modified))
    assets = [archive]
    for path in (WORKBOOK_PATH, ARCHIVE_PATH):
        target = out / Path(path).name
        shutil.copyfile(repo / path, target)
        assets.append(target)
    sums = out / "SHA256SUMS"
    sums.write_text("".join(f"{hashlib.sha256(a.read_bytes()).hexdigest()}  {a.name}\n"
                            for a in sorted(assets)), encoding="utf-8")
    return [*sorted(assets), sums]


def changelog_entry(changelog: str, version: str) -> str:
    """The CHANGELOG's section of ``version`` (its heading to the next ``## ``), or a problem."""
    m = re.search(rf"^## {re.escape(version)} — .*?(?=^## |\Z)", changelog, re.M | re.S)
    if not m:
        raise DataError([Problem("CHANGELOG.md", None, f"no entry for version {version}",
                                 f"add a section '## {version} — YYYY-MM-DD'")])
    return m.group(0).rstrip() + "\n"


def notes(version: str, changelog: str, diff_markdown: str | None) -> str:
    """The release notes: the CHANGELOG entry, then what ``kanmin diff`` finds since the previous release."""
    body = changelog_entry(changelog, version).replace(f"## {version}", f"# {version}", 1)
    if diff_markdown:
        body += "\n# What changed in the data (kanmin diff)\n\n" + diff_markdown.replace("## ", "### ", 1)
    return body


def zenodo_json(md: dict, version: str) -> str:
    """``.zenodo.json`` for Zenodo's GitHub integration, from the one metadata source (``md``:
    data/curated/metadata.json). Zenodo reads it in place of CITATION.cff when both exist."""
    source = md["sources"][0]
    doc = {
        "upload_type": "dataset",
        "title": f"{md['title']['ja']} / {md['title']['en']}",
        "version": version,
        "publication_date": md["modified"][:10],
        "description": f"<p>{md['description']['en']}</p><p lang=\"ja\">{md['description']['ja']}</p>",
        "creators": [{"name": md["publisher"]["name"]["en"]}],
        "license": md["licenses"][0]["name"].lower(),
        "access_right": "open",
        "keywords": md["keywords"],
        "language": "jpn",
        "notes": f"{md['attribution']['ja']} / {md['attribution']['en']}",
        "related_identifiers": [
            {"identifier": md["id"], "relation": "isIdenticalTo", "resource_type": "dataset"},
            {"identifier": md["homepage"], "relation": "isDocumentedBy"},
            {"identifier": source["path"], "relation": "isDerivedFrom", "resource_type": "publication-report"},
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
