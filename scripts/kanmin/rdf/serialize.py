"""Write a graph of plain triples as N-Triples, Turtle and JSON-LD, deterministically.

Input: a set of plain triples (subject IRI, predicate IRI, object) whose object is an IRI (`str`)
or a `Lit`; mapping code stays free of RDF-library objects and cheap to compare. There are no
blank nodes, so equal graphs must give byte-identical files whatever the hash seed.
Output: data.nt, data.ttl, data.jsonld and context.jsonld (`write_data_files`), or one text each
(`to_ntriples`, `to_turtle`, `to_jsonld`: the small catalog, tests).

pyoxigraph (Oxigraph's Rust parsers and serialisers) writes N-Triples and Turtle; what is ours
is kept for the figure beside it (the benchmark's 100×, 600,831 triples; `make bench
BASELINE=DIR` compares):
- N-Triples: pyoxigraph writes the canonical lines, which are sorted here (bytewise, which is
  code-point order for UTF-8) with duplicates dropped, the canonical order of a line-based
  format. It is fed N-Triples text made by string formatting (`_ntriples_batches`), which it
  parses back: 2.4 s, where a pyoxigraph term per triple took 3.2 s (in one batch 2.8 s and
  70 MB more).
- Turtle: pyoxigraph's writer, fed with data.nt (so subjects and predicates come in its order,
  grouped); its @prefix lines come in hash-map order and are sorted here. From 50,000 triples
  on in a worker process beside the JSON-LD writer (`write_data_files`).
- JSON-LD: ours, because of its shape. pyoxigraph writes only expanded JSON-LD (full IRIs, every
  value an object in a list); data.jsonld has been published compacted, with the prefixes as
  its @context ("kd:startFiscalYear": 2019, "@type": "kd:Policy"), which its users read as plain
  JSON. So `_jsonld_node_texts` applies the compaction rules that apply to this kind of graph
  (IRIs and literals, no blank nodes, no lists, a context of prefixes only), and the text is laid
  out as json.dumps(indent=1, sort_keys=True) lays it out (the bytes rdflib's writer gave): 2.4 s,
  where the node objects through json.dumps(indent=1), whose indenting encoder is pure Python,
  took 6.5 s and 260 MB more. Tests check the bytes against that json.dumps and against rdflib's
  writer, and parse them back with pyoxigraph. Unlike rdflib's writer it never drops a value.
"""

from __future__ import annotations

import io
import json
import json.encoder
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

import pyoxigraph as ox

from ..processes import python_worker
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


# --- N-Triples -------------------------------------------------------------------------------

_encode_string = json.encoder.encode_basestring  # the json module's C string encoder
_SIMPLE_LANG = re.compile(r"[a-z]+(-[a-z0-9]+)*")
_BATCH = 65536  # triples per N-Triples batch handed to pyoxigraph's parser


def _ntriples_batches(triples: Iterable[Triple]) -> Iterator[bytes]:
    """The triples as N-Triples text in batches, written by plain string formatting.

    This text is only valid N-Triples, not the published form: pyoxigraph's parser reads it back
    (in Rust) and its serialiser writes the canonical lines, so the bytes are exactly what
    pyoxigraph terms give. A literal is a JSON string (json's C encoder escapes only `"`, `\\`
    and control characters, with escapes N-Triples shares). An IRI is checked once for the
    characters that could change what the text means (`bad_iri`'s list: `>`, space, `\\`, ...),
    the parser checks the rest (percent escapes, ...); an odd language tag goes through
    pyoxigraph's own term (which normalises its case as the parser does)."""
    checked: dict[str, str] = {}  # IRI -> "<IRI>"

    def iri(value: str) -> str:
        text = checked.get(value)
        if text is None:
            if _BAD_IRI_CHARS.search(value) or ":" not in value:
                raise ValueError(f"not an absolute IRI: {value!r}")
            text = checked[value] = f"<{value}>"
        return text

    out: list[str] = []
    for s, p, o in triples:
        if o.__class__ is str:
            obj = checked.get(o) or iri(o)
        elif o.lang:
            obj = (f"{_encode_string(o.lex)}@{o.lang}" if _SIMPLE_LANG.fullmatch(o.lang)
                   else str(ox.Literal(o.lex, language=o.lang)))
        elif o.datatype:
            obj = f"{_encode_string(o.lex)}^^{checked.get(o.datatype) or iri(o.datatype)}"
        else:
            obj = _encode_string(o.lex)
        out.append(f"{checked.get(s) or iri(s)} {checked.get(p) or iri(p)} {obj} .\n")
        if len(out) == _BATCH:
            yield "".join(out).encode("utf-8")
            out.clear()
    yield "".join(out).encode("utf-8")


