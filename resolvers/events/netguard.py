"""Outgoing-request targets: URL checks and SSRF protection.

A webhook URL is checked when it is saved and again, by resolving its host, right before each
request (DNS may have changed in between). By default every address the host resolves to must
be globally routable: private, loopback, link-local (cloud metadata at 169.254.169.254),
carrier-grade NAT, multicast, reserved and unspecified addresses are refused. The caller then
connects to the address that was checked, not to a second lookup of the name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL_LENGTH = 2000


class UnsafeTarget(Exception):
    """The URL's host is (or resolves to) an address outgoing requests must not reach."""


class UnresolvableTarget(Exception):
    """The URL's host does not resolve (perhaps only for now)."""


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a webhook target, judged from its text alone (None when fine)."""
    if len(url) > MAX_URL_LENGTH:
        return f"The URL is longer than {MAX_URL_LENGTH} characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "The URL is not valid."
    if parts.scheme not in ("http", "https"):
        return "The URL must start with http:// or https://."
    if not parts.hostname:
        return "The URL has no host."
    if parts.username is not None or parts.password is not None:
        return "The URL must not contain credentials; authenticate with the signature."
    if parts.fragment:
        return "The URL must not contain a #fragment."
    if port == 0:
        return "The URL's port is not valid."
    return None


NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d form


def embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64, compatible):
    such an address reaches its IPv4, so it is judged like it."""
    if isinstance(ip, ipaddress.IPv4Address):
        return []
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)  # (server, client): both are reached through it
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in NAT64_PREFIX:
        return [low]
    if ip in IPV4_COMPATIBLE and int(ip) > 1:  # not :: or ::1, which are themselves
        return [low]
    return []


def _refused_v4_or_v6(ip: IPAddress) -> bool:
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


def _refused(ip: IPAddress) -> bool:
    embedded = embedded_ipv4(ip)
    if embedded:
        return any(_refused_v4_or_v6(v4) for v4 in embedded)
    return _refused_v4_or_v6(ip)


async def resolve(url: str, *, allow_private: bool) -> list[IPAddress]:
    """The addresses to connect to for ``url``, each checked; raises ``UnsafeTarget`` when any
    of them is refused and ``UnresolvableTarget`` when the host does not resolve."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise UnresolvableTarget(f"cannot resolve {host!r}: {exc}") from None
        addresses = []
        for info in infos:
            ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if ip not in addresses:
                addresses.append(ip)
    if not allow_private:
        for ip in addresses:
            if _refused(ip):
                what = str(ip) if host.strip("[]") == str(ip) else f"{host} resolves to {ip}, which"
                raise UnsafeTarget(
                    f"{what} is a private, loopback, link-local or otherwise non-public "
                    "address; webhooks may only call public addresses"
                )
    return addresses
