"""Pure parts of the link checker: scheduling limits, status table, inputs, report text."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from urllib3.exceptions import InvalidHeader

from kanmin.links import classify, fetch, inputs, report, safety, schedule
from kanmin.links.model import Hop, Result, RunReport, Settings, is_failure


def test_scheduler_respects_per_host_and_global_limits():
    lock = threading.Lock()
    now: Counter = Counter()
    peak: Counter = Counter()

    def work(item):
        host = item[0]
        with lock:
            now[host] += 1
            now["*"] += 1
            peak[host] = max(peak[host], now[host])
            peak["*"] = max(peak["*"], now["*"])
        time.sleep(0.05)
        with lock:
            now[host] -= 1
            now["*"] -= 1
        return item

    items = [(h, i) for h in "abcd" for i in range(10)]
    t0 = time.monotonic()
    done = schedule.run(items, key=lambda it: it[0], work=work, concurrency=6, per_host=2,
                        deadline=time.monotonic() + 10)
    assert sorted(done.values()) == sorted(items)
    assert max(peak[h] for h in "abcd") == 2 and peak["*"] == 6
    # 40 items of 50 ms: ideal 7 rounds (0.35 s), 2 s if serialised behind one busy host.
    assert time.monotonic() - t0 < 1.2


class FakeClock(schedule.Clock):
    """Time that passes only while the scheduler waits, and then at once. A wait first lets the
    workers settle (``settled``: the scheduler's condition is notified as each item finishes; at
    most 5 real seconds), then moves the clock on by the whole timeout."""

    def __init__(self, settled=lambda: True):
        self.t = 1000.0
        self.waits: list[float] = []
        self.settled = settled

    def now(self) -> float:
        return self.t

    def wait(self, cond, timeout: float) -> None:
        assert len(self.waits) < 10, self.waits  # a scheduler that never stops waiting
        assert cond.wait_for(self.settled, timeout=5)
        self.waits.append(timeout)
        self.t += timeout


def test_scheduler_gives_up_at_the_deadline():
    """Three requests that never come back: the scheduler waits once, until the deadline and its
    grace on its clock, and returns nothing, without waiting in real time."""
    gate = threading.Event()
    clock = FakeClock()
    t0 = time.monotonic()
    done = schedule.run([1, 2, 3], key=str, work=lambda i: gate.wait(10), concurrency=3, per_host=1,
                        deadline=clock.now() + 30, clock=clock)
    gate.set()
    assert done == {}
    assert clock.waits == [30 + schedule.GRACE]
    assert time.monotonic() - t0 < 1


def test_scheduler_keeps_what_finished_before_the_deadline():
    """Two items finish, the third never does: the two results are returned, the third is absent."""
    gate = threading.Event()
    finished: list[int] = []
    clock = FakeClock(settled=lambda: len(finished) == 2)

    def work(i):
        if i == 3:
            gate.wait(10)
        return i * 10
    done = schedule.run([1, 2, 3], key=str, work=work, concurrency=3, per_host=1, deadline=clock.now() + 30,
                        on_done=lambda item, result: finished.append(item), clock=clock)
    gate.set()
    assert done == {0: 10, 1: 20}
    assert sorted(finished) == [1, 2] and clock.waits == [30 + schedule.GRACE]


def test_scheduler_reraises_bugs():
    def work(i):
        raise KeyError(i)
    with pytest.raises(KeyError):
        schedule.run([1, 2], key=str, work=work, concurrency=2, per_host=1,
                     deadline=time.monotonic() + 5)


@given(st.text(max_size=12))
def test_whitespace_check_matches_str_isspace(tail):
    """parse_target's fast whitespace test rejects exactly the URLs with a str.isspace char."""
    url = "http://example.org/" + tail
    try:
        safety.parse_target(url)
    except safety.InvalidUrl as e:
        rejected_as_whitespace = str(e).startswith("not a URL")
    else:
        rejected_as_whitespace = False
    assert rejected_as_whitespace == any(c.isspace() for c in url)


@pytest.mark.parametrize("url", ["", " ", "http://a b/", "http://example.org/\u3000", "http://x/\x85",
                                 "\thttp://example.org/", "http://example.org/\n"])
def test_empty_or_whitespace_urls_are_invalid(url):
    with pytest.raises(safety.InvalidUrl, match="not a URL"):
        safety.parse_target(url)


