"""The visitor's IP address, believing X-Forwarded-For only as far as our own proxies.

Anyone can send an ``X-Forwarded-For`` header, so its leftmost entry proves nothing. Each
proxy appends the address it received the request from, so the header is read right to
left, and only while the hop that wrote an entry is one of ``settings.TRUSTED_PROXIES``.
The first address not vouched for by a trusted proxy is the client. With no trusted
proxies configured (the default) the header is ignored and ``REMOTE_ADDR`` is the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


# No address, bracketed with a port or not, is longer than this.
MAX_ADDRESS_TEXT = 64


def _parse(value: str) -> IPAddress | None:
    value = value.strip()
    return _parse_address(value) if len(value) <= MAX_ADDRESS_TEXT else None


# Parsing costs a few microseconds and the badge's hot path does it on every hit, for the
# same few addresses (proxies, busy clients) again and again. Bounded by the entries'
# count and length.
@lru_cache(maxsize=4096)
def _parse_address(value: str) -> IPAddress | None:
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_trusted(address: IPAddress) -> bool:
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str:
    """The client's address as a string; "" only if even REMOTE_ADDR is unusable."""
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    if not _is_trusted(peer):
        return str(peer)
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    client = peer
    for entry in reversed(hops):
        address = _parse(entry)
        if address is None:
            # A garbled entry: everything left of it is unverifiable, so stop at the last
            # address a trusted proxy vouched for.
            break
        client = address
        if not _is_trusted(address):
            break
    return str(client)
