"""validate_rdf: check build/rdf/ with the standards' own tools.

Input: the output folder of `kanmin rdf` and the folder of the official DCAT-AP 3.0.1 shapes
(`kanmin.settings.dcat_ap_dir()`: $KANMIN_DCAT_AP_DIR, else ../shared/dcat-ap; never copied into
the project). Output: a report dict with the keys ok, problems (``kanmin.errors.Problem``s naming the file),
triples (per file), own_shapes, catalog_shapes, dcat_ap, dcat_ap_recommended (SHACL results as
plain dicts) and mqa (the EU metadata quality indicators that need no network, per dataset:
``rdf.mqa.summary``).

1. pyoxigraph parses data.nt, data.ttl, data.jsonld, catalog.ttl and vocab.ttl (Rust parsers,
   ~1 s per file at 500k triples; rdflib took ~15 s each); context.jsonld must be JSON. The three
   data files must hold the same triples: each is re-serialised as canonical N-Triples lines and
   compared with data.nt's (no blank nodes, so equal line sets are isomorphic graphs).
2. pySHACL with the project's shapes (shapes.ttl) on data graph + vocab.ttl. pySHACL needs an
   rdflib graph; it is filled from pyoxigraph's parse of data.nt (one graph, no copies).
3. pySHACL with the project's catalog shapes (catalog_shapes.ttl: what the EU's metadata quality
   assessment scores, ``rdf.mqa``) on catalog.ttl alone (shapes.ttl's ministry shape targets every
   foaf:Agent, which the catalog's agents are not meant to meet); 0.02 s.
4. pySHACL with the DCAT-AP shapes (shapes.ttl + range.ttl) on that graph + catalog.ttl, zero
   violations required.
5. shapes_recommended.ttl on the same graph: warnings are reported, not failed.
6. ``rdf.mqa`` on catalog.ttl, with the verdict of step 4 as its DCAT-AP compliance: reported.
pySHACL runs in place (no clone: no inference and no SHACL rules, so it adds nothing to the graph,
which is ours): a clone of the 100× graph took 6.3 s per DCAT-AP shapes file, in place they take
0.04 s.

What is ours for speed, each with its figure (the benchmark's 100×, `kanmin rdf --validate-only`,
target ≤ 30 s and ≤ 1.5 GB; `make bench BASELINE=DIR` compares):
- `hoisted` rewrites the shapes so that pySHACL validates each property shape once for all its
  focus nodes: the project's shapes took 43 s as written, 15.7 s hoisted.
- `_shacl_reports` pauses the cyclic garbage collector (``processes.collector_paused``, whose
  docstring has the figure).
- `compare_data_files` runs in a worker process on the second core beside pySHACL: 17-18 s in
  all, against 25-26 s one after the other.
pyshacl-turbo (a Rust engine with pySHACL's API, 0.6.5) was tried in pySHACL's place and is not
used: it refuses the DCAT-AP shapes (NotImplementedError: sh:shape), its messages differ from
pySHACL's on 7 of the 13 graphs of tests/test_rdf_shapes.py ("DatatypeConstraintComponent
violated at <...>" for "Value is not Literal with datatype xsd:integer"), and on the project's
shapes at 100× it took 14.8 s from the rdflib graph (21 s from a pyoxigraph Store) against
pySHACL's 15.7 s hoisted.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import Graph, Literal, Namespace, URIRef

from ..errors import Problem
from ..processes import collector_paused, python_worker
from ..settings import dcat_ap_dir as default_dcat_ap_dir
from . import mqa, namespaces
from .build import HERE, SHAPES_SOURCE

SH, RDF, RDFS = Namespace(namespaces.SH), Namespace(namespaces.RDF), Namespace(namespaces.RDFS)
#: The classes whose instances are classes: a node shape typed with one targets its own instances.
CLASSES = (RDFS.Class, URIRef(namespaces.OWL + "Class"))
XSD_STRING = namespaces.XSD + "string"
#: The project's shapes of the catalog (not published: see its header).
CATALOG_SHAPES_SOURCE = HERE / "catalog_shapes.ttl"
DCAT_AP_SHAPES = ("shapes.ttl", "range.ttl")
DCAT_AP_RECOMMENDED = "shapes_recommended.ttl"
FORMATS = {"data.ttl": ox.RdfFormat.TURTLE, "data.nt": ox.RdfFormat.N_TRIPLES,
           "data.jsonld": ox.RdfFormat.JSON_LD}
OTHER_GRAPHS = {"catalog.ttl": ox.RdfFormat.TURTLE, "vocab.ttl": ox.RdfFormat.TURTLE}
#: The files of the output folder that validation reads.
REQUIRED = (*FORMATS, *OTHER_GRAPHS, "context.jsonld")


def shacl_results(data: Graph, shapes: Graph, inplace: bool = False, hoist: bool = True) -> list[dict]:
    """Every SHACL result as a plain dict (severity, focus, path, shape, message, value).
    `inplace`: let pySHACL use `data` without cloning it (only for a graph the caller owns).
    `hoist`: validate `hoisted(shapes)`, the same constraints on the same focus nodes, faster."""
    _conforms, results, _text = pyshacl.validate(data, shacl_graph=hoisted(shapes) if hoist else shapes,
                                                inference="none", advanced=True, inplace=inplace)
    out = []
    for result in results.subjects(SH.resultSeverity, None):
        def one(p, result=result):
            value = results.value(result, p)
            return None if value is None else str(value)
        out.append({"severity": one(SH.resultSeverity).rsplit("#", 1)[-1],
                    "focus": one(SH.focusNode), "path": one(SH.resultPath),
                    "shape": one(SH.sourceConstraintComponent), "message": one(SH.resultMessage),
                    "value": one(SH.value)})
    return sorted(out, key=lambda r: tuple(str(v) for v in r.values()))


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def hoisted(shapes: Graph) -> Graph:
    """A copy of `shapes` in which each property shape of a targeted node shape carries that node
    shape's targets itself instead of hanging from it by sh:property.

    Why: pySHACL validates a property shape reached through sh:property once per focus node,
    building its constraint components anew each time (at 100x the real data, 600,000 nested
    validations); a property shape with targets of its own is validated once for all its focus
    nodes (the figures: the module docstring). Why the results are the same: a property shape reached
    by sh:property from node shape N is validated on exactly N's focus nodes, and with N's
    targets it is validated on exactly those nodes; its results carry the same focus node, path,
    constraint, message, value and source shape either way. The rewrite is made only where that
    argument holds: N has explicit targets, is not a class (an implicit class target), is not
    deactivated and is not used by any other shape
    (sh:node, sh:qualifiedValueShape, sh:not, lists...: N appears only as a subject), and the
    property shape hangs from N alone. tests/test_rdf_shapes.py compares both forms' results.
    """
    out = Graph(bind_namespaces="none")
    for prefix, ns in shapes.namespaces():
        out.bind(prefix, ns, override=True, replace=True)
    for triple in shapes:
        out.add(triple)
    for node, _p, prop in list(shapes.triples((None, SH.property, None))):
        targets = [(t, o) for t in _TARGETS for o in shapes.objects(node, t)]
        if (not targets or (node, SH.deactivated, None) in shapes or _is_class(shapes, node)
                or any(True for _ in shapes.subject_predicates(node))
                or len(set(shapes.subjects(SH.property, prop))) > 1):
            continue
        out.remove((node, SH.property, prop))
        for t, o in targets:
            out.add((prop, t, o))
    return out


def _is_class(shapes: Graph, node) -> bool:
    """A shape that is also a class: SHACL's implicit class target."""
    return any((node, RDF.type, c) in shapes for c in CLASSES)


