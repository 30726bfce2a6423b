"""The installable package carries every file it reads at run time (templates, static assets,
shapes, vocabulary, SPARQL queries), not only its Python modules: a wheel built from the
project lists every non-Python file under scripts/kanmin/, and, installed in a fresh virtual
environment, builds the package from a folder outside the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw" / "kuni-shisaku-ichiran-todofuken-2019.txt"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    project = tmp / "project"  # a copy: setuptools writes build/ and *.egg-info beside pyproject
    shutil.copytree(REPO / "scripts", project / "scripts",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "data/curated/VERSION"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, project / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(project), "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(tmp / "dist")], check=True, capture_output=True)
    [built] = (tmp / "dist").glob("kanmin-*.whl")
    version = (REPO / "data" / "curated" / "VERSION").read_text(encoding="utf-8").strip()
    assert built.name == f"kanmin-{version}-py3-none-any.whl"  # the one home of the version
    return built


def test_the_wheel_holds_every_data_file_of_the_package(wheel):
    packed = set(zipfile.ZipFile(wheel).namelist())
    data = {p.relative_to(REPO / "scripts").as_posix() for p in (REPO / "scripts" / "kanmin").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    assert {"kanmin/rdf/shapes.ttl", "kanmin/rdf/queries/policies-per-pillar.rq",
            "kanmin/site/templates/index.html"} <= data
    assert data - packed == set()


IMPORT_EVERY_MODULE = """
import builtins, io, os, pkgutil, sys, sysconfig, traceback
import kanmin
stdlib = sysconfig.get_paths()["stdlib"]
opened = []
real_open, real_os_open = builtins.open, os.open
def spy(real):
    def wrapper(file, *args, **kwargs):
        # who opened it: the innermost frame outside the standard library (pathlib's read_text
        # calls open for us), if it is ours and not a library we import
        caller = next(f for f in reversed(traceback.extract_stack()[:-1]) if not f.filename.startswith(stdlib))
        if "/kanmin/" in caller.filename.replace(os.sep, "/"):
            opened.append(f"{caller.filename}:{caller.lineno} opens {file}")
        return real(file, *args, **kwargs)
    return wrapper
builtins.open = io.open = spy(real_open)
os.open = spy(real_os_open)
for module in pkgutil.walk_packages(kanmin.__path__, "kanmin."):
    if module.name != "kanmin.__main__":  # runs the command
        __import__(module.name)
print("\\n".join(opened) or "none")
"""


def test_importing_a_module_reads_no_file():
    """settings read metadata.json at import, so the installed package only worked inside a
    checkout: every module of the package is imported, and none of them opens a file."""
    run = subprocess.run([sys.executable, "-c", IMPORT_EVERY_MODULE], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "none"


def test_the_version_has_one_home():
    """data/curated/VERSION, read by the build (curated.load) and by pyproject.toml."""
    version = (REPO / "data" / "curated" / "VERSION").read_text(encoding="utf-8").strip()
    sources = [REPO / "pyproject.toml", REPO / "data" / "curated" / "metadata.json",
               *(REPO / "scripts").rglob("*.py")]
    assert [p for p in sources if version in p.read_text(encoding="utf-8")] == []
    assert json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))["version"] == version


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheel) -> Path:
    """A fresh virtual environment outside the repository with the wheel installed. Its other
    packages come from the project's venv, whose site-packages it reads after its own (a ``.pth``
    line; the project's editable install of kanmin is a ``.pth`` file there, which is not read)."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    [site] = venv.glob("lib/python3*/site-packages")
    dependencies = [p for p in sys.path if Path(p).name == "site-packages" and Path(p).is_dir()]
    (site / "project-dependencies.pth").write_text("\n".join(dependencies) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps",
                    "--no-index", "--quiet", str(wheel)], check=True, capture_output=True)
    return venv


def _run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_installed_wheel_is_what_imports(installed, tmp_path):
    """The package imported in the fresh environment is the wheel's copy, not the checkout."""
    found = _run(installed, tmp_path, "python", "-c", "import kanmin; print(kanmin.__file__)")
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()).is_relative_to(installed), found.stdout
    assert not Path(found.stdout.strip()).is_relative_to(REPO)


def test_the_installed_wheel_builds_outside_the_repository(installed, tmp_path):
    """``kanmin build`` in an empty folder, with only the wheel, the source text and the curated
    inputs: the published tables and descriptor are byte for byte the committed ones. (Without
    --curated it asks for it: the wheel carries the code, not the curated data.)"""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(RAW, work / RAW.name)
    shutil.copytree(REPO / "data" / "curated", work / "curated")
    asked = _run(installed, work, "kanmin", "build", "--source", RAW.name, "--out", "out")
    assert asked.returncode == 2 and "--curated is required" in asked.stderr, asked.stderr
    built = _run(installed, work, "kanmin", "build", "--source", RAW.name, "--curated", "curated", "--out", "out")
    assert built.returncode == 0, built.stderr[-2000:]
    for rel in ["datapackage.json", *(f"data/{p.name}" for p in sorted((REPO / "data").glob("*.csv")))]:
        assert (work / "out" / rel).read_bytes() == (REPO / rel).read_bytes(), rel
