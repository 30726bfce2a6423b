"""validate_rdf: check build/rdf/ with the standards' own tools.

Input: the output folder of `kanmin rdf` and the folder of the official DCAT-AP 3.0.1 shapes
(`kanmin.settings.dcat_ap_dir()`: $KANMIN_DCAT_AP_DIR, else ../shared/dcat-ap; never copied into
the project). Output: a report dict with the keys ok, problems (``kanmin.errors.Problem``s naming the file),
triples (per file), own_shapes, dcat_ap, dcat_ap_recommended (SHACL results as plain dicts).

1. pyoxigraph parses data.nt, data.ttl, data.jsonld, catalog.ttl and vocab.ttl (Rust parsers,
   ~1 s per file at 500k triples; rdflib took ~15 s each); context.jsonld must be JSON. The three
   data files must hold the same triples: each is re-serialised as canonical N-Triples lines and
   compared with data.nt's (no blank nodes, so equal line sets are isomorphic graphs).
2. pySHACL with the project's shapes (shapes.ttl) on data graph + vocab.ttl. pySHACL needs an
   rdflib graph; it is filled from pyoxigraph's parse of data.nt (one graph, no copies), and
   pySHACL runs in place (no clone: no inference, no SHACL rules, so it adds nothing to it).
3. pySHACL with the DCAT-AP shapes (shapes.ttl + range.ttl) on catalog + vocab + the part of the
   data graph those shapes can see (`shapes_view`), zero violations required.
4. shapes_recommended.ttl on the same graph: warnings are reported, not failed.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from ..errors import Problem
from ..processes import python_worker
from ..settings import dcat_ap_dir as default_dcat_ap_dir
from .build import SHAPES_SOURCE

SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT_AP_SHAPES = ("shapes.ttl", "range.ttl")
DCAT_AP_RECOMMENDED = "shapes_recommended.ttl"
FORMATS = {"data.ttl": ox.RdfFormat.TURTLE, "data.nt": ox.RdfFormat.N_TRIPLES,
           "data.jsonld": ox.RdfFormat.JSON_LD}
OTHER_GRAPHS = {"catalog.ttl": ox.RdfFormat.TURTLE, "vocab.ttl": ox.RdfFormat.TURTLE}
#: The files of the output folder that validation reads.
REQUIRED = (*FORMATS, *OTHER_GRAPHS, "context.jsonld")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


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
    validations: 37 s of the validation); a property shape with targets of its own is validated
    once for all its focus nodes (9 s). Why the results are the same: a property shape reached
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
    return any((node, RDF.type, c) in shapes for c in (RDFS.Class, URIRef("http://www.w3.org/2002/07/owl#Class")))


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
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=iri(term.datatype), normalize=False)

    for path, fmt in sources:
        graph.addN((iri(t.subject), iri(t.predicate), obj(t.object), graph)
                   for t in _triples(path, fmt))
    return graph


# --- what a shapes graph can see -------------------------------------------------------------

_UNSUPPORTED = (SH.sparql, SH.target, SH.rule, SH.zeroOrMorePath, SH.oneOrMorePath)


def shapes_view(data: Graph, shapes: Graph) -> Graph | None:
    """The part of `data` that decides every result of `shapes`, or None when the shapes use a
    feature this reasoning does not cover (then validate the whole graph).

    Why this is exact: a SHACL result is about a focus node, and the focus nodes come from the
    targets: sh:targetClass C (every node typed C or a subclass of C, rdfs:subClassOf read from
    the data graph), a shape that is itself a class (implicit class target), sh:targetNode,
    sh:targetSubjectsOf / sh:targetObjectsOf P. A constraint then reads only the focus node's
    value nodes, found by following its property paths; predicate and sequence/alternative paths
    go forward (triples whose subject is already reached), sh:inversePath P backward (triples
    x P y); sh:class and sh:node read the value nodes' own triples (rdf:type) and the
    subclass triples. So the view holds every triple whose subject is reachable by forward edges
    from the focus nodes and from every subject of an inversely followed predicate, plus all
    rdfs:subClassOf triples: every triple any path of any focus node can reach is in it, every
    node that is a focus node in the whole graph is one in the view and no other node is (a
    node's rdf:type triples come with it). SPARQL-based constraints and targets, SHACL rules
    and the transitive path operators could look elsewhere: with those the whole graph is used.

    For the DCAT-AP shapes (targets: DCAT classes, foaf:Agent, skos:Concept, ...) this is the
    catalog, the agents, concepts and schemes, a few hundred triples instead of the whole data
    graph, whose policies, KPIs and references no DCAT-AP shape targets or reaches.
    """
    if any(True for p in _UNSUPPORTED for _ in shapes.triples((None, p, None))):
        return None
    inverse = set(shapes.objects(None, SH.inversePath))
    if any(not isinstance(p, URIRef) for p in inverse):
        return None  # an inverse of a complex path
    classes = set(shapes.objects(None, SH.targetClass))
    classes |= {s for s in shapes.subjects(RDF.type, SH.NodeShape)
                if (s, RDF.type, RDFS.Class) in shapes or
                (s, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in shapes}
    todo = list(classes)
    while todo:  # subclasses, as pySHACL reads them from the data graph
        for sub in data.subjects(RDFS.subClassOf, todo.pop()):
            if sub not in classes:
                classes.add(sub)
                todo.append(sub)
    seeds = {s for c in classes for s in data.subjects(RDF.type, c)}
    seeds |= set(shapes.objects(None, SH.targetNode))
    for p in shapes.objects(None, SH.targetSubjectsOf):
        seeds |= set(data.subjects(p, None))
    for p in shapes.objects(None, SH.targetObjectsOf):
        seeds |= set(data.objects(None, p))
    for p in inverse:
        seeds |= set(data.subjects(p, None))
    reached, todo = set(), [s for s in seeds if isinstance(s, URIRef)]
    view = Graph(bind_namespaces="none")
    for prefix, ns in data.namespaces():  # pySHACL's messages name nodes with these
        view.bind(prefix, ns, override=True, replace=True)
    while todo:
        node = todo.pop()
        if node in reached:
            continue
        reached.add(node)
        for p, o in data.predicate_objects(node):
            view.add((node, p, o))
            if isinstance(o, URIRef) and o not in reached:
                todo.append(o)
    for triple in data.triples((None, RDFS.subClassOf, None)):
        view.add(triple)
    return view


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
    own, dcat, recommended = shacl
    violations = [r for r in own + dcat if r["severity"] == "Violation"]
    return {
        "ok": not problems and not violations,
        "problems": problems,
        "triples": counts,
        "own_shapes": own,
        "dcat_ap": dcat,
        "dcat_ap_recommended": recommended,
    }


def _shacl_reports(out_dir: Path, prefixes: dict[str, str], dcat_ap_dir: Path) -> tuple[list, list, list] | None:
    """pySHACL's results with the project's shapes, the DCAT-AP shapes and the recommended ones,
    or None if a graph does not parse (the comparison names the file).

    Python's cyclic garbage collector is off while the rdflib graphs are filled (millions of
    objects, no cycles) and those graphs are frozen (`gc.freeze`) while pySHACL runs: otherwise
    every collection walks them again, which took a third of pySHACL's time."""
    enabled, freeze = gc.isenabled(), gc.get_freeze_count() == 0  # not undoing a caller's freeze
    gc.disable()
    try:
        try:
            # The vocabulary is validated with the data: it types the concepts the data points at.
            data = rdflib_graph([(out_dir / "data.nt", FORMATS["data.nt"]),
                                 (out_dir / "vocab.ttl", OTHER_GRAPHS["vocab.ttl"])], prefixes)
            catalog = rdflib_graph([(out_dir / "catalog.ttl", OTHER_GRAPHS["catalog.ttl"])], prefixes)
        except SyntaxError:
            return None
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
        own = shacl_results(data, Graph().parse(SHAPES_SOURCE, format="turtle"), inplace=True)
        combined = data
        for triple in catalog:
            combined.add(triple)  # the data graph is ours: no copy
        dcat_shapes = Graph()
        for name in DCAT_AP_SHAPES:
            dcat_shapes.parse(dcat_ap_dir / name, format="turtle")
        recommended_shapes = Graph().parse(dcat_ap_dir / DCAT_AP_RECOMMENDED, format="turtle")
        results = []
        for shapes in (dcat_shapes, recommended_shapes):
            view = shapes_view(combined, shapes)
            results.append(shacl_results(view, shapes, inplace=True) if view is not None
                           else shacl_results(combined, shapes))
        return own, results[0], results[1]
    finally:
        if freeze:
            gc.unfreeze()
        if enabled:
            gc.enable()


def _start_compare_worker(out_dir: Path) -> subprocess.Popen:
    """`compare_data_files` in a Python process of its own: parsing and comparing the three data
    files (pyoxigraph, ~4 s at 500k triples) then runs on a second core beside pySHACL."""
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
