"""The dataset site in a real browser (Debian's chromium through Playwright).

Every expected figure is computed from the CSVs and the metadata of the same build
(``site_build``), then looked for in the page: the filters and the search, a shared URL, policy
pages (citations and their copy buttons, correction reasons, the report link, link statuses),
the downloads' order and the ZIP, every internal link (each page with one canonical link and one
description), console errors, axe-core, and the phone layout. Screenshots of the index, policy
pages, the downloads and the update history at desktop and phone widths go to build/screenshots/
(git-ignored) for a reviewer to look at.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import rdflib
from browser_setup import DESKTOP, PHONE
from rdflib.namespace import RDF
from site_data import ROWS, all_ids, containing, led_by, only_in, searched_parts, visible

from kanmin.settings import RDF_DIR
from support import LINK_BROKEN, LINK_ERROR, LINK_TIMEOUT, REPO, TEST_REPOSITORY

SCREENSHOTS = REPO / "build" / "screenshots"
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")


def test_index_without_filters_shows_every_policy(browser_page, site_url, data, problems):
    browser_page.goto(site_url + "index.html")
    n = len(data["policies"])
    assert visible(browser_page) == all_ids(data) and len(all_ids(data)) == n
    # unfiltered, the count and the table's heading say that all are shown, not "n of n"
    assert browser_page.locator("#count").inner_text() == f"全{n}件を表示 (all {n} policies shown)"
    assert browser_page.locator("caption").inner_text().startswith(f"国の施策：全{n}件を表示")
    assert browser_page.locator("#count").get_attribute("aria-live") == "polite"
    assert browser_page.locator("#filters").is_visible()
    assert problems == []


def test_without_javascript_the_table_and_pages_still_read(browser, site_url, data):
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(site_url + "index.html?lead=mic")  # a shared link, opened without JavaScript
        assert page.locator(ROWS).count() == len(data["policies"]) and visible(page) == all_ids(data)
        assert not page.locator("#filters").is_visible()  # no controls that cannot work
        assert page.locator("#policies thead button").count() == 0  # nor sort buttons
        assert page.locator("caption").inner_text().startswith(f"国の施策（全{len(data['policies'])}件")
        page.goto(site_url + "policy/7.html")
        assert page.locator("h1").inner_text() == data["policies"][6]["name"]
        # the citation is text to select; a copy button that cannot work is not shown
        assert page.locator("#cite-ja").is_visible() and page.locator("#cite-en").is_visible()
        assert page.locator("button.copy").count() == 2 and not page.locator("button.copy").first.is_visible()
    finally:
        context.close()


def test_filter_by_lead_ministry(browser_page, site_url, data, problems):
    browser_page.goto(site_url + "index.html")
    browser_page.select_option("#f-lead", "mic")
    expected = led_by(data, "mic")
    n = len(data["policies"])
    assert 0 < len(expected) < n
    assert visible(browser_page) == expected
    assert urlsplit(browser_page.url).query == "lead=mic"
    assert browser_page.locator("#count").inner_text() == f"{n}件中 {len(expected)}件を表示 ({len(expected)} of {n} policies shown)"
    assert browser_page.locator("caption").inner_text().startswith(f"国の施策：{n}件中 {len(expected)}件を表示")
    assert problems == []


def test_search_is_a_substring_search_that_works_for_japanese(browser_page, site_url, data, problems):
    browser_page.goto(site_url + "index.html")
    browser_page.fill("#f-q", "オープンデータ")
    expected = containing(data, "オープンデータ")
    assert 0 < len(expected) < len(data["policies"])
    assert visible(browser_page) == expected
    assert "q=%E3%82%AA" in browser_page.url  # the query, percent-encoded UTF-8
    browser_page.fill("#f-q", "ｵｰﾌﾟﾝﾃﾞｰﾀ")  # half-width katakana finds the same policies
    assert visible(browser_page) == expected
    assert problems == []


@pytest.mark.parametrize("part", ["kpis", "support"])
def test_search_finds_policies_by_their_kpis_and_support_measures(browser_page, site_url, data, problems, part):
    """A query found only in the KPIs (or only in the support measures) of some policies shows
    exactly those: the search covers more than the name and the overview."""
    query = only_in(data, part)
    expected = {pid for pid, text in searched_parts(data)[part].items() if query in text}
    assert expected and expected == containing(data, query)
    browser_page.goto(site_url + "index.html")
    browser_page.fill("#f-q", query)
    assert visible(browser_page) == expected, query
    assert problems == []


def test_combined_filters_a_shared_url_and_clearing(browser, browser_page, site_url, data, problems):
    browser_page.goto(site_url + "index.html")
    browser_page.select_option("#f-ministry", "mic")
    browser_page.check("input[name=budget]")
    browser_page.fill("#f-q", "データ")
    named = {int(a["policy_id"]) for a in data["policy_ministries"] if a["ministry_id"] == "mic"}
    budget = {int(b["policy_id"]) for b in data["policy_budget_projects"]}
    expected = named & budget & containing(data, "データ")
    assert 0 < len(expected) < len(named & budget)
    assert visible(browser_page) == expected
    shared = browser_page.url
    assert set(urlsplit(shared).query.split("&")) == {"ministry=mic", "budget=1", "q=%E3%83%87%E3%83%BC%E3%82%BF"}

    other = browser.new_context(viewport=DESKTOP)  # someone else opens the shared link
    try:
        page = other.new_page()
        problems.watch(page)
        page.goto(shared)
        assert visible(page) == expected
        assert page.input_value("#f-ministry") == "mic" and page.is_checked("input[name=budget]")
        assert page.input_value("#f-q") == "データ"
    finally:
        other.close()

    browser_page.click("#f-clear")
    browser_page.wait_for_function("document.querySelectorAll('#policies tbody tr:not([hidden])').length === "
                                   + str(len(data["policies"])))
    assert visible(browser_page) == all_ids(data)
    assert urlsplit(browser_page.url).query == ""
    browser_page.select_option("#f-fy", "2019")
    browser_page.check("input[name=notset]")
    not_set = {int(k["policy_id"]) for k in data["kpis"] if k["not_set"] == "true"}
    fy = {int(p["policy_id"]) for p in data["policies"] if p["start_fiscal_year"] == "2019"}
    assert visible(browser_page) == fy & not_set
    assert problems == []


def test_filter_by_pillar_including_none(browser_page, site_url, data):
    browser_page.goto(site_url + "index.html?pillar=none")
    assert visible(browser_page) == {int(p["policy_id"]) for p in data["policies"] if not p["pillar_id"]}
    browser_page.select_option("#f-pillar", "open-data")
    assert visible(browser_page) == {int(p["policy_id"]) for p in data["policies"] if p["pillar_id"] == "open-data"}


def test_policy_7_shows_both_kpi_groups_with_their_items(browser_page, site_url, data, problems):
    browser_page.goto(site_url + "policy/7.html")
    for kind in ("progress", "effect"):
        kpis = sorted((k for k in data["kpis"] if k["policy_id"] == "7" and k["kind"] == kind),
                      key=lambda k: int(k["position"]))
        groups: dict[str, list[str]] = {}
        for k in kpis:
            groups.setdefault(k["kpi_group"], []).append(k["text"])
        assert len(groups) == 2
        lists = browser_page.locator(f"ul.kpis[data-kind={kind}]")
        shown = {lists.nth(i).get_attribute("data-group"): lists.nth(i).locator("li").all_inner_texts()
                 for i in range(lists.count())}
        assert shown == groups
        headings = browser_page.locator(f"h3#h-kpi-{kind} ~ h4.kpi-group").all_inner_texts()
        assert all(f"＜{g}＞" in headings for g in groups)
    assert problems == []


def test_unknown_effect_flags_say_unknown(browser_page, site_url, data):
    unknown = next(p for p in data["policies"] if p["effect_efficiency"] == "")
    known = next(p for p in data["policies"] if p["effect_efficiency"] != "")
    browser_page.goto(site_url + f"policy/{unknown['policy_id']}.html")
    cells = browser_page.locator("table.effects td").all_inner_texts()
    assert len(cells) == 4 and all("不明" in c and "unknown" in c for c in cells)
    browser_page.goto(site_url + f"policy/{known['policy_id']}.html")
    cells = browser_page.locator("table.effects td").all_inner_texts()
    assert len(cells) == 4 and not any("不明" in c for c in cells)


def test_every_internal_link_resolves_and_no_page_has_a_console_error(browser_page, site_url, site_build, data,
                                                                      problems):
    """Visit every page reachable from the index; request every other internal link (the files);
    every ``#fragment`` of an internal link names an element of its target page."""
    seen: set[str] = set()
    anchors: dict[str, set[str]] = {}  # page -> the ids (and a names) it has
    fragments: set[tuple[str, str, str]] = set()  # (target page, fragment, linking page)
    queue = deque([site_url + "index.html"])
    pages = files = 0
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        if url.endswith(".html"):
            response = browser_page.goto(url)
            assert response is not None and response.status == 200, url
            pages += 1
            anchors[url] = set(browser_page.eval_on_selector_all(
                "[id], a[name]", "els => els.map(e => e.id || e.getAttribute('name'))"))
            heads = browser_page.evaluate("""() => [document.querySelectorAll('link[rel=canonical]').length,
                document.querySelectorAll('meta[name=description]').length,
                (document.querySelector('meta[name=description]') || {}).content || '']""")
            assert heads[:2] == [1, 1] and heads[2].strip(), (url, heads)
            hrefs = browser_page.eval_on_selector_all("a[href], link[href], script[src]",
                                                      "els => els.map(e => e.getAttribute('href') || e.getAttribute('src'))")
            for href in hrefs:
                target, fragment = urldefrag(urljoin(url, href))
                if fragment and target.startswith(site_url):
                    fragments.add((target.split("?")[0], fragment, url))
                if target.startswith(site_url) and target not in seen:
                    queue.append(target.split("?")[0])
        else:
            response = browser_page.request.get(url)
            assert response.status == 200, url
            files += 1
    # a page per policy and per ministry, the index, the downloads, the ministries and the update history
    assert pages == len(data["policies"]) + len(data["ministries"]) + 4
    catalog = rdflib.Graph().parse(site_build / RDF_DIR / "catalog.ttl")
    distributions = len(set(catalog.subjects(RDF.type, DCAT.Distribution)))
    # the distributions, the catalog, the icon, the style sheet and the two scripts
    assert files == distributions + 1 + 4
    assert fragments  # the pages do link to places within pages
    assert [f for f in sorted(fragments) if f[1] not in anchors.get(f[0], set())] == []
    assert problems == []


