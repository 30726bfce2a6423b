"""The query page's engine, vendored from the npm registry (kanmin.site.sparql): the committed
files are those of the package its lock pins, the site ships them unchanged with their licence
texts, and the README's and the page's version is the lock's. The README's Node.js example runs
with the same package.

The locked package is installed with ``npm ci`` (which checks the tarball against the lock's
integrity hash) into a temporary folder, from the npm registry or npm's cache. Without npm the
tests skip, and fail with KANMIN_BROWSER_REQUIRED=1 (set by .ci/run, which has npm for Lighthouse).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import unavailable

from kanmin.site import sparql
from support import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
#: The Oxigraph repository's licence texts as git blobs (`git rev-parse v0.5.9:LICENSE-MIT`, …;
#: unchanged since 2019, and so at v0.5.11 too); the npm package carries none of its own.
LICENCE_BLOBS = {"LICENSE-MIT": "f47af0fd01e22164b5470724e2de5c539f7f3c4a",
                 "LICENSE-APACHE": "16fe87b06e802f094b3fbb0894b137bca2b16ef1"}


def git_blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def differing(vendored: Path, package: Path) -> list[str]:
    """The engine files whose committed copy in ``vendored`` is not byte for byte the package's."""
    return [name for name in sparql.ENGINE_FILES
            if not (vendored / name).is_file() or (vendored / name).read_bytes() != (package / name).read_bytes()]


@pytest.fixture(scope="module")
def locked(tmp_path_factory) -> Path:
    """The package the lock pins, installed by ``npm ci``: its folder in node_modules."""
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is missing (apt-get install npm), so the vendored engine cannot be checked")
    folder = tmp_path_factory.mktemp("oxigraph-npm")
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(sparql.VENDOR_DIR / name, folder / name)
    run = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline",
                          "--loglevel=error"], cwd=folder, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return folder / "node_modules" / sparql.PACKAGE


def test_the_vendored_engine_is_the_locked_package_byte_for_byte(locked):
    lock = json.loads(sparql.LOCK.read_text(encoding="utf-8"))["packages"][f"node_modules/{sparql.PACKAGE}"]
    installed = json.loads((locked / "package.json").read_text(encoding="utf-8"))
    assert installed["version"] == lock["version"] == sparql.engine().version
    assert lock["integrity"].startswith("sha512-")  # npm ci checked the tarball against it
    assert differing(sparql.VENDOR_DIR, locked) == []
    # what the browser loads is the web build: the module imports its WebAssembly by this name
    assert "new URL('web_bg.wasm', import.meta.url)" in (locked / "web.js").read_text(encoding="utf-8")


def test_the_comparison_catches_a_changed_byte(locked, tmp_path):
    for name in sparql.ENGINE_FILES:
        shutil.copyfile(locked / name, tmp_path / name)
    assert differing(tmp_path, locked) == []
    wasm = bytearray((tmp_path / "web_bg.wasm").read_bytes())
    wasm[len(wasm) // 2] ^= 1
    (tmp_path / "web_bg.wasm").write_bytes(bytes(wasm))
    (tmp_path / "web.js").unlink()
    assert differing(tmp_path, locked) == ["web.js", "web_bg.wasm"]


def test_the_site_ships_the_vendored_files_and_the_licence_texts_unchanged(site_dir):
    shipped = site_dir / sparql.ENGINE_PATH
    assert sorted(p.name for p in shipped.iterdir()) == sorted(sparql.ENGINE_FILES + sparql.LICENCE_FILES)
    for name in sparql.ENGINE_FILES + sparql.LICENCE_FILES:
        assert (shipped / name).read_bytes() == (sparql.VENDOR_DIR / name).read_bytes(), name


def test_the_licence_texts_are_the_ones_the_package_names():
    engine = sparql.engine()
    assert engine.license == "MIT OR Apache-2.0"  # the package's licence field, as the lock records it
    for name, blob in LICENCE_BLOBS.items():
        assert git_blob((sparql.VENDOR_DIR / name).read_bytes()) == blob, name
    assert (sparql.VENDOR_DIR / "LICENSE-APACHE").read_text(encoding="utf-8").lstrip().startswith("Apache License")
    assert "Permission is hereby granted, free of charge" in (sparql.VENDOR_DIR / "LICENSE-MIT").read_text(encoding="utf-8")


def test_the_readme_names_the_locked_version():
    version = sparql.engine().version
    assert f"npm install oxigraph@{version}" in README
    assert f"Oxigraph {version}" in README


def test_the_readme_node_example_runs_with_the_same_package(locked, tmp_path):
    """Node users load the published graph with the npm package the page runs; the README's
    example prints what its Python twin prints."""
    node = shutil.which("node")
    if node is None:
        unavailable("node is missing (apt-get install nodejs)")
    start = README.index("```js\n// load-the-graph-with-node") + len("```js\n")
    snippet = README[start:README.index("```", start)]
    (tmp_path / "node_modules").symlink_to(locked.parent)
    for name in ("build", "scripts"):
        (tmp_path / name).symlink_to(REPO / name)
    (tmp_path / "example.js").write_text(snippet, encoding="utf-8")
    run = subprocess.run([node, "example.js"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    printed = README[README.index("```", README.index("\nprints", start)) + 4:]
    assert run.stdout == printed[:printed.index("```")]
