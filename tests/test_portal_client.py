"""The portal client (kanmin.portal.client) against servers on 127.0.0.1 started here: timeouts
and retries, the token scrubbed from every message, and the addresses it refuses to send the
token to."""

from __future__ import annotations

import html
import io
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus

import pytest
import requests

from kanmin import cli, errors
from kanmin.errors import DataError
from kanmin.portal.publish import Portal

# kanmin.portal.client is imported inside the tests that need it, so that this module also runs
# against the code from before it existed (each test then fails on its own).
TOKEN = "tok-SECRET-7f3a9c"
FAST = {"connect": 2.0, "read": 0.2, "retries": 2, "backoff": 0.01}


def _limits(**kw):
    from kanmin.portal.client import Limits

    return Limits(**kw)


# --- servers --------------------------------------------------------------------------------------

class Silent:
    """A TCP server that accepts every connection and never reads or answers a byte."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)  # so that the accepting thread sees close() soon
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture()
def silent() -> Iterator[Silent]:
    server = Silent()
    yield server
    server.close()


@contextmanager
def full_backlog() -> Iterator[str]:
    """An address whose listen queue is full, so that a new connection is never set up
    (Linux drops the SYN): a connect timeout without leaving 127.0.0.1."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(4):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(s)
    time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for s in fillers:
            s.close()
        server.close()


class Flaky(ThreadingHTTPServer):
    """CKAN's action API that fails the first ``failures`` requests with HTTP 502, then succeeds."""

    daemon_threads = True

    def __init__(self, failures: int):
        self.failures = failures
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _FlakyHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _FlakyHandler(BaseHTTPRequestHandler):
    server: Flaky

    def log_message(self, format, *args):  # keep pytest output readable
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append(self.path)
        if len(self.server.requests) <= self.server.failures:
            body, code, kind = b"<html>Bad Gateway</html>", 502, "text/html"
        else:
            body, code, kind = json.dumps({"success": True, "result": ["ok"]}).encode(), 200, "application/json"
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def flaky(failures: int) -> Iterator[Flaky]:
    server = Flaky(failures)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _printed(exc: DataError) -> str:
    out = io.StringIO()
    errors.report(exc.problems, out)
    return out.getvalue()


# --- timeouts and retries -------------------------------------------------------------------------

def test_a_portal_that_never_answers_is_a_read_timeout_naming_the_action(silent):
    portal = Portal(silent.url, TOKEN, limits=_limits(**FAST))
    start = time.monotonic()
    with pytest.raises(DataError) as err:
        portal.call("package_show", id="x")
    text = _printed(err.value)
    assert time.monotonic() - start < 5
    assert text.count("error:") == 1
    assert "package_show: the portal did not answer within 0.2 s (read timeout) (tried 3 times)" in text
    assert "raise --read-timeout (now 0.2 s" in text
    assert len(silent.accepted) == 3  # a read is tried again
    assert portal.calls["package_show"] == 3


def test_a_write_is_never_sent_twice(silent):
    portal = Portal(silent.url, TOKEN, limits=_limits(**FAST))
    with pytest.raises(DataError) as err:
        portal.call("package_create", name="x")
    text = _printed(err.value)
    assert "package_create: the portal did not answer within 0.2 s (read timeout)" in text
    assert "tried" not in text and "completed by the next run" in text
    assert len(silent.accepted) == 1


def test_an_upload_the_portal_does_not_take_is_a_timeout(silent, tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 20_000_000)  # more than the socket buffers hold
    portal = Portal(silent.url, TOKEN, limits=_limits(connect=0.3, read=0.2))
    start = time.monotonic()
    with pytest.raises(DataError) as err:
        portal.call("resource_create", upload=big, package_id="p")
    text = _printed(err.value)
    assert time.monotonic() - start < 5
    assert "resource_create: the portal took nothing of the request for 0.3 s while it was being sent" in text
    assert "raise --connect-timeout" in text
    assert len(silent.accepted) == 1


def test_no_connection_is_a_connect_timeout():
    with full_backlog() as url:
        portal = Portal(url, TOKEN, limits=_limits(connect=0.2, read=5, retries=1, backoff=0.01))
        start = time.monotonic()
        with pytest.raises(DataError) as err:
            portal.call("license_list")
    assert time.monotonic() - start < 5
    text = _printed(err.value)
    assert "license_list: no connection to the portal within 0.2 s (connect timeout) (tried 2 times)" in text
    assert "raise --connect-timeout" in text


