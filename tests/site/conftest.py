"""Fixtures for the site's browser tests: the built site served over HTTP on 127.0.0.1, and
Debian's chromium driven by Playwright for Python (no browser download).

    def test_something(browser_page, site_url):
        browser_page.goto(site_url + "index.html")

The site is the one ``kanmin build`` writes (``site_build`` in tests/conftest.py). It is served by
``python -m http.server`` in a subprocess on a free port, started and stopped by its PID.
When chromium or Playwright is missing the tests are skipped, saying what to install; with
``KANMIN_BROWSER_REQUIRED=1`` (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser_setup import CHROMIUM, CHROMIUM_ARGS, DESKTOP
from site_data import table

import support
from kanmin.settings import SITE_DIR
from support import free_port


def unavailable(reason: str) -> None:
    support.unavailable(reason, tests="browser", variable="KANMIN_BROWSER_REQUIRED")


@pytest.fixture(scope="session")
def site_dir(site_build) -> Path:
    return site_build / SITE_DIR


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """``directory`` served by http.server on 127.0.0.1 in a subprocess, stopped by its PID on
    leaving; yields the base URL with a final slash."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port),
                             "--directory", str(directory)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(url + "index.html", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"http.server did not come up on {url} (exit {proc.poll()})", pytrace=False)
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def data(site_build) -> dict[str, list[dict]]:
    """The tables of the build the site was made from, as CSV rows (text values)."""
    return {n: table(site_build, n)
            for n in ("policies", "policy_ministries", "kpis", "policy_budget_projects", "ministries")}


@pytest.fixture(scope="session")
def site_url(site_dir) -> Iterator[str]:
    """The site served by http.server on 127.0.0.1 (base URL with a final slash)."""
    with serve(site_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """One chromium per test module. Not per session: Playwright's sync API runs an asyncio loop
    in this thread until it stops, and later tests that call asyncio.run (the link-check
    benchmark's) would fail with "cannot be called from a running event loop"."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        unavailable(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Problems(list):
    """Console errors, page errors, failed requests and HTTP errors of one page, as they happen.

    A request aborted because the test navigated on (net::ERR_ABORTED, e.g. the icon of the page
    just left) is not a problem of the site; a 404 of that icon would still show as HTTP 404."""

    def watch(self, page) -> None:
        page.on("console", lambda m: self.append(f"console {m.type}: {m.text} ({page.url})")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.append(f"page error: {e} ({page.url})"))
        page.on("requestfailed", lambda r: self.append(f"request failed: {r.url} {r.failure}")
                if r.failure != "net::ERR_ABORTED" else None)
        page.on("response", lambda r: self.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)


@pytest.fixture
def browser_context(browser):
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    yield context
    context.close()


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def browser_page(browser_context, problems):
    """A desktop-sized page whose console errors and failed requests are collected in ``problems``."""
    page = browser_context.new_page()
    problems.watch(page)
    return page


@pytest.fixture(scope="session")
def served():
    """``serve`` for a test that builds a site of its own: ``with served(folder) as url: ...``."""
    return serve
