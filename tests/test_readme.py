"""The README as a new user reads it (issue 16): its commands and examples run as printed.

Other README examples are run where their subject is tested: "Load the data" in test_package.py,
the error example in test_errors.py, the Oxigraph commands in test_sparql.py.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest

from kanmin.cli import make_parser
from kanmin.links.model import Result, RunReport, Settings
from kanmin.links.report import write
from support import REPO, read_table

README = (REPO / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"\n## {title}")
    end = README.find("\n## ", start + 1)
    return README[start:end]


def _code_lines() -> list[str]:
    """Every line of a fenced or indented code block, without a leading `$ `."""
    lines, fenced = [], False
    for line in README.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced or line.startswith("    "):
            lines.append(line.strip().removeprefix("$ "))
    return lines


def test_every_kanmin_command_of_the_readme_parses():
    commands = [line for line in _code_lines() if line.startswith("kanmin ")]
    assert len(commands) >= 5
    parser = make_parser()
    for line in commands:
        words = shlex.split(line.split("  #")[0], comments=True)
        try:
            parser.parse_args(words[1:])
        except SystemExit as exc:
            pytest.fail(f"{line!r}: the CLI refuses it (exit {exc.code})")


def test_a_file_a_readme_command_reads_exists_or_an_earlier_line_makes_it():
    """`kanmin linkcheck --urls urls.txt` had no urls.txt."""
    lines = _code_lines()
    for i, line in enumerate(lines):
        for option in ("--urls", "--references"):
            match = re.search(rf"{option} (\S+)", line)
            if match and line.startswith("kanmin "):
                name = match.group(1)
                made = any(re.search(rf">\s*{re.escape(name)}\b", earlier) for earlier in lines[:i])
                assert made or (REPO / name).exists(), f"{line!r}: nothing makes {name}"


def test_the_link_report_join_runs_as_printed(tmp_path):
    """The pandas join used an undefined `refs`."""
    start = README.index("```python\n# join-the-link-report") + len("```python\n")
    snippet = README[start:README.index("```", start)]
    (tmp_path / "data").symlink_to(REPO / "data")
    refs = read_table(REPO, "policy_references")
    results = [Result(refs[0]["url"], "ok", 200, checked_at="2026-12-01T00:00:00Z"),
               Result(refs[1]["url"], "broken", 404, checked_at="2026-12-01T00:00:01Z")]
    write(RunReport("2026-12-01T00:00:00Z", "2026-12-01T00:00:02Z", 2000, Settings(), results),
          tmp_path / "build" / "linkcheck")
    run = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert refs[0]["reference_id"] in run.stdout and " ok" in run.stdout


def test_the_site_is_served_on_this_machine_only():
    """`python -m http.server` without --bind answers on every interface."""
    served = [m.group(0) for m in re.finditer(r"`python3? -m http\.server[^`]*`", README)]  # the commands shown
    assert served and all("--bind 127.0.0.1" in s for s in served), served


def test_no_install_from_pypi_that_does_not_exist():
    """`pip install kanmin[analysis]` implied a PyPI release."""
    assert not re.search(r"pip install (?!-e )['\"]?kanmin", README)
    assert "pip install -e '.[analysis]'" in README


def test_the_readme_says_where_the_command_is_and_what_make_test_skips():
    assert ". .venv/bin/activate" in _section("The command")
    quick = _section("Quick start")
    assert "make ckan-setup" in quick and "skips" in quick
