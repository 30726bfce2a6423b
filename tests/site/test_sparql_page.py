"""The query page (sparql.html) in a real browser: Debian's chromium, the site of ``site_build``.

The page is held to the same truth as the Oxigraph server: every example query, run through the
page, gives exactly the rows of tests/expected/sparql/published/ (what the server tests expect),
and its CSV download is byte for byte what pyoxigraph writes for the same query on the same
files. Then: a query in the URL, a syntax error, Stop on an endless query, the time limit on a
cross product, ASK and CONSTRUCT, the links of the results table (every IRI of ours with a page
links to a page that exists), the policy and ministry pages' links, and axe.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pyoxigraph
import pytest
import rdflib
import rdflib.compare
from browser_setup import DESKTOP

from kanmin.rdf.examples import QUERY_GRAPH, examples
from kanmin.settings import DEFAULT_BASE
from support import REPO

EXPECTED = REPO / "tests" / "expected" / "sparql" / "published"
EXAMPLES = examples()
#: Endless on this graph: a count over the cross product of every triple with itself, twice
#: (7,266³ ≈ 3.8 × 10¹¹ solutions; it would run for hours and needs no memory).
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: A runaway query a visitor may well write: every pair of triples (53 million rows).
CROSS_PRODUCT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
TIMES: dict[str, float] = {}


@pytest.fixture(scope="module")
def store(site_build) -> pyoxigraph.Store:
    """The files the page loads, in pyoxigraph (the Oxigraph server's engine, as a library)."""
    s = pyoxigraph.Store()
    for path in QUERY_GRAPH:
        s.bulk_load(path=str(site_build / path), format=pyoxigraph.RdfFormat.TURTLE)
    return s


def wait(page, states=("done",), timeout=30_000) -> str:
    """Wait until the last query is no longer running; its state (done, error, stopped, limit)."""
    page.wait_for_function("document.getElementById('results').dataset.state"
                           " && document.getElementById('results').dataset.state !== 'running'", timeout=timeout)
    state = page.get_attribute("#results", "data-state")
    assert state in states, (state, page.inner_text("#problem") if state == "error" else "")
    return state


def shown(page) -> list[list[str]]:
    """The results table as shown: header (without the "?") and rows, one text per cell."""
    rows = page.eval_on_selector_all("#result-table tr", "rows => rows.map(r => Array.from(r.cells, c => c.textContent))")
    return [[h.removeprefix("?") for h in rows[0]]] + rows[1:]


def expected(name: str) -> list[list[str]]:
    with (EXPECTED / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def download(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    return Path(info.value.path()).read_bytes()


def json_rows(text: bytes) -> list[list[str]]:
    doc = json.loads(text)
    names = doc["head"]["vars"]
    return [names] + [[b[n]["value"] if n in b else "" for n in names] for b in doc["results"]["bindings"]]


def run(page, query: str, states=("done",), timeout=30_000) -> str:
    page.fill("#query", query)
    page.click("#run")
    return wait(page, states, timeout)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_every_example_gives_the_rows_the_server_gives_and_downloads_equal_the_table(
        browser_page, site_url, store, problems, example):
    page = browser_page
    page.goto(site_url + "sparql.html")
    page.click(f"button[data-example='{example.name}']")
    wait(page)
    assert page.input_value("#query") == example.text  # the example as the repository keeps it
    table = shown(page)
    assert table == expected(example.name)
    # the query is kept in the URL
    assert parse_qs(urlsplit(page.url).query)["query"] == [example.text]
    # the downloads are the table: the CSV as Oxigraph writes it, the JSON the engine's own
    data = download(page, "#download-csv")
    assert list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""))) == table
    assert data == store.query(example.text).serialize(format=pyoxigraph.QueryResultsFormat.CSV)
    assert json_rows(download(page, "#download-json")) == table
    assert not page.is_visible("#download-ttl")
    TIMES[example.name] = float(page.get_attribute("#results", "data-ms"))
    assert problems == []


def test_run_times_beside_pyoxigraph(store):
    """Not a check: the examples' times in the browser (in the worker, from the parametrized test
    above) beside pyoxigraph's, printed for the record (pytest -s)."""
    for e in EXAMPLES:
        best = min(_timed(store, e.text) for _ in range(5))
        print(f"\n[sparql] {e.name}: browser {TIMES.get(e.name, float('nan')):.1f} ms, pyoxigraph {best * 1000:.1f} ms",
              end="")


def _timed(store, query: str) -> float:
    began = time.perf_counter()
    list(store.query(query))
    return time.perf_counter() - began