# --- parsing ---------------------------------------------------------------------------------

def _triples(path: Path, fmt: ox.RdfFormat) -> Iterator[ox.Triple]:
    return (quad.triple for quad in ox.parse(path=str(path), format=fmt))


def canonical_lines(path: Path, fmt: ox.RdfFormat) -> list[bytes]:
    """The file's distinct triples as canonical N-Triples lines, sorted. Raises SyntaxError."""
    text = ox.serialize(_triples(path, fmt), format=ox.RdfFormat.N_TRIPLES) or b""
    return sorted(set(text.split(b"\n")) - {b""})


def _syntax_problem(path: Path, error: SyntaxError) -> Problem:
    return Problem(str(path), error.lineno, f"does not parse: {error.msg}",
                   "rebuild it with `kanmin rdf`")


def compare_data_files(out_dir: Path) -> tuple[dict[str, int], list[Problem]]:
    """Triple counts of the three data files and of catalog.ttl/vocab.ttl; a problem for a file
    that does not parse or whose triples differ from data.nt's."""
    counts: dict[str, int] = {}
    problems: list[Problem] = []
    try:
        reference = canonical_lines(out_dir / "data.nt", FORMATS["data.nt"])
    except SyntaxError as exc:
        return counts, [_syntax_problem(out_dir / "data.nt", exc)]
    for name, fmt in FORMATS.items():
        if name == "data.nt":
            lines = reference
        else:
            try:
                lines = canonical_lines(out_dir / name, fmt)
            except SyntaxError as exc:
                problems.append(_syntax_problem(out_dir / name, exc))
                continue
        counts[name] = len(lines)
        if lines != reference:
            differ = len(set(lines).symmetric_difference(reference))
            problems.append(Problem(str(out_dir / name), None,
                                    f"{differ} triples differ from data.nt",
                                    "the serialisations must hold the same graph; rebuild with `kanmin rdf`"))
    for name, fmt in OTHER_GRAPHS.items():
        try:
            counts[name] = len(canonical_lines(out_dir / name, fmt))
        except SyntaxError as exc:
            problems.append(_syntax_problem(out_dir / name, exc))
    return counts, problems