def _sorted_ntriples_lines(triples: Iterable[Triple]) -> list[bytes]:
    """Distinct canonical N-Triples lines (without newline), sorted bytewise. Batch by batch,
    so that no serialisation of the whole graph is ever in memory (its buffer and its copy as
    Python bytes were two transient 80 MB blocks at 500k triples)."""
    lines: list[bytes] = []
    try:
        for batch in _ntriples_batches(triples):
            lines += ox.serialize(ox.parse(batch, format=ox.RdfFormat.N_TRIPLES),
                                  format=ox.RdfFormat.N_TRIPLES).split(b"\n")
    except SyntaxError as exc:  # an IRI the parser refuses: what pyoxigraph's terms refused
        raise ValueError(str(exc)) from None
    lines.sort()
    out, previous = [], b""
    for line in lines:  # drops the empty last pieces and duplicate triples
        if line != previous:
            out.append(line)
            previous = line
    return out


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
                rest = iri[at + 1:]
                # "p://..." would be read back as an absolute IRI (JSON-LD 1.1, IRI expansion)
                return f"{prefix}:{rest}" if prefix and not rest.startswith("//") else iri
        return iri


# The JSON-LD text is written here rather than by json.dumps(indent=1): with an indent the json
# module uses its pure-Python encoder (1.7 s for the 500k-triple graph, plus 1.5 s to build the
# node dicts it needs). A node of this graph is shallow (key -> scalar, flat object or list of
# those), so each value's text is put together from the C string encoder's output in the layout
# json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) gives: one key or item per line,
# one space of indent per level, "," ending a line, ": " after a key. The tests check the bytes
# against that json.dumps on generated graphs and on the committed data.jsonld.

_INDENT = ["\n" + " " * level for level in range(8)]
_TYPE_KEY = "@type"
JsonValue = str | tuple[tuple[str, str], ...]  # a scalar's JSON text, or a flat object's pairs


def _flat(value: JsonValue, level: int) -> str:
    """A value's JSON text as an item at `level` (a flat object spans lines)."""
    if isinstance(value, str):
        return value
    inner = _INDENT[level + 1]
    return "{" + inner + ("," + inner).join(f"{k}: {v}" for k, v in value) + _INDENT[level] + "}"


def _sort_text(value: JsonValue) -> str:
    """The value's JSON text on one line (json.dumps(v, sort_keys=True)): the order of values."""
    if isinstance(value, str):
        return value
    return "{" + ", ".join(f"{k}: {v}" for k, v in value) + "}"


def _literal_value(o: Lit, string: Callable[[str], str]) -> JsonValue:
    """A literal as a compacted JSON-LD value: {"@language", "@value"} if tagged; a JSON string
    if plain or xsd:string; a JSON number / true / false if a canonical xsd:integer /
    xsd:boolean; else {"@type": compact datatype, "@value"}. (An IRI is {"@id": compact IRI}.)"""
    lex, lang, datatype = o
    if lang:
        return (('"@language"', _encode_string(lang)), ('"@value"', _encode_string(lex)))
    if not datatype or datatype == XSD_STRING:
        return _encode_string(lex)
    if datatype == XSD_INTEGER and _CANONICAL_INTEGER.fullmatch(lex):
        return str(int(lex))
    if datatype == XSD_BOOLEAN and lex in ("true", "false"):
        return lex
    return (('"@type"', string(datatype)), ('"@value"', _encode_string(lex)))