@pytest.mark.parametrize("path", ["index.html", "index.html?q=ｵｰﾌﾟﾝﾃﾞｰﾀ+2020&sort=-fy", "policy/7.html",
                                  "policy/9.html", "policy/10.html", "downloads.html", "ministry/mic.html",
                                  "changes.html"])
def test_axe_finds_no_serious_or_critical_violation(browser_page, site_url, path):
    from axe_playwright_python.sync_playwright import Axe

    browser_page.goto(site_url + path)
    results = Axe().run(browser_page)
    bad = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
           for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []


@pytest.mark.parametrize("name,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_and_no_sideways_scrolling_on_a_phone(browser, site_url, name, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=viewport, is_mobile=name == "phone", has_touch=name == "phone",
                                  device_scale_factor=1)
    try:
        page = context.new_page()
        for path, shot in (("index.html", "index"), ("index.html?q=オープンデータ+推進&sort=-fy", "index-search"),
                           ("policy/7.html", "policy-7"), ("policy/9.html", "policy-9"),
                           ("downloads.html", "downloads"), ("ministry/mic.html", "ministry-mic"),
                           ("changes.html", "changes")):
            page.goto(site_url + path)
            # the whole page; the index only down to its first policies (all the rows are long on a phone)
            clip = {"x": 0, "y": 0, "width": viewport["width"], "height": 2400} if shot.startswith("index") or shot == "changes" else None
            page.screenshot(path=str(SCREENSHOTS / f"{shot}-{name}.png"), full_page=True, clip=clip)
            width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width[0] <= width[1], (path, name, width)
        assert (SCREENSHOTS / f"index-{name}.png").stat().st_size > 10_000
    finally:
        context.close()


