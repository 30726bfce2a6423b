"""Address checks that keep the link checker from probing networks it must not reach.

Input: a URL (before any request) and a host name (at connect time). Output: a parsed
`(scheme, host, port)` or `InvalidUrl`; resolved socket addresses or `BlockedAddress`.
Why: URLs come from pull requests, so a URL must not be able to make CI knock on loopback,
private, link-local or reserved addresses. The check runs when a connection is opened (see
`transport.py`) against the very address then connected to, so redirects and DNS rebinding
are covered too. Names under `.invalid` (RFC 6761) fail as DNS errors without asking a
resolver.
"""
from __future__ import annotations

import ipaddress
import socket

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from ..urls import SCHEMES


class InvalidUrl(ValueError):
    """The URL cannot be parsed or uses a scheme other than http/https."""


class BlockedAddress(Exception):
    """The host resolves to an address that is not globally routable."""

    def __init__(self, host: str, address: str):
        super().__init__(f"{host} resolves to non-public address {address} (use --allow-private)")
        self.host = host
        self.address = address


def parse_target(url: str) -> tuple[str, str, int]:
    """Return (scheme, host, port) of an absolute http(s) URL or raise InvalidUrl."""
    if url.split() != [url]:  # empty, or has whitespace (str.split uses str.isspace's set)
        raise InvalidUrl(f"not a URL: {url!r}")
    try:
        parts = parse_url(url)
    except (LocationParseError, ValueError) as e:
        raise InvalidUrl(f"unparseable URL {url!r}: {e}") from e
    scheme = (parts.scheme or "").lower()
    if scheme not in SCHEMES:
        raise InvalidUrl(f"unsupported scheme {scheme or '(none)'!r} in {url!r}: only http and https")
    if not parts.host:
        raise InvalidUrl(f"no host in {url!r}")
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, parts.host.lower(), port


def host_key(url: str) -> str:
    """The name per-host limits count by (the host, or the URL itself when unparseable)."""
    try:
        return parse_target(url)[1]
    except InvalidUrl:
        return url


# IPv6 forms that carry an IPv4 address in their low 32 bits: a connection to one of them ends
# at (or is translated to) that IPv4 address, so it is judged as that address. Python's
# `is_global` calls all of them global (3.11), so `::127.0.0.1` would reach loopback.
_EMBEDDING_IPV4 = tuple(ipaddress.IPv6Network(n) for n in (
    "64:ff9b::/96",  # NAT64 well-known prefix (RFC 6052)
    "::ffff:0:0:0/96",  # IPv4-translated (SIIT, RFC 2765)
    "::/96",  # IPv4-compatible (deprecated, RFC 4291); holds :: and ::1 too
))
# NAT64 local-use prefix (RFC 8215): where the IPv4 address sits depends on the operator's
# prefix length, so it cannot be read back; like other site-local space it is not public.
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, 6to4, NAT64, translated or compatible address carries."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:  # 2002:AABB:CCDD::/48 (RFC 3056)
        return ip.sixtofour
    if any(ip in net for net in _EMBEDDING_IPV4):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def judged_address(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address a connection to `address` is judged as: an IPv6 address that embeds an IPv4
    address (see `embedded_ipv4`) is that IPv4 address; a zone (`fe80::1%eth0`) is dropped.
    Also used by the portal publisher (`kanmin.portal.client`)."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        return embedded_ipv4(ip) or ip
    return ip


def is_public(address: str) -> bool:
    """True for globally routable unicast addresses; an IPv6 address that embeds an IPv4
    address (see `embedded_ipv4`) is judged by the IPv4 address it embeds."""
    ip = judged_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip in _NAT64_LOCAL:
        return False
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[tuple]:
    """getaddrinfo for TCP, except that `.invalid` names fail at once (RFC 6761)."""
    name = host.rstrip(".").lower()
    if name == "invalid" or name.endswith(".invalid"):
        raise socket.gaierror(socket.EAI_NONAME, f"{host}: reserved .invalid name (RFC 6761)")
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def checked_addresses(host: str, port: int, allow_private: bool) -> list[tuple]:
    """Resolve `host`; raise BlockedAddress if any address is not public (unless allowed)."""
    infos = resolve(host, port)
    if not allow_private:
        for info in infos:
            address = info[4][0]
            if not is_public(address):
                raise BlockedAddress(host, address)
    return infos
