"""The ZIP of the package: the Data Package (datapackage.json and every table's CSV) as one download.

Input: the package model (its tables' resources and the metadata's ``modified`` date) and the
folder a build has written the package into. Output: ``settings.ARCHIVE_PATH`` in that folder,
the registry's ``ARCHIVE`` distribution (``kanmin.distributions``), which the catalog, the site and
``kanmin ckan publish`` list like every other.

What it holds: exactly the files the package stage writes (``written_by("package")``: the
descriptor and the CSVs), byte for byte, at their paths in the package. So the ZIP is itself a
Data Package: ``frictionless validate`` and ``frictionless.Package`` read the .zip as it is, and
unpacked it is the package's own layout. What it leaves out, and why:
  - the catalog (build/rdf/catalog.ttl): it records the ZIP's size and SHA-256, which a ZIP
    holding the catalog could not match (each would change the other);
  - the rest of build/rdf/: derived from the tables, and written after the ZIP by the RDF stage
    (whose catalog measures the ZIP, so the ZIP must exist first);
  - the workbook: a download of its own, first on the downloads page; it says what the CSVs say.

Deterministic bytes: the entries in sorted path order, no folder entries, every entry dated with
the build's timestamp (``settings.build_timestamp``: ``modified`` of metadata.json, or
``SOURCE_DATE_EPOCH``, as the workbook's; ZIP stores local time without a zone, so its UTC
fields are written, from 1980 on, the earliest a ZIP can say), made on Unix with mode 0644, DEFLATE at
level 6, no comment and no extra fields: the same files give the same ZIP (tested). As for the
workbook, itself a ZIP, the compressed bytes are zlib's, which has given the same output for the
same level for many versions.
"""

from __future__ import annotations

import io
import stat
import zipfile
from datetime import datetime
from pathlib import Path

from .distributions import written_by
from .model import Package
from .settings import ARCHIVE_PATH, build_timestamp

#: DEFLATE level of every entry (a fixed level: another level gives other bytes). zlib's default:
#: level 9 made the ZIP 357 bytes (0.6 %) smaller in twice the time (9 ms instead of 5 ms).
LEVEL = 6
#: ZIP cannot date anything before 1980-01-01.
EARLIEST = (1980, 1, 1, 0, 0, 0)
UNIX = 3  # ZipInfo.create_system: the mode bits below are Unix's


def members(pkg: Package) -> list[str]:
    """The paths the ZIP holds, in its order: every file the package stage writes, sorted."""
    return sorted(d.path for d in written_by("package", pkg.resources))


def archive_bytes(pkg: Package, package_dir: Path) -> bytes:
    """The ZIP of the package files in ``package_dir`` (see the module docstring)."""
    return zip_bytes([(path, Path(package_dir) / path) for path in members(pkg)], pkg.metadata["modified"])


def zip_bytes(entries: list[tuple[str, Path]], modified: str) -> bytes:
    """The deterministic ZIP of ``entries`` (name in the ZIP, file), in their order, every entry
    dated ``modified`` (or ``SOURCE_DATE_EPOCH``): the one writer of the package's ZIP and of the
    release ZIP (``kanmin.release``)."""
    stamp = datetime.strptime(build_timestamp(modified)[:19], "%Y-%m-%dT%H:%M:%S")
    date_time = max(EARLIEST, (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, file in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.create_system = UNIX
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, Path(file).read_bytes(), compresslevel=LEVEL)
    return buffer.getvalue()


def write_archive(pkg: Package, package_dir: Path) -> Path:
    """Write the ZIP of the package in ``package_dir`` to ``package_dir/ARCHIVE_PATH``; return its path."""
    target = Path(package_dir) / ARCHIVE_PATH
    data = archive_bytes(pkg, package_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target
