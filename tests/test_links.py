"""Link checker against real servers on 127.0.0.1 (tests/links_helpers.py); no external host."""
from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import socket
import ssl
import threading
import time

import pytest
import trustme

from kanmin.links import Settings, Target, cache, check_urls, safety
from kanmin.links.model import Result
from links_helpers import HOLD, InFlight, Site, refused_port

FAST = Settings(allow_private=True, backoff=0.01, connect_timeout=2, read_timeout=2,
                deadline=20, retries=2, use_cache=False)


def check(url: str, **changes) -> Result:
    report = check_urls([Target(url)], dataclasses.replace(FAST, **changes))
    assert len(report.results) == 1
    return report.results[0]


@pytest.fixture(scope="module")
def site():
    with Site() as s:
        yield s


@pytest.mark.parametrize("path, status, http_status, error", [
    ("/ok", "ok", 200, None),
    ("/notfound", "broken", 404, None),
    ("/gone", "broken", 410, None),
    ("/e500", "broken", 500, None),
    ("/unauth", "unknown", 401, None),
    ("/forbidden", "unknown", 403, None),
    ("/ratelimited", "unknown", 429, None),
    ("/loop/a", "error", 302, "redirect_loop"),
    ("/chain/12", "error", 302, "too_many_redirects"),
    ("/reset", "error", None, "reset"),
])
def test_status_of_each_kind_of_answer(site, path, status, http_status, error):
    r = check(site.url(path))
    assert (r.status, r.http_status, r.error) == (status, http_status, error)
    assert r.checked_at.endswith("Z") and r.attempts >= 1


def test_ok_sends_one_head_and_no_get(site):
    before = site.hits[("GET", "/ok")]
    r = check(site.url("/ok"))
    assert (r.status, r.method, r.attempts, r.final_url, r.redirects) == ("ok", "HEAD", 1, None, [])
    assert site.hits[("GET", "/ok")] == before


def test_5xx_is_retried_then_broken(site):
    before = site.count("/e500")
    r = check(site.url("/e500"), retries=2)
    # HEAD 500 is unreliable, so GET is tried, with 2 retries: 1 HEAD + 3 GET.
    assert (r.status, r.attempts, r.method) == ("broken", 4, "GET")
    assert site.count("/e500") - before == 4


def test_retry_then_success(site):
    r = check(site.url("/flaky"))
    assert (r.status, r.http_status, r.attempts) == ("ok", 200, 3)


def test_retry_after_is_honoured(site):
    t0 = time.monotonic()
    r = check(site.url("/retry-after"), backoff=0.001)
    waited = time.monotonic() - t0
    assert (r.status, r.attempts) == ("ok", 2)
    assert waited >= 0.95, "Retry-After: 1 must be waited out, not the 1 ms backoff"


def test_retry_after_is_capped(site):
    t0 = time.monotonic()
    r = check(site.url("/retry-after-huge"), retry_after_cap=0.1, retries=2)
    assert (r.status, r.http_status, r.attempts) == ("unknown", 429, 3)
    assert time.monotonic() - t0 < 2


def test_head_refused_then_get(site):
    r = check(site.url("/head405"))
    assert (r.status, r.http_status, r.method, r.attempts) == ("ok", 200, "GET", 2)
    assert site.hits[("GET", "/head405")] >= 1


def test_redirect_chain_is_recorded(site):
    r = check(site.url("/redir/a"))
    assert r.status == "redirected" and r.permanent is False
    assert r.final_url == site.url("/ok")
    assert [(h.status, h.location) for h in r.redirects] == [
        (301, site.url("/redir/b")), (302, site.url("/ok"))]


def test_permanent_redirect(site):
    r = check(site.url("/perm"))
    assert (r.status, r.permanent, r.final_url) == ("redirected", True, site.url("/ok"))


def test_redirect_to_a_missing_page_is_broken_with_final_url(site):
    r = check(site.url("/redir-404"))
    assert (r.status, r.http_status, r.final_url) == ("broken", 404, site.url("/notfound"))


def test_redirect_loop_is_detected_before_the_limit(site):
    r = check(site.url("/loop/a"))
    assert r.error == "redirect_loop" and len(r.redirects) == 2


def test_ten_redirects_are_followed_eleven_are_not(site):
    assert check(site.url("/chain/10")).status == "redirected"
    r = check(site.url("/chain/11"))
    assert (r.status, r.error, len(r.redirects)) == ("error", "too_many_redirects", 11)


def test_cookies_are_kept_along_one_redirect_chain(site):
    r = check(site.url("/cookie"))
    assert (r.status, r.final_url) == ("redirected", site.url("/cookie-check"))


def test_slow_server_times_out(site):
    t0 = time.monotonic()
    r = check(site.url("/slow"), read_timeout=0.3, retries=0)
    assert r.status == "timeout" and r.error is None
    assert time.monotonic() - t0 < 2


