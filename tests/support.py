"""Paths and readers shared by the tests (imported as a plain module: tests/ is on sys.path)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kanmin.archive import write_archive
from kanmin.model import from_records
from kanmin.package import write_package
from kanmin.settings import ARCHIVE_PATH, DATABASE_PATH, PARQUET_DIR, WORKBOOK_PATH
from kanmin.workbook import write_workbook

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "data" / "raw" / "kuni-shisaku-ichiran-todofuken-2019.txt"
#: The repository address the test builds give the site (``kanmin build --repository-url``): a
#: placeholder on a reserved domain, not the project's (which the data does not know).
TEST_REPOSITORY = "https://git.example.org/kanmin-test/kanmin-data"
#: The references whose link status the link-check report planted by ``site_build`` gives.
LINK_OK = "https://cio.go.jp/sites/default/files/uploads/documents/tanaoroshikekka_toukei.xlsx"
LINK_BROKEN = "https://www.kantei.go.jp/jp/singi/it2/senmon_bunka/data_ryutsuseibi/kentokai.html"
#: ... and two that the check got no answer from (a DNS error, a timeout), as an offline run gives.
LINK_ERROR = "https://cio.go.jp/sites/default/files/uploads/documents/tanaoroshikekka_tetsuduki.xlsx"
LINK_TIMEOUT = "https://cio.go.jp/sites/default/files/uploads/documents/opendata_guideline.docx"
LINK_ARCHIVE = ("https://web.archive.org/web/2019/"
                "https://www.kantei.go.jp/jp/singi/it2/senmon_bunka/data_ryutsuseibi/kentokai.html")
METADATA = REPO / "data" / "curated" / "metadata.json"


def published(package_dir: Path = REPO) -> list:
    """The registry's distributions of the package in ``package_dir``, in publish order: what a
    publish makes one CKAN resource of (a test reads their number here rather than fixing it)."""
    from kanmin import distributions

    return distributions.distributions(metadata()["resources"], package_dir)


def metadata() -> dict:
    """The curated metadata as the build reads it (``curated.load``: its version and named
    patterns resolved), a fresh copy for each caller."""
    from kanmin import curated

    return curated.load().metadata
RDF_FIXTURE = REPO / "tests" / "fixtures" / "rdf"


def _typed(value: str, kind: str):
    if value == "":
        return None
    return {"integer": int, "boolean": lambda v: v == "true"}.get(kind, str)(value)


def make_package(dest: Path) -> Path:
    """The RDF fixture tables (tests/fixtures/rdf/package/data) published as a package described
    by the repository's metadata.json (the single source), written by the package stage itself,
    with its Excel workbook and its ZIP."""
    shutil.copytree(RDF_FIXTURE / "package", dest)
    md = metadata()
    records = {}
    for res in md["resources"]:
        kinds = {f["name"]: f["type"] for f in res["fields"]}
        with (dest / "data" / f"{res['name']}.csv").open(encoding="utf-8", newline="") as fh:
            records[res["name"]] = [{k: _typed(v, kinds[k]) for k, v in row.items()}
                                    for row in csv.DictReader(fh)]
    pkg = from_records(md, records)
    write_package(pkg, dest)
    write_workbook(pkg, dest / WORKBOOK_PATH)
    write_archive(pkg, dest)
    return dest


def read_table(root: Path, name: str) -> list[dict]:
    with (root / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def copy_published_package(dest: Path) -> Path:
    """The repository's published package (CSVs, descriptor, workbook, ZIP, SQLite, Parquet, build/rdf/)
    copied into ``dest``."""
    shutil.copytree(REPO / "data", dest / "data", ignore=shutil.ignore_patterns("raw", "curated"))
    shutil.copy2(REPO / "datapackage.json", dest / "datapackage.json")
    shutil.copytree(REPO / "build" / "rdf", dest / "build" / "rdf")
    shutil.copy2(REPO / WORKBOOK_PATH, dest / WORKBOOK_PATH)
    shutil.copy2(REPO / ARCHIVE_PATH, dest / ARCHIVE_PATH)
    shutil.copy2(REPO / DATABASE_PATH, dest / DATABASE_PATH)
    shutil.copytree(REPO / PARQUET_DIR, dest / PARQUET_DIR)
    return dest


def in_a_mount_namespace(script: str, args: list[str]) -> dict:
    """Run the Python ``script`` (which prints one JSON object) where it may mount a file system of
    its own, e.g. a 2 MB or read-only tmpfs: a private mount namespace (as root, or as a user
    namespace's root, or through sudo); skip where none is allowed. Returns what it printed."""
    prefixes = [["unshare", "--mount"]] if os.geteuid() == 0 else [["unshare", "--user", "--map-root-user", "--mount"],
                                                                   ["sudo", "-n", "unshare", "--mount"]]
    for prefix in prefixes:
        if shutil.which(prefix[0]) is None:
            continue
        if subprocess.run(prefix + ["true"], capture_output=True).returncode == 0:
            run = subprocess.run(prefix + [sys.executable, "-c", script, *args], capture_output=True, text=True,
                                 timeout=300)
            assert run.returncode == 0, run.stderr
            return json.loads(run.stdout)
    pytest.skip("no private mount namespace here (unshare refused), so no small or read-only disk")


def describe_files_again(package_dir: Path) -> None:
    """Set the ``bytes`` and ``hash`` of every table in the package's datapackage.json to its file's,
    and zip the package again where it has a ZIP, as a build that wrote the tables as they are now
    would (a test that changes a CSV on purpose plants that change, not a descriptor or a ZIP that
    no longer holds the file)."""
    import hashlib

    from kanmin.model import Package

    path = Path(package_dir) / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        data = (Path(package_dir) / res["path"]).read_bytes()
        res["bytes"], res["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if (Path(package_dir) / ARCHIVE_PATH).is_file():
        write_archive(Package({"resources": descriptor["resources"], "modified": descriptor["kanmin"]["modified"]}, {}),
                      package_dir)


def unavailable(reason: str, *, tests: str, variable: str) -> None:
    """Skip a test whose tool or service this machine lacks, or fail it where the environment
    variable ``variable`` is 1 (.ci/run and the workflows set it, so that a missing browser or
    office suite is a failure there, never a silent skip)."""
    message = f"the {tests} tests cannot run: {reason}"
    if os.environ.get(variable) == "1":
        pytest.fail(f"{message} (fails because {variable}=1)", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(process: subprocess.Popen, grace: float = 10) -> None:
    """Stop a server the tests started, by its PID: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