def read_prefixes(out_dir: Path) -> tuple[dict[str, str], list[Problem]]:
    """The prefixes of context.jsonld (the project's), or a problem if it is not that JSON."""
    path = out_dir / "context.jsonld"
    try:
        context = json.loads(path.read_text(encoding="utf-8"))["@context"]
    except json.JSONDecodeError as exc:
        return {}, [Problem(str(path), exc.lineno, f"is not JSON: {exc.msg}", "rebuild it with `kanmin rdf`")]
    except (KeyError, TypeError):
        return {}, [Problem(str(path), None, "has no @context object", "rebuild it with `kanmin rdf`")]
    return {k: v for k, v in context.items() if isinstance(v, str)}, []


def rdflib_graph(sources: Iterable[tuple[Path, ox.RdfFormat]], prefixes: dict[str, str]) -> Graph:
    """One rdflib graph of the files, parsed by pyoxigraph (terms converted, IRIs shared), with
    rdflib's usual prefixes and the project's bound (pySHACL's messages name nodes with them)."""
    graph = Graph()
    for prefix, ns in sorted(prefixes.items()):
        graph.bind(prefix, ns, override=True, replace=True)
    iris: dict[str, URIRef] = {}

    def iri(term) -> URIRef:
        value = term.value
        ref = iris.get(value)
        if ref is None:
            ref = iris[value] = URIRef(value)
        return ref

    def obj(term):
        if isinstance(term, ox.NamedNode):
            return iri(term)
        if not isinstance(term, ox.Literal):
            raise ValueError(f"blank node {term} in the published graph")
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=iri(term.datatype), normalize=False)

    for path, fmt in sources:
        graph.addN((iri(t.subject), iri(t.predicate), obj(t.object), graph)
                   for t in _triples(path, fmt))
    return graph


# --- the report ------------------------------------------------------------------------------

