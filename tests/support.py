"""Paths and readers shared by the tests (imported as a plain module: tests/ is on sys.path)."""

from __future__ import annotations

import csv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "data" / "raw" / "kuni-shisaku-ichiran-todofuken-2019.txt"


def read_table(root: Path, name: str) -> list[dict]:
    with (root / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
