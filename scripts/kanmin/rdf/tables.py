"""Read the published package: metadata.json (schema + dataset metadata) and the CSV tables.

Input: a package directory holding `data/curated/metadata.json`, `data/<resource>.csv` and
`datapackage.json`. Output: plain data (dicts of rows keyed by field name, values still strings,
"" = missing). Problems are collected with file, row, field and value, and raised once.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError

METADATA_PATH = Path("data/curated/metadata.json")


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.message}"


class RdfInputError(DataError):
    """The package cannot be turned into RDF; carries every problem found (exit code 1)."""


@dataclass
class Table:
    name: str
    path: Path
    schema: dict
    rows: list[dict[str, str]]

    @property
    def fields(self) -> dict[str, dict]:
        return {f["name"]: f for f in self.schema["fields"]}


def read_metadata(package_dir: Path, metadata_path: Path | None = None) -> dict:
    """metadata.json of the package; a package staged without data/curated/ (as `kanmin build`
    stages it) uses the repository's copy, the single source it was generated from."""
    path = Path(metadata_path) if metadata_path else package_dir / METADATA_PATH
    if not path.is_file() and metadata_path is None:
        path = Path(__file__).resolve().parents[3] / METADATA_PATH
    if not path.is_file():
        raise RdfInputError([Problem(str(path), None, None,
                                     "dataset metadata not found; run from the repository root "
                                     "or pass --package DIR")])
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def read_tables(package_dir: Path, metadata: dict) -> dict[str, Table]:
    """Every resource of metadata.json read from data/<name>.csv; header checked against fields."""
    tables: dict[str, Table] = {}
    problems: list[Problem] = []
    for resource in metadata["resources"]:
        rel = Path("data") / f"{resource['name']}.csv"
        path = package_dir / rel
        if not path.is_file():
            problems.append(Problem(str(path), None, None,
                                    "table not found; run `kanmin build` to write the CSVs first"))
            continue
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, [])
            expected = [fd["name"] for fd in resource["fields"]]
            if header != expected:
                problems.append(Problem(str(rel), 1, None,
                                        f"header {header} differs from the schema's fields {expected}"))
                continue
            rows = []
            for number, values in enumerate(reader, start=2):
                if len(values) != len(header):
                    problems.append(Problem(str(rel), number, None,
                                            f"{len(values)} cells, expected {len(header)}"))
                    continue
                rows.append(dict(zip(header, values)))
        tables[resource["name"]] = Table(resource["name"], rel, resource, rows)
    if problems:
        raise RdfInputError(problems)
    return tables


def published_files(package_dir: Path, metadata: dict) -> list[Path]:
    """Paths (relative to the package) of the published tabular files and the descriptor."""
    files = [Path("data") / f"{r['name']}.csv" for r in metadata["resources"]]
    descriptor = Path("datapackage.json")
    if (package_dir / descriptor).is_file():
        with (package_dir / descriptor).open(encoding="utf-8") as f:
            declared = [Path(r["path"]) for r in json.load(f).get("resources", [])]
        missing = sorted(set(map(str, files)) - set(map(str, declared)))
        if missing:
            raise RdfInputError([Problem(str(descriptor), None, None,
                                         f"resources {missing} are not in the descriptor; "
                                         "rebuild the package")])
    else:
        raise RdfInputError([Problem(str(descriptor), None, None,
                                     "descriptor not found; run `kanmin build` first")])
    return [descriptor, *files]