def validate_rdf(out_dir: Path, dcat_ap_dir: Path | None = None) -> dict:
    """Report of all checks; report["ok"] is False if anything but recommendations failed."""
    out_dir = Path(out_dir)
    dcat_ap_dir = Path(dcat_ap_dir) if dcat_ap_dir else default_dcat_ap_dir()
    missing = [n for n in REQUIRED if not (out_dir / n).is_file()]
    if missing:
        return {"ok": False, "problems": [Problem(str(out_dir / n), None, "missing", "run `kanmin rdf` first")
                                          for n in missing]}
    shape_files = [dcat_ap_dir / n for n in (*DCAT_AP_SHAPES, DCAT_AP_RECOMMENDED)]
    absent = [p for p in shape_files if not p.is_file()]
    if absent:
        return {"ok": False, "problems": [Problem(str(p), None, "DCAT-AP shapes not found",
                                                  "set KANMIN_DCAT_AP_DIR or pass --dcat-ap-dir")
                                          for p in absent]}
    prefixes, context_problems = read_prefixes(out_dir)
    comparing = _start_compare_worker(out_dir)  # on the other core, while pySHACL runs here
    try:
        shacl = _shacl_reports(out_dir, prefixes, dcat_ap_dir)
        counts, problems = _compare_result(comparing)
    finally:
        if comparing.poll() is None:
            comparing.kill()
            comparing.wait()
    problems += context_problems
    if shacl is None or any(p.message.startswith("does not parse") for p in problems):
        return {"ok": False, "problems": problems}
    violations = [r for key in ("own_shapes", "catalog_shapes", "dcat_ap") for r in shacl[key]
                  if r["severity"] == "Violation"]
    return {"ok": not problems and not violations, "problems": problems, "triples": counts, **shacl}


def _shacl_reports(out_dir: Path, prefixes: dict[str, str], dcat_ap_dir: Path) -> dict | None:
    """pySHACL's results with the project's shapes (of the data graph, of the catalog), the
    DCAT-AP shapes and the recommended ones, and the MQA of the catalog (the report's keys), or
    None if a graph does not parse (the comparison names the file).

    Python's cyclic garbage collector is paused throughout (``collector_paused``): the rdflib
    graphs are millions of objects without cycles, and each collection walked them again."""
    with collector_paused():
        try:
            # The vocabulary is validated with the data: it types the concepts the data points at.
            data = rdflib_graph([(out_dir / "data.nt", FORMATS["data.nt"]),
                                 (out_dir / "vocab.ttl", OTHER_GRAPHS["vocab.ttl"])], prefixes)
            catalog = rdflib_graph([(out_dir / "catalog.ttl", OTHER_GRAPHS["catalog.ttl"])], prefixes)
        except SyntaxError:
            return None
        own = shacl_results(data, Graph().parse(SHAPES_SOURCE, format="turtle"), inplace=True)
        own_catalog = shacl_results(catalog, Graph().parse(CATALOG_SHAPES_SOURCE, format="turtle"), inplace=True)
        combined = data
        for triple in catalog:
            combined.add(triple)  # the data graph is ours: no copy
        dcat_shapes = Graph()
        for name in DCAT_AP_SHAPES:
            dcat_shapes.parse(dcat_ap_dir / name, format="turtle")
        recommended_shapes = Graph().parse(dcat_ap_dir / DCAT_AP_RECOMMENDED, format="turtle")
        dcat = shacl_results(combined, dcat_shapes, inplace=True)
        compliant = not any(r["severity"] == "Violation" for r in dcat)
        return {"own_shapes": own, "catalog_shapes": own_catalog, "dcat_ap": dcat,
                "dcat_ap_recommended": shacl_results(combined, recommended_shapes, inplace=True),
                "mqa": [mqa.summary(a) for a in mqa.assess(catalog, compliant)]}


def _start_compare_worker(out_dir: Path) -> subprocess.Popen:
    """`compare_data_files` in a Python process of its own: parsing and comparing the three data
    files (pyoxigraph) then runs on a second core beside pySHACL. In a thread it would fight
    pySHACL for Python's lock (pyoxigraph hands every parsed triple to Python)."""
    code = ("import sys; from pathlib import Path; from kanmin.rdf.validate import _compare_main; "
            "_compare_main(Path(sys.argv[1]))")
    return python_worker(code, str(out_dir), stdout=subprocess.PIPE)


def _compare_main(out_dir: Path) -> None:
    counts, problems = compare_data_files(out_dir)
    json.dump({"counts": counts, "problems": [dataclasses.asdict(p) for p in problems]}, sys.stdout)


def _compare_result(worker: subprocess.Popen) -> tuple[dict[str, int], list[Problem]]:
    out, errors = worker.communicate()
    if worker.returncode:
        raise RuntimeError(f"comparing the data files failed:\n{errors.decode('utf-8', 'replace')}")
    result = json.loads(out)
    return result["counts"], [Problem(**p) for p in result["problems"]]