@pytest.mark.parametrize("tls", [False, True])
def test_request_timeout_bounds_a_server_that_drips_its_headers(site, tls_site, tls):
    # One header byte every 0.1 s never trips the 2 s read timeout; only a total per-request
    # deadline (connect + headers) stops it, well before the 8 s run deadline.
    s, pem = tls_site if tls else (site, None)
    t0 = time.monotonic()
    r = check(s.url("/drip"), request_timeout=1.0, deadline=8, retries=2, ca_bundle=pem)
    elapsed = time.monotonic() - t0
    assert (r.status, r.attempts) == ("timeout", 1), r  # a timeout is not retried
    assert "request deadline (1 s)" in r.detail
    assert elapsed < 3, f"held {elapsed:.1f} s"


def test_overall_deadline_stops_a_run(site):
    urls = [Target(site.url("/slow") + f"?{i}") for i in range(6)]
    t0 = time.monotonic()
    report = check_urls(urls, dataclasses.replace(FAST, read_timeout=30, deadline=0.5, per_host=2))
    assert time.monotonic() - t0 < 3.5
    assert [r.status for r in report.results] == ["timeout"] * 6
    assert any("deadline" in (r.detail or "") for r in report.results)


def test_huge_body_is_not_downloaded(site):
    t0 = time.monotonic()
    r = check(site.url("/huge"))
    assert (r.status, r.method) == ("ok", "GET")
    assert time.monotonic() - t0 < 3
    assert site.body_bytes < 64 * 2**20  # of the 10 GiB offered, at most socket buffers went out


def test_a_retried_answer_s_body_is_not_downloaded_either(site):
    # urllib3's Retry drains a response's body before retrying; the checker's must not.
    before = site.body_bytes
    t0 = time.monotonic()
    r = check(site.url("/huge503"), retries=2)
    assert (r.status, r.http_status, r.method, r.attempts) == ("broken", 503, "GET", 4)  # HEAD + 3 GET
    assert site.body_bytes - before < 3 * 64 * 2**20 and time.monotonic() - t0 < 5


def test_requests_sent_counts_only_requests_that_reached_a_server(site):
    # Refused connections, DNS failures and refused addresses are tries, not requests sent.
    dead = f"http://127.0.0.1:{refused_port()}"
    targets = [Target(f"{dead}/{i}") for i in range(10)] + [Target("http://x.invalid/")]
    report = check_urls(targets, dataclasses.replace(FAST, retries=1))
    assert {r.error for r in report.results} == {"connect", "dns"}
    assert report.results[0].attempts == 2  # HEAD tried twice: tries, not requests
    assert report.requests_sent == 0
    before = site.total()
    report = check_urls([*targets[:3], Target(site.url("/ok?sent")), Target(site.url("/flaky?sent"))],
                        dataclasses.replace(FAST, retries=2))
    assert report.requests_sent == site.total() - before == 4  # 1 + 3 (two 503s, then 200)


def test_connection_reset_is_retried_then_error(site):
    before = site.count("/reset")
    r = check(site.url("/reset"), retries=1)
    assert (r.status, r.error) == ("error", "reset")
    # HEAD reset (retried once) → GET (retried once)
    assert r.attempts == 4 and site.count("/reset") - before == 4


def test_refused_port_is_a_connect_error():
    r = check(f"http://127.0.0.1:{refused_port()}/", retries=1)
    assert (r.status, r.error) == ("error", "connect")


def test_invalid_tld_is_a_dns_error_without_asking_a_resolver(monkeypatch):
    def no_resolver(*a, **k):
        raise AssertionError("the .invalid name must not reach the resolver")
    monkeypatch.setattr(socket, "getaddrinfo", no_resolver)
    r = check("http://no-such-host.invalid/page", allow_private=False)
    assert (r.status, r.error, r.attempts) == ("error", "dns", 1)


def test_resolver_failure_is_a_dns_error(monkeypatch):
    def failing(host, *a, **k):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    monkeypatch.setattr(socket, "getaddrinfo", failing)
    r = check("https://www.example.go.jp/page", allow_private=False)
    assert (r.status, r.error) == ("error", "dns")


@pytest.mark.parametrize("url", ["ftp://example.org/x", "mailto:a@example.org", "not a url",
                                 "http://", "https://exa mple.org/", "javascript:alert(1)"])
def test_invalid_urls_send_nothing(url):
    report = check_urls([Target(url)], FAST)
    assert report.results[0].status == "invalid"
    assert report.requests_sent == 0


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    pem = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    with Site(tls_context=ctx) as s:
        yield s, str(pem)


