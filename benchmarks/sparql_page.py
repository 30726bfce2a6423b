"""Figures of the site's query page (``make bench-sparql``): prints them, asserts nothing.

On the site of the last ``kanmin build`` (``build/site/``), served by ``python -m http.server`` on
127.0.0.1 (no compression, no cache headers) and opened in the system's chromium (Playwright, as
the site's tests):

- size: the files only the query page loads (the page, its two scripts, the engine and its
  licence texts) and the graph's files it fetches (the site's copies, there already for the
  downloads page), as they are and gzipped (level 9: what a server that compresses sends);
- time to first result: from the start of the navigation to ``sparql.html?query=<policies per
  pillar>`` until its results show, in a new browser context (cold: nothing cached) and then
  again in the same context (warm: from the HTTP cache); median of ``--runs``;
- each example query: its run time in the worker (the page's own measure, ``data-ms``: the
  query and the engine's JSON serialisation, not the table) — the first run in a fresh page and
  the median of the next ``--runs`` — beside pyoxigraph's in this process (the same engine as a
  library, the query and its rows) and the Oxigraph server's over HTTP (the SPARQL 1.1 protocol,
  CSV; the tests' server, ``tests/sparql_server.py``), medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "site")]

import pyoxigraph  # noqa: E402
from browser_setup import CHROMIUM, CHROMIUM_ARGS, DESKTOP  # noqa: E402

from kanmin.rdf.examples import QUERY_GRAPH, examples  # noqa: E402
from kanmin.site import sparql  # noqa: E402
from sparql_server import start_server  # noqa: E402

SITE = REPO / "build" / "site"
DONE = "['done', 'error'].includes(document.getElementById('results').dataset.state)"


def sizes() -> None:
    own = [SITE / "sparql.html", SITE / "static/sparql.js", SITE / "static/sparql-worker.js",
           *(SITE / sparql.ENGINE_PATH / n for n in sparql.ENGINE_FILES + sparql.LICENCE_FILES)]
    graph = [SITE / "files" / p for p in QUERY_GRAPH]
    for label, files in (("files only the query page loads", own),
                         ("the graph it fetches (copies the site has)", graph)):
        raw = sum(f.stat().st_size for f in files)
        packed = sum(len(gzip.compress(f.read_bytes(), 9)) for f in files)
        print(f"{label}: {raw:,} bytes, {packed:,} gzipped")
        for f in files:
            print(f"  {f.relative_to(SITE)}: {f.stat().st_size:,} ({len(gzip.compress(f.read_bytes(), 9)):,} gzipped)")


def first_result(browser, url: str, runs: int) -> None:
    cold: list[float] = []
    warm: list[float] = []
    for _ in range(runs):
        context = browser.new_context(viewport=DESKTOP)
        try:
            page = context.new_page()
            for times in (cold, warm):
                page.goto(url)
                page.wait_for_function(DONE, polling="raf", timeout=60_000)
                times.append(page.evaluate("performance.now()"))
        finally:
            context.close()
    print(f"time to first result (navigation start to the table, median of {runs}): "
          f"cold {statistics.median(cold):.0f} ms ({min(cold):.0f}–{max(cold):.0f}), "
          f"warm {statistics.median(warm):.0f} ms ({min(warm):.0f}–{max(warm):.0f})")


def browser_times(browser, base: str, runs: int) -> dict[str, tuple[float, float]]:
    out = {}
    for example in examples():
        context = browser.new_context(viewport=DESKTOP)
        try:
            page = context.new_page()
            page.goto(base + "sparql.html")
            times = []
            for _ in range(runs + 1):
                page.click(f"button[data-example='{example.name}']")
                page.wait_for_function(DONE, polling="raf", timeout=60_000)
                times.append(float(page.get_attribute("#results", "data-ms") or "nan"))
            out[example.name] = (times[0], statistics.median(times[1:]))
        finally:
            context.close()
    return out


def library_times(runs: int) -> dict[str, float]:
    store = pyoxigraph.Store()
    for path in QUERY_GRAPH:
        store.bulk_load(path=str(REPO / path), format=pyoxigraph.RdfFormat.TURTLE)
    out = {}
    for example in examples():
        times = []
        for _ in range(runs + 1):
            began = time.perf_counter()
            solutions = store.query(example.text)
            assert isinstance(solutions, pyoxigraph.QuerySolutions)  # every example is a SELECT
            list(solutions)
            times.append((time.perf_counter() - began) * 1000)
        out[example.name] = statistics.median(times[1:])
    return out


def server_times(runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(REPO / "build" / "rdf", Path(tmp) / "store")
        try:
            out = {}
            for example in examples():
                times = []
                for _ in range(runs + 1):
                    began = time.perf_counter()
                    server.select_csv(example.text)
                    times.append((time.perf_counter() - began) * 1000)
                out[example.name] = statistics.median(times[1:])
            return out
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (SITE / "sparql.html").is_file():
        sys.exit(f"{SITE / 'sparql.html'} is missing: run `make build` first")
    from playwright.sync_api import sync_playwright

    sizes()
    port_proc = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "0", "--directory",
                                  str(SITE)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = port_proc.stdout.readline() if port_proc.stdout else ""  # "Serving HTTP on 127.0.0.1 port N ..."
        base = f"http://127.0.0.1:{line.split(' port ')[1].split()[0]}/"
        pillar = next(e for e in examples() if e.name == "policies-per-pillar")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                first_result(browser, base + "sparql.html?" + urlencode({"query": pillar.text}), args.runs)
                in_browser = browser_times(browser, base, args.runs)
            finally:
                browser.close()
    finally:
        port_proc.terminate()
        port_proc.wait(timeout=10)
    library, server = library_times(args.runs), server_times(args.runs)
    print("\nexample query (ms)                  browser first  browser median  pyoxigraph  server (HTTP)")
    for name, (first, median) in in_browser.items():
        print(f"{name:36} {first:13.1f} {median:15.1f} {library[name]:11.2f} {server[name]:13.2f}")


if __name__ == "__main__":
    main()
