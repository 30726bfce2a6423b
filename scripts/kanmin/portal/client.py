"""A CKAN portal's action API as the publisher uses it: where it may connect, how long it waits,
what it retries, and what a failure says, with the API token scrubbed from all of it.

Input: the portal's address, the API token and ``Limits`` (timeouts, retries). Output:
``Portal.call(action, **data)`` returns the action's result (through ckanapi's ``RemoteCKAN``,
every request counted); a failure is one ``DataError`` naming the action, what failed and what
to do. Three answers the publisher acts on have their own types: ``NotFoundError`` (package_show
of a dataset that is not there yet), ``RefusedError`` (a ``DataError``: "not authorised") and
``UnknownActionError`` (CKAN's HTTP 400 "Action name not known": an action of an extension the
portal does not run, e.g. ckanext-scheming's ``scheming_dataset_schema_show``).

- **Where.** Before the client is made, ``check_target`` resolves the portal's host. A link-local
  address (169.254.0.0/16, fe80::/10) or a cloud metadata service (``METADATA_ADDRESSES``, the
  name metadata.google.internal), also inside an IPv6 address that embeds an IPv4 one (judged as
  the link checker judges them: ``links.safety.judged_address``), is a ``UsageError`` unless
  allowed: the API token would be sent there. Loopback and private addresses are allowed (the
  tests, intranet portals). The check runs once, before the first call; requests resolves the
  name again when it connects, so a DNS answer that changes in between is not caught. ckanapi's
  POSTs follow no redirect.
- **How long.** Every request has a connect and a read timeout (``Limits``). urllib3 applies the
  connect timeout until the request has been sent, so it also bounds each stall while an upload
  is sent; the read timeout bounds each wait for the answer, and CKAN answers an upload or a
  DataStore load only once it has stored it (hence the long default).
- **Retries.** Only the actions that read (``READ_ACTIONS``) are sent again, ``Limits.retries``
  times with a doubling back-off, after a connection error, a timeout or an HTTP 5xx. A write is
  never sent twice: it may have taken effect; the next publish finds what was written by its
  ``uri`` and completes it.
- **The token.** ``TokenScrubber`` runs on every text that comes from outside (exception
  messages, CKAN's error dicts) before it is shortened, and finds the token raw, percent-encoded
  (quote and quote_plus, hex in either case), JSON-escaped (``\\/``, ``\\uXXXX``, also with the
  backslash doubled by a repr), HTML-escaped (named or numeric) and with white space (or an
  escaped ``\\n``, ``\\r``, ``\\t``) between its characters; in CKAN's error dicts each text is
  scrubbed before the dict is formatted. A token shorter than ``SHORT_TOKEN`` characters is
  scrubbed only where it stands as a whole word (no letter, digit or ``_`` next to it) and
  unsplit, so that with ``CKAN_API_TOKEN=x`` "Max retries exceeded" stays as it is.
"""

from __future__ import annotations

import ast
import html
import ipaddress
import re
import socket
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import DataError, Problem, UsageError

#: Actions that only read, so sending one again after a failure changes nothing.
READ_ACTIONS = frozenset({"license_list", "organization_list_for_user", "organization_show", "package_show",
                          "datastore_search", "scheming_dataset_schema_show"})
#: Cloud metadata services (AWS and others on 169.254.169.254, AWS's IPv6 one, Alibaba Cloud's).
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254",
                                                                  "100.100.100.200"))
METADATA_NAMES = frozenset({"metadata.google.internal"})
ALLOW_LINK_LOCAL = "--allow-link-local"
#: A token shorter than this is scrubbed only as a whole word (see the module docstring).
SHORT_TOKEN = 8
#: Longest text from outside (an exception, CKAN's error dict) in a message.
SHOWN = 300
_sleep = time.sleep  # the back-off between tries (a test may replace it)