def test_self_signed_certificate_is_a_tls_error(tls_site):
    s, _ = tls_site
    r = check(s.url("/ok"))
    assert (r.status, r.error) == ("error", "tls")
    assert r.attempts == 1, "a certificate failure is not retried"


def test_trusted_ca_makes_https_ok(tls_site):
    s, pem = tls_site
    r = check(s.url("/ok"), ca_bundle=pem)
    assert (r.status, r.http_status) == ("ok", 200)


def test_private_address_refused_without_allow_private(site):
    before = site.total()
    r = check(site.url("/ok"), allow_private=False)
    assert r.status == "skipped" and "127.0.0.1" in r.detail and "--allow-private" in r.detail
    assert site.total() == before, "no request may reach a private address"


def test_redirect_to_a_private_address_is_refused(monkeypatch):
    # 127.0.0.1 plays a public site that redirects to 127.0.0.2, a private one.
    monkeypatch.setattr(safety, "is_public", lambda address: address == "127.0.0.1")
    with Site("127.0.0.2") as inner, Site() as outer:
        outer.elsewhere = inner.url("/ok")
        r = check(outer.url("/redirect-elsewhere"), allow_private=False)
        assert r.status == "skipped" and "127.0.0.2" in r.detail
        assert [h.location for h in r.redirects] == [inner.url("/ok")]
        assert inner.total() == 0


@pytest.mark.parametrize("address, public", [
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("240.0.0.1", False), ("::1", False), ("fe80::1", False), ("fc00::1", False),
    ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False), ("8.8.8.8", True),
    ("2001:4860:4860::8888", True), ("::ffff:8.8.8.8", True),
    # IPv6 forms embedding an IPv4 address are judged by the address they embed.
    ("::127.0.0.1", False), ("::10.0.0.1", False), ("::8.8.8.8", True),  # IPv4-compatible
    ("64:ff9b::7f00:1", False), ("64:ff9b::a9fe:a9fe", False), ("64:ff9b::808:808", True),  # NAT64
    ("64:ff9b:1::a00:1", False), ("64:ff9b:1::808:808", False),  # NAT64 local use: unreadable
    ("2002:7f00:1::", False), ("2002:c0a8:101::1", False), ("2002:808:808::1", True),  # 6to4
    ("::ffff:0:7f00:1", False), ("::ffff:0:808:808", True),  # IPv4-translated
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo (2001::/32): not global
])
def test_public_address_classification(address, public):
    assert safety.is_public(address) is public


@pytest.mark.parametrize("address", ["::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::", "::ffff:0:7f00:1"])
def test_a_name_resolving_to_an_ipv6_form_of_loopback_is_refused(monkeypatch, address):
    def resolver(host, port, *a, **k):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    report = check_urls([Target("http://rebound.example/")], dataclasses.replace(FAST, allow_private=False))
    r = report.results[0]
    assert r.status == "skipped" and address in r.detail and report.requests_sent == 0


def test_cached_rerun_sends_no_request_but_failures_are_rechecked(site, tmp_path):
    cache_file = tmp_path / "cache.json"
    ok, moved, bad = site.url("/ok?c"), site.url("/perm?c"), site.url("/notfound?c")
    targets = [Target(ok, ("P1",)), Target(moved), Target(bad)]
    cached = dataclasses.replace(FAST, use_cache=True)
    first = check_urls(targets, cached, cache_path=cache_file)
    assert [r.status for r in first.results] == ["ok", "redirected", "broken"]
    assert not any(r.cached for r in first.results)
    hits = site.total()

    second = check_urls(targets[:2], cached, cache_path=cache_file)
    assert site.total() == hits and second.requests_sent == 0
    assert [(r.status, r.cached) for r in second.results] == [("ok", True), ("redirected", True)]
    assert second.results[0].checked_at == first.results[0].checked_at  # the observation's date
    assert second.results[0].cited_by == ("P1",)

    third = check_urls(targets, cached, cache_path=cache_file)
    assert third.requests_sent >= 1 and site.count("/notfound?c") == 4  # failures: always rechecked
    assert [r.cached for r in third.results] == [True, True, False]

    check_urls(targets[:1], dataclasses.replace(cached, use_cache=False), cache_path=cache_file)
    check_urls(targets[:1], dataclasses.replace(cached, cache_ttl=1e-6), cache_path=cache_file)
    assert site.count("/ok?c") == 3  # --no-cache and an expired TTL both request again