def test_a_read_is_retried_after_a_5xx_and_a_write_is_not():
    with flaky(failures=2) as server:
        portal = Portal(server.url, TOKEN, limits=_limits(**FAST))
        assert portal.call("license_list") == ["ok"]
        assert server.requests == ["/api/action/license_list"] * 3
    with flaky(failures=1) as server:
        portal = Portal(server.url, TOKEN, limits=_limits(**FAST))
        with pytest.raises(DataError, match="package_patch: HTTP 502"):
            portal.call("package_patch", id="x")
        assert server.requests == ["/api/action/package_patch"]


def test_every_request_has_both_timeouts(monkeypatch):
    from kanmin.portal import client

    seen = []

    def post(self, url, **kwargs):
        seen.append(kwargs.get("timeout"))
        raise requests.ConnectionError("refused")

    monkeypatch.setattr(requests.Session, "post", post)
    monkeypatch.setattr(client, "_sleep", lambda _s: None)
    with pytest.raises(DataError):
        Portal("http://127.0.0.1:9", TOKEN).call("package_show", id="x")
    with pytest.raises(DataError):
        Portal("http://127.0.0.1:9", TOKEN, limits=_limits(connect=3, read=600)).call("resource_patch", id="x")
    assert seen == [(10.0, 120.0)] * 3 + [(3, 600)]


def test_the_command_line_sets_the_timeouts(silent, monkeypatch, capsys, tmp_path):
    from kanmin.portal import client

    monkeypatch.setenv("CKAN_API_TOKEN", TOKEN)
    monkeypatch.setattr(client, "_sleep", lambda _s: None)
    from support import copy_published_package

    package = copy_published_package(tmp_path / "pkg")
    start = time.monotonic()
    code = cli.main(["ckan", "publish", "--url", silent.url, "--owner-org", "kanmin", "--package", str(package),
                     "--connect-timeout", "2", "--read-timeout", "0.2"])
    err = capsys.readouterr().err
    assert code == 1 and time.monotonic() - start < 10
    assert err.count("error:") == 1 and "Traceback" not in err
    assert "license_list: the portal did not answer within 0.2 s (read timeout)" in err
    assert "--read-timeout" in err and TOKEN not in err


# --- the token in messages -----------------------------------------------------------------------

LONG_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJhYi9jZCtlZj0ifQ/x+y=z_AbC-0123456789"
FILLER = ("CKAN could not do what was asked because the value given is not one it accepts; the "
          "request was logged with its headers and body for the administrators of this portal. ") * 4


def _forms(token: str) -> dict[str, str]:
    json_escaped = json.dumps(token)[1:-1]
    return {
        "raw": token,
        "quote": quote(token),
        "quote, nothing safe": quote(token, safe=""),
        "quote, lower-case hex": re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(token, safe="")),
        "quote_plus": quote_plus(token),
        "JSON": json_escaped,
        "JSON with \\/": json_escaped.replace("/", "\\/"),
        "JSON with \\/, in a repr": repr(json_escaped.replace("/", "\\/"))[1:-1],
        "JSON \\u escapes": "".join(f"\\u{ord(c):04x}" for c in token),
        "HTML": html.escape(token),
        "HTML numeric": "".join(f"&#{ord(c)};" for c in token),
        "split by spaces": " ".join(token),
        "split across lines": token[:20] + "\n" + token[20:41] + "\r\n  " + token[41:],
        "split by an escaped newline": token[:30] + "\\n" + token[30:],
    }


class _Raising:
    def __init__(self, exc: Exception):
        self.exc = exc

    def call_action(self, action, data_dict=None, files=None, requests_kwargs=None):
        raise self.exc


class _ValidationError(Exception):
    def __init__(self, error_dict):
        super().__init__(error_dict)
        self.error_dict = error_dict


_ValidationError.__name__ = "ValidationError"  # what ckanapi's is called


def test_the_token_is_scrubbed_at_every_position_in_every_form():
    assert len(FILLER) > 2 * 300  # messages are cut at 300 characters
    checked = 0
    raising = _Raising(Exception())
    portal = Portal("http://ckan.test", LONG_TOKEN, ckan=raising)
    for form, encoded in _forms(LONG_TOKEN).items():
        for position in range(len(FILLER) + 1):
            text = FILLER[:position] + encoded + FILLER[position:]
            for exc in (requests.ConnectionError(text), _ValidationError({"name": [text]})):
                raising.exc = exc
                with pytest.raises(DataError) as err:
                    portal.call("package_create")  # a write: tried once
                printed = _printed(err.value)
                for leak in (LONG_TOKEN[:7], encoded[:7], LONG_TOKEN[-7:], encoded[-7:]):
                    assert leak not in printed, (form, position, leak)
                checked += 1
    assert checked == 2 * len(_forms(LONG_TOKEN)) * (len(FILLER) + 1)