@dataclass(frozen=True)
class Limits:
    """Timeouts (seconds) and retries of every request to the portal."""

    connect: float = 10.0  # to connect, and each stall while the request is sent
    read: float = 120.0  # each wait for the answer (CKAN answers an upload once it has stored it)
    retries: int = 2  # further tries of a read action (READ_ACTIONS)
    backoff: float = 1.0  # seconds before the first retry, doubled for each further one


class NotFoundError(Exception):
    """The portal answered "Not found" (package_show of a dataset that does not exist yet)."""


class UnknownActionError(Exception):
    """The portal does not know the action: CKAN answers HTTP 400 "Action name not known"."""


class RefusedError(DataError):
    """The portal answered "not authorised" (the caller may know better why and say so)."""

    def __init__(self, action: str, where: str):
        self.action = action
        super().__init__([Problem(where, None, f"{action}: the portal refused the request (not authorised)",
                                  "set CKAN_API_TOKEN to a valid API token of a user who may create and edit "
                                  "datasets in the organisation (CKAN: user page → API Tokens)")])


# --- where it connects ---------------------------------------------------------------------------

def blocked_reason(address: str) -> str | None:
    """Why the publisher must not send the token to ``address`` (None: it may)."""
    from ..links.safety import judged_address  # loads urllib3: only when the publisher runs, not per command

    ip = judged_address(address)
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata service's address"
    if ip.is_link_local:
        return "a link-local address"
    return None


