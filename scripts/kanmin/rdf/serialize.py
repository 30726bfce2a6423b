"""Write a graph of plain triples as N-Triples, Turtle and JSON-LD, fast and deterministically.

Input: a set of plain triples (subject IRI, predicate IRI, object) whose object is an IRI (`str`)
or a `Lit`; mapping code stays free of RDF-library objects and cheap to compare. There are no
blank nodes, so equal graphs must give byte-identical files whatever the hash seed.
Output: data.nt, data.ttl, data.jsonld and context.jsonld (`write_data_files`), or one text each
(`to_ntriples`, `to_turtle`, `to_jsonld`, used for the small catalog and by tests).

Why this way: rdflib's writers need an rdflib graph (9 s and ~1 GB to build for 500k triples) and
then take 2-14 s per format. pyoxigraph (Oxigraph's Rust parsers and serialisers) writes the same
triples in well under a second per format:
- N-Triples: pyoxigraph writes one line per triple; the lines are sorted (bytewise, which is
  code-point order for UTF-8, i.e. the order Python's str sort gave before) and duplicates
  dropped, the canonical order for a line-based format.
- Turtle: pyoxigraph's Turtle writer fed with the triples of the sorted N-Triples (so subjects
  and predicates come in that order, grouped). Its @prefix lines come out in the order of an
  internal hash map, so they are rewritten in sorted order.
- JSON-LD: pyoxigraph writes only expanded JSON-LD (full IRIs), not the compacted form published
  so far. The compacted form with the prefixes as @context is produced here (`_jsonld_nodes`) by
  the JSON-LD compaction rules that apply to this kind of graph (IRIs and literals, no blank
  nodes, no lists, a context of prefixes only) and written with the standard json module: the
  same bytes rdflib's writer gave (tests check it against rdflib and parse it back with
  pyoxigraph's JSON-LD parser). Unlike rdflib's writer it never drops a value.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox

from .namespaces import RDF, XSD


class Lit(NamedTuple):
    """An RDF literal: lexical form, language tag or datatype IRI ("" = xsd:string)."""

    lex: str
    lang: str = ""
    datatype: str = ""


Term = str | Lit
Triple = tuple[str, str, Term]

RDF_TYPE = RDF + "type"
XSD_INTEGER = XSD + "integer"
XSD_BOOLEAN = XSD + "boolean"
XSD_STRING = XSD + "string"
_BAD_IRI_CHARS = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_CANONICAL_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")


def bad_iri(iri: str) -> bool:
    """True if the string cannot be written as an absolute IRI in N-Triples / Turtle (the
    writers' own check, pyoxigraph's IRI parser, also refuses e.g. a "%" not followed by two hex
    digits, which would otherwise stop the build with a traceback)."""
    if _BAD_IRI_CHARS.search(iri) or ":" not in iri:
        return True
    try:
        ox.NamedNode(iri)
    except ValueError:
        return True
    return False


# --- pyoxigraph terms ------------------------------------------------------------------------

def _ox_triples(triples: Iterable[Triple]) -> Iterator[ox.Triple]:
    """The triples as pyoxigraph triples, streamed (IRIs repeat: one NamedNode per IRI)."""
    named: dict[str, ox.NamedNode] = {}
    NamedNode, Literal, OxTriple = ox.NamedNode, ox.Literal, ox.Triple

    def iri(value: str) -> ox.NamedNode:
        node = named.get(value)
        if node is None:
            node = named[value] = NamedNode(value)
        return node

    literals: dict[Lit, ox.Literal] = {}  # names, numbers and flags repeat too
    for s, p, o in triples:
        if o.__class__ is str:
            obj = named.get(o) or iri(o)
        else:
            obj = literals.get(o)
            if obj is None:
                if o.lang:
                    obj = Literal(o.lex, language=o.lang)
                elif o.datatype:
                    obj = Literal(o.lex, datatype=iri(o.datatype))
                else:
                    obj = Literal(o.lex)
                literals[o] = obj
        yield OxTriple(named.get(s) or iri(s), named.get(p) or iri(p), obj)


def _sorted_ntriples_lines(triples: Iterable[Triple]) -> list[bytes]:
    """Distinct N-Triples lines (without newline), sorted bytewise."""
    lines = ox.serialize(_ox_triples(triples), format=ox.RdfFormat.N_TRIPLES).split(b"\n")
    lines.sort()
    out, previous = [], b""
    for line in lines:  # drops the empty last piece and duplicate triples
        if line != previous:
            out.append(line)
            previous = line
    return out


def _turtle_from_ntriples(source: bytes | Path, prefixes: dict[str, str]) -> bytes:
    """pyoxigraph's Turtle of sorted N-Triples (a path or bytes), @prefix lines sorted."""
    quads = (ox.parse(path=str(source), format=ox.RdfFormat.N_TRIPLES) if isinstance(source, Path)
             else ox.parse(source, format=ox.RdfFormat.N_TRIPLES))
    text = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.TURTLE,
                        prefixes=dict(sorted(prefixes.items())))
    return _sort_prefix_lines(text)


