"""The index's layout in a real browser: the first policies show without scrolling on a desktop."""

from __future__ import annotations

from site_data import ROWS


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
