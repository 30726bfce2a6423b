"""Serialise the data graph with rdflib's own writers, deterministically.

A graph is built as a set of plain triples (subject IRI, predicate IRI, object) whose object is an
IRI (`str`) or a `Lit`; mapping code stays free of rdflib objects and cheap to compare. Writing
uses rdflib: Turtle (its serializer sorts subjects, predicates and objects), N-Triples (lines
sorted afterwards, the canonical order for a line-based format) and JSON-LD (the node objects
and their values sorted afterwards). There are no blank nodes, so equal graphs give
byte-identical files whatever the hash seed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable, NamedTuple, Union

from rdflib import Graph, Literal, URIRef

from .namespaces import RDF, XSD


class Lit(NamedTuple):
    """An RDF literal: lexical form, language tag or datatype IRI ("" = xsd:string)."""

    lex: str
    lang: str = ""
    datatype: str = ""


Term = Union[str, Lit]
Triple = tuple[str, str, Term]

RDF_TYPE = RDF + "type"
XSD_INTEGER = XSD + "integer"
XSD_BOOLEAN = XSD + "boolean"
_BAD_IRI_CHARS = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def bad_iri(iri: str) -> bool:
    """True if the string cannot be written as an absolute IRI in N-Triples / Turtle."""
    return bool(_BAD_IRI_CHARS.search(iri)) or ":" not in iri


def _term(term: Term):
    if isinstance(term, Lit):
        if term.lang:
            return Literal(term.lex, lang=term.lang)
        if term.datatype:
            return Literal(term.lex, datatype=URIRef(term.datatype), normalize=False)
        return Literal(term.lex)
    return URIRef(term)


def to_graph(triples: Iterable[Triple], prefixes: dict[str, str] | None = None) -> Graph:
    """An rdflib graph of the triples, with exactly the given prefixes bound."""
    graph = Graph(bind_namespaces="none")
    for prefix, ns in sorted((prefixes or {}).items()):
        graph.bind(prefix, ns, override=True, replace=True)
    iris: dict[str, URIRef] = {}

    def iri(value: str) -> URIRef:
        ref = iris.get(value)
        if ref is None:
            ref = iris[value] = URIRef(value)
        return ref

    # Insertion order does not matter: every writer below sorts its output.
    graph.addN((iri(s), iri(p), _term(o) if isinstance(o, Lit) else iri(o), graph) for s, p, o in triples)
    return graph


def _graph(triples: Iterable[Triple] | Graph, prefixes: dict[str, str] | None = None) -> Graph:
    return triples if isinstance(triples, Graph) else to_graph(triples, prefixes)


def to_ntriples(triples: Iterable[Triple] | Graph) -> str:
    text = _graph(triples).serialize(format="nt", encoding="utf-8").decode("utf-8")
    return "".join(sorted(line + "\n" for line in text.split("\n") if line.strip()))


def to_turtle(triples: Iterable[Triple] | Graph, prefixes: dict[str, str]) -> str:
    return _graph(triples, prefixes).serialize(format="turtle", encoding="utf-8").decode("utf-8")


def jsonld_context(prefixes: dict[str, str]) -> dict:
    return {"@context": {prefix: ns for prefix, ns in sorted(prefixes.items())}}


def to_jsonld(triples: Iterable[Triple] | Graph, prefixes: dict[str, str]) -> str:
    """JSON-LD compacted with the prefixes as an embedded @context; nodes sorted by @id and
    multiple values sorted, so the text does not depend on rdflib's internal iteration order.
    (rdflib's JSON-LD writer drops empty plain literals; the mapping never emits empty literals.)"""
    context = jsonld_context(prefixes)["@context"]
    graph = _graph(triples, prefixes)
    _refuse_lossy_jsonld(graph)
    text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    doc = json.loads(text)
    nodes = doc.get("@graph", [doc] if "@id" in doc else [])
    for node in nodes:
        node.pop("@context", None)  # rdflib embeds the context in a lone node
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    nodes.sort(key=lambda n: n["@id"])
    out = {"@context": context, "@graph": nodes}
    return json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _refuse_lossy_jsonld(graph: Graph) -> None:
    """rdflib 7's compacting JSON-LD writer overwrites a property value that compacts to a falsy
    native value (false, 0) when a second value of the same property follows. The data graph
    never has such a property (booleans and integers are single-valued); fail loudly if one
    appears rather than publish a JSON-LD file that silently lacks a triple."""
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype in _NATIVE and o.toPython() in (False, 0) \
                and sum(1 for _ in graph.objects(s, p)) > 1:
            raise ValueError(f"JSON-LD writer would drop {o.n3()} of <{s}> <{p}>: make the property single-valued")


_NATIVE = {URIRef(XSD_BOOLEAN), URIRef(XSD_INTEGER)}


def write_data_files(triples: Iterable[Triple], prefixes: dict[str, str], out_dir: Path) -> int:
    """data.ttl, data.nt, data.jsonld and context.jsonld in out_dir; the number of triples."""
    graph = to_graph(triples, prefixes)
    writers = {"data.ttl": lambda: to_turtle(graph, prefixes),
               "data.nt": lambda: to_ntriples(graph),
               "data.jsonld": lambda: to_jsonld(graph, prefixes),
               "context.jsonld": lambda: json.dumps(jsonld_context(prefixes), ensure_ascii=False,
                                                    indent=1) + "\n"}
    for name, write in writers.items():
        (Path(out_dir) / name).write_text(write(), encoding="utf-8", newline="\n")
    return len(graph)