def test_two_runs_sharing_an_output_folder_keep_both_runs_in_the_cache(site, tmp_path):
    # Both runs start before either saves, as two CI jobs writing to one folder would.
    cache_file = tmp_path / "cache.json"
    cached = dataclasses.replace(FAST, use_cache=True, per_host=1)
    a_urls = [Target(site.url(f"/hold?a{i}")) for i in range(3)]
    b_urls = [Target(site.url(f"/ok?b{i}")) for i in range(3)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        a = pool.submit(check_urls, a_urls, cached, cache_path=cache_file)  # ~3 × HOLD: saves last
        b = pool.submit(check_urls, b_urls, cached, cache_path=cache_file)
        a.result(), b.result()
    saved = cache.load(cache_file)
    assert sorted(saved) == sorted(t.url for t in a_urls + b_urls)
    assert not list(tmp_path.glob(".cache.json-*"))  # no temporary file left behind


def test_concurrent_saves_lose_nothing(tmp_path):
    cache_file = tmp_path / "cache.json"
    stamp = "2026-01-01T00:00:00.000Z"
    barrier = threading.Barrier(8)

    def save(i):
        barrier.wait()
        cache.save(cache_file, [Result(f"https://h.example/{i}", "ok", 200, checked_at=stamp)])
    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache.load(cache_file)) == 8


def test_reports_are_replaced_whole_never_rewritten_in_place(site, tmp_path):
    # A reader holding the old report (or a run killed mid-write) sees a whole file: each report
    # is written beside and renamed over the old one, so the old file's inode is never truncated.
    from kanmin.links import report
    first = report.write(check_urls([Target(site.url("/notfound?w1"))], FAST), tmp_path)
    old = {kind: (p.open(encoding="utf-8"), p.read_text(encoding="utf-8")) for kind, p in first.items()}
    report.write(check_urls([Target(site.url("/notfound?w2"))], FAST), tmp_path)
    for kind, (handle, text) in old.items():
        with handle:
            assert handle.read() == text, kind  # still the whole old file
        assert "w2" in first[kind].read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv", "report.json", "summary.md"]


def test_corrupt_cache_is_ignored(site, tmp_path):
    cache_file = tmp_path / "cache.json"
    cache_file.write_text("{not json", encoding="utf-8")
    report = check_urls([Target(site.url("/ok?corrupt"))], dataclasses.replace(FAST, use_cache=True),
                        cache_path=cache_file)
    assert report.results[0].status == "ok" and report.requests_sent == 1


def test_archive_snapshot_is_looked_up_for_broken_links_only(site):
    s = dataclasses.replace(FAST, archive=True, archive_base=site.url("/wayback/"))
    report = check_urls([Target(site.url("/notfound?a")), Target(site.url("/ok?a")),
                         Target(site.url("/gone?a"))], s)
    missing, fine, gone = report.results
    assert missing.archive_url == site.url(f"/wayback/20190101000000/{site.url('/notfound?a')}")
    assert fine.archive_url is None and gone.archive_url is None  # the fake has no copy of /gone
    assert site.count(f"/wayback/{site.url('/ok?a')}") == 0


def test_per_host_and_global_limits_hold():
    # Every request is held HOLD s by the server. 10 URLs on one host and 2 on another, at most
    # 2 per host and 3 overall: while both hosts have work the global limit binds (2 + 1), after
    # that only the per-host limit keeps the busy host at 2 although a worker is free.
    gauge = InFlight()
    with Site("127.0.0.1", inflight=gauge) as busy, Site("127.0.0.3", inflight=gauge) as quiet:
        urls = [Target(busy.url(f"/hold?limit{i}")) for i in range(10)]
        urls[1:1] = [Target(quiet.url(f"/hold?limit{i}")) for i in range(2)]
        t0 = time.monotonic()
        report = check_urls(urls, dataclasses.replace(FAST, per_host=2, concurrency=3))
        elapsed = time.monotonic() - t0
    assert [r.status for r in report.results] == ["ok"] * 12
    assert gauge.peak["127.0.0.1"] == 2 and gauge.peak["127.0.0.3"] <= 2, gauge.peak  # reached, not exceeded
    assert gauge.peak_total == 3  # reached, not exceeded
    assert elapsed < 12 * HOLD  # the requests did overlap (one at a time would take 2.4 s)


def test_default_global_limit_does_not_throttle_a_many_host_list():
    # 8 hosts x 8 URLs, each held HOLD s: with the defaults every host has its 4 requests in
    # flight at once (32 in all); the old global default of 16 held it to half of that.
    gauge = InFlight()
    hosts = [f"127.0.0.{i}" for i in range(2, 10)]
    with contextlib.ExitStack() as stack:
        sites = [stack.enter_context(Site(h, inflight=gauge)) for h in hosts]
        urls = [Target(s.url(f"/hold?many{i}")) for i in range(8) for s in sites]
        settings = dataclasses.replace(Settings(), allow_private=True, use_cache=False)
        report = check_urls(urls, settings)
    assert [r.status for r in report.results] == ["ok"] * 64
    assert max(gauge.peak.values()) == 4 and gauge.peak_total == 32, (gauge.peak, gauge.peak_total)