def _sort_prefix_lines(text: bytes) -> bytes:
    """pyoxigraph writes its "@prefix" lines first, in hash-map order: sort them. (No other
    Turtle statement starts with "@prefix": a subject is an <IRI> or a prefixed name.)"""
    head, end = [], 0
    while text.startswith(b"@prefix ", end):
        stop = text.index(b"\n", end) + 1
        head.append(text[end:stop])
        end = stop
    head.sort()
    body = text[end:]
    return b"".join(head) + (b"\n" if head and body else b"") + body


# --- JSON-LD ---------------------------------------------------------------------------------

def jsonld_context(prefixes: dict[str, str]) -> dict:
    return {"@context": {prefix: ns for prefix, ns in sorted(prefixes.items())}}


class _Compactor:
    """IRI -> compact IRI ("prefix:local") for a context made of prefixes only.

    An IRI is split after its last "#", else its last "/", else its last ":" (the split rdflib's
    writer used, so the published text does not change); if the part before is a prefix's
    namespace the IRI becomes prefix:rest, otherwise it stays absolute. An IRI equal to a
    namespace compacts to the bare prefix name, as a term would."""

    def __init__(self, prefixes: dict[str, str]):
        self.by_ns = {ns: prefix for prefix, ns in prefixes.items()}
        self.cache: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        short = self.cache.get(iri)
        if short is None:
            short = self.cache[iri] = self._compact(iri)
        return short

    def _compact(self, iri: str) -> str:
        if iri in self.by_ns:
            return self.by_ns[iri]
        for delim in "#/:":
            at = iri.rfind(delim)
            if at > -1:
                prefix = self.by_ns.get(iri[: at + 1])
                return f"{prefix}:{iri[at + 1:]}" if prefix else iri
        return iri


def _jsonld_value(o: Term, compact: _Compactor) -> object:
    """One object as a compacted JSON-LD value (native JSON for canonical integers/booleans)."""
    if o.__class__ is str:
        return {"@id": compact(o)}
    if o.lang:
        return {"@language": o.lang, "@value": o.lex}
    datatype = o.datatype
    if not datatype or datatype == XSD_STRING:
        return o.lex
    if datatype == XSD_INTEGER and _CANONICAL_INTEGER.fullmatch(o.lex):
        return int(o.lex)
    if datatype == XSD_BOOLEAN and o.lex in ("true", "false"):
        return o.lex == "true"
    return {"@type": compact(datatype), "@value": o.lex}


def _jsonld_nodes(triples: Iterable[Triple], prefixes: dict[str, str]) -> list[dict]:
    """Node objects, one per subject, sorted by @id; a property's several values sorted by
    their JSON text, one value unwrapped; rdf:type with an IRI object becomes @type."""
    compact = _Compactor(prefixes)
    sort_key = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
    nodes: dict[str, dict] = {}
    keys: dict[str, str] = {}  # predicate -> property key
    iri_values: dict[str, dict] = {}  # one shared {"@id": ...} per object IRI (read-only)
    types: dict[str, str] = {}  # class -> @type value
    for s, p, o in triples:  # a repeated triple gives an equal value, dropped below
        node = nodes.get(s)
        if node is None:
            node = nodes[s] = {"@id": compact(s)}
        if o.__class__ is str:
            if p == RDF_TYPE:
                key, value = "@type", types.get(o) or types.setdefault(o, compact(o))
            else:
                key = keys.get(p) or keys.setdefault(p, compact(p))
                value = iri_values.get(o)
                if value is None:
                    value = iri_values[o] = {"@id": compact(o)}
        else:
            key = keys.get(p) or keys.setdefault(p, compact(p))
            value = _jsonld_value(o, compact)
        old = node.get(key)
        if old is None:
            node[key] = value
        elif old.__class__ is list:
            old.append(value)
        else:
            node[key] = [old, value]
    for node in nodes.values():
        for key, value in node.items():
            if value.__class__ is list:
                value.sort(key=sort_key)
                node[key] = _dedupe_sorted(value, sort_key)
    return sorted(nodes.values(), key=lambda n: n["@id"])


def _dedupe_sorted(values: list, key) -> list | object:
    """Equal JSON values once (two Lit spellings of one RDF literal give one value)."""
    out = [values[0]]
    for value in values[1:]:
        if key(value) != key(out[-1]):
            out.append(value)
    return out if len(out) > 1 else out[0]


