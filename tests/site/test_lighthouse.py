"""Lighthouse (npm `lighthouse` 12.2.3, pinned in tests/site/lighthouse/package-lock.json, run in
the system's chromium through CHROME_PATH) audits the dataset site as a search engine or a
clerk's browser would: performance, accessibility, best practices and SEO each at least 0.95 on
the index, a policy page and the downloads page (issue 20), and the query page (issue 22). The
query page fetches its engine (4.0 MB, most of it WebAssembly) and the graph (0.4 MB) in a Web
Worker once the page has loaded: Lighthouse counts those bytes (its "total byte weight", 4.4 MB,
is an unscored diagnostic) but they delay none of the scored metrics (first and largest
contentful paint, blocking time, layout shift, speed index), so the page scores like the others.

Lighthouse's defaults: a phone's screen and a throttled network and CPU (simulated). The site is
served by http.server, which compresses nothing and sets no cache headers, so the two audits
about those (a server's settings, not the site's) cannot pass here and are not ours to fix; the
scores still reach 0.95. Each run takes about 15 s. Without Lighthouse installed (`npm ci --prefix
tests/site/lighthouse`, which .ci/run does) the tests skip, and fail with KANMIN_BROWSER_REQUIRED=1.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from browser_setup import CHROMIUM, CHROMIUM_ARGS
from conftest import unavailable

LIGHTHOUSE = Path(__file__).parent / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
MINIMUM = 0.95
PAGES = ("index.html", "policy/7.html", "downloads.html", "sparql.html")


def _audit(url: str, out: Path) -> dict:
    if not LIGHTHOUSE.is_file():
        unavailable(f"{LIGHTHOUSE} is missing: run `npm ci --prefix tests/site/lighthouse`")
    if not Path(CHROMIUM).is_file():
        unavailable(f"no chromium at {CHROMIUM}")
    flags = " ".join(a for a in CHROMIUM_ARGS if a != "--headless") + " --headless=new"
    run = subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
                          f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={flags}"],
                         env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES)
def test_lighthouse_scores(site_url, tmp_path, page):
    report = _audit(site_url + page, tmp_path / "report.json")
    scores = {name: report["categories"][name]["score"] for name in CATEGORIES}
    print(f"\n[lighthouse] {page}: {scores}, {report['audits']['total-byte-weight']['displayValue']}")
    failing = {a["id"]: a["score"] for a in report["audits"].values()
               if a.get("score") is not None and a["score"] < 0.9
               and a.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")}
    assert all(score >= MINIMUM for score in scores.values()), (scores, failing)

