"""Example SPARQL queries (scripts/kanmin/rdf/queries/*.rq): expected results on the fixture
graph from both pyoxigraph and rdflib; on the real graph the two engines must agree; on the
published graph (build/rdf/, served by the Oxigraph server as the README says, queried over the
SPARQL 1.1 protocol) each query gives its expected result, which the tables data/*.csv confirm."""

from __future__ import annotations

import csv
import subprocess
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph

from kanmin.rdf import build_rdf
from sparql_server import OXIGRAPH_VERSION, PUBLISHED, ServerError, load_args, oxigraph_binary, serve_args, start_server
from support import make_package

REPO = Path(__file__).resolve().parents[1]
QUERY_DIR = REPO / "scripts" / "kanmin" / "rdf" / "queries"
QUERIES = sorted(QUERY_DIR.glob("*.rq"))
EXPECTED = REPO / "tests" / "expected" / "sparql"
PUBLISHED_EXPECTED = EXPECTED / "published"
# Queries whose question the three-policy fixture cannot ask (it has no budget project under two
# policies): their fixture result is the header alone; the published graph tests them for real.
EMPTY_ON_FIXTURE = {"shared-budget-projects"}
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


def expected_rows(query: Path, folder: Path = EXPECTED) -> list[list[str]]:
    with (folder / f"{query.stem}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_at_least_six_queries_each_with_expected_result():
    assert len(QUERIES) >= 6
    assert sorted(p.stem for p in EXPECTED.glob("*.csv")) == [q.stem for q in QUERIES]


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
@pytest.mark.parametrize("engine", [oxigraph_rows, rdflib_rows], ids=["oxigraph", "rdflib"])
def test_query_on_fixture(fixture_ttl, query, engine):
    rows = engine(fixture_ttl, query.read_text(encoding="utf-8"))
    if query.stem in EMPTY_ON_FIXTURE:
        assert len(rows) == 1, "the fixture has no answer to this question"
    else:
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


# --- The published graph over the SPARQL 1.1 protocol -------------------------------------------
# An Oxigraph server loaded with the committed build/rdf/{data,vocab,catalog}.ttl exactly as the
# README says; every query's answer must equal tests/expected/sparql/published/<query>.csv AND the
# same answer computed here from the published tables data/*.csv, the source of the graph's facts.


@pytest.fixture(scope="session")
def published_server(tmp_path_factory):
    problem = server = None
    try:
        server = start_server(REPO / "build" / "rdf", tmp_path_factory.mktemp("oxigraph") / "store")
    except ServerError as e:
        problem = str(e)
    if server is None:  # a failure, never a skip: CI must not pass without the server
        pytest.fail(f"the SPARQL server did not start: {problem}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def _table(name: str) -> list[dict[str, str]]:
    with (REPO / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _policies() -> dict[str, dict[str, str]]:
    return {p["policy_id"]: p for p in _table("policies")}


def _ministries() -> dict[str, dict[str, str]]:
    return {m["ministry_id"]: m for m in _table("ministries")}


def _rows(header: str, rows) -> list[list[str]]:
    return [header.split(",")] + [[str(v) for v in row] for row in rows]


def tables_expected_effects():
    policies = list(_policies().values())
    rows = []
    for cat in sorted(_table("effect_categories"), key=lambda c: int(c["position"])):
        marks = [p[f"effect_{cat['effect_category_id']}"] for p in policies]
        marked, not_marked = marks.count("true"), marks.count("false")
        rows.append((cat["position"], cat["name_en"], marked, not_marked, len(policies) - marked - not_marked))
    return _rows("position,effect_en,marked,not_marked,unknown", rows)


def tables_kpis_of_policy():
    kpis = [k for k in _table("kpis") if k["policy_id"] == "2"]
    return _rows("kind,position,group,text,not_set",
                 sorted(((k["kind"], k["position"], k["kpi_group"], k["text"], k["not_set"]) for k in kpis),
                        key=lambda r: (r[0], int(r[1]))))


def tables_ministries_sharing_policies():
    by_policy = defaultdict(set)
    for pm in _table("policy_ministries"):
        by_policy[pm["policy_id"]].add(pm["ministry_id"])
    shared = Counter(pair for ms in by_policy.values() for pair in combinations(sorted(ms), 2))
    return _rows("ministry_a,ministry_b,shared",
                 sorted(((a, b, n) for (a, b), n in shared.items()), key=lambda r: (-r[2], r[0], r[1])))


def tables_policies_by_lead_ministry():
    policies, ministries = _policies(), _ministries()
    rows = [(pm["ministry_id"], ministries[pm["ministry_id"]]["name_en"], pm["policy_id"],
             policies[pm["policy_id"]]["policy_code"], policies[pm["policy_id"]]["name"])
            for pm in _table("policy_ministries") if pm["role"] == "lead"]
    return _rows("ministry,ministry_en,policy_no,code,name", sorted(rows, key=lambda r: (r[0], int(r[2]))))


def tables_policies_per_pillar():
    per_pillar = Counter(p["pillar_id"] for p in _policies().values())
    rows = [(p["pillar_id"], p["name_ja"], per_pillar[p["pillar_id"]]) for p in _table("pillars")]
    return _rows("pillar,pillar_ja,policies", sorted([("", "", per_pillar[""]), *rows]))


def tables_policies_starting_in_fiscal_year():
    rows = [(p["policy_id"], p["policy_code"], p["name"], p["timing"])
            for p in _policies().values() if p["start_fiscal_year"] == "2019"]
    return _rows("policy_no,code,name,timing", sorted(rows, key=lambda r: int(r[0])))


def tables_urls_per_ministry():
    urls = defaultdict(set)
    for ref in _table("policy_references"):
        urls[ref["policy_id"]].add(ref["url"])
    policies = defaultdict(set)
    for pm in _table("policy_ministries"):
        for url in urls[pm["policy_id"]]:
            policies[pm["ministry_id"], url].add(pm["policy_id"])
    return _rows("ministry,url,policies", sorted((m, u, len(ps)) for (m, u), ps in policies.items()))


def tables_lead_ministry_kpis_not_set():
    policies = _policies()
    led = {pm["policy_id"] for pm in _table("policy_ministries") if pm["ministry_id"] == "mic" and pm["role"] == "lead"}
    refs = defaultdict(list)
    for ref in _table("policy_references"):
        refs[ref["policy_id"]].append(ref["url"])
    rows = [(k["policy_id"], policies[k["policy_id"]]["policy_code"], policies[k["policy_id"]]["name"],
             k["kind"], k["text"], url, int(k["position"]))
            for k in _table("kpis") if k["policy_id"] in led and k["not_set"] == "true"
            for url in sorted(refs[k["policy_id"]]) or [""]]
    rows.sort(key=lambda r: (int(r[0]), r[3], r[6], r[5]))
    return _rows("policy_no,code,name,kpi_kind,kpi_text,url", [r[:6] for r in rows])


def tables_shared_budget_projects():
    policies = _policies()
    by_name = defaultdict(set)
    names = {bp["budget_project_id"]: bp["name"] for bp in _table("budget_projects")}
    for listing in _table("policy_budget_projects"):
        by_name[names[listing["budget_project_id"]]].add(listing["policy_id"])
    rows = [(name, len(ids), pid, policies[pid]["policy_code"], policies[pid]["name"])
            for name, ids in by_name.items() if len(ids) > 1 for pid in ids]
    return _rows("budget_project,policies,policy_no,code,name", sorted(rows, key=lambda r: (-r[1], r[0], int(r[2]))))


def tables_co_ministries_of_lead():
    ministries = _ministries()
    roles = defaultdict(dict)
    for pm in _table("policy_ministries"):
        roles[pm["policy_id"]][pm["ministry_id"]] = pm["role"]
    shared = Counter(m for r in roles.values() if r.get("mic") == "lead" for m, role in r.items() if role == "co")
    rows = [(m, ministries[m]["name_ja"], n) for m, n in shared.items()]
    return _rows("ministry,ministry_ja,shared_policies", sorted(rows, key=lambda r: (-r[2], r[0])))


# The same question asked of the tables, one function per query (the query file's stem).
FROM_TABLES = {name[len("tables_"):].replace("_", "-"): fn
               for name, fn in globals().copy().items() if name.startswith("tables_")}


def test_readme_server_commands_are_the_tests():
    """The README's "Load the graph" commands are the ones start_server runs (README store/, port 7878)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in (f"pip install oxigraph=={OXIGRAPH_VERSION}",
                    " ".join(["oxigraph", *load_args("store")]),
                    " ".join(["oxigraph", *serve_args("store", 7878)]),
                    "--data-urlencode query@scripts/kanmin/rdf/queries/policies-per-pillar.rq "
                    "http://127.0.0.1:7878/query"):
        assert command in readme
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"oxigraph=={OXIGRAPH_VERSION}"' in pyproject


def test_installed_server_is_the_documented_version():
    try:
        binary = oxigraph_binary()
    except ServerError as e:
        pytest.fail(str(e), pytrace=False)
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    assert out.split() == ["oxigraph", OXIGRAPH_VERSION]


def test_every_query_has_a_published_expected_result_and_a_tables_check():
    assert sorted(p.stem for p in PUBLISHED_EXPECTED.glob("*.csv")) == [q.stem for q in QUERIES]
    assert sorted(FROM_TABLES) == [q.stem for q in QUERIES]


def test_server_holds_data_vocab_and_catalog(published_server):
    """The endpoint serves the union of the three published files, nothing more or less."""
    graph = Graph()
    for name in PUBLISHED:
        graph.parse(REPO / "build" / "rdf" / name, format="turtle")
    rows = published_server.select_csv("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert rows == [["n"], [str(len(graph))]]


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_query_on_published_graph(published_server, query):
    rows = published_server.select_csv(query.read_text(encoding="utf-8"))
    assert len(rows) > 1, "query returned nothing"
    assert rows == expected_rows(query, PUBLISHED_EXPECTED)
    assert rows == FROM_TABLES[query.stem](), "the graph's answer differs from the tables' (data/*.csv)"


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_json_over_get_gives_the_same_rows(published_server, query):
    assert published_server.select_json(query.read_text(encoding="utf-8"), method="GET") == \
        expected_rows(query, PUBLISHED_EXPECTED)


def test_analyst_questions_published_figures(published_server):
    """The figures the issue and the README quote: 4 budget projects shared by 8 policies."""
    rows = published_server.select_csv((QUERY_DIR / "shared-budget-projects.rq").read_text(encoding="utf-8"))[1:]
    assert (len({r[0] for r in rows}), len({r[2] for r in rows})) == (4, 8)


# --- The examples' titles and descriptions (the .rq headers, kanmin.rdf.examples) ---------------


def test_every_example_has_a_japanese_and_an_english_title_and_description():
    """Each query file says what it is for in both languages (the site's query page lists them);
    a Japanese field is Japanese, an English one ASCII but for the source's own words (◎, 全府省庁,
    令和元年度), and a continued line is joined into one text."""
    from kanmin.rdf.examples import examples

    found = examples()
    assert [e.name for e in found] == [q.stem for q in QUERIES]
    for e in found:
        assert e.text == (QUERY_DIR / e.file).read_text(encoding="utf-8")
        for field in (e.title, e.description):
            assert any("\u3040" <= c <= "\u9fff" for c in field["ja"]), (e.name, field)
            assert field["en"][:1].isascii() and field["en"][:1].isupper(), (e.name, field)
            assert "#" not in field["ja"] + field["en"] and "  " not in field["en"], (e.name, field)
    kpis = next(e for e in found if e.name == "kpis-of-policy")
    assert kpis.title == {"ja": "ある施策のKPI", "en": "The KPIs of a policy"}
    assert kpis.description["ja"] == ("1つの施策（ここでは No 2）のKPI：種類（進捗・効果）、順番、＜見出し＞、本文、未設定かどうか。"
                                      "別の施策を見るときは `VALUES` の `\"2\"` をその施策の No に替える。")
    assert kpis.description["en"].endswith("the not-set flag. For another policy, replace `\"2\"` in `VALUES` with its No.")


@pytest.mark.parametrize("header,line,words", [
    ("# Title: x\n# 説明: y\n# Description: z\n", 1, "has no 題"),
    ("# 題: x\n# Title: x\n# 説明: y\n# 説明: y\n# Description: z\n", 4, "説明 given twice"),
    ("# 題: x\n# Title: x\n# 説明: y\n# a note\n# Description: z\n", 4, "not a field"),
    ("# 題: \n# Title: x\n# 説明: y\n# Description: z\n", 1, "has no 題"),
])
def test_a_header_without_its_fields_is_refused_at_its_line(header, line, words):
    from kanmin.errors import DataError
    from kanmin.rdf.examples import parse

    with pytest.raises(DataError) as err:
        parse("planted", header + "SELECT * WHERE { ?s ?p ?o }\n")
    (problem,) = err.value.problems
    assert (problem.file, problem.line) == ("planted.rq", line) and words in problem.message, problem


def test_code_between_backticks_is_told_apart():
    from kanmin.rdf.examples import code_spans

    assert code_spans("`VALUES` の `\"mic\"` を替える") == [("VALUES", True), (" の ", False), ('"mic"', True),
                                                           (" を替える", False)]
