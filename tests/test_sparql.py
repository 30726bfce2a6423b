"""Example SPARQL queries (scripts/kanmin/rdf/queries/*.rq): expected results on the fixture
graph from both pyoxigraph and rdflib; on the real graph the two engines must agree."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph

from kanmin.rdf import build_rdf
from support import make_package

REPO = Path(__file__).resolve().parents[1]
QUERIES = sorted((REPO / "scripts" / "kanmin" / "rdf" / "queries").glob("*.rq"))
EXPECTED = REPO / "tests" / "expected" / "sparql"
FIXTURE = REPO / "tests" / "fixtures" / "rdf"


def _package(dest: Path, source: Path | None) -> Path:
    if source is None:
        source = make_package(dest)
    build_rdf(source, dest / "rdf")
    return dest / "rdf" / "data.ttl"


@pytest.fixture(scope="module")
def fixture_ttl(tmp_path_factory) -> Path:
    return _package(tmp_path_factory.mktemp("sparql") / "pkg", None)


def oxigraph_rows(ttl: Path, query: str) -> list[list[str]]:
    store = pyoxigraph.Store()
    store.bulk_load(path=str(ttl), format=pyoxigraph.RdfFormat.TURTLE)
    result = store.query(query)
    names = [v.value for v in result.variables]
    return [names] + [["" if s[n] is None else s[n].value for n in names] for s in result]


def rdflib_rows(ttl: Path, query: str) -> list[list[str]]:
    result = Graph().parse(ttl, format="turtle").query(query)
    names = [str(v) for v in result.vars]
    return [names] + [["" if v is None else str(v) for v in row] for row in result]


def expected_rows(query: Path) -> list[list[str]]:
    with (EXPECTED / f"{query.stem}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_at_least_six_queries_each_with_expected_result():
    assert len(QUERIES) >= 6
    assert sorted(p.stem for p in EXPECTED.glob("*.csv")) == [q.stem for q in QUERIES]


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
@pytest.mark.parametrize("engine", [oxigraph_rows, rdflib_rows], ids=["oxigraph", "rdflib"])
def test_query_on_fixture(fixture_ttl, query, engine):
    rows = engine(fixture_ttl, query.read_text(encoding="utf-8"))
    assert len(rows) > 1, "query returned nothing"
    assert rows == expected_rows(query)


@pytest.mark.skipif(not (REPO / "data" / "policies.csv").is_file(), reason="real tables not built yet")
def test_engines_agree_on_real_data(tmp_path):
    ttl = _package(tmp_path, REPO)
    for query in QUERIES:
        text = query.read_text(encoding="utf-8")
        ox = oxigraph_rows(ttl, text)
        assert len(ox) > 1, query.name
        assert ox == rdflib_rows(ttl, text), query.name