@pytest.mark.parametrize("code, status", [
    (200, "ok"), (204, "ok"), (400, "broken"), (401, "unknown"), (403, "unknown"),
    (404, "broken"), (410, "broken"), (418, "broken"), (429, "unknown"), (500, "broken"),
    (503, "broken"), (100, "error"),
])
def test_http_status_table(code, status):
    assert classify.from_http_status(code).status == status


def test_retry_after_header_forms():
    # Parsed by urllib3's Retry, cut to Settings.retry_after_cap (a bad value: fetch backs off).
    retry = fetch._Retry.of(fetch._Probe(Settings(retry_after_cap=60), None, time.monotonic() + 5))
    assert retry.parse_retry_after("7") == 7.0 and retry.parse_retry_after("3600") == 60
    with pytest.raises(InvalidHeader):
        retry.parse_retry_after("soon")
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry.parse_retry_after(later) <= 31
    past = format_datetime(datetime.now(UTC) - timedelta(days=1), usegmt=True)
    assert retry.parse_retry_after(past) == 0.0


def test_backoff_is_full_jitter_from_the_first_retry():
    retry = fetch._Retry.of(fetch._Probe(Settings(backoff=1.0, backoff_cap=30), None, time.monotonic() + 5))
    first = retry.new(history=(None,))  # after one failed try
    fourth = retry.new(history=(None,) * 4)
    waits = [first.get_backoff_time() for _ in range(200)]
    assert 0 <= min(waits) < 0.2 and 0.8 < max(waits) <= 1.0  # uniform over [0, 1 s]
    assert max(fourth.get_backoff_time() for _ in range(200)) > 4  # [0, 8 s]


def test_fail_on_tokens():
    broken = Result("u", "broken")
    dns = Result("u", "error", error="dns")
    assert is_failure(broken, ("broken",)) and not is_failure(broken, ("error",))
    assert is_failure(dns, ("error:dns",)) and not is_failure(dns, ("error:tls",))
    assert is_failure(dns, ("error",))
    broken.accepted = "known"
    assert not is_failure(broken, ("broken",))


url_part = st.text(alphabet="abcxyz/", min_size=1, max_size=6)


@given(st.lists(st.tuples(url_part, st.sampled_from(["P1", "P2", ""]), st.sampled_from(["R1", "R2", ""])),
                max_size=20))
def test_grouping_keeps_first_seen_order_and_all_citers(rows):
    rows = [("http://h/" + u, p, r) for u, p, r in rows]
    targets = inputs._group(rows)
    assert [t.url for t in targets] == list(dict.fromkeys(u for u, _, _ in rows))
    for t in targets:
        assert t.cited_by == tuple(sorted({p for u, p, _ in rows if u == t.url and p}))
        assert t.reference_ids == tuple(sorted({r for u, _, r in rows if u == t.url and r}))


def sample_report() -> RunReport:
    results = [
        Result("https://a.example/ok", "ok", 200, attempts=1, elapsed_ms=12,
               checked_at="2026-01-01T00:00:00.000Z", cited_by=("P1",), reference_ids=("R1",),
               method="HEAD"),
        Result("https://a.example/old", "redirected", 200, "https://a.example/new",
               [Hop("https://a.example/old", 301, "https://a.example/new")], True, attempts=2,
               elapsed_ms=20, checked_at="2026-01-01T00:00:01.000Z", cited_by=("P1", "P2"),
               reference_ids=("R2", "R3"), method="HEAD"),
        Result("https://b.example/x|y", "broken", 404, attempts=2, elapsed_ms=30,
               checked_at="2026-01-01T00:00:02.000Z", cited_by=("P3",), reference_ids=("R4",),
               method="GET", detail="HTTP 404 Not Found",
               archive_url="https://web.archive.org/web/2019/https://b.example/x|y"),
    ]
    return RunReport("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:03.000Z", 3000, Settings(),
                     results, requests_sent=5)


