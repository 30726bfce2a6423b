"""The installable package carries every file it reads at run time (templates, static assets,
shapes, vocabulary, SPARQL queries), not only its Python modules: a wheel built from the
project lists every non-Python file under scripts/kanmin/, and, installed in a fresh virtual
environment, builds the package from a folder outside the repository."""

from __future__ import annotations

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
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, project / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(project), "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(tmp / "dist")], check=True, capture_output=True)
    [built] = (tmp / "dist").glob("kanmin-*.whl")
    return built


def test_the_wheel_holds_every_data_file_of_the_package(wheel):
    packed = set(zipfile.ZipFile(wheel).namelist())
    data = {p.relative_to(REPO / "scripts").as_posix() for p in (REPO / "scripts" / "kanmin").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    assert {"kanmin/rdf/shapes.ttl", "kanmin/rdf/queries/policies-per-pillar.rq",
            "kanmin/site/templates/index.html"} <= data
    assert data - packed == set()


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


@pytest.mark.xfail(strict=True, reason="settings.py reads data/curated/metadata.json at import and derives REPO "
                   "from the package's location, so the installed wheel runs only inside a checkout; the lead "
                   "removes this import-time I/O (issue 19)")
def test_the_installed_wheel_builds_outside_the_repository(installed, tmp_path):
    """``kanmin build`` in an empty folder, with only the wheel and the source text: the published
    tables and descriptor are byte for byte the committed ones."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(RAW, work / RAW.name)
    built = _run(installed, work, "kanmin", "build", "--source", RAW.name, "--out", "out")
    assert built.returncode == 0, built.stderr[-2000:]
    for rel in ["datapackage.json", *(f"data/{p.name}" for p in sorted((REPO / "data").glob("*.csv")))]:
        assert (work / "out" / rel).read_bytes() == (REPO / rel).read_bytes(), rel