def test_the_axe_check_catches_a_planted_fault(browser_page):
    """The same check as above fails on a page without a language, a labelled control or an image text."""
    from axe_playwright_python.sync_playwright import Axe

    browser_page.set_content("<!DOCTYPE html><html><head><title>x</title></head><body>"
                             "<img src='x.png'><input type='text'></body></html>")
    results = Axe().run(browser_page)
    ids = {v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")}
    assert {"html-has-lang", "image-alt", "label"} <= ids


# --- citing a policy -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def md(site_build) -> dict:
    """The package's metadata as published (datapackage.json and its ``kanmin`` extension)."""
    descriptor = json.loads((site_build / "datapackage.json").read_text(encoding="utf-8"))
    return {**descriptor, **descriptor["kanmin"]}


def test_the_citation_of_policy_7_names_its_iri_code_source_dataset_and_version(browser_page, site_url, data, md,
                                                                               problems):
    policy = data["policies"][6]
    iri = md["homepage"] + "/policy/7"
    browser_page.goto(site_url + "policy/7.html")
    assert browser_page.locator("#iri").inner_text() == iri
    ja, en = browser_page.locator("#cite-ja").inner_text(), browser_page.locator("#cite-en").inner_text()
    for text in (ja, en):
        for part in (iri, policy["policy_code"], policy["name"], md["sources"][0]["title"], md["version"]):
            assert part in text, (part, text)
    assert md["title"]["ja"] in ja and "No 7" in ja and "（参照 YYYY-MM-DD）" in ja
    assert md["title"]["en"] in en and "row number 7" in en and "(accessed YYYY-MM-DD)" in en
    assert problems == []


def test_the_copy_button_puts_the_citation_on_the_clipboard(browser, site_url, problems):
    """Chromium's own clipboard, with the permissions a reader grants."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        problems.watch(page)
        page.goto(site_url + "policy/7.html")
        for lang in ("ja", "en"):
            page.click(f"button[data-copy=cite-{lang}]")
            page.wait_for_function(f"document.getElementById('cite-{lang}-status').textContent !== ''")
            assert page.evaluate("navigator.clipboard.readText()") == page.locator(f"#cite-{lang}").inner_text()
            assert page.locator(f"#cite-{lang}-status").inner_text().startswith("コピーしました")
        assert problems == []
    finally:
        context.close()


#: A test double of the clipboard API (installed before the page's scripts run): ``refuses`` is a
#: writeText that rejects, as a browser does when the reader or a policy does not allow it;
#: ``missing`` is a browser without the API (an old one, or a page not served over HTTPS).
CLIPBOARD_TEST_DOUBLES = {
    "refuses": """Object.defineProperty(navigator, 'clipboard', {configurable: true, value: {
        writeText: () => Promise.reject(new DOMException('refused by the test double', 'NotAllowedError'))}});""",
    "missing": "Object.defineProperty(navigator, 'clipboard', {configurable: true, value: undefined});",
}


@pytest.mark.parametrize("double", sorted(CLIPBOARD_TEST_DOUBLES))
def test_without_the_clipboard_the_citation_is_selected_and_the_reader_told(browser, site_url, problems, double):
    context = browser.new_context()
    try:
        page = context.new_page()
        problems.watch(page)
        page.add_init_script(CLIPBOARD_TEST_DOUBLES[double])
        page.goto(site_url + "policy/7.html")
        page.click("button[data-copy=cite-ja]")
        page.wait_for_function("document.getElementById('cite-ja-status').textContent !== ''")
        assert page.evaluate("String(window.getSelection())") == page.locator("#cite-ja").inner_text()
        assert "Ctrl+C" in page.locator("#cite-ja-status").inner_text()
        assert problems == []
    finally:
        context.close()


# --- trust: corrections, the report link, link statuses --------------------------------------------

def test_corrections_show_their_reasons_in_japanese_and_english(browser_page, site_url):
    corrections = list(csv.DictReader((REPO / "data/curated/corrections.csv").open(encoding="utf-8")))
    for c in corrections:
        browser_page.goto(site_url + f"policy/{c['policy_id']}.html")
        reasons = browser_page.locator("table.corrections td.reason").all_inner_texts()
        assert any(c["reason_ja"] in r and c["reason"] in r for r in reasons), c


def test_the_report_link_carries_the_policy_no(browser_page, site_url, data, md):
    from urllib.parse import parse_qs, urlsplit

    for p in (data["policies"][0], data["policies"][6]):
        browser_page.goto(site_url + f"policy/{p['policy_id']}.html")
        link = browser_page.locator("a.report")
        assert link.count() == 1 and link.is_visible()
        url = urlsplit(link.get_attribute("href"))
        assert url.geturl().startswith(TEST_REPOSITORY + "/issues/new?")
        query = parse_qs(url.query)
        assert query["policy"] == [p["policy_id"]] and query["code"] == [p["policy_code"]]
        assert query["template"] == ["data-error.yml"] and query["version"] == [md["version"]]


def test_no_answer_is_not_checked_and_a_404_is_broken(browser_page, site_url):
    refs = {r["url"]: r for r in csv.DictReader((REPO / "data/policy_references.csv").open(encoding="utf-8"))}
    shown = {}
    for url in (LINK_ERROR, LINK_TIMEOUT, LINK_BROKEN):
        ref = refs[url]
        browser_page.goto(site_url + f"policy/{ref['policy_id']}.html")
        status = browser_page.locator(f"#ref-{ref['reference_id']} .link-status")
        shown[url] = (status.inner_text(), status.evaluate("e => getComputedStyle(e).color"))
    for url in (LINK_ERROR, LINK_TIMEOUT):
        assert shown[url][0].split(":", 1)[1].strip().startswith("未確認") and "リンク切れ" not in shown[url][0]
    assert "リンク切れ" in shown[LINK_BROKEN][0] and "未確認" not in shown[LINK_BROKEN][0]
    assert shown[LINK_ERROR][1] == shown[LINK_TIMEOUT][1] != shown[LINK_BROKEN][1]  # not in the broken's red


# --- downloads -------------------------------------------------------------------------------------

def test_downloads_the_workbook_first_then_the_zip_whose_files_are_the_packages(browser_page, site_url, site_build):
    catalog = rdflib.Graph().parse(site_build / RDF_DIR / "catalog.ttl")
    media = {str(catalog.value(d, DCAT.downloadURL)).rsplit("/files/", 1)[1]: str(catalog.value(d, DCAT.mediaType))
             for d in catalog.subjects(RDF.type, DCAT.Distribution)}
    browser_page.goto(site_url + "downloads.html")
    paths = browser_page.eval_on_selector_all("table.files tbody tr", "rows => rows.map(r => r.dataset.path)")
    assert sorted(paths) == sorted(media)
    assert [media[p].rsplit("/", 1)[1] for p in paths[:2]] == [
        "vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip"]
    assert browser_page.locator("#excel-csv").is_visible()
    assert "65001: Unicode (UTF-8)" in browser_page.locator("#excel-csv").inner_text()

    link = browser_page.locator(f"tr[data-path='{paths[1]}'] a")
    response = browser_page.request.get(urljoin(browser_page.url, link.get_attribute("href")))
    assert response.status == 200
    with zipfile.ZipFile(io.BytesIO(response.body())) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    descriptor = json.loads((site_build / "datapackage.json").read_text(encoding="utf-8"))
    assert sorted(files) == sorted(["datapackage.json", *(r["path"] for r in descriptor["resources"])])
    for name, blob in files.items():
        assert blob == (site_build / name).read_bytes(), name
