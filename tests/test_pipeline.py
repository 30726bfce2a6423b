"""processes.beside: frictionless' validation runs in a forked child beside the other writers, and
its verdict still decides the build."""

from __future__ import annotations

import csv
import time

import pytest

from kanmin import processes
from kanmin.errors import DataError, Problem
from kanmin.settings import RAW_SOURCE, REPO


def _finds_a_problem(path: str) -> None:
    raise DataError([Problem(path, 7, "a bad cell", "fix it")])


def _crashes() -> None:
    raise ZeroDivisionError("boom")


def _sleeps() -> None:
    time.sleep(30)


def test_problems_found_beside_the_block_are_raised_after_it():
    ran = []
    with pytest.raises(DataError) as caught:
        with processes.beside(_finds_a_problem, "x.txt"):
            ran.append("block")
    assert ran == ["block"]
    assert [(p.file, p.line, p.message) for p in caught.value.problems] == [("x.txt", 7, "a bad cell")]


def test_a_crash_beside_the_block_is_not_a_pass():
    with pytest.raises(RuntimeError, match="ZeroDivisionError: boom"):
        with processes.beside(_crashes):
            pass


def _writes(path, text) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def test_a_passing_check_lets_the_block_through(tmp_path):
    """The check runs (with its arguments, in another process) and the block runs; nothing is raised."""
    ran = []
    with processes.beside(_writes, tmp_path / "check.txt", "ran with its arguments"):
        ran.append("block")
    assert ran == ["block"]
    assert (tmp_path / "check.txt").read_text(encoding="utf-8") == "ran with its arguments"


def test_a_failing_block_stops_the_check_at_once():
    start = time.monotonic()
    with pytest.raises(KeyError):
        with processes.beside(_sleeps):
            raise KeyError("the RDF stage failed")
    assert time.monotonic() - start < 10  # the 30 s child was killed, not waited for


def test_a_build_whose_staged_table_breaks_its_schema_fails_at_the_source_line(tmp_path, monkeypatch, capsys):
    """The real validation, in the child: a cell the Table Schema forbids (a policy name with a
    zero-width space, put into the model after the checks) stops the build, named at its line."""
    from kanmin import model
    from kanmin.cli import main

    real = model.from_tables

    def tampered(metadata, tables):
        pkg = real(metadata, tables)
        pkg.tables["policies"][0]["name"] += "\u200b"
        pkg.tables["kpis"][0]["text"] += "\u200b"  # the largest two tables: checked in different processes
        return pkg

    monkeypatch.setattr(model, "from_tables", tampered)
    out = tmp_path / "out"
    assert main(["build", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    first = min(csv.DictReader((REPO / "data" / "policies.csv").open(encoding="utf-8")),
                key=lambda row: int(row["policy_id"]))
    assert f"{RAW_SOURCE}:{first['source_line_start']}: policies.name:" in err
    assert "U+200B" in err
    kpi = next(csv.DictReader((REPO / "data" / "kpis.csv").open(encoding="utf-8")))
    assert f"{RAW_SOURCE}:{kpi['source_line_start']}: kpis.text:" in err
    assert not (out / "datapackage.json").exists()  # nothing published


def test_the_report_shows_a_hostile_source_name_as_text_not_html(tmp_path):
    """The source's file name went into a code span unescaped: a name with a backtick and HTML
    rendered as live HTML in a Markdown viewer (issue 16)."""
    from markdown_it import MarkdownIt

    from kanmin import pipeline
    from kanmin.settings import REPORT_PATH

    name = "x`<img src=x onerror=alert(1)>`\n<b onmouseover=alert(2)>.txt"  # no "/": a path separator
    source = tmp_path / name
    source.write_bytes(RAW_SOURCE.read_bytes() + b"\n")  # another file than the recorded one: a notice too
    pipeline.build(source=source, out=tmp_path / "out", with_rdf=False)
    report = (tmp_path / "out" / REPORT_PATH).read_text(encoding="utf-8")
    html = MarkdownIt("commonmark").render(report)
    assert "<img" not in html and "<b " not in html
    assert "x`&lt;img src=x onerror=alert(1)&gt;` &lt;b onmouseover=alert(2)&gt;.txt" in html  # shown as typed
    assert html.count("&lt;b onmouseover") == 2  # in the Source line and in the "not the recorded source" notice
