"""RDF stage: the package model -> build/rdf/ (data graph, DCAT catalog, vocabulary, context).

Input: a ``kanmin.model.Package`` (typed rows and the multilingual metadata) and the published
files of the package (``package.published_paths``: CSVs, descriptor, the Excel workbook when the
package has one), which the catalog describes by size and checksum.
Output directory:
  data.ttl, data.nt, data.jsonld   the data graph, three serialisations of the same triples
  context.jsonld                   the JSON-LD @context embedded in data.jsonld
  catalog.ttl                      DCAT-AP 3 catalog describing every published file
  vocab.ttl, shapes.ttl            the project vocabulary and the SHACL shapes (copies)
``write_rdf`` writes into a folder the caller stages (the build stages the whole package at
once); ``build_rdf`` is the stand-alone stage of ``kanmin rdf``: it loads a published package
through frictionless into the same model and publishes with ``staging.staged``, under the base the
package was built under unless told another (so a package's RDF is what its build wrote). No clock is read:
dct:modified comes from SOURCE_DATE_EPOCH when set, else from the metadata ("modified", the date
of this version); dct:issued is when the dataset was first issued ("issued"); the source
document's date ("source_issued") belongs to the source only.
"""

from __future__ import annotations

from pathlib import Path

from .. import model, package, settings, validation
from ..errors import DataError, Problem
from ..settings import DEFAULT_BASE, DESCRIPTOR, RDF_DIR, build_timestamp, rebase_url
from ..staging import Owner, staged
from .catalog import catalog_triples, describe_files
from .mapping import check_mapping, data_triples
from .namespaces import PREFIXES, Iris
from .serialize import Lit, Triple, to_turtle, write_data_files

HERE = Path(__file__).parent
VOCAB_SOURCE = HERE / "vocab.ttl"
SHAPES_SOURCE = HERE / "shapes.ttl"
DATA_FILES = ("data.ttl", "data.nt", "data.jsonld")
#: The files of build/rdf/ that the catalog describes as distributions (all but itself).
DESCRIBED_FILES = (*DATA_FILES, "context.jsonld", "vocab.ttl", "shapes.ttl")


def default_out_dir(package_dir: Path) -> Path:
    return Path(package_dir) / RDF_DIR


def modified_timestamp(metadata: dict) -> str:
    return build_timestamp(metadata["modified"])


def build_rdf(package_dir: Path, out_dir: Path, base_iri: str | None = None,
              download_base: str | None = None) -> dict:
    """Load the package in ``package_dir`` and publish its RDF files into ``out_dir``.

    The base is ``base_iri``, else the one the package was built under (``kanmin build
    --base-url``: ``settings.package_base`` reads it from the descriptor's home page and
    identifier), so that the RDF of a package equals what its build wrote. The package's metadata
    is moved back from that base to the default one first, as the build hands it to ``write_rdf``."""
    package_dir, out_dir = Path(package_dir), Path(out_dir)
    pkg = validation.load(package_dir)
    homepage = str(pkg.metadata.get("homepage", ""))
    built_at = settings.package_base(homepage, str(pkg.metadata.get("id", "")))
    if not built_at.startswith(("https://", "http://")):
        raise DataError([Problem(str(package_dir / DESCRIPTOR), None, f"homepage {homepage!r} is not an http(s) "
                                 "URL, so the base it was built under is unknown",
                                 "rebuild the package with `kanmin build`, which records its home page")])
    if built_at != DEFAULT_BASE:
        pkg = model.with_strings(pkg, lambda value: settings.unbase_url(value, built_at))
    published = {rel: package_dir / rel for rel in package.published_paths(pkg, package_dir)}
    try:
        rdf_rel = out_dir.resolve().relative_to(package_dir.resolve()).as_posix()
    except ValueError:
        rdf_rel = RDF_DIR  # outside the package (tests, benchmark): publish path as usual
    # The output folder is new, empty, or holds an earlier RDF build (its catalog.ttl).
    with staged(out_dir, owner=Owner("catalog.ttl")) as staging:
        figures = write_rdf(pkg, staging, published, rdf_rel, base_iri or built_at, download_base)
    figures["paths"] = [str(out_dir / Path(p).name) for p in figures["paths"]]
    return figures


def write_rdf(pkg: model.Package, out_dir: Path, published: dict[str, Path], rdf_rel: str = RDF_DIR,
              base_iri: str | None = None, download_base: str | None = None) -> dict:
    """Write the RDF files of the model into ``out_dir``; return counts and the written paths.

    ``published`` maps each published file of the package (relative path) to where it is now;
    the catalog describes those, the data graph files and the vocabulary, shapes and context as
    ``<rdf_rel>/<name>``. Everything is made under the default base IRI and then moved to
    ``base_iri`` in one place (``rebase``), so nothing derived from the base keeps the default:
    instance IRIs, the vocabulary and shapes namespaces, the dataset's identifier, the agents
    and, unless ``download_base`` is given, the download URLs."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    base = base_iri or DEFAULT_BASE
    iris = Iris(DEFAULT_BASE)
    problems = check_mapping(pkg.metadata)
    if problems:
        raise DataError(problems)
    triples = rebase(data_triples(pkg, iris, pkg.metadata["sources"][0]["path"]), base)
    prefixes = {k: rebase_url(v, base) for k, v in {**PREFIXES, **iris.prefixes()}.items()}
    n_triples = write_data_files(triples, prefixes, out_dir)
    for source, name in ((VOCAB_SOURCE, "vocab.ttl"), (SHAPES_SOURCE, "shapes.ttl")):
        text = source.read_text(encoding="utf-8")
        (out_dir / name).write_text(text.replace(DEFAULT_BASE, base), encoding="utf-8", newline="\n")
    described = catalog_paths(published, out_dir, rdf_rel)
    downloads = settings.download_base(base, download_base)
    catalog = rebase(catalog_triples(pkg, describe_files(pkg, described), iris, downloads,
                                     modified_timestamp(pkg.metadata)), base)
    (out_dir / "catalog.ttl").write_text(to_turtle(catalog, prefixes), encoding="utf-8", newline="\n")
    names = sorted([*DESCRIBED_FILES, "catalog.ttl"])
    return {"triples": n_triples, "catalog_triples": len(catalog),
            "paths": [str(out_dir / name) for name in names]}


def catalog_paths(published: dict[str, Path], out_dir: Path, rdf_rel: str = RDF_DIR) -> dict[str, Path]:
    """Every file the catalog describes as a distribution, in the catalog's order (relative path ->
    where it is now): the package's published files, then the RDF files in ``out_dir`` but the
    catalog itself. The catalog and the site's downloads page both take this list."""
    return {**published, **{f"{rdf_rel}/{name}": Path(out_dir) / name for name in DESCRIBED_FILES}}


def rebase(triples: set[Triple], base: str) -> set[Triple]:
    """The triples with every IRI (and IRI-valued literal, such as the dataset's dct:identifier)
    under the default base moved under ``base``; the same set when the base is the default."""
    if base == DEFAULT_BASE:
        return triples
    out: set[Triple] = set()
    for s, p, o in triples:
        if isinstance(o, Lit):
            o = o._replace(lex=rebase_url(o.lex, base), datatype=rebase_url(o.datatype, base))
        else:
            o = rebase_url(o, base)
        out.add((rebase_url(s, base), rebase_url(p, base), o))
    return out
