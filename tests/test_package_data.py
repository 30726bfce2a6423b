"""The installable package carries every file it reads at run time (templates, static assets,
shapes, vocabulary, SPARQL queries), not only its Python modules: a wheel built from the
project lists every non-Python file under scripts/kanmin/."""

from __future__ import annotations

import json
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
    for name in ("pyproject.toml", "README.md", "data/curated/VERSION"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, project / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(project), "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(tmp_path / "wheel")], check=True, capture_output=True)
    [wheel] = (tmp_path / "wheel").glob("kanmin-*.whl")
    version = (REPO / "data" / "curated" / "VERSION").read_text(encoding="utf-8").strip()
    assert wheel.name == f"kanmin-{version}-py3-none-any.whl"  # the one home of the version
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