def check_target(url: str, allow_link_local: bool = False) -> None:
    """Refuse a portal whose host is, or resolves to, a link-local or cloud metadata address."""
    if allow_link_local:
        return
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UsageError(f"portal address {url!r} cannot be parsed ({exc})",
                         "e.g. --url https://ckan.example.org") from None
    if not host:
        raise UsageError(f"portal address {url!r} names no host", "e.g. --url https://ckan.example.org")
    hint = (f"the API token is not sent to such an address unless you pass {ALLOW_LINK_LOCAL} "
            "(only if the portal really is there)")
    if host.rstrip(".").lower() in METADATA_NAMES:
        raise UsageError(f"portal address {url}: {host} is a cloud metadata service", hint)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return  # no address to judge: the first call reports the portal as unreachable, naming the cause
    for info in infos:
        address = str(info[4][0])
        reason = blocked_reason(address)
        if reason:
            what = f"is {address}" if _literal(address) == _literal(host) else f"resolves to {address}"
            raise UsageError(f"portal address {url}: {host} {what}, {reason}", hint)


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` is judged as when it is an IP address, else None (a name)."""
    from ..links.safety import judged_address

    try:
        return judged_address(host)
    except ValueError:
        return None


# --- the token -----------------------------------------------------------------------------------

def _char_pattern(char: str) -> str:
    """One character of the token in each encoding it may arrive in."""
    code = ord(char)
    forms = {re.escape(char),
             "(?i:" + "".join(f"%{b:02x}" for b in char.encode("utf-8")) + ")",  # quote, quote_plus
             f"&#0*{code};", f"&#[xX]0*(?i:{code:x});"}  # numeric HTML references
    # JSON escapes, their backslash doubled by each repr() they went through (an error dict's list)
    if code <= 0xFFFF:
        forms.add(rf"(?:\\)+u(?i:{code:04x})")
    if char in '/"\\':
        forms.add(r"(?:\\)+" + re.escape(char))  # \/ \" \\
    if char == " ":
        forms.add(r"\+")  # quote_plus
    if html.escape(char) != char:
        forms.add(re.escape(html.escape(char)))  # &amp; &lt; &gt; &quot; &#x27;
    return "(?:" + "|".join(sorted(forms)) + ")"


class TokenScrubber:
    """Replaces every occurrence of the token, in any of the forms of the module docstring, by ***."""

    def __init__(self, token: str):
        self.pattern: re.Pattern[str] | None = None
        if not token:
            return
        chars = [_char_pattern(c) for c in token]
        if len(token) >= SHORT_TOKEN:
            self.pattern = re.compile(r"(?:\s|(?:\\)+[nrt])*".join(chars))
        else:
            self.pattern = re.compile(r"(?<!\w)" + "".join(chars) + r"(?!\w)")

    def __call__(self, text: str) -> str:
        return self.pattern.sub("***", text) if self.pattern else text


# --- the portal ----------------------------------------------------------------------------------

class Portal:
    """A CKAN portal's action API (ckanapi ``RemoteCKAN``), every request counted.

    ``ckan`` may be any object with ckanapi's ``call_action(action, data_dict, files=...,
    requests_kwargs=...)`` (the unit tests pass an in-memory fake); without one, the portal's
    address is checked (``check_target``) and a ``RemoteCKAN`` is made."""

    def __init__(self, url: str, token: str | None, ckan=None, *, limits: Limits | None = None,
                 allow_link_local: bool = False):
        self.url = url.rstrip("/")
        self.scrub = TokenScrubber(token or "")
        self.limits = limits or Limits()
        if ckan is None:
            check_target(self.url, allow_link_local)
            from ckanapi import RemoteCKAN

            ckan = RemoteCKAN(self.url, apikey=token, user_agent="kanmin-ckan-publish (ckanapi)")
        self.ckan = ckan
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0  # spent in calls (the rest of a run is reading and hashing the package)

    @property
    def n_calls(self) -> int:
        return sum(self.calls.values())

    def call(self, action: str, upload: Path | None = None, **data):
        """Run one action; ``upload`` sends a file as the multipart field ``upload``. A read action
        is tried again after a transient failure (see the module docstring)."""
        tries = 1 + (self.limits.retries if action in READ_ACTIONS else 0)
        for attempt in range(1, tries + 1):
            self.calls[action] += 1
            start = time.monotonic()
            try:
                return self._send(action, upload, data)
            except Exception as exc:  # noqa: BLE001  (every failure becomes one clear problem)
                if attempt < tries and _transient(exc):
                    _sleep(self.limits.backoff * 2 ** (attempt - 1))
                    continue
                problem = self._problem(action, exc, attempt)
                if problem is None:
                    raise
                raise problem from None
            finally:
                self.seconds += time.monotonic() - start
        raise AssertionError("unreachable: the last try returns or raises")

    def _send(self, action: str, upload: Path | None, data: dict):
        handle = None
        try:
            files = None
            if upload is not None:
                handle = Path(upload).open("rb")
                files = {"upload": (Path(upload).name, handle)}
            return self.ckan.call_action(action, data, files=files,
                                         requests_kwargs={"timeout": (self.limits.connect, self.limits.read)})
        finally:
            if handle is not None:
                handle.close()

    def outside(self, text: str, limit: int = SHOWN) -> str:
        """A text from outside, scrubbed and then shortened for a message (in that order)."""
        return _short(self.scrub(str(text)), limit)

    def _problem(self, action: str, exc: Exception, tries: int) -> Exception | None:
        kind = type(exc).__name__
        if kind == "NotFound":
            return NotFoundError(self.outside(str(exc)))
        if kind == "NotAuthorized":
            return RefusedError(action, self.url)
        if kind == "CKANAPIError" and _unknown_action(exc):
            return UnknownActionError(action)
        if kind == "ValidationError":
            error = _scrubbed(getattr(exc, "error_dict", exc.args), self.scrub)  # before repr() escapes it
            message = f"{action}: CKAN refused the data: {self.outside(_summary(error))}"
            hint = "fix the value named above (the dataset is left as it was before this call)"
        elif kind in ("CKANAPIError", "ServerIncompatibleError", "SearchError", "SearchIndexError",
                      "SearchQueryError"):
            status = _http_status(exc)
            message = (f"{action}: HTTP {status[1]} from {self.outside(status[0], 160)}: not an answer of CKAN's "
                       "action API" if status else f"{action}: unexpected answer: {self.outside(str(exc), 160)}")
            hint = "check --url / CKAN_URL (the address of a CKAN site, without /api) and the portal's logs"
        else:
            import requests

            if not isinstance(exc, requests.RequestException):
                return None
            message, hint = self._network_failure(action, exc)
        if tries > 1:
            message += f" (tried {tries} times)"
        return DataError([Problem(self.url, None, message, hint)])

    def _network_failure(self, action: str, exc: Exception) -> tuple[str, str]:
        limits, kind = self.limits, _timed_out(exc)
        again = ("; a publish stopped here is completed by the next run" if action not in READ_ACTIONS else "")
        if kind == "connect":
            return (f"{action}: no connection to the portal within {limits.connect:g} s (connect timeout)",
                    f"check --url / CKAN_URL and the network; on a slow network raise --connect-timeout "
                    f"(now {limits.connect:g} s){again}")
        if kind == "read":
            return (f"{action}: the portal did not answer within {limits.read:g} s (read timeout)",
                    f"raise --read-timeout (now {limits.read:g} s; uploads and DataStore loads take longest), "
                    f"or run again when the portal is less busy{again}")
        if kind == "send":
            return (f"{action}: the portal took nothing of the request for {limits.connect:g} s while it was "
                    "being sent (timeout)",
                    f"raise --connect-timeout (now {limits.connect:g} s; it also bounds each stall while a file "
                    f"is sent), or run again when the portal is less busy{again}")
        return (f"{action}: the portal is unreachable ({type(exc).__name__}: {self.outside(str(exc))})",
                "check --url / CKAN_URL, the network and that the portal is running")


def _chain(exc: BaseException):
    """``exc`` and the exceptions inside it (causes, contexts, exception arguments)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [x for x in (e.__cause__, e.__context__, *e.args) if isinstance(x, BaseException)]


def _timed_out(exc: Exception) -> str | None:
    """"connect", "read" or "send" (a stall while the request was sent), or None: not a timeout."""
    import requests

    if isinstance(exc, requests.ConnectTimeout):
        return "connect"
    if isinstance(exc, requests.Timeout):
        return "read"
    if any(isinstance(e, TimeoutError) for e in _chain(exc)):
        return "send"
    return None


def _transient(exc: Exception) -> bool:
    """Worth another try of a read: no connection, a timeout, a broken answer, or an HTTP 5xx."""
    import requests

    if isinstance(exc, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)):
        return True
    status = _http_status(exc) if type(exc).__name__ == "CKANAPIError" else None
    return status is not None and 500 <= status[1] <= 599


def _http_answer(exc: Exception) -> tuple[str, int, str] | None:
    """(url, status, body) of ckanapi's CKANAPIError, which carries repr([url, status, body])."""
    text = str(exc.args[0]) if exc.args else str(exc)
    try:
        url, status, body = ast.literal_eval(text)
        return str(url), int(status), str(body)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _http_status(exc: Exception) -> tuple[str, int] | None:
    """(url, status) of ckanapi's CKANAPIError (the body, often an HTML page, is left out of every
    message)."""
    answer = _http_answer(exc)
    return None if answer is None else answer[:2]


def _unknown_action(exc: Exception) -> bool:
    """Whether a CKANAPIError is CKAN's answer to an action it does not know (HTTP 400 with the
    JSON text "Bad request: Action name not known: <action>")."""
    answer = _http_answer(exc)
    return answer is not None and answer[1] == 400 and "Action name not known" in answer[2]


def _short(text: str, limit: int = SHOWN) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"


def _scrubbed(value, scrub: TokenScrubber):
    """``value`` (an error dict, list or text from the portal) with the token scrubbed from every text."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {_scrubbed(k, scrub): _scrubbed(v, scrub) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scrubbed(v, scrub) for v in value)
    return value


def _summary(error) -> str:
    if isinstance(error, dict):
        parts = [f"{k}: {v}" for k, v in error.items() if not str(k).startswith("__")]
        return "; ".join(parts) or str(error)
    return str(error)