def _jsonld_node_texts(triples: Iterable[Triple], prefixes: dict[str, str]) -> Iterator[str]:
    """The text of each node object (at the indent of the @graph's items), one per subject,
    sorted by @id; keys sorted; a property's several values sorted by their JSON text and equal
    ones dropped (two Lit spellings of one RDF literal, repeated triples), one value unwrapped;
    rdf:type with an IRI object becomes @type."""
    compact = _Compactor(prefixes)
    strings: dict[str, str] = {}  # IRI -> its compact form as a JSON string

    def string(iri: str) -> str:
        text = strings.get(iri)
        if text is None:
            text = strings[iri] = _encode_string(compact(iri))
        return text

    nodes: dict[str, dict[str, Term | list[Term]]] = {}
    keys: dict[str, str] = {}  # predicate -> property key
    for s, p, o in triples:
        node = nodes.get(s)
        if node is None:
            node = nodes[s] = {}
        if p == RDF_TYPE and o.__class__ is str:
            key = _TYPE_KEY
        else:
            key = keys.get(p) or keys.setdefault(p, compact(p))
        old = node.get(key)
        if old is None:
            node[key] = o
        elif old.__class__ is list:
            old.append(o)
        else:
            node[key] = [old, o]  # type: ignore[list-item]

    single: dict[str, str] = {}  # object IRI -> its value at the indent of a key's value
    key_text: dict[str, str] = {}
    in3, in4 = _INDENT[3], _INDENT[4]
    for s in sorted(nodes, key=compact):  # stable: equal @ids keep their first-seen order
        node = nodes.pop(s)  # its text is made now: its objects can go
        lines = [("@id", '"@id"', string(s))]  # (key, its JSON text, value text)
        for key, o in node.items():
            if o.__class__ is list:
                if key is _TYPE_KEY:
                    values: list[JsonValue] = [string(v) for v in o]
                else:
                    values = [(('"@id"', string(v)),) if v.__class__ is str else
                              _literal_value(v, string) for v in o]
                by_order = sorted({_sort_text(v): v for v in reversed(values)}.items())
                text = (_flat(by_order[0][1], 3) if len(by_order) == 1 else
                        "[" + in4 + ("," + in4).join([_flat(v, 4) for _, v in by_order]) + in3 + "]")
            elif key is _TYPE_KEY:
                text = string(o)
            elif o.__class__ is str:
                text = single.get(o)
                if text is None:
                    text = single[o] = '{\n    "@id": ' + string(o) + "\n   }"
            else:
                text = _flat(_literal_value(o, string), 3)
            lines.append((key, key_text.get(key) or key_text.setdefault(key, _encode_string(key)), text))
        lines.sort()  # by the key itself, as sort_keys does (its JSON text may sort otherwise)
        yield "  {" + in3 + ("," + in3).join([f"{k}: {v}" for _, k, v in lines]) + _INDENT[2] + "}"


def _write_jsonld(triples: Iterable[Triple], prefixes: dict[str, str], write) -> None:
    """json.dumps({"@context": ..., "@graph": nodes}, ensure_ascii=False, indent=1,
    sort_keys=True) + "\n", written piecewise through `write`."""
    head = json.dumps(jsonld_context(prefixes), ensure_ascii=False, indent=1, sort_keys=True)
    assert head.endswith("\n}")
    chunks = [head[:-2], ',\n "@graph": [']
    first = True
    for text in _jsonld_node_texts(triples, prefixes):
        chunks.append("\n" if first else ",\n")
        chunks.append(text)
        first = False
        if len(chunks) >= 8192:
            write("".join(chunks))
            chunks.clear()
    chunks.append("]\n}\n" if first else "\n ]\n}\n")
    write("".join(chunks))


# --- the files -------------------------------------------------------------------------------

