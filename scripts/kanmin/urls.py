"""What counts as a citable web URL, defined once.

A published reference URL is an absolute http(s) URL with a dotted host name and no whitespace.
The Table Schema of ``references.url`` states the same rule as a pattern for other tools; this is
the one Python implementation, used by the build's checks and the link checker.
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