def test_a_query_in_the_url_is_restored_and_run(browser_page, site_url, problems):
    example = next(e for e in EXAMPLES if e.name == "kpis-of-policy")
    browser_page.goto(site_url + "sparql.html?" + urlencode({"query": example.text}))
    wait(browser_page)
    assert browser_page.input_value("#query") == example.text
    assert shown(browser_page) == expected(example.name)
    assert problems == []


def test_a_syntax_error_shows_the_engines_message_and_where_it_is(browser_page, site_url, problems):
    query = ('PREFIX dct: <http://purl.org/dc/terms/>\nSELECT ?name WHERE {\n'
             '  ?p dct:title ?name FILTER (CONTAINS(?name, "データ") ?x)\n}\n')
    browser_page.goto(site_url + "sparql.html")
    run(browser_page, query, states=("error",))
    text = browser_page.inner_text("#problem")
    line, column = (int(browser_page.get_attribute("#problem", n)) for n in ("data-line", "data-column"))
    assert line == 3 and 1 <= column <= len(query.split("\n")[2]) + 1
    assert f"構文エラー（3 行目、{column} 文字目）" in text and f"Syntax error at line 3, column {column}" in text
    assert re.search(rf"error at 3:{column}: expected", text)  # the engine's own message
    # the place is selected in the editor (a column counts characters: データ is three)
    offset = len("\n".join(query.split("\n")[:2])) + 1 + column - 1
    assert browser_page.evaluate("document.getElementById('query').selectionStart") == offset
    assert problems == []


