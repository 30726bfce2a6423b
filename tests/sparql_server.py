"""An Oxigraph SPARQL server for the tests, started with the README's commands ("Load the graph"):

    oxigraph load --location store --file build/rdf/data.ttl build/rdf/vocab.ttl build/rdf/catalog.ttl
    oxigraph serve --location store --bind 127.0.0.1:7878

(here with a temporary store and a free port), and a SPARQL 1.1 protocol client on urllib3.
Nothing here skips: a missing binary, a busy port or a server that does not answer is an error."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import urllib3

from kanmin.rdf.examples import QUERY_GRAPH
from support import free_port, stop_process

# The version the README installs (pip install oxigraph==...); the dev extra pins the same.
OXIGRAPH_VERSION = "0.5.13"
INSTALL_HINT = f"pip install oxigraph=={OXIGRAPH_VERSION} (or pip install -e '.[dev]')"
# The published files the README loads, in this order (kanmin.rdf.examples.QUERY_GRAPH, which the
# site's query page loads too), and its two commands (a test compares them with the README; the
# README's store is store/ and its port 7878).
PUBLISHED = tuple(PurePosixPath(path).name for path in QUERY_GRAPH)
RDF_DIR = "build/rdf"
assert all(path == f"{RDF_DIR}/{name}" for path, name in zip(QUERY_GRAPH, PUBLISHED, strict=True))


def load_args(store: str, rdf_dir: str = RDF_DIR) -> list[str]:
    return ["load", "--location", store, "--file", *(f"{rdf_dir}/{name}" for name in PUBLISHED)]


def serve_args(store: str, port: int) -> list[str]:
    return ["serve", "--location", store, "--bind", f"127.0.0.1:{port}"]


START_TIMEOUT_S = 30.0


class ServerError(RuntimeError):
    """The server could not be installed, loaded, started or reached."""


def oxigraph_binary() -> str:
    """The ``oxigraph`` CLI of the running interpreter's environment first (the venv's bin/), then PATH."""
    here = Path(sys.executable).parent / "oxigraph"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("oxigraph")
    if found is None:
        raise ServerError(f"the oxigraph server CLI is not installed: {INSTALL_HINT}")
    return found


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise ServerError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


@dataclass
class SparqlServer:
    """One running ``oxigraph serve``: its own PID (no shell in between) and its query endpoint."""

    process: subprocess.Popen
    endpoint: str
    log: Path
    started_in_s: float

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """Stop the server by its PID: SIGTERM, then SIGKILL after 10 s."""
        stop_process(self.process)

    def _request(self, query: str, accept: str, method: str, read_timeout: float = 60) -> str:
        http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=read_timeout))
        if method == "GET":  # SPARQL 1.1 protocol: query via GET, URL-encoded in the query string
            resp = http.request("GET", self.endpoint, fields={"query": query}, headers={"Accept": accept})
        else:  # query via POST, URL-encoded form (what `curl --data-urlencode query@file.rq` sends)
            resp = http.request("POST", self.endpoint, fields={"query": query}, encode_multipart=False,
                                headers={"Accept": accept})
        body = resp.data.decode("utf-8")
        if resp.status != 200:
            raise ServerError(f"{method} {self.endpoint}: HTTP {resp.status}: {body[:500]}")
        content_type = resp.headers.get("Content-Type", "")
        if not content_type.startswith(accept):
            raise ServerError(f"asked for {accept}, got {content_type!r}")
        return body

    def select_csv(self, query: str, method: str = "POST") -> list[list[str]]:
        """Header and rows of a SELECT, as ``text/csv`` (SPARQL 1.1 CSV results; unbound = empty)."""
        return list(csv.reader(io.StringIO(self._request(query, "text/csv", method), newline="")))

    def select_json(self, query: str, method: str = "GET") -> list[list[str]]:
        """The same rows from ``application/sparql-results+json`` (values only, unbound = empty)."""
        doc = json.loads(self._request(query, "application/sparql-results+json", method))
        names = doc["head"]["vars"]
        return [names] + [[b[n]["value"] if n in b else "" for n in names] for b in doc["results"]["bindings"]]


def start_server(rdf_dir: Path, store: Path) -> SparqlServer:
    """Load the published files of ``rdf_dir`` into a new ``store`` and serve it on a free port."""
    binary = oxigraph_binary()
    files = [rdf_dir / name for name in PUBLISHED]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ServerError(f"published RDF files missing: {missing} (run `kanmin build`)")
    if store.exists():
        raise ServerError(f"{store} exists: the store must be new, or it keeps old triples")
    began = time.monotonic()
    _run([binary, *load_args(str(store), str(rdf_dir))])
    port = free_port()
    if not port_is_free(port):
        raise ServerError(f"port {port} on 127.0.0.1 is in use")
    log = store.parent / "oxigraph-serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([binary, *serve_args(str(store), port)],
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = SparqlServer(process, f"http://127.0.0.1:{port}/query", log, 0.0)
    try:
        _wait_until_ready(server, began + START_TIMEOUT_S)
    except BaseException:
        server.stop()
        raise
    server.started_in_s = time.monotonic() - began
    return server


def _wait_until_ready(server: SparqlServer, deadline: float) -> None:
    """Ready when our process says it listens on our address (so a stranger on the port cannot pass
    for it) and the endpoint answers a query."""
    listening = f"Listening for requests at {server.endpoint.removesuffix('/query')}"
    last: object = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:  # e.g. the port was taken in between
            raise ServerError(f"oxigraph serve (PID {server.pid}) exited with {server.process.returncode}:\n"
                              f"{server.log.read_text(encoding='utf-8', errors='replace')}")
        if listening not in server.log.read_text(encoding="utf-8", errors="replace"):
            last = f"its log does not say {listening!r} yet"
        else:
            try:
                if server._request("ASK { ?s ?p ?o }", "application/sparql-results+json", "GET", read_timeout=2):
                    return
            except (urllib3.exceptions.HTTPError, ServerError) as e:
                last = e
        time.sleep(0.05)
    raise ServerError(f"{server.endpoint} (PID {server.pid}) not ready within {START_TIMEOUT_S} s: {last}")