def _write_turtle(ntriples: bytes | Path, out: BinaryIO, prefixes: dict[str, str]) -> None:
    """pyoxigraph's Turtle of sorted N-Triples (bytes or a file), written into ``out`` with its
    @prefix lines sorted: pyoxigraph writes them first, in hash-map order. Through a scratch file,
    not the whole text in memory (which held ~100 MB at 500k triples). (No other Turtle statement
    starts with "@prefix": a subject is an <IRI> or a prefixed name.)"""
    quads = (ox.parse(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES) if isinstance(ntriples, Path)
             else ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    with tempfile.TemporaryFile() as scratch:
        ox.serialize((q.triple for q in quads), scratch, format=ox.RdfFormat.TURTLE,
                     prefixes=dict(sorted(prefixes.items())))
        scratch.seek(0)
        head = []
        line = scratch.readline()
        while line.startswith(b"@prefix "):
            head.append(line)
            line = scratch.readline()
        head.sort()
        out.write(b"".join(head) + (b"\n" if head and line else b"") + line)
        shutil.copyfileobj(scratch, out, 1 << 20)


def to_ntriples(triples: Iterable[Triple]) -> str:
    """N-Triples, one line per distinct triple, lines sorted."""
    return "".join(line.decode("utf-8") + "\n" for line in _sorted_ntriples_lines(triples))


def to_turtle(triples: Iterable[Triple], prefixes: dict[str, str]) -> str:
    """Turtle: sorted @prefix lines, then the subjects in N-Triples line order."""
    out = io.BytesIO()
    _write_turtle(b"".join(line + b"\n" for line in _sorted_ntriples_lines(triples)), out, prefixes)
    return out.getvalue().decode("utf-8")


def to_jsonld(triples: Iterable[Triple], prefixes: dict[str, str]) -> str:
    """JSON-LD compacted with the prefixes as an embedded @context; nodes sorted by @id and
    multiple values sorted, so the text depends only on the graph."""
    chunks: list[str] = []
    _write_jsonld(triples, prefixes, chunks.append)
    return "".join(chunks)


#: From this many triples on, the Turtle is written by a worker process beside the JSON-LD writer
#: (the real data has ~6,400 triples: written in-process, where a worker costs more than it saves).
WORKER_MIN_TRIPLES = 50_000


def write_data_files(triples: Iterable[Triple], prefixes: dict[str, str], out_dir: Path) -> int:
    """Write data.nt, data.ttl, data.jsonld and context.jsonld into `out_dir` (which exists);
    return the number of distinct triples.

    data.nt is written first; from ``WORKER_MIN_TRIPLES`` on, a worker process then streams it
    into pyoxigraph's Turtle writer while this process writes the JSON-LD, on two cores. In a
    thread it fought the JSON-LD writer for Python's lock (pyoxigraph hands every parsed triple
    to Python); in this process after the JSON-LD the RDF stage took 10.1 s at 100× against 8.0 s."""
    out_dir = Path(out_dir)
    if not isinstance(triples, (set, frozenset, list, tuple)):
        triples = list(triples)  # iterated twice (N-Triples, JSON-LD)
    lines = _sorted_ntriples_lines(triples)
    nt_path, ttl_path = out_dir / "data.nt", out_dir / "data.ttl"
    with nt_path.open("wb") as f:
        f.writelines(line + b"\n" for line in lines)
    count = len(lines)
    del lines
    turtle = None
    if count < WORKER_MIN_TRIPLES:
        with ttl_path.open("wb") as f:
            _write_turtle(nt_path, f, prefixes)
    else:
        turtle = python_worker("import json, sys; from pathlib import Path; from kanmin.rdf.serialize import "
                               "_write_turtle_file; _write_turtle_file(*sys.argv[1:3], json.loads(sys.argv[3]))",
                               str(nt_path), str(ttl_path), json.dumps(prefixes))
    try:
        with (out_dir / "data.jsonld").open("w", encoding="utf-8", newline="\n") as f:
            _write_jsonld(triples, prefixes, f.write)
        (out_dir / "context.jsonld").write_text(
            json.dumps(jsonld_context(prefixes), ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8", newline="\n")
    finally:
        if turtle is not None:
            _, errors = turtle.communicate()
    if turtle is not None and turtle.returncode:
        raise RuntimeError(f"writing {ttl_path} failed:\n{errors.decode('utf-8', 'replace')}")
    return count


def _write_turtle_file(nt_path: str, ttl_path: str, prefixes: dict[str, str]) -> None:
    """The Turtle worker's work (``write_data_files``)."""
    with open(ttl_path, "wb") as f:
        _write_turtle(Path(nt_path), f, prefixes)
