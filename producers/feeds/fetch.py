"""Fetching one feed politely and defensively with httpx.

    >>> async with Fetcher.create(AddressPolicy.parse("")) as fetcher:          # doctest: +SKIP
    ...     result = await fetcher.fetch("https://tass.ru/rss/v2.xml", HttpCache(etag='"abc"'))
    ...     result.outcome, result.status, len(result.body or b"")
    ('ok', 200, 183211)

``fetch`` never raises for what the web does (timeouts, refusals, 5xx, loops): it returns a
:class:`FetchResult` whose ``outcome`` says what happened, so the poller can count it and
carry on. Redirects are followed by hand, one hop at a time, so every hop's address is
checked; bodies are read raw and capped before and after gzip/deflate decoding.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from oreradar.errors import FeedRefused

from .address_guard import AddressPolicy, Resolver, system_resolver

__all__ = ["FetchLimits", "HttpCache", "FetchResult", "Fetcher", "parse_retry_after", "OUTCOMES"]

# Every value FetchResult.outcome takes (also the metric label vocabulary).
OUTCOMES = (
    "ok", "not_modified", "http_error", "rate_limited", "timeout", "network_error",
    "refused", "too_large", "redirect_error", "decode_error",
)
_REDIRECTS = (301, 302, 303, 307, 308)
_ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


@dataclass(frozen=True)
class FetchLimits:
    """How far one fetch may go; the catalogue's ``limits:`` mapping overrides these."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # a server dripping one byte per read_timeout must still end
    max_body_bytes: int = 8_000_000  # on the wire and again after decompression
    max_redirects: int = 5
    global_concurrency: int = 64
    per_host_concurrency: int = 2
    user_agent: str = "oreradar-feeds/0.1 (+https://github.com/oreradar; polite RSS poller)"

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> FetchLimits:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            from oreradar.errors import ConfigError

            raise ConfigError(f"feeds file 'limits': unknown keys {unknown}; known: {', '.join(sorted(known))}")
        return cls(**values)


@dataclass
class HttpCache:
    """What a conditional GET needs from the previous response."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass
class FetchResult:
    outcome: str
    url: str
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    cache: HttpCache = field(default_factory=HttpCache)
    retry_after: float | None = None  # seconds, from a Retry-After header
    wire_bytes: int = 0
    error: str | None = None
    moved_to: str | None = None  # final URL after a permanent (301/308) redirect chain
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome in ("ok", "not_modified")


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from ``now``: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


class _TooLarge(Exception):
    pass


def _decode_body(raw: bytes, encoding: str, limit: int) -> bytes:
    """Undo gzip/deflate with the size cap applied to the output (a zip bomb stops at ``limit``)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding in ("gzip", "x-gzip"):
        decoders = [zlib.decompressobj(16 + zlib.MAX_WBITS)]
    elif encoding == "deflate":  # servers disagree whether "deflate" has a zlib header
        decoders = [zlib.decompressobj(), zlib.decompressobj(-zlib.MAX_WBITS)]
    else:
        raise zlib.error(f"unsupported Content-Encoding {encoding!r} (we only asked for gzip, deflate)")
    last: Exception | None = None
    for decoder in decoders:
        try:
            out = decoder.decompress(raw, limit + 1)
        except zlib.error as exc:
            last = exc
            continue
        if len(out) > limit or decoder.unconsumed_tail:
            raise _TooLarge(f"body over {limit} bytes after {encoding} decoding")
        return out
    raise zlib.error(f"{encoding} body does not decode: {last}")