def _write_jsonld(triples: Iterable[Triple], prefixes: dict[str, str], stream) -> None:
    doc = {**jsonld_context(prefixes), "@graph": _jsonld_nodes(triples, prefixes)}
    chunks: list[str] = []  # the encoder yields tiny pieces: write them in batches
    for chunk in json.JSONEncoder(ensure_ascii=False, indent=1, sort_keys=True).iterencode(doc):
        chunks.append(chunk)
        if len(chunks) >= 65536:
            stream.write("".join(chunks))
            chunks.clear()
    chunks.append("\n")
    stream.write("".join(chunks))


# --- rdflib graphs ---------------------------------------------------------------------------

def to_graph(triples: Iterable[Triple], prefixes: dict[str, str] | None = None):
    """An rdflib graph of the triples with exactly the given prefixes bound (for pySHACL, tests)."""
    from rdflib import Graph, Literal, URIRef

    graph = Graph(bind_namespaces="none")
    for prefix, ns in sorted((prefixes or {}).items()):
        graph.bind(prefix, ns, override=True, replace=True)
    iris: dict[str, URIRef] = {}

    def iri(value: str) -> URIRef:
        ref = iris.get(value)
        if ref is None:
            ref = iris[value] = URIRef(value)
        return ref

    def term(o: Term):
        if o.__class__ is str:
            return iri(o)
        if o.lang:
            return Literal(o.lex, lang=o.lang)
        if o.datatype and o.datatype != XSD_STRING:
            return Literal(o.lex, datatype=iri(o.datatype), normalize=False)
        return Literal(o.lex)

    graph.addN((iri(s), iri(p), term(o), graph) for s, p, o in triples)
    return graph


def _plain(triples) -> Iterable[Triple]:
    """Plain triples from plain triples or from an rdflib graph (IRIs and literals only)."""
    if not hasattr(triples, "serialize"):
        return triples
    from rdflib import Literal, URIRef

    out = set()
    for s, p, o in triples:
        if not (isinstance(s, URIRef) and isinstance(o, (URIRef, Literal))):
            raise ValueError(f"only IRIs and literals can be written, not {s!r} {o!r}")
        if isinstance(o, Literal):
            o = Lit(str(o), o.language or "", str(o.datatype) if o.datatype else "")
        out.add((str(s), str(p), str(o) if isinstance(o, URIRef) else o))
    return out


# --- public writers --------------------------------------------------------------------------

def to_ntriples(triples: Iterable[Triple]) -> str:
    """N-Triples, one line per distinct triple, lines sorted."""
    return "".join(line.decode("utf-8") + "\n" for line in _sorted_ntriples_lines(_plain(triples)))


def to_turtle(triples: Iterable[Triple], prefixes: dict[str, str]) -> str:
    """Turtle: sorted @prefix lines, then the subjects in N-Triples line order."""
    nt = b"".join(line + b"\n" for line in _sorted_ntriples_lines(_plain(triples)))
    return _turtle_from_ntriples(nt, prefixes).decode("utf-8")


def to_jsonld(triples: Iterable[Triple], prefixes: dict[str, str]) -> str:
    """JSON-LD compacted with the prefixes as an embedded @context; nodes sorted by @id and
    multiple values sorted, so the text depends only on the graph."""
    doc = {**jsonld_context(prefixes), "@graph": _jsonld_nodes(_plain(triples), prefixes)}
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write_data_files(triples: Iterable[Triple], prefixes: dict[str, str], out_dir: Path) -> int:
    """Write data.nt, data.ttl, data.jsonld and context.jsonld into `out_dir` (which exists);
    return the number of distinct triples.

    data.nt is written first; the Turtle writer then streams it back (pyoxigraph parses and
    serialises without holding Python's lock for long) in a thread while this thread builds the
    JSON-LD, so the two run on two cores. One serialisation is in memory at a time per thread."""
    out_dir = Path(out_dir)
    if not isinstance(triples, (set, frozenset, list, tuple)):
        triples = list(triples)  # iterated twice (N-Triples, JSON-LD)
    lines = _sorted_ntriples_lines(triples)
    count = len(lines)
    nt_path = out_dir / "data.nt"
    with nt_path.open("wb") as f:
        f.writelines(_with_newlines(lines))
    del lines

    failure: list[BaseException] = []

    def turtle() -> None:
        try:
            (out_dir / "data.ttl").write_bytes(_turtle_from_ntriples(nt_path, prefixes))
        except BaseException as exc:  # handed to the calling thread, re-raised there
            failure.append(exc)

    worker = threading.Thread(target=turtle, name="kanmin-turtle")
    worker.start()
    try:
        with (out_dir / "data.jsonld").open("w", encoding="utf-8", newline="\n") as f:
            _write_jsonld(triples, prefixes, f)
        (out_dir / "context.jsonld").write_text(
            json.dumps(jsonld_context(prefixes), ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8", newline="\n")
    finally:
        worker.join()
    if failure:
        raise failure[0]
    return count


def _with_newlines(lines: list[bytes]) -> Iterator[bytes]:
    for line in lines:
        yield line
        yield b"\n"
