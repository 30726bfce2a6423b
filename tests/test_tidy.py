"""The tidy stage on short hand-made snippets: one folder per rule of tidy.py's docstring.

Each folder under ``fixtures/snippets/`` holds ``source.txt`` (1–4 printed rows laid out as the
PDF-to-text extraction prints them, with the page furniture the extractor needs, if any),
``expected.json`` (the published records of the snippet, whole dicts, for the tables policies,
policy_ministries, kpis, policy_references and budget_projects) and, optionally, ``corrections.csv``
(used instead of the curated one; every other snippet runs with no corrections, since the real
corrections name rows of the real source and would not match). A folder with ``xfail.txt`` shows
output the code gets wrong today: the test is an expected failure (strict) whose reason is that file.
Each snippet must also depend on its rule: ``test_each_rule_broken_fails_its_snippet`` breaks the
rule (``BROKEN_RULES``) and requires the snippet's comparison to fail.

How the expected values were checked: each value was written by hand from the snippet and the
rule it exercises, before running the code; line widths that decide an item or paragraph
boundary were counted by hand (full-width characters count 2) and then re-counted with
``unicodedata.east_asian_width``; the ``checked`` entry of each expected.json says, line by line,
why each boundary falls where it does. Nothing was pasted from the program's output.

Snippets and the rules they cover:

* kpi_items — KPI items: a full-width line continues the item, a full-width line ending with a
  closing "）" does not, a line opening with a particle or bracket or following an unclosed
  bracket continues; 未設定 → not_set.
* kpi_groups — ＜…＞ group headings (also wrapped over two lines), and a ＜…＞ line that
  continues a still-open item instead of opening a group.
* budget_url — budget projects split by width; a URL printed inside the budget cell (before an empty
  参考URL cell, "-") becomes a reference printed_in budget_project; a "-" before the ＜予算事業名＞
  heading and after the budget cell.
* ministries — split at 、, ◎ = lead (several leads, ◎ at a line end), the alias 経産省 → meti
  with the printed name kept, names broken over lines.
* effect_marks — ○ counts 0 / 4 → flags false / true, 1 and 3 → unknown (None).
* empty_cells — "-" as empty KPI, timing and tail cells.
* references — URLs rejoined across lines (also before a hyphen), captions (a boundary between two
  printed captions kept as a newline), notes.
* paragraphs — overview and support paragraphs: bullets (removed in the overview, the printed ・
  kept in the support cell), short lines, the 。 rule, a blank line inside the support cell (layout:
  it decides nothing), the first bullet glued to the effect KPI.
* corrections — curated corrections applied to a policy field and splitting a KPI.
* empty_pillar — "-" as an empty pillar cell.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from kanmin import cells, curated, extract, tidy
from kanmin import text as T
from kanmin.errors import DataError

SNIPPETS = Path(__file__).parent / "fixtures" / "snippets"
CASES = sorted(p for p in SNIPPETS.iterdir() if (p / "source.txt").is_file())
TABLES = ("policies", "policy_ministries", "kpis", "policy_references", "budget_projects", "policy_budget_projects")
NO_CORRECTIONS = "policy_id,field,printed,corrected,kind,reason,reason_ja\n"


def _curated(tmp_path: Path, case: Path) -> curated.Curated:
    """The curated inputs, with the snippet's corrections (none unless the folder has some)."""
    d = tmp_path / "curated"
    shutil.copytree(curated.CURATED_DIR, d)
    own = case / "corrections.csv"
    (d / "corrections.csv").write_text(own.read_text(encoding="utf-8") if own.exists() else NO_CORRECTIONS,
                                       encoding="utf-8")
    return curated.load(d)


def _param(case: Path):
    reason = case / "xfail.txt"
    marks = [pytest.mark.xfail(strict=True, reason=reason.read_text(encoding="utf-8").strip())] \
        if reason.exists() else []
    return pytest.param(case, id=case.name, marks=marks)


