"""A TEST DOUBLE of the Solr search index, for the CKAN 2.12 portal the publishing tests start.

This is not Solr. It is a stand-in, because no Solr server can be installed on the machines the
project's CI runs on (none is packaged in Debian apt, PyPI or npm there), and CKAN 2.12 cannot
create, change or show a dataset without its search index answering. The GitHub workflow
(.github/workflows/ckan.yml) runs the same tests against a real Solr (CKAN's own Solr image) by
setting KANMIN_SOLR_URL, so behaviour that only a real Solr has is exercised there.

It answers the three endpoints CKAN uses, in memory, with the standard library only:

* ``GET /solr/<core>/schema?wt=schema.xml`` (and ``/admin/file/?file=schema.xml``): a schema whose
  root is ``<schema name="ckan-2.12">``, which is what CKAN checks at start-up.
* ``GET|POST /solr/<core>/select``: a JSON answer with ``response.numFound``, ``response.docs``
  and ``facet_counts.facet_fields``, honouring ``q``, ``fq`` (repeatable), ``rows``, ``start``,
  ``sort``, ``fl``, ``facet.field``, ``facet.limit``, ``facet.mincount`` and ``q.op``.
* ``POST /solr/<core>/update``: a JSON list of documents (pysolr's ``add``) or XML ``<add><doc>``,
  ``<delete><id>|<query>``, ``<commit/>``, ``<optimize/>``. Every change is visible at once.

Query language: a small subset of Lucene's, enough for CKAN's own queries: ``*:*``, ``field:value``,
``field:"phrase"``, ``field:(a OR b)``, ``field:[a TO b]`` / ``{a TO b}``, ``field:*``, wildcards,
``+``/``-``/``NOT``, ``AND``/``OR``, parentheses, local params ``{!...}`` (ignored) and bare words
(matched, case-insensitively, against every stored value, as CKAN's catch-all ``text`` field).
No scoring: ``score`` sorts keep insertion order. Anything it cannot parse is an HTTP 400 with the
reason, so a query the double does not understand fails a test instead of matching silently.

Run: ``python tests/ckan/solr_double.py --port 8983 [--host 127.0.0.1]`` (core name is free).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SCHEMA_XML = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n'
    '<schema name="ckan-2.12" version="1.6">\n'
    "  <!-- kanmin test double of the CKAN Solr schema: only the name is read by CKAN -->\n"
    "  <uniqueKey>index_id</uniqueKey>\n"
    "</schema>\n"
)
# CKAN's schema.xml: the fields stored as lists (plus the dynamic res_extras_* and vocab_*).
MULTI_VALUED = {"tags", "groups", "permission_labels", "res_name", "res_description", "res_format",
                "res_url", "res_type", "text", "urls", "depends_on", "dependency_of", "derives_from",
                "has_derivation", "links_to", "linked_from", "child_of", "parent_of"}
# Values never searched by bare words (CKAN's copyFields do not put them into `text`).
TEXT_FIELDS = {"title", "notes", "author", "author_email", "maintainer", "maintainer_email",
               "res_name", "res_description", "text", "urls", "title_ngram", "name_ngram"}
NOT_TEXT = {"data_dict", "validated_data_dict", "index_id", "site_id", "permission_labels"}
# One token: a parenthesis, a "phrase", a [range] or {range}, or a run up to one of those
# (so `field:"a b"` and `field:[a TO b]` arrive as `field:` then the phrase or range).
TOKEN = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^}]*\}|(?:[^\s()"\[{\\]|\\.)+)')


class QueryError(ValueError):
    """A query the double cannot parse (answered with HTTP 400)."""


def is_multi(field: str) -> bool:
    return field in MULTI_VALUED or field.startswith(("res_extras_", "vocab_"))


def values_of(doc: dict, field: str) -> list:
    value = doc.get(field)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def unescape(term: str) -> str:
    return re.sub(r"\\(.)", r"\1", term)


# --- parsing: q/fq text -> ("bool", [(occur, node)]) / ("term", field, kind, value) nodes ---
def tokenize(text: str) -> list[str]:
    text = re.sub(r"^\s*\{![^}]*\}", "", text)  # local params such as {!tag=x}
    tokens, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip():
                raise QueryError(f"cannot parse {text[pos:]!r}")
            break
        tokens.append(m.group(1))
        pos = m.end()
    return tokens


def parse(text: str, default_op: str = "OR") -> tuple:
    tokens = tokenize(text)
    node, end = parse_bool(tokens, 0, default_op)
    if end != len(tokens):
        raise QueryError(f"unbalanced parentheses in {text!r}")
    return node


def parse_bool(tokens: list[str], i: int, default_op: str, field: str | None = None) -> tuple:
    """Clauses up to a closing parenthesis. Occurs: must / should / not. A clause without +, - or
    NOT is `must` after AND (or with q.op=AND), else `should`; AND also makes the previous
    unprefixed clause `must`, OR makes it `should` (Lucene's classic query parser)."""
    clauses: list[list] = []  # [occur, node, explicitly prefixed]
    pending = None
    while i < len(tokens) and tokens[i] != ")":
        tok = tokens[i]
        if tok in ("AND", "&&", "OR", "||"):
            pending = "AND" if tok in ("AND", "&&") else "OR"
            i += 1
            continue
        occur = None
        if tok in ("NOT", "!"):
            occur, i = "not", i + 1
            if i >= len(tokens):
                raise QueryError("NOT at the end of the query")
            tok = tokens[i]
        if tok in ("+", "-"):
            occur, i = ("must" if tok == "+" else "not"), i + 1
            if i >= len(tokens):
                raise QueryError(f"{tok} at the end of the query")
            tok = tokens[i]
        elif tok[:1] in "+-" and len(tok) > 1:
            occur, tok = ("must" if tok[0] == "+" else "not"), tok[1:]
        node, i = parse_clause(tokens, i, tok, default_op, field)
        explicit = occur is not None
        if not explicit:
            occur = "must" if (pending or default_op) == "AND" else "should"
        if pending and clauses and not clauses[-1][2]:
            clauses[-1][0] = "must" if pending == "AND" else "should"
        clauses.append([occur, node, explicit])
        pending = None
    return ("bool", [(c[0], c[1]) for c in clauses]), i


def parse_clause(tokens: list[str], i: int, tok: str, default_op: str, field: str | None) -> tuple:
    """One clause whose first token is `tok` (at tokens[i], maybe without its +/- prefix)."""
    if tok == "(":
        node, i = parse_bool(tokens, i + 1, default_op, field)
        if i >= len(tokens) or tokens[i] != ")":
            raise QueryError("missing )")
        return node, i + 1
    m = re.match(r"((?:[^:\\\s]|\\.)+):(.*)$", tok, re.S)
    if m and not tok.startswith(('"', "[", "{")):
        name, rest = unescape(m.group(1)), m.group(2)
        if rest:
            return term(name, rest), i + 1
        if i + 1 >= len(tokens):  # `field:` then a group, phrase or range token
            raise QueryError(f"no value after {tok!r}")
        if tokens[i + 1] == "(":
            node, j = parse_bool(tokens, i + 2, "OR", name)
            if j >= len(tokens) or tokens[j] != ")":
                raise QueryError("missing )")
            return node, j + 1
        return term(name, tokens[i + 1]), i + 2
    return term(field, tok), i + 1


def term(field: str | None, raw: str) -> tuple:
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return ("term", field, "phrase", unescape(raw[1:-1]))
    if raw[:1] in "[{" and raw[-1:] in "]}":
        parts = raw[1:-1].split(" TO ")
        if len(parts) != 2:
            raise QueryError(f"cannot parse range {raw!r}")
        lo, hi = (p.strip().strip('"') for p in parts)
        return ("term", field, "range", (lo, hi, raw[0] == "[", raw[-1] == "]"))
    value = unescape(raw)
    if "*" in value or "?" in value:
        return ("term", field, "wild", value)
    return ("term", field, "word", value)


# --- matching ---
def is_text(field: str) -> bool:
    """Fields Solr tokenises (CKAN's schema: type text / text_general, and the dynamic extras)."""
    return field in TEXT_FIELDS or field.startswith(("extras_", "res_extras_"))


def matches(node: tuple, doc: dict) -> bool:
    if node[0] == "bool":
        must = [n for o, n in node[1] if o == "must"]
        should = [n for o, n in node[1] if o == "should"]
        if any(matches(n, doc) for o, n in node[1] if o == "not"):
            return False
        if not all(matches(n, doc) for n in must):
            return False
        return bool(must) or not should or any(matches(n, doc) for n in should)
    _, field, kind, value = node
    if field == "*" and kind == "wild" and value == "*":
        return True
    if field is None or field in ("text", "_text_"):  # the catch-all field
        if kind == "wild" and value == "*":
            return True
        candidates = [v for k in doc if k not in NOT_TEXT for v in values_of(doc, k)]
        return any(match_value(str(v), kind, value, text=True) for v in candidates)
    return any(match_value(str(v), kind, value, text=is_text(field)) for v in values_of(doc, field))


def as_number(s: str) -> float | None:
    try:
        return float(s)
    except ValueError:
        return None


def compare(actual: str, bound: str) -> int:
    a, b = as_number(actual), as_number(bound)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    return (actual > bound) - (actual < bound)


def match_value(actual: str, kind: str, value, *, text: bool) -> bool:
    """String fields match exactly; tokenised (text) fields case-insensitively, by containment."""
    if kind == "range":
        lo, hi, lo_inc, hi_inc = value
        # NOW-based date maths is not evaluated: such a bound is treated as open.
        ok_lo = lo == "*" or lo.startswith("NOW") or compare(actual, lo) >= (0 if lo_inc else 1)
        ok_hi = hi == "*" or hi.startswith("NOW") or compare(actual, hi) <= (0 if hi_inc else -1)
        return ok_lo and ok_hi
    if kind == "wild":
        if not text:
            return fnmatch.fnmatchcase(actual, value)
        return any(fnmatch.fnmatchcase(w, value.lower()) for w in [actual.lower(), *actual.lower().split()])
    if not text:
        return actual == value
    return value.lower() in actual.lower()


# --- the index ---
class Index:
    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}
        self.lock = threading.Lock()

    def add(self, doc: dict) -> None:
        key = str(doc.get("index_id") or doc.get("id") or "")
        if not key:
            raise QueryError("document without index_id or id")
        with self.lock:
            self.docs[key] = doc

    def delete_id(self, key: str) -> None:
        with self.lock:
            self.docs.pop(key, None)
            for k, d in list(self.docs.items()):
                if str(d.get("id")) == key:
                    del self.docs[k]

    def delete_query(self, q: str) -> None:
        node = parse(q)
        with self.lock:
            for k in [k for k, d in self.docs.items() if matches(node, d)]:
                del self.docs[k]

    def select(self, params: dict[str, list[str]]) -> dict:
        one = {k: v[-1] for k, v in params.items()}
        op = one.get("q.op", "OR").upper()
        q = one.get("q", "*:*").strip() or "*:*"
        nodes = [parse(q, "AND" if one.get("defType") in ("dismax", "edismax") else op)]
        nodes += [parse(fq, op) for fq in params.get("fq", []) if fq.strip()]
        with self.lock:
            found = [d for d in self.docs.values() if all(matches(n, d) for n in nodes)]
        for spec in reversed([s.strip() for s in one.get("sort", "").split(",") if s.strip()]):
            name, _, direction = spec.partition(" ")
            if name == "score":
                continue
            present = [d for d in found if values_of(d, name)]
            missing = [d for d in found if not values_of(d, name)]
            present.sort(key=lambda d: sort_key(values_of(d, name)[0]), reverse=direction.strip().lower() == "desc")
            found = present + missing
        start, rows = int(one.get("start", 0) or 0), int(one.get("rows", 10) or 0)
        fl = [f for f in re.split(r"[\s,]+", one.get("fl", "*")) if f]
        page = [d if "*" in fl else {k: v for k, v in d.items() if k in fl} for d in found[start:start + rows]]
        answer = {"responseHeader": {"status": 0, "QTime": 0, "params": one},
                  "response": {"numFound": len(found), "start": start, "numFoundExact": True, "docs": page}}
        if one.get("facet", "false") == "true":
            limit, mincount = int(one.get("facet.limit", 100)), int(one.get("facet.mincount", 0))
            fields = {}
            for field in params.get("facet.field", []):
                counts: dict[str, int] = {}
                for d in found:
                    for v in set(map(str, values_of(d, field))):
                        counts[v] = counts.get(v, 0) + 1
                ranked = sorted(((v, c) for v, c in counts.items() if c >= mincount), key=lambda vc: (-vc[1], vc[0]))
                fields[field] = [x for vc in (ranked if limit < 0 else ranked[:limit]) for x in vc]
            answer["facet_counts"] = {"facet_queries": {}, "facet_fields": fields, "facet_ranges": {},
                                      "facet_intervals": {}, "facet_heatmaps": {}}
        return answer

    def update(self, body: bytes, content_type: str) -> None:
        text = body.decode("utf-8").strip()
        if not text:
            return
        if "json" in content_type or text[:1] in "[{":
            data = json.loads(text)
            if isinstance(data, dict):  # Solr's JSON update commands
                for cmd, arg in data.items():
                    if cmd == "add":
                        self.add(normalise(arg["doc"]))
                    elif cmd == "delete":
                        if "query" in arg:
                            self.delete_query(arg["query"])
                        else:
                            self.delete_id(str(arg.get("id", arg)))
                return
            for doc in data:
                self.add(normalise(doc))
            return
        root = ET.fromstring(text)
        for el in ([root] if root.tag != "update" else list(root)):
            if el.tag == "add":
                for d in el.findall("doc"):
                    doc: dict = {}
                    for f in d.findall("field"):
                        doc.setdefault(f.get("name"), []).append(f.text or "")
                    self.add(normalise(doc))
            elif el.tag == "delete":
                for x in el.findall("id"):
                    self.delete_id((x.text or "").strip())
                for x in el.findall("query"):
                    self.delete_query(x.text or "")
            elif el.tag not in ("commit", "optimize", "rollback"):
                raise QueryError(f"unknown update command <{el.tag}>")


