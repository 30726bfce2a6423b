"""Pure text rules (text.py): examples from the source and Hypothesis properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kanmin import text as T

JAPANESE = st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x30FA), min_size=1, max_size=12)
URL_PIECE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_./", min_size=1, max_size=20)


def test_join_lines_japanese_has_no_spaces():
    assert T.join_lines(["マイナンバーカードと", "電子委任状を活用し", "た政府調達"]) == \
        "マイナンバーカードと電子委任状を活用した政府調達"


def test_join_lines_puts_a_space_where_ascii_words_meet():
    assert T.join_lines(["EHR（Electronic Health", "Record）の高度化"]) == "EHR（Electronic Health Record）の高度化"
    assert T.join_lines(["SIP4D", "を活用した"]) == "SIP4Dを活用した"


def test_join_url_rejoins_broken_url():
    assert T.join_url(["https://www.sukusuku-", "japan.cao.hq.admix.go.jp/kodomo/index", ".html"]) == \
        "https://www.sukusuku-japan.cao.hq.admix.go.jp/kodomo/index.html"


@pytest.mark.parametrize("line, cells", [
    ("取扱機関数（地方公共団体等） ワンストップサービスにより電子", ["取扱機関数（地方公共団体等）", "ワンストップサービスにより電子"]),
    ("防災SNSの活用 現状のSNSを活用した情報収集", ["防災SNSの活用", "現状のSNSを活用した情報収集"]),
    ("その他 平成31年度以", ["その他", "平成31年度以"]),
    ("5G研究開発、実証試験の進展 5Gの社会実装を目的とした総合", ["5G研究開発、実証試験の進展", "5Gの社会実装を目的とした総合"]),
    # a space inside brackets or between ASCII words is text, not a cell boundary
    ("PHR実装主体数（令和２年度 80", ["PHR実装主体数（令和２年度 80"]),
    ("ホームページのJIS X 8341-3へ", ["ホームページのJIS X 8341-3へ"]),
    ("数　（令和元年度：67団体）", ["数　（令和元年度：67団体）"]),
    # identical neighbouring cells glued without a separator
    ("「官民ITS構想・ロードマップ」本文内に記載「官民ITS構想・ロードマップ」本文内に記載",
     ["「官民ITS構想・ロードマップ」本文内に記載", "「官民ITS構想・ロードマップ」本文内に記載"]),
])
def test_split_inline_cells(line, cells):
    assert T.split_inline_cells(line) == cells


@pytest.mark.parametrize("timing, year", [
    ("平成29年度から", 2017), ("平成30年度から", 2018), ("平成31年度以降", 2019), ("令和元年度から", 2019),
    ("令和２年度から", 2020), ("令和3年度から（時期調整中）", 2021), ("時期調整中", None), ("その他", None), ("", None),
])
def test_start_fiscal_year(timing, year):
    assert T.start_fiscal_year(timing) == year


@given(st.integers(min_value=1, max_value=30))
def test_era_years_are_consistent(n):
    assert T.start_fiscal_year(f"平成{n}年度から") == 1988 + n
    assert T.start_fiscal_year(f"令和{n}年度から") == 2018 + n
    full = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert T.start_fiscal_year(f"令和{full}年度から") == 2018 + n


@given(st.lists(JAPANESE, min_size=1, max_size=6))
def test_join_lines_of_japanese_is_concatenation(lines):
    assert T.join_lines(lines) == "".join(lines)


@given(st.lists(URL_PIECE, min_size=1, max_size=5))
def test_join_url_roundtrip(pieces):
    url = "https://example.go.jp/" + "".join(pieces)
    cut = ["https://example.go.jp/"] + pieces
    assert T.join_url(cut) == url
    assert all(T.is_url_continuation(p) for p in pieces)


@given(st.lists(JAPANESE, min_size=1, max_size=4))
def test_split_inline_cells_inverts_space_join(cells):
    cells = [c for c in cells if len(c) < 8 or c[: len(c) // 2] != c[len(c) // 2:]]
    if cells:
        assert T.split_inline_cells(" ".join(cells)) == cells


def test_width_counts_full_width_twice():
    assert T.width("ＡＢ") == 4 and T.width("AB") == 2 and T.width("電子") == 4


def test_mark_count_counts_both_circle_characters():
    assert T.mark_count("〇 ○") == 2 and T.mark_count("○ ○ ○ ○") == 4


# The support cell of row 37 (lines 1853-1857) and the first item of row 11 (line 566), as printed:
# an introducing paragraph, two items indented with U+3000, one with a space after the mark.
SUPPORT = [(1, "財政措置（次の事業は緊急防災・減災事業債の対象）。"),
           (2, "　・新型受信機の導入（平成30年度まで）"),
           (3, "　・情報伝達手段の多重化（平成31年度まで）"),
           (4, "・ 「オープンデータ基本指針」を踏まえ、今後、地方公共団"),
           (5, "体がオープンデータを推進する上で参考となるガイドライ"),
           (6, "ン。")]


def test_paragraphs_keep_listed_markers_without_layout_spaces():
    assert T.paragraphs(SUPPORT, 47, keep="・") == [
        ("財政措置（次の事業は緊急防災・減災事業債の対象）。", 1, 1),
        ("・新型受信機の導入（平成30年度まで）", 2, 2),
        ("・情報伝達手段の多重化（平成31年度まで）", 3, 3),
        ("・「オープンデータ基本指針」を踏まえ、今後、地方公共団体がオープンデータを推進する上で参考となるガイドライン。", 4, 6)]


def test_paragraphs_remove_markers_not_listed():
    texts = [t for t, _, _ in T.paragraphs(SUPPORT, 47)]
    assert texts[1:3] == ["新型受信機の導入（平成30年度まで）", "情報伝達手段の多重化（平成31年度まで）"]
    assert [t for t, _, _ in T.paragraphs([(1, "- 概要。"), (2, "・ 効果。")], 60, keep="・")] == ["概要。", "・効果。"]


@settings(max_examples=500, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_width_counts_wide_and_full_width_characters_twice(text):
    import unicodedata

    assert T.width(text) == sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
