"""Load on ``kanmin serve`` (Datasette) as a portal would see it: prints figures, asserts nothing.

A real server is started as the README says (``kanmin serve``, 127.0.0.1, a free port; by
``tests/datasette_server.py``, which the tests use too) and stopped by its PID. Three requests, each
at 1, 10 and 50 concurrent clients (threads, one keep-alive HTTP connection each) with a fixed
number of requests per client count (``--requests``, default 300; bounded: no duration, no ramp):

- ``policies``: the 75 policies as JSON (``/db/policies.json?_shape=array&_size=max``);
- ``facet``: the policy-ministry rows of lead ministries, faceted by ministry (``?role=lead&_facet=ministry_id``);
- ``search``: the trigram full-text search for マイナンバー (``/db/policies.json?_search=…``).

Printed per request and client count: requests per second (requests / wall time) and the median
and p99 latency (ms) of the requests, and how many answered other than 200 (must be 0). The client
runs in this process and shares the machine's CPUs with the server: on a 2-CPU machine the figures
are the client's and the server's together, a floor for what a portal's server would answer.

  .venv/bin/python benchmarks/serve_load.py [--requests 300] [--clients 1 10 50]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from datasette_server import DB, start_server  # noqa: E402  (tests/ is the home of the server helper)

REQUESTS = {
    "policies": f"/{DB}/policies.json?_shape=array&_size=max",
    "facet": f"/{DB}/policy_ministries.json?role=lead&_facet=ministry_id&_size=0",
    "search": f"/{DB}/policies.json?" + urllib.parse.urlencode({"_search": "マイナンバー", "_shape": "array"}),
}


def run(port: int, path: str, clients: int, total: int) -> dict:
    """``total`` GETs of ``path`` by ``clients`` threads (each its share, on one connection)."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def client(n: int) -> None:
        nonlocal failures
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], 0
        for _ in range(n):
            began = time.perf_counter()
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - began)
            bad += resp.status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            failures += bad

    shares = [total // clients + (i < total % clients) for i in range(clients)]
    threads = [threading.Thread(target=client, args=(n,)) for n in shares]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {"rps": total / wall, "median_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, "non_200": failures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="requests per request kind and client count")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--package", type=Path, default=REPO)
    args = parser.parse_args(argv)
    log = Path("/tmp") / f"kanmin-serve-load-{time.time_ns()}.log"
    server = start_server(args.package, log)
    port = int(server.base.rsplit(":", 1)[1])
    try:
        for path in REQUESTS.values():  # warm up: each page once
            run(port, path, 1, 3)
        print(f"{'request':10} {'clients':>7} {'req/s':>8} {'median ms':>10} {'p99 ms':>8} {'non-200':>8}")
        for name, path in REQUESTS.items():
            for clients in args.clients:
                r = run(port, path, clients, args.requests)
                print(f"{name:10} {clients:7d} {r['rps']:8.0f} {r['median_ms']:10.1f} {r['p99_ms']:8.1f} "
                      f"{r['non_200']:8d}")
    finally:
        server.stop()
        log.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
