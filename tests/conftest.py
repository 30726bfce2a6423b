"""Shared fixture: one fresh build of the package into a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from kanmin import pipeline
from support import LINK_ARCHIVE, LINK_BROKEN, LINK_ERROR, LINK_OK, LINK_TIMEOUT, SOURCE, TEST_REPOSITORY


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory) -> Path:
    """The package built from the raw source into an empty folder (RDF stage skipped)."""
    out = tmp_path_factory.mktemp("fresh")
    pipeline.build(source=SOURCE, out=out, with_rdf=False)
    return out


@pytest.fixture(scope="session")
def site_build(tmp_path_factory) -> Path:
    """The whole build (package, RDF, site) into the folder of an earlier build that holds a
    link-check report (written by the link checker's own writer) for four cited URLs (ok, broken,
    and two without an answer: a DNS error and a timeout), as `kanmin linkcheck` leaves one in
    build/linkcheck/. The site is in ``<out>/build/site``; its "report an error" links open the
    issue form of ``TEST_REPOSITORY`` (the setting a deployed build gets from its workflow)."""
    from kanmin.links.model import Result, RunReport, Settings
    from kanmin.links.report import to_json
    from kanmin.settings import LINKCHECK_DIR

    out = tmp_path_factory.mktemp("site-build")
    pipeline.build(source=SOURCE, out=out, with_rdf=False)  # a build only publishes into its own folder
    report = RunReport("2026-11-29T01:00:00Z", "2026-11-29T01:00:05Z", 5000, Settings(), [
        Result(LINK_OK, "ok", 200, checked_at="2026-11-29T01:00:01Z", reference_ids=("9-1",)),
        Result(LINK_BROKEN, "broken", 404, checked_at="2026-11-29T01:00:02Z", reference_ids=("10-1",),
               archive_url=LINK_ARCHIVE),
        Result(LINK_ERROR, "error", error="dns", checked_at="2026-11-29T01:00:03Z", reference_ids=("9-2",)),
        Result(LINK_TIMEOUT, "timeout", checked_at="2026-11-29T01:00:04Z", reference_ids=("11-1",))])
    (out / LINKCHECK_DIR).mkdir(parents=True)
    (out / LINKCHECK_DIR / "report.json").write_text(to_json(report), encoding="utf-8")
    pipeline.build(source=SOURCE, out=out, repository_url=TEST_REPOSITORY)
    return out