def test_scrubbing_before_cutting_keeps_the_message_readable():
    text = FILLER[:250] + LONG_TOKEN + FILLER[:250]
    with pytest.raises(DataError) as err:
        Portal("http://ckan.test", LONG_TOKEN, ckan=_Raising(requests.ConnectionError(text))).call("package_create")
    message = err.value.problems[0].message
    assert FILLER[:250].strip() + "***" in message and message.endswith("…)")


def test_a_short_token_is_scrubbed_only_as_a_whole_word():
    text = "HTTPConnectionPool(host='ckan.test', port=80): Max retries exceeded with url: /api (token x, 'x')"
    with pytest.raises(DataError) as err:
        Portal("http://ckan.test", "x", ckan=_Raising(requests.ConnectionError(text))).call("package_create")
    assert ("HTTPConnectionPool(host='ckan.test', port=80): Max retries exceeded with url: /api (token ***, '***')"
            in _printed(err.value))


# --- where it connects -----------------------------------------------------------------------------

@pytest.fixture()
def no_call(monkeypatch):
    """Fail the test if any request is made (through ckanapi or requests)."""
    import ckanapi

    def refuse(*_args, **_kwargs):
        raise AssertionError("a request was made")

    monkeypatch.setattr(ckanapi.RemoteCKAN, "call_action", refuse)
    monkeypatch.setattr(requests.Session, "request", refuse)


def _publish(url, monkeypatch, capsys, *extra):
    monkeypatch.setenv("CKAN_API_TOKEN", TOKEN)
    monkeypatch.delenv("CKAN_URL", raising=False)
    code = cli.main(["ckan", "publish", "--url", url, "--owner-org", "kanmin", *extra])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("url", "address"), [
    ("http://169.254.169.254/", "169.254.169.254"),
    ("http://169.254.10.1:5000", "169.254.10.1"),
    ("http://[fe80::1]", "fe80::1"),
    ("http://[::ffff:169.254.169.254]", "::ffff:169.254.169.254"),
    ("http://[64:ff9b::a9fe:a9fe]", "64:ff9b::a9fe:a9fe"),
    ("https://[fd00:ec2::254]", "fd00:ec2::254"),
    ("http://100.100.100.200", "100.100.100.200"),
])
def test_a_link_local_or_metadata_address_is_refused(url, address, no_call, monkeypatch, capsys):
    code, err = _publish(url, monkeypatch, capsys)
    assert code == 2 and err.count("error:") == 1
    assert f" is {address}, a " in err and "--allow-link-local" in err


def test_a_metadata_name_is_refused_without_asking_a_resolver(no_call, monkeypatch, capsys):
    def resolver(*_args, **_kwargs):
        raise AssertionError("resolved")

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    code, err = _publish("http://metadata.google.internal/computeMetadata/v1/", monkeypatch, capsys)
    assert code == 2 and "metadata.google.internal is a cloud metadata service" in err
    assert "--allow-link-local" in err


@pytest.mark.parametrize("answer", ["169.254.169.254", "fe80::a:b", "::ffff:169.254.1.2"])
def test_a_name_resolving_to_a_link_local_address_is_refused(answer, no_call, monkeypatch, capsys):
    real = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):
        if host != "portal.example.org":
            return real(host, port, *args, **kwargs)
        family = socket.AF_INET6 if ":" in answer else socket.AF_INET
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.10", port)),
                (family, socket.SOCK_STREAM, 6, "", (answer, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    code, err = _publish("https://portal.example.org", monkeypatch, capsys)
    assert code == 2
    assert f"portal.example.org resolves to {answer}, a " in err and "--allow-link-local" in err


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "http://[::1]:5000", "http://10.1.2.3",
                                 "http://192.168.10.20:8080", "https://172.16.0.1", "http://100.64.0.1"])
def test_loopback_and_private_portals_are_allowed(url):
    from kanmin.portal.client import check_target

    check_target(url)


def test_allow_link_local_lets_the_publisher_connect(monkeypatch, capsys, tmp_path):
    import ckanapi

    from kanmin.portal import client
    from support import copy_published_package

    tried = []

    def unreachable(self, action, *_args, **_kwargs):
        tried.append((self.address, action))
        raise requests.ConnectionError("no route to host")

    monkeypatch.setattr(ckanapi.RemoteCKAN, "call_action", unreachable)
    monkeypatch.setattr(client, "_sleep", lambda _s: None)
    package = copy_published_package(tmp_path / "pkg")
    code, err = _publish("http://169.254.169.254", monkeypatch, capsys, "--allow-link-local",
                         "--package", str(package))
    assert code == 1 and "license_list: the portal is unreachable" in err
    assert tried == [("http://169.254.169.254", "license_list")] * 3
