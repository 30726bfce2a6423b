"""The build benchmark's side-by-side comparison (benchmarks/side_by_side.py): which runs it makes in
which order, and the arithmetic of its ratios. Nothing here is timed: the figures are printed by
the script, never asserted."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The benchmark is a script beside the package, not part of it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import side_by_side  # noqa: E402


class FakeCheckout:
    """A checkout that records the runs asked of it and reports made-up figures."""

    def __init__(self, label: str, log: list, wall: float):
        self.label, self.log, self.wall = label, log, wall

    def cache_bytecode(self, folder: Path) -> None:
        pass

    def command_seconds(self) -> float:
        return self.wall

    def inputs(self, scale: int, work: Path) -> tuple[Path, Path]:
        return work / f"source-x{scale}", work / f"curated-x{scale}"

    def run(self, stage: str, source: Path, cdir: Path, out: Path) -> dict:
        assert source.parent.name == self.label and out.name.startswith(f"{self.label}-x")
        self.log.append((self.label, stage))
        return {"wall_s": self.wall, "peak_mb": 10 * self.wall, "own_peak_mb": 1.0}


def test_runs_alternate_pair_by_pair_and_the_stages_read_from_run_once_first(tmp_path):
    log: list = []
    new, base = FakeCheckout("new", log, 1.0), FakeCheckout("baseline", log, 2.0)
    runs = side_by_side.measure([new, base], [1], ["validate"], pairs=2, repeat=1, work=tmp_path)
    # validate reads rdf's output, rdf the package's and the workbook's: each of those once, first
    assert log == [("new", "package"), ("baseline", "package"), ("new", "workbook"), ("baseline", "workbook"),
                   ("new", "rdf"), ("baseline", "rdf"),
                   ("new", "validate"), ("baseline", "validate"), ("baseline", "validate"), ("new", "validate")]
    assert list(runs["new"]["stages"]["1"]) == ["validate"] and len(runs["baseline"]["stages"]["1"]["validate"]) == 2
    assert runs["new"]["build_s"] == [1.0] and runs["baseline"]["build_s"] == [2.0]


def _runs(walls: list[float]) -> dict:
    return {"build_s": [], "stages": {"100": {"rdf": [{"wall_s": w, "peak_mb": 100.0} for w in walls]}}}


def test_paired_ratio_is_the_median_of_the_pairs_ratios():
    # The machine slowed down for the third pair: both ran 2× slower, and the ratio stays 1.
    new, base = _runs([1.0, 1.02, 2.0]), _runs([1.0, 1.0, 2.0])
    wall = side_by_side.compare(new, base, paired=True)[0]
    assert wall["ratio"] == pytest.approx(1.0) and wall["spread"] == (pytest.approx(1.0), pytest.approx(1.02))
    assert wall["within"]
    # against a saved run (not alternated): the ratio of the medians
    saved = side_by_side.compare(_runs([1.0, 1.2, 1.1]), _runs([1.0, 1.0, 1.0]), paired=False)[0]
    assert saved["ratio"] == pytest.approx(1.1) and not saved["within"]


def test_within_is_at_most_five_percent_slower_or_bigger():
    rows = side_by_side.compare(_runs([1.05]), _runs([1.0]), paired=True)
    assert [(r["figure"], r["within"]) for r in rows] == [("wall_s", True), ("peak_mb", True)]
    rows = side_by_side.compare(_runs([1.051]), _runs([1.0]), paired=True)
    assert [(r["figure"], r["within"]) for r in rows] == [("wall_s", False), ("peak_mb", True)]


def test_verdict_counts_wall_and_memory_but_not_the_floor(capsys):
    floor = {"build_s": [], "stages": {"1": {"floor": [{"wall_s": 2.0, "peak_mb": 1.0}]}}}
    base = {"build_s": [], "stages": {"1": {"floor": [{"wall_s": 1.0, "peak_mb": 1.0}]}}}
    assert side_by_side.print_comparison(side_by_side.compare(floor, base, paired=True), "new", "baseline")
    busier = {"build_s": [], "stages": {"1": {"rdf": [{"wall_s": 1.0, "cpu_s": 3.0, "peak_mb": 1.0}]}}}
    calmer = {"build_s": [], "stages": {"1": {"rdf": [{"wall_s": 1.0, "cpu_s": 1.0, "peak_mb": 1.0}]}}}
    rows = side_by_side.compare(busier, calmer, paired=True)
    assert [r["figure"] for r in rows] == ["wall_s", "cpu_s", "peak_mb"]
    assert side_by_side.print_comparison(rows, "new", "baseline")  # CPU seconds are shown, not counted
    slower = side_by_side.compare(_runs([1.2]), _runs([1.0]), paired=True)
    assert not side_by_side.print_comparison(slower, "new", "baseline")
    assert "NO" in capsys.readouterr().out