def worker_threads() -> dict[str, int]:
    """The Web Worker threads of the browsers this test process started (chromium names them
    "DedicatedWorker"), with the CPU time each has used (clock ticks); Linux's /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[stat.parent.name] = stat.read_text().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):  # a process that ended while we looked
            continue
    ours, mine = set(), str(os.getpid())
    for pid in parents:
        p = pid
        while p in parents and p not in (mine, "0", "1"):
            p = parents[p]
        if p == mine:
            ours.add(pid)
    threads = {}
    for pid in ours:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                if (task / "comm").read_text().strip() == "DedicatedWorker":
                    fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                    threads[task.name] = int(fields[11]) + int(fields[12])
            except (OSError, IndexError):
                continue
    return threads


def test_stop_ends_an_endless_query_within_a_second_and_the_next_query_runs(browser_page, site_url, problems):
    """Stop frees the page at once and the next query runs in a fresh worker. The worker running
    the query is terminated: chromium ends a worker that is busy in WebAssembly only after its
    forcible-termination delay (2 s), so its thread is gone within 3 s of Stop."""
    page = browser_page
    page.goto(site_url + "sparql.html")
    run(page, "ASK { ?s ?p ?o }")  # the engine is up
    page.fill("#query", ENDLESS)
    page.click("#run")
    before = worker_threads()
    page.wait_for_timeout(500)
    busy = {t for t, ticks in worker_threads().items() if ticks > before.get(t, ticks)}
    assert page.get_attribute("#results", "data-state") == "running" and page.is_enabled("#stop")
    began = time.monotonic()
    page.click("#stop")
    wait(page, states=("stopped",), timeout=1000)
    assert time.monotonic() - began < 1.0
    assert "停止しました" in page.inner_text("#status") and page.is_enabled("#run") and not page.is_enabled("#stop")
    run(page, "ASK { ?s ?p ?o }", timeout=1000)  # in a fresh worker, while the old one is still ending
    assert page.get_attribute("p.boolean", "data-boolean") == "true"
    if Path("/proc/self/task").is_dir():
        assert len(busy) == 1, busy  # the worker running the endless query
        while busy & set(worker_threads()) and time.monotonic() - began < 3.0:
            time.sleep(0.05)
        assert not busy & set(worker_threads()), "the stopped worker still runs 3 s after Stop"
    assert problems == []


def test_the_time_limit_stops_a_cross_product(browser_page, site_url, problems):
    page = browser_page
    page.goto(site_url + "sparql.html")
    run(page, "ASK { ?s ?p ?o }")
    page.fill("#limit", "1")
    began = time.monotonic()
    run(page, CROSS_PRODUCT, states=("limit",), timeout=10_000)
    assert 1.0 <= time.monotonic() - began < 4.0
    text = page.inner_text("#problem")
    assert "制限時間（1秒）を超えたので中止しました" in text and "time limit (1 s)" in text
    run(page, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=5000)
    assert shown(page)[1] == [page.get_attribute("#graph-info", "data-triples")]
    assert problems == []


def test_ask_and_construct(browser_page, site_url, store, problems):
    page = browser_page
    page.goto(site_url + "sparql.html")
    run(page, "PREFIX kd: <https://w3id.org/kanmin-data/vocab#>\nASK { ?p a kd:Policy ; kd:startFiscalYear 2099 }")
    assert page.get_attribute("p.boolean", "data-boolean") == "false" and "いいえ" in page.inner_text("#answer")
    assert json.loads(download(page, "#download-json")) == {"head": {}, "boolean": False}
    assert not page.is_visible("#download-csv")
    query = "# 施策7について\nDESCRIBE <https://w3id.org/kanmin-data/policy/7>"
    run(page, query)
    turtle = page.inner_text("pre.turtle")
    assert download(page, "#download-ttl").decode("utf-8") == turtle
    described = store.query(query)
    assert rdflib.compare.isomorphic(rdflib.Graph().parse(data=turtle, format="turtle"),
                                     rdflib.Graph().parse(data=described.serialize(format=pyoxigraph.RdfFormat.TURTLE),
                                                          format="turtle"))
    assert "DESCRIBE" in page.inner_text("#status")
    assert problems == []


def test_every_iri_of_ours_with_a_page_links_to_a_page_that_exists(browser_page, site_url, problems):
    """All the IRIs under the base in the graph, through the page's results table: an IRI of a
    policy, ministry, KPI, reference, attribution, budget listing, pillar, the dataset, the
    catalog, a distribution or a download URL links to a page of the site (and its #fragment to
    an element of it); the rest (vocabulary, budget projects, code lists, agents, parts of the
    dataset, the source's licence document, whose text is the government's page) link nowhere; an IRI of another site links to itself."""
    page = browser_page
    page.goto(site_url + "sparql.html")
    run(page, f"""SELECT DISTINCT ?iri WHERE {{ {{ ?iri ?p ?o }} UNION {{ ?s ?p ?iri }}
                   FILTER (isIRI(?iri) && STRSTARTS(STR(?iri), "{DEFAULT_BASE}")) }} ORDER BY ?iri""")
    cells = page.eval_on_selector_all("#result-table tbody td", """tds => tds.map(td => [td.textContent,
        td.querySelector('a') ? td.querySelector('a').getAttribute('href') : null])""")
    assert 600 < len(cells) < 1000  # all shown (the table shows 1,000 rows at most)
    linked = {iri: href for iri, href in cells if href}
    unlinked = {iri.removeprefix(DEFAULT_BASE).split("/")[0].split("#")[0] for iri, href in cells if not href}
    assert unlinked == {"vocab", "budget-project", "effect-category", "scheme", "agent", "dataset", "licence"}
    kinds = {iri.removeprefix(DEFAULT_BASE).split("/")[0] for iri in linked}
    assert kinds == {"policy", "ministry", "kpi", "reference", "attribution", "budget-listing", "pillar", "dataset",
                     "catalog", "files"}
    assert linked[DEFAULT_BASE + "policy/7"] == "policy/7.html"
    assert linked[DEFAULT_BASE + "kpi/7-progress-3"] == "policy/7.html#kpi-7-progress-3"
    assert linked[DEFAULT_BASE + "pillar/open-data"] == "index.html?pillar=open-data"
    ids: dict[str, set[str]] = {}
    for href in sorted(set(linked.values())):
        target = urljoin(page.url, href)
        url, _, fragment = target.partition("#")
        if url not in ids:
            response = page.request.get(url)
            assert response.status == 200, href
            ids[url] = set(re.findall(r'\sid="([^"]+)"', response.text())) if url.endswith(".html") else set()
        assert not fragment or fragment in ids[url], href
    # another site's IRI links to itself
    run(page, "SELECT ?source WHERE { <https://w3id.org/kanmin-data/policy/7> <http://www.w3.org/ns/prov#wasDerivedFrom> ?source }")
    source = page.eval_on_selector("#result-table tbody a", "a => [a.textContent, a.getAttribute('href')]")
    assert source[0] == source[1] and source[0].startswith("https://") and DEFAULT_BASE not in source[0]
    assert problems == []


def test_the_policy_pages_link_opens_a_query_whose_results_name_the_policy(browser_page, site_url, data, problems):
    page = browser_page
    policy = data["policies"][6]
    page.goto(site_url + f"policy/{policy['policy_id']}.html")
    page.click("a.sparql-link")
    wait(page)
    assert urlsplit(page.url).path.endswith("/sparql.html")
    table = shown(page)
    assert table[0] == ["property", "value", "label"]
    values = {row[0]: row[1] for row in table[1:]}
    assert values["http://purl.org/dc/terms/title"] == policy["name"]
    assert values["http://www.w3.org/2004/02/skos/core#notation"] == policy["policy_code"]
    assert values["http://purl.org/dc/terms/identifier"] == policy["policy_id"]
    # the values that are our resources link to their pages: the policy's KPIs, ministries, …
    hrefs = set(page.eval_on_selector_all("#result-table a.own", "as => as.map(a => a.getAttribute('href'))"))
    assert f"policy/{policy['policy_id']}.html#kpi-{policy['policy_id']}-progress-1" in hrefs
    assert problems == []


def test_the_ministry_pages_link_lists_the_policies_it_is_named_for(browser_page, site_url, data, problems):
    page = browser_page
    page.goto(site_url + "ministry/mic.html")
    page.click("a.sparql-link")
    wait(page)
    table = shown(page)
    assert table[0] == ["policy", "no", "name", "role"]
    named = [a for a in data["policy_ministries"] if a["ministry_id"] == "mic"]
    lead = sorted(int(a["policy_id"]) for a in named if a["role"] == "lead")
    co = sorted(int(a["policy_id"]) for a in named if a["role"] == "co")
    assert [int(row[1]) for row in table[1:]] == lead + co  # lead first, then by No
    assert {row[3] for row in table[1:len(lead) + 1]} == {"主担当（◎）"}
    names = {p["policy_id"]: p["name"] for p in data["policies"]}
    assert all(row[2] == names[row[1]] for row in table[1:])
    hrefs = page.eval_on_selector_all("#result-table tbody td:first-child a", "as => as.map(a => a.getAttribute('href'))")
    assert hrefs == [f"policy/{n}.html" for n in lead + co]
    assert problems == []


def test_without_javascript_the_examples_still_read(browser, site_url):
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(site_url + "sparql.html")
        assert not page.is_visible("#sparql-form") and not page.is_visible("#results")
        assert "JavaScript" in page.inner_text("main")
        assert page.locator("ol.examples > li").count() == len(EXAMPLES)
        assert page.locator("button[data-example]").first.is_hidden()  # no button that cannot work
        page.click("ol.examples > li:first-child summary")
        assert page.inner_text(f"#query-{EXAMPLES[0].name}") == EXAMPLES[0].text
    finally:
        context.close()


def test_opened_from_disk_it_says_to_serve_it(browser, site_dir):
    """A page opened as a file cannot fetch the engine: it says so and what to do."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto((site_dir / "sparql.html").as_uri())
        page.wait_for_selector("#problem:not([hidden])", timeout=10_000)
        text = page.inner_text("#problem")
        assert "ファイルとして開くと動きません" in text and "python -m http.server" in text
        assert page.is_disabled("#run")
    finally:
        context.close()


