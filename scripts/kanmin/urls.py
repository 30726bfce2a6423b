"""What counts as a citable web URL, defined once.

A published reference URL is an absolute http(s) URL with a dotted host name and no whitespace.
The build checks it with the Table Schema's pattern of ``policy_references.url`` (frictionless);
``is_web_url`` states the same rule for Python callers (the tests compare the published URLs with
it), and ``SCHEMES`` is the scheme list the link checker accepts.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SCHEMES = ("http", "https")


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
