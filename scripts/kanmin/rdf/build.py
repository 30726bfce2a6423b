"""RDF stage: the package model -> build/rdf/ (data graph, DCAT catalog, vocabulary, context).

Input: a ``kanmin.model.Package`` (typed rows and the multilingual metadata) and the published
files of the package (descriptor and CSVs), which the catalog describes by size and checksum.
Output directory:
  data.ttl, data.nt, data.jsonld   the data graph, three serialisations of the same triples
  context.jsonld                   the JSON-LD @context embedded in data.jsonld
  catalog.ttl                      DCAT-AP 3 catalog describing every published file
  vocab.ttl, shapes.ttl            the project vocabulary and the SHACL shapes (copies)
``write_rdf`` writes into a folder the caller stages (the build stages the whole package at
once); ``build_rdf`` is the stand-alone stage of ``kanmin rdf``: it loads a published package
through frictionless into the same model and publishes with ``files.staged``. No clock is read:
dct:modified comes from SOURCE_DATE_EPOCH when set, else from the metadata ("modified", the date
of this version); dct:issued is when the dataset was first issued ("issued"); the source
document's date ("source_issued") belongs to the source only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .. import files, model
from ..errors import DataError
from ..settings import DATA_DIR, DEFAULT_BASE, DEFAULT_DOWNLOAD_BASE, DESCRIPTOR, RDF_DIR, build_timestamp
from .catalog import catalog_triples, describe_files
from .mapping import check_mapping, data_triples
from .namespaces import PREFIXES, Iris
from .serialize import to_turtle, write_data_files

HERE = Path(__file__).parent
VOCAB_SOURCE = HERE / "vocab.ttl"
SHAPES_SOURCE = HERE / "shapes.ttl"
DATA_FILES = ("data.ttl", "data.nt", "data.jsonld")


def default_out_dir(package_dir: Path) -> Path:
    return Path(package_dir) / RDF_DIR


def modified_timestamp(metadata: dict) -> str:
    return build_timestamp(metadata["modified"])


def build_rdf(package_dir: Path, out_dir: Path, base_iri: str | None = None,
              download_base: str | None = None) -> dict:
    """Load the package in ``package_dir`` and publish its RDF files into ``out_dir``."""
    package_dir, out_dir = Path(package_dir), Path(out_dir)
    pkg = model.load(package_dir)
    published = {rel: package_dir / rel
                 for rel in (DESCRIPTOR, *(f"{DATA_DIR}/{r['name']}.csv" for r in pkg.resources))}
    try:
        rdf_rel = out_dir.resolve().relative_to(package_dir.resolve()).as_posix()
    except ValueError:
        rdf_rel = RDF_DIR  # outside the package (tests, benchmark): publish path as usual
    with files.staged(out_dir) as staging:
        figures = write_rdf(pkg, staging, published, rdf_rel, base_iri, download_base)
    figures["paths"] = [str(out_dir / Path(p).name) for p in figures["paths"]]
    return figures


def write_rdf(pkg: model.Package, out_dir: Path, published: dict[str, Path], rdf_rel: str = RDF_DIR,
              base_iri: str | None = None, download_base: str | None = None) -> dict:
    """Write the RDF files of the model into ``out_dir``; return counts and the written paths.

    ``published`` maps each published file of the package (relative path) to where it is now;
    the catalog describes those and the data graph files as ``<rdf_rel>/<name>``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    iris = Iris(base_iri or DEFAULT_BASE)
    problems = check_mapping(pkg.metadata)
    if problems:
        raise DataError(problems)
    triples = data_triples(pkg, iris, pkg.metadata["sources"][0]["path"])
    prefixes = {**PREFIXES, **iris.prefixes()}
    n_triples = write_data_files(triples, prefixes, out_dir)
    shutil.copyfile(VOCAB_SOURCE, out_dir / "vocab.ttl")
    shutil.copyfile(SHAPES_SOURCE, out_dir / "shapes.ttl")
    described = {**published, **{f"{rdf_rel}/{name}": out_dir / name for name in DATA_FILES}}
    catalog = catalog_triples(pkg, describe_files(pkg, described), iris,
                              download_base or DEFAULT_DOWNLOAD_BASE, modified_timestamp(pkg.metadata))
    (out_dir / "catalog.ttl").write_text(to_turtle(catalog, prefixes), encoding="utf-8", newline="\n")
    names = sorted([*DATA_FILES, "context.jsonld", "vocab.ttl", "shapes.ttl", "catalog.ttl"])
    return {"triples": n_triples, "catalog_triples": len(catalog),
            "paths": [str(out_dir / name) for name in names]}
