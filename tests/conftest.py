"""Shared fixture: one fresh build of the package into a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from kanmin import pipeline
from support import SOURCE


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory) -> Path:
    """The package built from the raw source into an empty folder (RDF stage skipped)."""
    out = tmp_path_factory.mktemp("fresh")
    pipeline.build(source=SOURCE, out=out, with_rdf=False)
    return out
