"""build_rdf: published package -> build/rdf/ (data graph, DCAT catalog, vocabulary, context).

Input: the package directory (metadata.json, data/*.csv, datapackage.json). Output directory:
  data.ttl, data.nt, data.jsonld   the data graph, three serialisations of the same triples
  context.jsonld                   the JSON-LD @context embedded in data.jsonld
  catalog.ttl                      DCAT-AP 3 catalog describing every published file
  vocab.ttl, shapes.ttl            the project vocabulary and the SHACL shapes (copies)
Files are written into a temporary sibling directory that then replaces the output directory, so
a failed build leaves the previous output untouched. No clock is read: dct:modified comes from
SOURCE_DATE_EPOCH when set, else from metadata.json ("modified", falling back to "created").
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from .catalog import PublishedFile, catalog_triples, describe_file
from .mapping import check_mapping, data_triples
from .namespaces import DEFAULT_BASE, DEFAULT_DOWNLOAD_BASE, PREFIXES, Iris
from .serialize import jsonld_context, to_graph, to_jsonld, to_ntriples, to_turtle
from .tables import RdfInputError, published_files, read_metadata, read_tables

HERE = Path(__file__).parent
VOCAB_SOURCE = HERE / "vocab.ttl"
SHAPES_SOURCE = HERE / "shapes.ttl"
DATA_FILES = ("data.ttl", "data.nt", "data.jsonld")


def default_out_dir(package_dir: Path) -> Path:
    return package_dir / "build" / "rdf"


def modified_timestamp(metadata: dict) -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return metadata.get("modified") or metadata["created"]


def build_rdf(package_dir: Path, out_dir: Path, base_iri: str | None = None,
              download_base: str | None = None, metadata_path: Path | None = None) -> dict:
    """Write the RDF files for the package; return counts, timings and the written paths."""
    started = time.perf_counter()
    package_dir, out_dir = Path(package_dir), Path(out_dir)
    iris = Iris(base_iri or DEFAULT_BASE)
    download_base = download_base or DEFAULT_DOWNLOAD_BASE
    metadata = read_metadata(package_dir, metadata_path)
    problems = check_mapping(metadata)
    if problems:
        raise RdfInputError(problems)
    tables = read_tables(package_dir, metadata)
    source_iri = metadata["sources"][0]["path"]
    triples = data_triples(tables, iris, source_iri)
    n_triples = len(triples)
    del tables
    mapped = time.perf_counter()

    prefixes = {**PREFIXES, **iris.prefixes()}
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        graph = to_graph(triples, prefixes)
        del triples  # the graph holds them now; keep the peak memory to one copy
        writers = {"data.ttl": lambda: to_turtle(graph, prefixes),
                   "data.nt": lambda: to_ntriples(graph),
                   "data.jsonld": lambda: to_jsonld(graph, prefixes),
                   "context.jsonld": lambda: json.dumps(jsonld_context(prefixes), ensure_ascii=False,
                                                        indent=1) + "\n"}
        for name, write in writers.items():  # one serialisation in memory at a time
            (tmp / name).write_text(write(), encoding="utf-8", newline="\n")
        del graph
        shutil.copyfile(VOCAB_SOURCE, tmp / "vocab.ttl")
        shutil.copyfile(SHAPES_SOURCE, tmp / "shapes.ttl")
        serialised = time.perf_counter()

        files = _described_files(package_dir, metadata, tmp, out_dir)
        catalog = catalog_triples(metadata, files, iris, download_base, modified_timestamp(metadata))
        (tmp / "catalog.ttl").write_text(to_turtle(catalog, prefixes), encoding="utf-8",
                                         newline="\n")
        _replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finished = time.perf_counter()
    seconds = finished - started
    return {
        "triples": n_triples,
        "catalog_triples": len(catalog),
        "seconds": round(seconds, 3),
        "seconds_mapping": round(mapped - started, 3),
        "seconds_serialising": round(serialised - mapped, 3),
        "seconds_catalog": round(finished - serialised, 3),
        "triples_per_second": round(n_triples / seconds) if seconds else None,
        "paths": [str(out_dir / name) for name in sorted([*writers, "vocab.ttl", "shapes.ttl",
                                                          "catalog.ttl"])],
    }


def _described_files(package_dir: Path, metadata: dict, tmp: Path, out_dir: Path) -> list[PublishedFile]:
    """Sizes and checksums of the published tables and descriptor, then the new RDF files."""
    resources = {f"data/{r['name']}.csv": r for r in metadata["resources"]}
    files = [describe_file(package_dir, rel.as_posix(), resources.get(rel.as_posix()))
             for rel in published_files(package_dir, metadata)]
    try:
        out_rel = out_dir.resolve().relative_to(package_dir.resolve()).as_posix()
    except ValueError:
        out_rel = "build/rdf"  # outside the package (tests, benchmark): publish path as usual
    for name in DATA_FILES:
        described = describe_file(tmp, name, None)
        files.append(PublishedFile(f"{out_rel}/{name}", None, described.size, described.sha256))
    return files


def _replace_dir(new: Path, target: Path) -> None:
    """Swap `new` in for `target`; the old tree is removed only after the swap."""
    new.chmod(0o755)
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
        new.rename(target)
        shutil.rmtree(old)
    else:
        new.rename(target)
