"""RDF stage: the package model -> build/rdf/ (data graph, DCAT catalog, vocabulary, context).

Input: a ``kanmin.model.Package`` (typed rows and the multilingual metadata) and the folder the
package's files are in (CSVs, descriptor, the Excel workbook when the package has one), which the
catalog describes by size and checksum. Which files those are, and what the catalog says of each,
is the registry's (``kanmin.distributions``): every distribution but the catalog itself.
Output directory, the registry's files of stage "rdf":
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

from .. import model, settings
from ..distributions import CATALOG, SHAPES, VOCAB, PublishedFile, distributions, measure, written_by
from ..errors import DataError, Problem
from ..settings import DEFAULT_BASE, DESCRIPTOR, RDF_DIR, build_timestamp, rebase_url
from ..staging import Owner, staged
from .catalog import catalog_triples
from .mapping import check_mapping, data_triples
from .namespaces import PREFIXES, Iris
from .serialize import Lit, Triple, to_turtle, write_data_files

HERE = Path(__file__).parent
VOCAB_SOURCE = HERE / "vocab.ttl"
SHAPES_SOURCE = HERE / "shapes.ttl"


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
    from ..validation import load  # with the content checks: not for rdf.validate's workers, which import this

    package_dir, out_dir = Path(package_dir), Path(out_dir)
    pkg = load(package_dir)
    homepage = str(pkg.metadata.get("homepage", ""))
    built_at = settings.package_base(homepage, str(pkg.metadata.get("id", "")))
    if not built_at.startswith(("https://", "http://")):
        raise DataError([Problem(str(package_dir / DESCRIPTOR), None, f"homepage {homepage!r} is not an http(s) "
                                 "URL, so the base it was built under is unknown",
                                 "rebuild the package with `kanmin build`, which records its home page")])
    if built_at != DEFAULT_BASE:
        pkg = model.with_strings(pkg, lambda value: settings.unbase_url(value, built_at))
    try:
        rdf_rel = out_dir.resolve().relative_to(package_dir.resolve()).as_posix()
    except ValueError:
        rdf_rel = RDF_DIR  # outside the package (tests, benchmark): publish path as usual
    # The output folder is new, empty, or holds an earlier RDF build (its catalog.ttl).
    with staged(out_dir, owner=Owner(CATALOG.name)) as staging:
        figures = write_rdf(pkg, staging, package_dir, rdf_rel, base_iri or built_at, download_base)
    figures["paths"] = [str(out_dir / Path(p).name) for p in figures["paths"]]
    return figures


def write_rdf(pkg: model.Package, out_dir: Path, package_dir: Path, rdf_rel: str = RDF_DIR,
              base_iri: str | None = None, download_base: str | None = None) -> dict:
    """Write the RDF files of the model into ``out_dir``; return counts and the written paths.

    ``package_dir`` is where the package's other published files are now (a build's staging
    folder); the catalog describes those, and the RDF files written here as ``<rdf_rel>/<name>``
    (``described_files``). Everything is made under the default base IRI and then moved to
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
    for source, dist in ((VOCAB_SOURCE, VOCAB), (SHAPES_SOURCE, SHAPES)):
        text = source.read_text(encoding="utf-8")
        (out_dir / dist.name).write_text(text.replace(DEFAULT_BASE, base), encoding="utf-8", newline="\n")
    downloads = settings.download_base(base, download_base)
    catalog = rebase(catalog_triples(pkg, described_files(pkg, package_dir, out_dir, rdf_rel), iris, downloads,
                                     modified_timestamp(pkg.metadata)), base)
    (out_dir / CATALOG.name).write_text(to_turtle(catalog, prefixes), encoding="utf-8", newline="\n")
    names = sorted(d.name for d in written_by("rdf"))
    return {"triples": n_triples, "catalog_triples": len(catalog),
            "paths": [str(out_dir / name) for name in names]}


def described_files(pkg: model.Package, package_dir: Path, out_dir: Path,
                    rdf_rel: str = RDF_DIR) -> list[PublishedFile]:
    """Every file the catalog describes as a distribution (the registry's, all but the catalog
    itself), in publish order, measured where it is now: the package's files in ``package_dir``,
    the RDF files (stage "rdf", all in build/rdf/) in ``out_dir``, published as ``<rdf_rel>/<name>``."""
    out = []
    for d in distributions(pkg.resources, package_dir):
        if not d.described:
            continue
        if d.stage == "rdf":
            out.append(measure(d, Path(out_dir) / d.name, f"{rdf_rel}/{d.name}"))
        else:
            out.append(measure(d, Path(package_dir) / d.path))
    return out


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