@pytest.mark.parametrize("state", ["result", "error"])
def test_axe_finds_no_serious_or_critical_violation_on_the_query_page(browser_page, site_url, state):
    from axe_playwright_python.sync_playwright import Axe

    browser_page.goto(site_url + "sparql.html")
    if state == "result":
        browser_page.click("button[data-example='policies-by-lead-ministry']")
        wait(browser_page)
    else:
        run(browser_page, "SELECT ?x WHERE { ?x ?y }", states=("error",))
    browser_page.click("ol.examples > li:first-child summary")
    results = Axe().run(browser_page)
    bad = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
           for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []


def test_the_warning_about_the_engines_arithmetic_says_what_the_engine_does(browser_page, site_url, problems):
    """Oxigraph 0.5.11, the npm package, reads 10 - 4 - 6 as 10 - (4 - 6); the page warns while its
    engine does (kanmin.site.sparql.RIGHT_TO_LEFT_BEFORE). Should a newer package be vendored, the
    answer and the warning change together, or this fails."""
    page = browser_page
    page.goto(site_url + "sparql.html")
    run(page, "SELECT ((10 - 4 - 6) AS ?minus) ((100 / 10 / 5) AS ?divided) {}")
    answer = shown(page)[1]
    assert answer in (["12", "50"], ["0", "2"])
    assert page.locator("#engine-caveat").count() == (1 if answer == ["12", "50"] else 0)
    assert problems == []


def test_ctrl_enter_runs_and_back_returns_to_the_previous_query(browser_page, site_url, problems):
    page = browser_page
    page.goto(site_url + "sparql.html")
    first = next(e for e in EXAMPLES if e.name == "policies-per-pillar")
    page.click(f"button[data-example='{first.name}']")
    wait(page)
    second = next(e for e in EXAMPLES if e.name == "kpis-of-policy")
    page.fill("#query", second.text)
    page.press("#query", "Control+Enter")
    wait(page)
    assert shown(page) == expected(second.name)
    assert parse_qs(urlsplit(page.url).query)["query"] == [second.text]
    page.go_back()
    page.wait_for_function(f"document.getElementById('query').value === {json.dumps(first.text)}")
    wait(page)
    assert shown(page) == expected(first.name)
    assert problems == []
