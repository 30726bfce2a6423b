"""The command line: exit codes, exact error messages for bad input, and that a failed build
leaves the previously published outputs untouched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import SOURCE

KANMIN = str(Path(sys.executable).parent / "kanmin")
LINES = SOURCE.read_text(encoding="utf-8").split("\n")


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp / "empty.txt"
    empty.write_bytes(b"")
    sjis = tmp / "sjis.txt"
    sjis.write_bytes(SOURCE.read_text(encoding="utf-8").encode("cp932", errors="replace"))
    no_code = _write(tmp / "no_code.txt", LINES[:54] + LINES[55:])          # drop "01-05" (line 55)
    duplicated = _write(tmp / "dup.txt", LINES[:98] + LINES[58:98] + LINES[98:])  # row 2 twice
    truncated = _write(tmp / "truncated.txt", LINES[:2450])
    return {
        "empty": (empty, f"error: {empty}: the file is empty (pass the PDF-to-text extraction of the table (data/raw/…))"),
        "shift_jis": (sjis, f"error: {sjis}:2: not UTF-8 (byte 0x87 at offset 1) (convert the file to UTF-8, e.g. iconv -f SHIFT_JIS -t UTF-8)"),
        "no_code": (no_code, f"error: {no_code}:55: row 1 (from line 25) has ministries but no policy code before them "
                             "(expected a line with the code NN-NN (国の施策番号) before the ◎ line)"),
        "duplicated": (duplicated, f"error: {duplicated}:99: row number 2 where row 3 was expected (rows must be numbered "
                                   "1, 2, 3, … without gaps or repeats; remove the duplicated or misplaced row)"),
        # LINES[2449] is blank, so the file ends "…\n": 2449 lines, the last one named
        "truncated": (truncated, f"error: {truncated}:2449: row 50 (from line 2429) has no policy code before the end "
                                 "of the file (the file looks truncated; use the complete extraction)"),
    }


@pytest.fixture()
def published(fresh_build, tmp_path) -> Path:
    out = tmp_path / "published"
    shutil.copytree(fresh_build, out)
    return out


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", ["empty", "shift_jis", "no_code", "duplicated", "truncated"])
def test_bad_input_gives_one_clear_error_and_leaves_outputs(tmp_path, published, case):
    path, message = bad_inputs(tmp_path)[case]
    before = _snapshot(published)
    run = subprocess.run([KANMIN, "build", "--no-rdf", "--source", str(path), "--out", str(published)],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stderr.strip().split("\n") == [message]
    assert "Traceback" not in run.stderr
    assert _snapshot(published) == before


def test_build_into_folder_succeeds(tmp_path):
    run = subprocess.run([KANMIN, "build", "--no-rdf", "--out", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"built {tmp_path}: policies 75, ministries 17")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".kanmin-build-")]


def test_usage_error_exits_2():
    run = subprocess.run([KANMIN, "build", "--no-such-option"], capture_output=True, text=True)
    assert run.returncode == 2
    assert "unrecognized arguments: --no-such-option" in run.stderr


def test_extract_prints_one_row():
    import json

    run = subprocess.run([KANMIN, "extract", "--row", "51"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    (row,) = json.loads(run.stdout)
    assert row["number"] == 51 and row["number_inferred"] is True
    assert row["code"] == [2506, "08-01"]


def test_help_has_examples():
    for cmd in (["--help"], ["build", "--help"], ["extract", "--help"], ["validate", "--help"]):
        run = subprocess.run([KANMIN, *cmd], capture_output=True, text=True)
        assert run.returncode == 0 and "example" in run.stdout, cmd