def normalise(doc: dict) -> dict:
    """Single values for single-valued fields, lists for CKAN's multi-valued ones; no nulls."""
    out = {}
    for k, v in doc.items():
        vs = [x for x in (v if isinstance(v, list) else [v]) if x is not None]
        if not vs:
            continue
        out[k] = vs if is_multi(k) else (vs[0] if len(vs) == 1 else vs)
    return out


def sort_key(value) -> tuple:
    n = as_number(str(value))
    return (0, n, "") if n is not None else (1, 0.0, str(value).lower())


# --- HTTP ---
class Handler(BaseHTTPRequestHandler):
    server_version = "kanmin-solr-test-double/1"
    index: Index

    def log_message(self, format, *args):  # the base class's signature
        sys.stderr.write(f"{self.log_date_time_string()} {format % args}\n")

    def reply(self, status: int, body: str, ctype: str = "application/json; charset=utf-8") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status: int, msg: str) -> None:
        self.reply(status, json.dumps({"responseHeader": {"status": status},
                                       "error": {"msg": msg, "code": status}}))

    def route(self, method: str) -> None:
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        params = parse_qs(url.query, keep_blank_values=True)
        body = b""
        if method == "POST":
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        ctype = self.headers.get("Content-Type", "")
        if len(parts) < 3 or parts[0] != "solr":
            return self.error(404, f"no such endpoint {url.path} (this is a Solr test double)")
        handler = "/".join(parts[2:])
        try:
            if handler == "schema" or (handler == "admin/file" and params.get("file") == ["schema.xml"]):
                return self.reply(200, SCHEMA_XML, "application/xml; charset=utf-8")
            if handler == "admin/ping":
                return self.reply(200, json.dumps({"status": "OK"}))
            if handler == "select":
                if method == "POST" and "x-www-form-urlencoded" in ctype:
                    for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
                        params.setdefault(k, []).extend(v)
                return self.reply(200, json.dumps(self.index.select(params)))
            if handler == "update" and method == "POST":
                self.index.update(body, ctype)
                return self.reply(200, json.dumps({"responseHeader": {"status": 0, "QTime": 0}}))
        except (QueryError, ValueError, ET.ParseError, KeyError) as e:
            return self.error(400, f"{type(e).__name__}: {e}")
        return self.error(404, f"no handler {handler!r} for {method} (this is a Solr test double)")

    def do_GET(self) -> None:
        self.route("GET")

    def do_POST(self) -> None:
        self.route("POST")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # read when the socket starts listening


def make_server(host: str = "127.0.0.1", port: int = 0) -> Server:
    """A server with an empty index of its own (port 0: a free one, see server.server_port)."""
    return Server((host, port), type("BoundHandler", (Handler,), {"index": Index()}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="In-memory test double of the Solr search index for CKAN 2.12")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args(argv)
    server = make_server(args.host, args.port)
    sys.stderr.write(f"Solr test double listening on http://{args.host}:{server.server_port}/solr/<core>\n")
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
