"""What counts as a citable web URL, defined once.

A published reference URL is an absolute http(s) URL with a dotted host name and no whitespace:
``WEB_URL_PATTERN``, the Table Schema's pattern of ``policy_references.url``, which the build
checks with frictionless;
``is_web_url`` states the same rule for Python callers (the tests compare the published URLs with
it), and ``SCHEMES`` is the scheme list the link checker accepts. ``redact_userinfo`` is the one
way a credential in a URL is kept out of what we write (the link checker's reports and cache).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
#: The Table Schema pattern of a published reference URL (``policy_references.url``; the curated
#: metadata names it ``@web-url``): an absolute http(s) URL with a dotted host and no white space.
WEB_URL_PATTERN = r"https?://[^\s/]+\.[^\s/]+(/\S*)?"
#: The user name and password of a URL in a text (``scheme://user:password@host``): everything up
#: to the last "@" before the path, so that ``http://u:p@ss@host/`` leaves nothing of either.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s]*@")


def is_web_url(url: str) -> bool:
    """Absolute http(s) URL with a dotted host name and no whitespace."""
    if any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    return parts.scheme in SCHEMES and "." in host


def redact_userinfo(text: str | None) -> str | None:
    """``text`` with the user name and password of every URL in it replaced by ``***``
    (``https://user:secret@host/x`` → ``https://***@host/x``); None stays None."""
    return None if text is None else _USERINFO.sub(r"\1***@", text)
