"""The workbook's layout (kanmin.workbook_layout): where lines break, how many lines a cell takes,
row heights, column widths and the paper, on hand-checked cases, and properties of the line
count on generated text. That the figures are enough for a real reader is tests/test_workbook_print.py."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from kanmin import workbook_layout as wl
from kanmin.workbook_layout import EM, line_count, measure

PT_PER_EM = wl.FONT_SIZE  # a text area of n em is n * FONT_SIZE points


def _units(line: str) -> list[tuple[int, int, int, str]]:
    (units,) = measure(line)
    return list(units)


def test_a_line_breaks_between_full_width_characters_but_not_before_closing_punctuation():
    # あ い may break anywhere (a run of two one-em characters); 。 stays with う
    assert _units("あいう。") == [(EM, 0, 2, ""), (2 * EM, 0, 0, "う。")]
    # 「 stays with the next character, 」 with the one before
    assert [u[3] for u in _units("「あい」")] == ["「あ", "い」"]


def test_a_latin_word_holds_the_full_width_characters_beside_it():
    # デー: ー never starts a line; タAPI連: no break between a Latin letter and its neighbours
    assert [u[3] for u in _units("データAPI連携")] == ["デー", "タAPI連", ""]
    assert _units("データAPI連携")[2] == (EM, 0, 1, "")


def test_a_line_breaks_after_a_space_and_the_space_is_counted_apart():
    # a 0.65, b 0.65, c 0.65 | space 0.5 | d 0.65, e 0.65, f 0.5 (narrow), in twentieths of an em
    assert _units("abc def") == [(39, 10, 0, "abc"), (36, 0, 0, "def")]
    assert _units("WM") == [(44, 0, 0, "WM")]  # the widest letters, 1.1 em each


def test_lines_of_full_width_text():
    assert line_count("あいうえお", 3 * PT_PER_EM) == 2  # あいう / えお
    assert line_count("あいうえおかきくけこ", 3 * PT_PER_EM) == 4
    assert line_count("あいうえおかきくけこ", 10 * PT_PER_EM) == 1
    assert line_count("あいう\n\nえ", 10 * PT_PER_EM) == 3  # an empty line is a line


def test_lines_of_latin_text():
    assert line_count("abc def", 5 * PT_PER_EM) == 1  # 39 + 10 + 36 = 85 twentieths of 100
    assert line_count("abc def", 4 * PT_PER_EM) == 2  # 85 > 80: def moves down
    # a word wider than a line of its own is broken anywhere: abcd / efgh+i / j
    assert line_count("abcdefghij", 3 * PT_PER_EM) == 3


def test_a_word_too_wide_for_its_line_starts_a_new_one():
    # あ, then a URL of 20 letters (13 each, 260 > 100): the URL starts on the second line and
    # fills lines of 7 letters (91): 7 + 7 + 6 letters
    assert line_count("あ " + "x" * 20, 5 * PT_PER_EM) == 4


def test_row_heights_are_whole_pixels_and_the_tallest_row_holds_max_lines():
    assert wl.row_height(1) == 18.0  # 15.5 + 2.25 = 17.75, to 24 px
    assert wl.row_height(3) == 48.75
    assert wl.max_lines() == 26
    assert wl.row_height(wl.max_lines()) <= wl.MAX_ROW_HEIGHT_PT < wl.row_height(wl.max_lines() + 1)


def test_width_for_is_the_narrowest_column_that_holds_the_text():
    for points in (0.0, 10.0, 57.3, 99.9, 300.0):
        for header in (False, True):
            width = wl.width_for(points, header)
            assert wl.text_area_pt(width, header) >= points
            assert wl.text_area_pt(width - 0.5, header) < points


def test_water_filling_cuts_the_widest_columns_to_one_width():
    assert wl._water_fill([6, 6, 6], [10, 50, 80], 60) == [10, 25, 25]
    assert wl._water_fill([6, 30, 6], [10, 50, 80], 60) == [10, 30, 20]  # a floor holds
    assert wl._water_fill([6, 6, 6], [10, 20, 30], 100) == [10, 20, 30]  # room for all


def test_a_sheet_too_wide_for_a4_prints_on_a3_and_every_row_shows_its_lines():
    narrow = wl.layout(["a", "b"], [["あ" * 30, 1]], ("A4", "A3"), 0.8, 57.6)
    assert narrow.paper == "A4" and narrow.scale == 1.0
    assert narrow.heights == [wl.row_height(1), wl.row_height(1)]
    # twenty columns whose headers are words of 12 units each do not fit A4 at 80%
    header = [f"column_{i:02d}_x" for i in range(20)]
    wide = wl.layout(header, [["あ" * 200] * 20], ("A4", "A3"), 0.8, 57.6)
    assert wide.paper == "A3"
    area = wl.text_area_pt(wide.widths[0])
    assert wide.heights[1] == wl.row_height(line_count("あ" * 200, area)) > wl.row_height(1)


def test_a_cell_too_long_for_the_tallest_row_widens_its_column_or_is_reported():
    long = "あ" * 3000  # 3000 em: 26 lines of 115 em would need a column far wider than MAX_WIDTH
    shape = wl.layout(["x"], [[long], ["short"]], ("A4",), 0.8, 57.6)
    assert shape.widths == [wl.MAX_WIDTH]
    assert shape.overflows == [(1, 0, line_count(long, wl.text_area_pt(wl.MAX_WIDTH)))]
    # 900 em in at most 26 lines: the floor is the narrowest column that holds it so
    floor = wl._floor("x", [measure("あ" * 900)], [])
    assert line_count("あ" * 900, wl.text_area_pt(floor)) <= wl.max_lines()
    assert line_count("あ" * 900, wl.text_area_pt(floor - 0.5)) > wl.max_lines()


TEXT = st.text(alphabet=st.sampled_from(list("あいう漢字、。「」ーっabcMW.:/ 　\nｱ○")), max_size=120)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=40))
def test_more_room_never_means_more_lines(text, narrow, extra):
    assert line_count(text, (narrow + extra) * PT_PER_EM) <= line_count(text, narrow * PT_PER_EM)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(min_value=2, max_value=40))
def test_every_line_holds_no_more_than_its_width(text, width_em):
    """Each paragraph takes at least as many lines as its characters (spaces aside, which may end
    a line) need at the full width, and every paragraph at least one."""
    lines = line_count(text, width_em * PT_PER_EM)
    needed = 0
    for paragraph in text.split("\n"):
        ink = sum(w * (run or 1) for w, _, run, _ in measure(paragraph)[0])
        needed += max(1, math.ceil(ink / (width_em * EM)))
    assert lines >= needed