class Fetcher:
    """One shared httpx client plus the global and per-host concurrency limits."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        policy: AddressPolicy,
        limits: FetchLimits = FetchLimits(),
        *,
        resolver: Resolver = system_resolver,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ):
        self._client = client
        self._policy = policy
        self.limits = limits
        self._resolver = resolver
        self._clock = clock
        self._global = asyncio.Semaphore(limits.global_concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}

    @classmethod
    def create(cls, policy: AddressPolicy, limits: FetchLimits = FetchLimits(), **kwargs: Any) -> Fetcher:
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout),
            limits=httpx.Limits(max_connections=limits.global_concurrency, max_keepalive_connections=limits.global_concurrency),
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would bypass the address checks
            headers={"User-Agent": limits.user_agent, "Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate"},
        )
        return cls(client, policy, limits, **kwargs)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _host_gate(self, url: str) -> asyncio.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        gate = self._per_host.get(host)
        if gate is None:
            gate = self._per_host[host] = asyncio.Semaphore(self.limits.per_host_concurrency)
        return gate

    async def fetch(self, url: str, cache: HttpCache | None = None) -> FetchResult:
        """GET ``url`` (conditionally when ``cache`` has validators); never raises for web failures."""
        started = time.perf_counter()
        try:
            async with self._global:
                result = await asyncio.wait_for(self._follow(url, cache or HttpCache()), self.limits.total_timeout)
        except (asyncio.TimeoutError, httpx.TimeoutException) as exc:
            result = FetchResult("timeout", url, error=f"timed out ({type(exc).__name__}); the server is slow or unreachable")
        except FeedRefused as exc:
            result = FetchResult("refused", url, error=str(exc))
        except _TooLarge as exc:
            result = FetchResult("too_large", url, error=str(exc) + "; raise limits.max_body_bytes if the feed is legitimate")
        except zlib.error as exc:
            result = FetchResult("decode_error", url, error=str(exc))
        except httpx.HTTPError as exc:
            result = FetchResult("network_error", url, error=f"{type(exc).__name__}: {exc or 'connection failed'}")
        result.seconds = time.perf_counter() - started
        return result

    async def _follow(self, url: str, cache: HttpCache) -> FetchResult:
        visited = [url]
        permanent = True
        current = url
        wire = 0
        for _hop in range(self.limits.max_redirects + 1):
            await self._policy.check_url(current, self._resolver)
            async with self._host_gate(current):
                result = await self._get_once(current, cache)
            wire += result.wire_bytes
            result.wire_bytes = wire
            if result.status not in _REDIRECTS:
                if len(visited) > 1 and permanent:
                    result.moved_to = current
                return result
            location = result.headers.get("location")
            if not location:
                return FetchResult("redirect_error", url, status=result.status, wire_bytes=wire,
                                   error=f"HTTP {result.status} without a Location header at {current}")
            permanent = permanent and result.status in (301, 308)
            nxt = urljoin(current, location.strip())
            if nxt in visited:
                chain = " → ".join(visited + [nxt])
                return FetchResult("redirect_error", url, status=result.status, wire_bytes=wire, error=f"redirect loop: {chain}")
            visited.append(nxt)
            current = nxt
        return FetchResult("redirect_error", url, wire_bytes=wire,
                           error=f"more than {self.limits.max_redirects} redirects: {' → '.join(visited)}")

    async def _get_once(self, url: str, cache: HttpCache) -> FetchResult:
        limit = self.limits.max_body_bytes
        async with self._client.stream("GET", url, headers=cache.headers()) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            status = response.status_code
            result = FetchResult("ok", url, status=status, headers=headers)
            if status in _REDIRECTS:
                return result
            if status == 304:
                result.outcome = "not_modified"
                result.cache = cache
                return result
            if status >= 400:
                result.retry_after = parse_retry_after(headers.get("retry-after"), self._clock())
                result.outcome = "rate_limited" if status in (429, 503) else "http_error"
                result.error = f"HTTP {status} {response.reason_phrase}".strip()
                return result
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _TooLarge(f"Content-Length {declared} is over the {limit}-byte limit")
            chunks = []
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > limit:
                    raise _TooLarge(f"body over {limit} bytes while streaming")
                chunks.append(chunk)
            result.wire_bytes = size
            result.body = _decode_body(b"".join(chunks), headers.get("content-encoding", ""), limit)
            result.cache = HttpCache(etag=headers.get("etag"), last_modified=headers.get("last-modified"))
            return result
