"""The ZIP of the package (kanmin.archive): the package's own files, byte for byte, in bytes that
depend on nothing but those files and the build's timestamp.

Checked on a fresh build (``site_build``) and on the committed one; CI's diff of the committed
outputs checks the committed ZIP against a fresh build on another machine.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from kanmin import pipeline, validation
from kanmin.archive import archive_bytes, members, write_archive
from kanmin.distributions import written_by
from kanmin.settings import ARCHIVE_PATH
from support import REPO, SOURCE, metadata

#: Checked by hand: what the ZIP holds (the descriptor and the nine CSVs), in its order.
EXPECTED_MEMBERS = ["data/budget_projects.csv", "data/effect_categories.csv", "data/kpis.csv",
                    "data/ministries.csv", "data/pillars.csv", "data/policies.csv",
                    "data/policy_budget_projects.csv", "data/policy_ministries.csv",
                    "data/policy_references.csv", "datapackage.json"]


def unzipped(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None  # every CRC checks
        return {info.filename: zf.read(info) for info in zf.infolist()}


@pytest.mark.parametrize("where", ["fresh", "committed"])
def test_the_zip_holds_the_package_files_byte_for_byte(site_build, where):
    package = site_build if where == "fresh" else REPO
    files = unzipped(package / ARCHIVE_PATH)
    assert list(files) == EXPECTED_MEMBERS == sorted(d.path for d in written_by("package", metadata()["resources"]))
    for name, data in files.items():
        assert data == (package / name).read_bytes(), name


def test_every_entry_has_fixed_metadata(site_build):
    """Date from the metadata's ``modified``, a regular file with mode 0644 made on Unix,
    DEFLATE, no extra field, no comment: nothing from the machine or the moment of the build."""
    modified = metadata()["modified"]  # 2026-12-07T00:00:00Z
    expected_date = tuple(int(x) for x in (modified[:4], modified[5:7], modified[8:10], modified[11:13],
                                           modified[14:16], modified[17:19]))
    with zipfile.ZipFile(site_build / ARCHIVE_PATH) as zf:
        assert zf.comment == b""
        for info in zf.infolist():
            assert info.date_time == expected_date, info.filename
            assert (info.create_system, info.external_attr >> 16) == (3, stat.S_IFREG | 0o644), info.filename
            assert info.compress_type == zipfile.ZIP_DEFLATED and info.extra == b"" and info.comment == b""


def test_two_builds_give_identical_zip_bytes(site_build, tmp_path):
    """Another build into another folder, at another moment, with other file times and a stricter
    umask, writes the same bytes; and they are the committed ones."""
    old = os.umask(0o077)
    try:
        pipeline.build(source=SOURCE, out=tmp_path / "again", with_rdf=False)
    finally:
        os.umask(old)
    again = (tmp_path / "again" / ARCHIVE_PATH).read_bytes()
    assert again == (site_build / ARCHIVE_PATH).read_bytes() == (REPO / ARCHIVE_PATH).read_bytes()


def test_the_bytes_depend_on_the_files_contents_only(tmp_path):
    pkg = validation.load(REPO)
    copy = tmp_path / "copy"
    for name in members(pkg):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / name, copy / name)
        os.utime(copy / name, (1_000_000_000, 1_000_000_000))
        os.chmod(copy / name, 0o600)
    assert archive_bytes(pkg, copy) == (REPO / ARCHIVE_PATH).read_bytes()
    (copy / "data/pillars.csv").write_bytes((REPO / "data/pillars.csv").read_bytes() + b"\n")
    assert archive_bytes(pkg, copy) != (REPO / ARCHIVE_PATH).read_bytes()


def test_source_date_epoch_dates_the_entries(tmp_path, monkeypatch):
    pkg = validation.load(REPO)
    copy = tmp_path / "pkg"
    for name in members(pkg):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / name, copy / name)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    write_archive(pkg, copy)
    with zipfile.ZipFile(copy / ARCHIVE_PATH) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # 1970: before anything a ZIP can say
    with zipfile.ZipFile(io.BytesIO(archive_bytes(pkg, copy))) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_zip_is_a_data_package_that_frictionless_reads(site_build):
    """Validated as it is, as a zipped Data Package (the descriptor at its root, the CSVs at the
    descriptor's paths)."""
    from frictionless import validate

    report = validate(str(site_build / ARCHIVE_PATH))
    assert report.valid, report.flatten(["title", "message"])[:5]
    assert len(report.tasks) == len(metadata()["resources"])
