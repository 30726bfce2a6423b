"""One problem type and one error path: how a problem reads, and the exit codes."""

from __future__ import annotations

import io
import os

from kanmin import errors
from kanmin.cli import main


def test_problem_names_file_line_row_field_and_hint():
    assert str(errors.Problem("a.txt", 12, "no code", "add it")) == "a.txt:12: no code (add it)"
    assert str(errors.Problem("data/kpis.csv", None, "'x' is not an integer", row=3, field="position")) == \
        "data/kpis.csv, row 3, field position: 'x' is not an integer"
    assert str(errors.Problem("m.json", None, "bad")) == "m.json: bad"


def test_report_and_exit_codes():
    out = io.StringIO()
    errors.report([errors.Problem("f", 1, "m"), errors.Problem("g", None, "n", "h")], out)
    assert out.getvalue() == "error: f:1: m\nerror: g: n (h)\n"
    assert errors.exit_code(errors.DataError([])) == 1
    assert errors.exit_code(errors.UsageError("bad option")) == 2


def test_cli_usage_error_exits_2(capsys):
    assert main(["extract", "--row", "99"]) == 2
    assert capsys.readouterr().err == "error: kanmin: --row 99: no such row (rows are numbered 1 to 75)\n"


def test_validate_of_a_missing_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["validate", "--package", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: kanmin: {tmp_path}/nowhere/datapackage.json: no such file " \
                  "(pass --package DIR, a folder holding datapackage.json)\n"


def test_build_source_must_be_a_file(tmp_path, capsys):
    assert main(["build", "--source", str(tmp_path / "none.txt"), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == f"error: kanmin: --source {tmp_path}/none.txt: no such file " \
                                      "(pass the text file extracted from the PDF)\n"
    assert main(["build", "--source", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "a folder" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_readme_error_example_is_what_the_build_prints(tmp_path, capsys):
    """The README's example, run as printed (with /tmp/ replaced by a test folder)."""
    import re

    from support import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```console\n\$ head -n (\d+) (\S+) > /tmp/x.txt\n\$ kanmin build --source /tmp/x.txt "
                        r"--out /tmp/pkg\n(error: .*)\n```", readme)
    assert example, "the README's error example is missing"
    lines, source, expected = int(example.group(1)), example.group(2), example.group(3)
    text = (REPO / source).read_text(encoding="utf-8").split("\n")
    (tmp_path / "x.txt").write_text("\n".join(text[:lines]) + "\n", encoding="utf-8")
    assert main(["build", "--source", str(tmp_path / "x.txt"), "--out", str(tmp_path / "pkg")]) == 1
    assert capsys.readouterr().err == expected.replace("/tmp/", f"{tmp_path}/") + "\n"


def test_ctrl_c_is_a_message_and_exit_130_not_a_traceback(monkeypatch, capsys):
    from kanmin import pipeline

    def interrupted(**_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "build", interrupted)
    assert main(["build", "--no-rdf"]) == 130
    err = capsys.readouterr().err
    assert "interrupted: kanmin build stopped" in err and "Traceback" not in err


def test_source_that_is_no_regular_file_is_a_usage_error(tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path, what in [("/dev/zero", "not a regular file"), (str(fifo), "not a regular file"),
                       (str(tmp_path / "none.txt"), "no such file"), (str(tmp_path), "a folder")]:
        assert main(["build", "--source", path, "--out", str(tmp_path / "o")]) == 2
        assert capsys.readouterr().err == f"error: kanmin: --source {path}: {what} " \
                                          "(pass the text file extracted from the PDF)\n"
    for command in (["build", "--out", str(tmp_path / "o")], ["extract"]):
        assert main([*command, "--source", ""]) == 2
        assert capsys.readouterr().err == "error: kanmin: --source: the path is empty " \
                                          "(pass the text file extracted from the PDF)\n"


def test_a_long_schema_pattern_is_never_printed():
    from types import SimpleNamespace

    from kanmin.source import TEXT_PATTERN
    from kanmin.validation import describe_error

    pattern = f"(?={TEXT_PATTERN}$)https?://[^\\s/]+\\.[^\\s/]+(/\\S*)?"
    fields = [{"name": "url", "constraints": {"pattern": pattern}}]

    def error(cell):
        return SimpleNamespace(type="constraint-error", field_name="url", cell=cell,
                               note=f'constraint "pattern" is "{pattern}"')
    assert describe_error(error("http://www .example.jp/"), fields) == \
        "'http://www .example.jp/' does not match the field's pattern: it contains a space at column 11"
    assert describe_error(error("ftp://x"), fields) == \
        "'ftp://x' does not match the field's pattern: the field's pattern (see its schema in datapackage.json)"
    short = [{"name": "url", "constraints": {"pattern": "[0-9]{2}-[0-9]{2}"}}]
    assert describe_error(error("1-1"), short) == "'1-1' does not match the field's pattern: the pattern " \
                                                  "'[0-9]{2}-[0-9]{2}'"
    # any other error: frictionless' note, whose quoted text is cut to its first 40 characters and "…"
    # when longer than 60 (a pattern can be hundreds of characters of escapes); the 67-character list
    # here is cut inside its third item, the 14-character one kept whole
    enum = "['one-policy-code', 'two-policy-code', 'three-policy-code', 'four']"
    other = SimpleNamespace(type="constraint-error", field_name="x", cell="v", note=f'constraint "enum" is "{enum}"')
    assert describe_error(other, fields) == \
        "constraint-error: constraint \"enum\" is \"['one-policy-code', 'two-policy-code', '…\" (value 'v')"
    other.note = "constraint \"enum\" is \"['lead', 'co']\""
    assert describe_error(other, fields) == "constraint-error: constraint \"enum\" is \"['lead', 'co']\" (value 'v')"
