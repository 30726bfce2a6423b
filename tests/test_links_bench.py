"""The link-check benchmark script (`make bench-linkcheck`): its bound and URL lists, and a
small end-to-end run against its own loopback server. Nothing here is timed: the figures are
printed by the script, never asserted."""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# The benchmark is a script beside the package, not part of it (benchmarks/linkcheck/bench.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "linkcheck"))
import bench  # noqa: E402

HOSTS = [f"127.0.0.{i + 2}" for i in range(20)]
PORTS = {h: 8000 + i for i, h in enumerate(HOSTS)}


def test_ideal_bound_of_the_issue_scenario():
    # 1,000 URLs over 20 hosts: 50 per host, 4 at a time -> 13 rounds; 80 in all -> 13 rounds.
    urls = bench.make_urls(1000, HOSTS, PORTS, "interleaved")
    assert bench.ideal_bound(urls, 0.1, 4, 80) == (pytest.approx(1.3), 13)
    # A global limit below hosts x per-host can bind instead: 1,000 / 16 -> 63 rounds.
    assert bench.ideal_bound(urls, 0.1, 4, 16) == (pytest.approx(6.3), 63)


def test_url_orders_are_the_same_urls_interleaved_or_grouped_by_host():
    inter = bench.make_urls(100, HOSTS[:4], PORTS, "interleaved")
    grouped = bench.make_urls(100, HOSTS[:4], PORTS, "grouped")
    assert sorted(inter) == sorted(grouped) and len(set(inter)) == 100
    assert [urlsplit(u).hostname for u in inter[:5]] == HOSTS[:4] + HOSTS[:1]
    hosts = [urlsplit(u).hostname for u in grouped]
    assert hosts == sorted(hosts, key=HOSTS.index) and Counter(hosts) == Counter({h: 25 for h in HOSTS[:4]})


def test_small_run_reports_every_contestant_within_the_limits(capsys):
    assert bench.main(["--urls", "24", "--hosts", "3", "--latency", "20", "--per-host", "2",
                       "--no-peers"]) == 0
    out = capsys.readouterr().out
    assert "ideal bound 0.08 s (4 rounds)" in out  # 8 per host, 2 at a time
    rows = re.findall(r"^(floor|kanmin engine|kanmin command) +[\d.]+ +[\d.]+ +(\d+) +(\d+)  (.*)$",
                      out, re.M)
    assert [r[0] for r in rows] == ["floor", "kanmin engine", "kanmin command"] * 2  # both orders
    for name, requests, peak, _note in rows:
        assert int(requests) == 24 and 1 <= int(peak) <= 2, (name, requests, peak)
    assert [r[3] for r in rows] == ["raw HEADs", "24 ok", "exit 0"] * 2
