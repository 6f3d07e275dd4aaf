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


def _refused(ip: IPAddress) -> bool:
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


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