def test_csv_report_text():
    assert report.to_csv(sample_report()) == (
        "url,status,http_status,final_url,permanent,redirects,error,attempts,elapsed_ms,"
        "checked_at,cited_by,reference_ids,method,detail,archive_url,accepted,cached\n"
        "https://a.example/ok,ok,200,,,,,1,12,2026-01-01T00:00:00.000Z,P1,R1,HEAD,,,,False\n"
        "https://a.example/old,redirected,200,https://a.example/new,True,301>https://a.example/new,,"
        "2,20,2026-01-01T00:00:01.000Z,P1;P2,R2;R3,HEAD,,,,False\n"
        "https://b.example/x|y,broken,404,,,,,2,30,2026-01-01T00:00:02.000Z,P3,R4,GET,"
        "HTTP 404 Not Found,https://web.archive.org/web/2019/https://b.example/x|y,,False\n")


def test_json_report_parses_to_every_field_with_one_result_per_line():
    rep = sample_report()
    text = report.to_json(rep)
    data = json.loads(text)
    assert [r["url"] for r in data["results"]] == [r.url for r in rep.results]
    assert data["results"][1]["redirects"] == [
        {"url": "https://a.example/old", "status": 301, "location": "https://a.example/new"}]
    assert data["results"][1]["cited_by"] == ["P1", "P2"] and data["results"][1]["permanent"] is True
    assert set(data["results"][0]) == {f.name for f in dataclasses.fields(Result)}
    assert data["counts"]["broken"] == 1 and data["failures"] == 1 and data["requests_sent"] == 5
    result_lines = [line for line in text.splitlines() if line.startswith('    {"url": ')]
    assert len(result_lines) == 3 and text.endswith("\n  ]\n}\n")
    empty = json.loads(report.to_json(RunReport("a", "b", 0, Settings(), [])))
    assert empty["results"] == [] and empty["counts"]["ok"] == 0


def test_markdown_summary_text():
    # Tables come from kanmin.files.markdown_table (tabulate, cells escaped): the `|` in a URL
    # is escaped, an absent HTTP status or archive copy is an empty cell.
    assert report.to_markdown(sample_report()) == "\n".join([
        "## Link check", "",
        "3 distinct URLs checked 2026-01-01T00:00:00.000Z – 2026-01-01T00:00:03.000Z (3.0 s, "
        "5 requests). **1 link(s) fail** (`--fail-on broken,invalid`)", "",
        "|   ok |   redirected |   broken |   unknown |   timeout |   error |   invalid |   skipped |",
        "|-----:|-------------:|---------:|----------:|----------:|--------:|----------:|----------:|",
        "|    1 |            1 |        1 |         0 |         0 |       0 |         0 |         0 |", "",
        "### Needs attention", "",
        "| status   | URL                      |   HTTP | error / detail     | cited by   "
        "| archived copy                                             |",
        "|:---------|:-------------------------|-------:|:-------------------|:-----------"
        "|:----------------------------------------------------------|",
        "| broken   | <https://b.example/x\\|y> |    404 | HTTP 404 Not Found | P3         "
        "| <https://web.archive.org/web/2019/https://b.example/x\\|y> |", "",
        "### Moved permanently (update the citation?)", "",
        "| URL                     | now at                  | cited by   |",
        "|:------------------------|:------------------------|:-----------|",
        "| <https://a.example/old> | <https://a.example/new> | P1 P2      |", "",
    ])


def test_markdown_summary_escapes_every_cell_and_lists_accepted_and_stale_rules():
    rep = sample_report()
    rep.results[2].accepted = "cited by the source"
    rep.results[0].detail = "a|b\nc; accept list (line 3) expects broken"
    text = report.to_markdown(rep)
    assert "### Needs attention" not in text and "**No failing links.**" in text
    accepted = text.split("### Accepted (known, do not fail)\n\n", 1)[1].split("\n\n", 1)[0]
    stale = text.split("### Accept-list entries that no longer match\n\n", 1)[1].split("\n\n", 1)[0]
    assert "<https://b.example/x\\|y>" in accepted and len(accepted.splitlines()) == 3
    assert "a\\|b c; accept list (line 3) expects broken" in stale and len(stale.splitlines()) == 3
    for table in (accepted, stale):  # every row has the header's six cells
        assert {line.replace("\\|", "").count("|") for line in table.splitlines()} == {7}


EVIL_URL = "http://a.invalid/x>[click](https://evil.invalid/p)<"


