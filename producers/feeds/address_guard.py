"""Refuse feed URLs (and redirect hops) that point into private networks.

A catalogue entry or a redirect must not turn the poller into a probe of the internal
network or the cloud metadata service, so every hop's host is resolved and each of its
addresses must be public, unless the operator allows it by host name or CIDR
(``ORERADAR_FEEDS_ALLOW_HOSTS="127.0.0.1,10.0.0.0/8,feeds.internal"``).

    >>> policy = AddressPolicy.parse("127.0.0.1")
    >>> policy.refusal("127.0.0.1", ipaddress.ip_address("127.0.0.1")) is None
    True
    >>> policy.refusal("x", ipaddress.ip_address("169.254.169.254"))
    'cloud metadata address 169.254.169.254'

Known limit: httpx resolves the host again when it connects, so a DNS server that answers
differently within milliseconds (rebinding) is not caught here; a network-level egress rule
is the complete defence.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from oreradar.errors import FeedRefused

__all__ = ["AddressPolicy", "Resolver", "system_resolver"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

_METADATA = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
}


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _kind(ip: IPAddress) -> str | None:
    """Why an address is not a public one, or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _kind(ip.ipv4_mapped)
    if ip in _METADATA:
        return "cloud metadata address"
    if ip.is_loopback:
        return "loopback address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_private:
        return "private address"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or not ip.is_global:
        return "non-public address"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, allow: str) -> AddressPolicy:
        hosts: set[str] = set()
        networks = []
        for token in (t.strip() for t in allow.split(",")):
            if not token:
                continue
            try:
                networks.append(ipaddress.ip_network(token, strict=False))
            except ValueError:
                hosts.add(token.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def refusal(self, host: str, ip: IPAddress) -> str | None:
        """The reason ``ip`` (reached as ``host``) is refused, or None when it may be fetched."""
        if host.lower().rstrip(".") in self.allowed_hosts or any(ip in net for net in self.allowed_networks):
            return None
        kind = _kind(ip)
        return f"{kind} {ip}" if kind else None

    async def check_url(self, url: str, resolver: Resolver = system_resolver) -> None:
        """Raise FeedRefused unless ``url`` is http(s) and every address of its host is allowed."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise FeedRefused(f"{url}: scheme {scheme or '(none)'!r} refused; only http and https are fetched")
        host = parts.hostname
        if not host:
            raise FeedRefused(f"{url}: no host name")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as exc:
            raise FeedRefused(f"{url}: bad port ({exc})") from exc
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(a.split("%")[0]) for a in await resolver(host, port)]
            except OSError as exc:
                raise FeedRefused(f"{url}: cannot resolve {host} ({exc})") from exc
        if not addresses:
            raise FeedRefused(f"{url}: {host} resolves to no address")
        for ip in addresses:
            reason = self.refusal(host, ip)
            if reason:
                raise FeedRefused(
                    f"{url}: {host} resolves to a {reason}; refused so feeds cannot probe internal networks "
                    "(allow it with ORERADAR_FEEDS_ALLOW_HOSTS if this is intended)"
                )