def _published(tmp_path: Path, case: Path) -> dict[str, list[dict]]:
    """The snippet's published records per table (the source lines tidy keeps for the checks,
    ``tidy.LINES``, are not published)."""
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    cur = _curated(tmp_path, case)
    tables = tidy.tidy(extract.extract(case / "source.txt", cur, len(expected["policies"])), cur)
    return {name: [{k: v for k, v in r.items() if k != tidy.LINES} for r in getattr(tables, name)]
            for name in TABLES}


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_snippet(tmp_path, case):
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    published = _published(tmp_path, case)
    for name in TABLES:
        assert published[name] == expected[name], name


def _changed(module, name: str, change):
    """``module.name`` as a function whose result ``change`` alters."""
    real = getattr(module, name)
    return lambda *args: change(real(*args))


#: Each rule of the module docstring, broken on purpose: the snippet named for it must notice.
BROKEN_RULES = {
    "kpi_items": lambda mp: mp.setattr(tidy, "ITEM_FULL", 1000),  # no line fills the column
    "kpi_groups": lambda mp: mp.setattr(tidy, "HEADING_LINES", 1),  # a heading wrapped over two lines refused
    "budget_url": lambda mp: mp.setattr(tidy, "_budget", _changed(tidy, "_budget", lambda r: (r[0], []))),
    "ministries": lambda mp: mp.setattr(curated.Curated, "ministry_by_name",  # the aliases forgotten
                                        lambda self: {m["name_ja"]: m["ministry_id"] for m in self.ministries}),
    "effect_marks": lambda mp: mp.setattr(T, "mark_count", _changed(T, "mark_count", lambda n: min(n, 3))),
    "empty_cells": lambda mp: mp.setattr(cells, "DASH", re.compile(r"^-[ 　]+")),  # a lone "-" is no dash
    "references": lambda mp: mp.setattr(T, "join_url", lambda pieces: pieces[0]),  # URLs not rejoined
    "paragraphs": lambda mp: mp.setattr(tidy, "OVERVIEW_FULL", 0),  # every overview line fills the column
    "corrections": lambda mp: mp.setattr(tidy, "_split_item", lambda *args: False),  # no item split
    "empty_pillar": lambda mp: mp.setattr(cells, "_pillar_at", _changed(  # "-" is no pillar
        cells, "_pillar_at", lambda r: ([], [], r[2] - 1) if r[0] and r[0][0][1] == "-" else r)),
}


def test_every_snippet_names_a_rule():
    assert {c.name for c in CASES} == set(BROKEN_RULES)


@pytest.mark.parametrize("rule", sorted(BROKEN_RULES))
def test_each_rule_broken_fails_its_snippet(tmp_path, monkeypatch, rule):
    """Every rule of the list above has a snippet that depends on it: with the rule broken
    (``BROKEN_RULES``), the snippet's output differs from its expected values, or the snippet is
    refused. A snippet that stopped exercising its rule, or a rule the code no longer applies
    where the docstring says (a constant the code ignores), fails here while every snippet passes."""
    case = SNIPPETS / rule
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    expected = {name: expected[name] for name in TABLES}
    assert _published(tmp_path / "ok", case) == expected
    BROKEN_RULES[rule](monkeypatch)
    try:
        broken = _published(tmp_path / "broken", case)
    except DataError:
        return
    assert broken != expected


def test_snippet_corrections_are_all_applied(tmp_path):
    """The corrections snippet's expected values hold only if every correction matched."""
    case = SNIPPETS / "corrections"
    cur = _curated(tmp_path, case)
    tables = tidy.tidy(extract.extract(case / "source.txt", cur, 1), cur)
    assert [(c.policy_id, c.field) for c in tables.applied] == [
        (1, "timing"), (1, "policy_code"), (1, "kpis.effect")]


# --- caption boundaries (tidy._caption), each rule on its own ------------------------------