def hostile_report() -> RunReport:
    return RunReport("a", "b", 0, Settings(), [
        Result(EVIL_URL, "error", error="dns", cited_by=("P1",)),
        Result('=HYPERLINK("https://evil.invalid/","x")', "invalid", detail="@SUM(1+1)*cmd|' /C calc'!A0",
               cited_by=("-2+3",)),
        Result("https://b.example/x", "broken", 404, detail="<img src=x onerror=alert(1)> **bold** [a](b)",
               archive_url="https://web.archive.org/web/2019/https://b.example/x"),
    ])


def test_markdown_summary_shows_hostile_urls_and_details_as_text():
    from markdown_it import MarkdownIt

    text = report.to_markdown(hostile_report())
    assert "| http://a.invalid/x\\>\\[click\\](https://evil.invalid/p)\\< |" in text
    html = MarkdownIt("commonmark").enable("table").render(text)
    links = re.findall(r'<a href="([^"]*)">([^<]*)</a>', html)
    assert links == [("https://b.example/x", "https://b.example/x"),
                     ("https://web.archive.org/web/2019/https://b.example/x",
                      "https://web.archive.org/web/2019/https://b.example/x")]
    assert "<img" not in html and "<strong>bold" not in html and "&lt;img src=x" in html
    assert "[click](https://evil.invalid/p)" in html  # shown, as text


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted_as_text():
    rows = list(csv.reader(io.StringIO(report.to_csv(hostile_report()))))
    header = rows[0]
    second = dict(zip(header, rows[2], strict=True))
    assert second["url"] == "\'=HYPERLINK(\"https://evil.invalid/\",\"x\")"
    assert second["detail"] == "\'@SUM(1+1)*cmd|' /C calc'!A0" and second["cited_by"] == "\'-2+3"
    assert dict(zip(header, rows[1], strict=True))["url"] == EVIL_URL  # harmless text stays as it is
    assert all(not cell.startswith(report.FORMULA_START) for row in rows for cell in row)


def _statuses(*statuses: tuple[str, str | None]) -> RunReport:
    return RunReport("a", "b", 0, Settings(), [Result(f"https://h.example/{i}", st, error=kind)
                                              for i, (st, kind) in enumerate(statuses)])


@pytest.mark.parametrize("statuses, verdict", [
    ([("error", "dns")] * 3, "**No link could be checked:** 3 of 3 links got no answer (error: dns 3). "
                             "Nothing fails under `--fail-on broken,invalid`, but nothing was verified "
                             "either: is the network reachable?"),
    ([("ok", None), ("error", "dns"), ("error", "connect"), ("timeout", None)],
     "**No link fails under `--fail-on broken,invalid`, but 3 of 4 links got no answer "
     "(error: connect 1, dns 1; timeout 1).**"),
    ([("broken", None), ("timeout", None)],
     "**1 link(s) fail** (`--fail-on broken,invalid`); 1 of 2 links got no answer (timeout 1)."),
    ([("ok", None), ("unknown", None)], "**No failing links.**"),
])
def test_summary_says_when_links_could_not_be_checked(statuses, verdict):
    rep = _statuses(*statuses)
    assert report.verdict(rep) == verdict
    assert verdict in report.to_markdown(rep)


def test_accept_list_problems_name_the_line_where_the_record_starts(tmp_path):
    """A reason may span lines (a quoted cell): a record after one is reported at its own first
    line, not at its index, and a record spanning lines at its first line, not its last."""
    from kanmin.links import accept
    from kanmin.links.inputs import InputError

    path = tmp_path / "accept.csv"
    path.write_text('pattern,expected_status,reason\n'
                    'http://a.invalid/,broken,"known dead,\nstays cited"\n'
                    '\n'
                    'http://a.invalid/,gone,"again\nand again"\n'
                    'http://b.invalid/,broken\n', encoding="utf-8")
    with pytest.raises(InputError) as e:
        accept.load(path)
    assert [(p.line, p.message) for p in e.value.problems] == [
        (5, "duplicate pattern 'http://a.invalid/' (first on line 2)"),
        (5, "expected_status 'gone' is not skip, a status other than ok (redirected, broken, unknown, timeout, "
            "error, invalid, skipped) or error:KIND (dns, connect, tls, reset, too_many_redirects, redirect_loop, "
            "protocol)"),
        (7, "give a reason why 'http://b.invalid/' stays")]
