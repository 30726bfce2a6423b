"""The index's search, marks, snippets, sorting, count and layout in a real browser, and every
example URL of the README's site section.

Every expectation is computed from the CSVs of the same build (``data``): the policy a code or a
No names, the policies whose texts hold every word, the order of a column's values. The README's
examples are checked against what the README itself states (count and rows, in order).
"""

from __future__ import annotations

import copy
import json
import re

import pytest
from site_data import ROWS, containing, led_by, norm, only_in, searched_parts, visible

from kanmin import curated, model, validation
from kanmin.site import write_site
from support import REPO

#: Characters either side of a match that a snippet shows at most (site.js CONTEXT).
CONTEXT = 20
README = REPO / "README.md"


def in_order(page) -> list[int]:
    """The Nos of the rows shown, in the order the table shows them."""
    return [int(i) for i in page.eval_on_selector_all(ROWS, "rows => rows.filter(r => !r.hidden).map(r => r.dataset.id)")]


def texts(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")


def search(page, site_url: str, query: str) -> None:
    page.goto(site_url + "index.html")
    page.fill("#f-q", query)


def by_code(data, code: str) -> set[int]:
    return {int(p["policy_id"]) for p in data["policies"] if p["policy_code"] == code}


def label(site_build, resource: str, field: str) -> str:
    """The Japanese title of a field in the build's datapackage.json (a snippet's label)."""
    descriptor = json.loads((site_build / "datapackage.json").read_text(encoding="utf-8"))
    fields = next(r for r in descriptor["resources"] if r["name"] == resource)["schema"]["fields"]
    return next(f for f in fields if f["name"] == field)["kanmin"]["title"]["ja"]


def printed(data, part: str) -> dict[int, str]:
    """The printed (not normalised) text of a searched part per policy, KPIs one a line."""
    if part == "support":
        return {int(p["policy_id"]): p["support_measures"] for p in data["policies"]}
    kpis: dict[int, list[str]] = {}
    for k in data["kpis"]:
        kpis.setdefault(int(k["policy_id"]), []).append(k["text"])
    return {pid: "\n".join(t) for pid, t in kpis.items()}


@pytest.mark.parametrize("query", ["02-01", "０２－０１", "2-1", "02ー01"])
def test_a_policy_code_finds_its_policy_as_people_type_it(browser_page, site_url, data, problems, query):
    """ASCII, full-width digits and hyphen (NFKC), no leading zeros, the long-vowel mark an IME
    gives for a hyphen: each finds the policy whose code is 02-01, and marks the code."""
    expected = by_code(data, "02-01")
    assert len(expected) == 1 and containing(data, "02-01") == set()  # no text holds the code
    search(browser_page, site_url, query)
    assert visible(browser_page) == expected
    assert texts(browser_page, ROWS + ":not([hidden]) td:nth-child(2) mark") == ["02-01"]
    assert problems == []


def test_a_code_without_its_second_part_finds_every_code_of_that_part(browser_page, site_url, data):
    expected = {int(p["policy_id"]) for p in data["policies"] if p["policy_code"].startswith("02-")}
    assert 1 < len(expected) < len(data["policies"])
    search(browser_page, site_url, "02-")
    assert visible(browser_page) == expected


@pytest.mark.parametrize("query", ["7", "７"])
def test_a_number_alone_finds_that_no_and_does_not_drown_in_the_text(browser_page, site_url, data, problems, query):
    # as a substring the number would be found in many texts (dates, amounts, other Nos)
    assert len(containing(data, "7")) > 5
    search(browser_page, site_url, query)
    assert visible(browser_page) == {7}
    assert texts(browser_page, ROWS + ":not([hidden]) td:first-child mark") == ["7"]
    assert problems == []


def test_a_number_that_is_no_policys_no_is_searched_in_the_text(browser_page, site_url, data):
    ids = {int(p["policy_id"]) for p in data["policies"]}
    text = "\n".join(t for part in searched_parts(data).values() for t in part.values())
    number = next(n for n in re.findall(r"\d+", text) if int(n) not in ids)
    expected = containing(data, number)
    assert expected
    search(browser_page, site_url, number)
    assert visible(browser_page) == expected


@pytest.mark.parametrize("space", [" ", "\u3000", " \u3000 "], ids=["half-width", "full-width", "both"])
def test_several_words_must_all_match(browser_page, site_url, data, problems, space):
    first, second = "マイナンバーカード", "電子委任状"
    expected = containing(data, first) & containing(data, second)
    assert 1 in expected and expected != containing(data, first) | containing(data, second)  # AND is not OR
    assert containing(data, first + space + second) == set()  # not found as one phrase
    search(browser_page, site_url, first + space + second)
    assert visible(browser_page) == expected
    name_marks = texts(browser_page, "#p1 td:nth-child(3) a mark")
    assert [norm(m) for m in name_marks] == [norm(first), norm(second)]
    assert problems == []


def test_matched_words_are_marked_in_the_name_which_keeps_its_text(browser_page, site_url, data, problems):
    """Half-width ｵｰﾌﾟﾝﾃﾞｰﾀ is marked where the name prints オープンデータ: every mark is the
    query in the normalised sense, each occurrence in a name is marked, and the name reads as
    printed."""
    query = "ｵｰﾌﾟﾝﾃﾞｰﾀ"
    search(browser_page, site_url, query)
    names = {int(p["policy_id"]): p["name"] for p in data["policies"]}
    in_name = {pid for pid in visible(browser_page) if norm(query) in norm(names[pid])}
    assert in_name and in_name != visible(browser_page)  # some found only elsewhere
    for pid in visible(browser_page):
        cell = f"#p{pid} td:nth-child(3)"
        marks = texts(browser_page, f"{cell} a mark")
        assert all(norm(m) == norm(query) for m in marks), (pid, marks)
        assert len(marks) == norm(names[pid]).count(norm(query)), pid
        assert browser_page.locator(f"{cell} a").text_content() == names[pid]
        # a snippet only for a policy found outside its name
        assert (browser_page.locator(f"{cell} .snippet").count() > 0) == (pid not in in_name), pid
    browser_page.fill("#f-q", "")
    assert browser_page.locator("#policies mark, #policies .snippet").count() == 0
    assert problems == []


@pytest.mark.parametrize("part,resource,field", [("kpis", "kpis", "text"),
                                                 ("support", "policies", "support_measures")])
def test_a_match_outside_the_name_shows_a_labelled_snippet(browser_page, site_url, site_build, data, problems,
                                                           part, resource, field):
    """A word found only in the KPIs (or the support measures) shows, under the name, the field's
    title and a piece of its printed line around the word, the word marked."""
    query = only_in(data, part)
    expected = containing(data, query)
    search(browser_page, site_url, query)
    assert visible(browser_page) == expected
    title = label(site_build, resource, field) + "："
    lines = {pid: t.split("\n") for pid, t in printed(data, part).items()}
    for pid in expected:
        (snippet,) = texts(browser_page, f"#p{pid} .snippet")
        assert snippet.startswith(title), snippet
        body = snippet.removeprefix(title)
        core = body.strip("…")
        assert any(core in line for line in lines[pid]), (pid, body)  # printed text, within one line
        assert norm(query) in norm(core) and len(core) <= len(query) + 2 * CONTEXT, (pid, body)
        assert [norm(m) for m in texts(browser_page, f"#p{pid} .snippet mark")] == [norm(query)]
    assert problems == []


def test_sorting_by_start_fiscal_year_orders_the_rows(browser, browser_page, site_url, data, problems):
    """Numeric, none last in either direction, ties in No order; the order is in the URL and in
    the count, and a shared URL opens sorted."""
    fy = {int(p["policy_id"]): p["start_fiscal_year"] for p in data["policies"]}
    ascending = sorted(fy, key=lambda pid: (fy[pid] == "", int(fy[pid] or 0), pid))
    descending = sorted(fy, key=lambda pid: (fy[pid] == "", -int(fy[pid] or 0), pid))
    assert ascending != sorted(fy)
    browser_page.goto(site_url + "index.html")
    header = browser_page.locator("#policies th[data-sort=fy]")
    header.locator("button").click()
    assert in_order(browser_page) == ascending
    assert header.get_attribute("aria-sort") == "ascending"
    assert browser_page.locator("#policies th[aria-sort]").count() == 1
    assert browser_page.url.endswith("index.html?sort=fy")
    n = len(fy)
    assert browser_page.locator("#count").inner_text().startswith(f"全{n}件を表示・開始年度（西暦）の昇順")
    header.locator("button").click()
    assert in_order(browser_page) == descending
    assert header.get_attribute("aria-sort") == "descending"
    assert browser_page.url.endswith("index.html?sort=-fy")
    browser_page.select_option("#f-lead", "mic")  # filtered rows keep the order
    mic = led_by(data, "mic")
    assert in_order(browser_page) == [pid for pid in descending if pid in mic]
    shared = browser_page.url
    other = browser.new_context()
    try:
        page = other.new_page()
        page.goto(shared)
        assert in_order(page) == [pid for pid in descending if pid in mic]
        assert page.locator("#policies th[data-sort=fy]").get_attribute("aria-sort") == "descending"
    finally:
        other.close()
    assert problems == []


def test_sorting_by_kpi_count_is_numeric(browser_page, site_url, data):
    counts = {int(p["policy_id"]): 0 for p in data["policies"]}
    for k in data["kpis"]:
        counts[int(k["policy_id"])] += 1
    expected = sorted(counts, key=lambda pid: (-counts[pid], pid))
    as_text = sorted(counts, key=lambda pid: (str(counts[pid]), pid), reverse=True)
    assert expected != as_text  # 12 KPIs before 3 only when compared as numbers
    browser_page.goto(site_url + "index.html?sort=-kpis")
    assert in_order(browser_page) == expected
    browser_page.locator("#policies th[data-sort=no] button").click()  # back to No order
    assert in_order(browser_page) == sorted(counts)
    assert browser_page.url.endswith("index.html")


def test_the_first_policies_show_without_scrolling_on_a_desktop(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        for url in ("index.html", "index.html?lead=mic&q=マイナンバーカード"):
            page.goto(site_url + url)
            box = page.locator(ROWS + ":not([hidden])").first.bounding_box()
            assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 800, (url, box)
    finally:
        context.close()


def test_marks_and_snippets_are_text_never_html(tmp_path, site_build, browser_page, served):
    """A policy whose name and support measures hold markup: searched, marked and shown in a
    snippet, the markup stays text (no element made from the data, no script run)."""
    pkg = validation.load(REPO)
    evil = model.Package(copy.deepcopy(pkg.metadata), copy.deepcopy(pkg.tables))
    row = evil.tables["policies"][0]
    row["name"] = '<img src=x onerror="window.planted=1">ＩＭＧの目印'
    row["support_measures"] = "<svg onload=f()>後書き"
    write_site(evil, tmp_path, site_build, corrections=curated.load().corrections)
    with served(tmp_path) as url:
        browser_page.goto(url + "index.html?q=目印+後書き")
        assert visible(browser_page) == {row["policy_id"]}
        cell = f"#p{row['policy_id']} td:nth-child(3)"
        assert browser_page.locator(f"{cell} a").text_content() == row["name"]
        assert texts(browser_page, f"{cell} a mark") == ["目印"]
        support = label(site_build, "policies", "support_measures")
        assert texts(browser_page, f"{cell} .snippet") == [f"{support}：{row['support_measures']}"]
        assert texts(browser_page, f"{cell} .snippet mark") == ["後書き"]
        assert browser_page.locator("#policies img, #policies svg").count() == 0
        assert browser_page.evaluate("window.planted") is None


def readme_examples() -> tuple[list[tuple[str, int, list[int]]], set[str]]:
    """The README's site section: its table of example URLs (URL, count, Nos in the order shown)
    and every index URL it mentions anywhere."""
    text = README.read_text(encoding="utf-8")
    start = text.index("## The dataset site")
    section = text[start:text.index("\n## ", start + 1)]
    rows = re.findall(r"^\| `(index\.html\?[^`]+)` \| (\d+)件: No ((?:\d+, )*\d+)", section, re.M)
    examples = [(url, int(count), [int(n) for n in nos.split(", ")]) for url, count, nos in rows]
    return examples, set(re.findall(r"index\.html\?[^`\s)|]+", section))


def test_every_index_url_of_the_readme_is_an_example_with_its_result():
    examples, mentioned = readme_examples()
    assert len(examples) >= 4 and {url for url, _, _ in examples} == mentioned
    for url, count, nos in examples:
        assert count == len(nos), url


@pytest.mark.parametrize("url,count,nos", readme_examples()[0], ids=[u for u, _, _ in readme_examples()[0]])
def test_each_readme_example_url_shows_what_the_readme_says(browser_page, site_url, data, problems, url, count, nos):
    browser_page.goto(site_url + url)
    assert in_order(browser_page) == nos
    n = len(data["policies"])
    shown = f"全{n}件を表示" if count == n else f"{n}件中 {count}件を表示"
    assert browser_page.locator("#count").inner_text().startswith(shown)
    assert problems == []