@pytest.mark.parametrize("lines, label", [
    # row 12, lines 660-662: a closed bracket and a ■ mark both end the first caption
    (["（パッケージツール）", "■政府CIOポータルオープンデータ", "ページ"],
     "（パッケージツール）\n■政府CIOポータルオープンデータページ"),
    # a line that closes every bracket of the caption ends it, even without a mark
    (["（ガイドライン）", "オープンデータ基本指針"], "（ガイドライン）\nオープンデータ基本指針"),
    # a ■ mark starts a caption, even after a line without brackets
    (["総務省｜ICT利活用の促進｜テレワー", "クの推進", "■テレワーク総合ポータル"],
     "総務省｜ICT利活用の促進｜テレワークの推進\n■テレワーク総合ポータル"),
    # wrapped lines of one caption: a bracket still open (rows 22, 30), no bracket (row 13)
    (["（地理空間情報活用推進基本法（平成", "19年法律第63号））"], "（地理空間情報活用推進基本法（平成19年法律第63号））"),
    (["（携帯電話等エリア整備事業の概要", "（総務省電波利用ホームページ））"],
     "（携帯電話等エリア整備事業の概要（総務省電波利用ホームページ））"),
    (["都市計画基礎調査情報のオープン化", "に向けた取組"], "都市計画基礎調査情報のオープン化に向けた取組"),
])
def test_caption_keeps_the_boundary_between_printed_captions(lines, label):
    assert tidy._caption(list(enumerate(lines, start=1))) == label


ROW5_MINISTRIES = [(239, "◎内閣官房、内"), (240, "閣府、金融庁、"), (241, "総務省、法務"), (242, "省、財務省、厚"),
                   (243, "生労働省、経済"), (244, "産業省、国土交"), (245, "通省、関係府省")]
FIX = "fix the source, or, if it is a real name, add it to data/curated/ministries.csv or ministry_aliases.csv"


@pytest.mark.parametrize(("line", "printed", "expected"), [
    (239, "◎内閣宮房、内", f"s.txt:239: row 5: unknown ministry '内閣宮房' (did you mean 内閣官房? {FIX})"),
    (240, "閣府、金融廳、", f"s.txt:240: row 5: unknown ministry '金融廳' (did you mean 金融庁? {FIX})"),
    (243, "生労働省、経X", "s.txt:243: row 5: unknown ministry '経X産業省', printed over lines 243-244 "
                          f"(did you mean 経済産業省 or 経産省? {FIX})"),
    (245, "通省、関係府あ省", "s.txt:245: row 5: unknown ministry '関係府あ省' "
                            f"(did you mean 関係府省, 関係府省庁 or 関係省庁? {FIX})"),
    (245, "通省、ＸＹＺ", f"s.txt:245: row 5: unknown ministry 'ＸＹＺ' ({FIX})"),
])
def test_unknown_ministry_is_reported_at_its_line_with_the_nearest_known_names(line, printed, expected):
    """Each name of a list printed over seven lines (row 5) is reported at the line where it starts,
    not at the list's first line, with the known names (canonical or alias) nearest to it, if any."""
    from kanmin.cells import RawRow

    lines = [(n, printed if n == line else t) for n, t in ROW5_MINISTRIES]
    row = RawRow(number=5, number_inferred=False, line_start=228, line_end=245, ministries=lines)
    problems: list = []
    tidy._ministries(row, curated.load().ministry_by_name(), "s.txt", problems)
    assert [str(p) for p in problems] == [expected]


def test_a_correction_of_an_unknown_field_is_refused_at_its_line_of_the_given_file(tmp_path):
    """The corrections file named is the one given (here a copy), at the line where the record
    starts: the record before it spans two lines."""
    case = SNIPPETS / "kpi_items"
    d = tmp_path / "curated"
    shutil.copytree(curated.CURATED_DIR, d)
    (d / "corrections.csv").write_text(NO_CORRECTIONS + '1,timing,x,y,erratum,"two\nlines",理由\n'
                                       "1,policy_id,1,2,erratum,a reason,理由\n", encoding="utf-8")
    cur = curated.load(d)
    with pytest.raises(DataError) as e:
        tidy.tidy(extract.extract(case / "source.txt", cur, 1), cur)
    assert [str(p) for p in e.value.problems] == [  # the snippet prints its timing on line 27
        f"{case / 'source.txt'}:27: row 1, timing: the printed value 'x' that {d / 'corrections.csv'} line 2 "
        "corrects is not found (the source or the rules changed: fix the line, or review the correction)",
        f"{d / 'corrections.csv'}:4: correction for row 1: unknown field 'policy_id' (use timing, policy_code, name, "
        "pillar_as_printed, policy_references.<column>, kpis.progress, kpis.effect or budget_projects.name)"]
