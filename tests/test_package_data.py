"""The installable package carries every file it reads at run time (templates, static assets,
shapes, vocabulary, SPARQL queries), not only its Python modules: a wheel built from the
project lists every non-Python file under scripts/kanmin/."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_every_data_file_of_the_package(tmp_path):
    project = tmp_path / "project"  # a copy: setuptools writes build/ and *.egg-info beside pyproject
    shutil.copytree(REPO / "scripts", project / "scripts",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, project / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(project), "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(tmp_path / "wheel")], check=True, capture_output=True)
    [wheel] = (tmp_path / "wheel").glob("kanmin-*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    data = {p.relative_to(REPO / "scripts").as_posix() for p in (REPO / "scripts" / "kanmin").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    assert {"kanmin/rdf/shapes.ttl", "kanmin/rdf/queries/policies-per-pillar.rq",
            "kanmin/site/templates/index.html"} <= data
    assert data - packed == set()
