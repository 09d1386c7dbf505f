"""WebSub (PubSubHubbub): subscribe where a feed advertises a hub, receive signed pushes.

    >>> callback = WebSubCallback(poller, callback_base="https://radar.example.org/websub", policy=policy)  # doctest: +SKIP
    >>> port = await callback.start("0.0.0.0", 8080)                                                         # doctest: +SKIP
    >>> await callback.subscribe_known()          # every enabled feed whose last poll showed a hub         # doctest: +SKIP

A push is accepted only when its ``X-Hub-Signature`` is the HMAC of the body under the
secret we gave the hub for that feed; anything else is acknowledged (so the secret cannot
be brute-forced by watching status codes), ignored and counted. Pushed content goes
through the poller's own parse → normalise → de-duplicate → deliver path, and the feed is
still polled, slowly (poller.WEBSUB_FALLBACK_INTERVAL), in case the hub goes quiet.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx
from aiohttp import web

from oreradar.errors import FeedError, FeedRefused

from .address_guard import AddressPolicy, Resolver, system_resolver
from .catalogue import FeedSpec
from .poller import FeedPoller

__all__ = ["WebSubCallback", "verify_signature", "SubscribeResult"]

log = logging.getLogger(__name__)

_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
RENEW_BEFORE = 3600.0  # resubscribe when less than this is left of a lease


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    """True when ``header`` (``sha256=<hex>``, WebSub §8) is the HMAC of ``body`` under ``secret``."""
    if not header or "=" not in header:
        return False
    method, _, given = header.strip().partition("=")
    digest = _ALGORITHMS.get(method.lower())
    if digest is None:
        return False
    expected = hmac.new(secret, body, digest).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


@dataclass
class SubscribeResult:
    feed: str
    ok: bool
    message: str


class WebSubCallback:
    """The subscriber side: subscription requests out, verification and content pushes in."""

    def __init__(
        self,
        poller: FeedPoller,
        *,
        callback_base: str,
        policy: AddressPolicy,
        http: httpx.AsyncClient | None = None,
        resolver: Resolver = system_resolver,
        lease_seconds: int = 5 * 86400,
        max_body_bytes: int = 8_000_000,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ):
        self.poller = poller
        self.callback_base = callback_base.rstrip("/")
        self.policy = policy
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=5.0), follow_redirects=False, trust_env=False)
        self.resolver = resolver
        self.lease_seconds = lease_seconds
        self.max_body_bytes = max_body_bytes
        self.clock = clock
        self._secrets: dict[str, bytes] = {}
        self._pending_topics: dict[str, str] = {}  # feed name → topic we asked for, awaiting the hub's check
        self._runner: web.AppRunner | None = None

    # -- server --------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body_bytes)
        app.router.add_get("/websub/{feed}", self._verify)
        app.router.add_post("/websub/{feed}", self._content)
        return app

    async def start(self, host: str, port: int) -> int:
        """Serve the callback; returns the bound port (pass 0 for an ephemeral one)."""
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr,attr-defined]
        return int(sockets[0].getsockname()[1]) if sockets else port

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
        await self.http.aclose()

    async def _verify(self, request: web.Request) -> web.Response:
        name = request.match_info["feed"]
        mode = request.query.get("hub.mode", "")
        topic = request.query.get("hub.topic", "")
        if mode == "denied":
            log.warning("websub: hub denied the subscription of %s (%s): %s", name, topic, request.query.get("hub.reason", "no reason"))
            self._pending_topics.pop(name, None)
            return web.Response(text="ok")
        if mode not in ("subscribe", "unsubscribe") or self._pending_topics.get(name) != topic:
            # Not something we asked for: refusing stops anyone subscribing us to arbitrary topics.
            return web.Response(status=404, text="unknown subscription")
        if mode == "subscribe":
            lease = request.query.get("hub.lease_seconds", "")
            state = self.poller.store.get(name)
            state.websub_lease_until = self.clock().timestamp() + (int(lease) if lease.isdigit() else self.lease_seconds)
            self.poller.store.put(state)
            log.info("websub: %s subscribed via hub for %s s", name, lease or "default")
        return web.Response(text=request.query.get("hub.challenge", ""))

    async def _content(self, request: web.Request) -> web.Response:
        name = request.match_info["feed"]
        feed = self.poller.feeds.get(name)
        secret = self._secrets.get(name)
        body = await request.read()
        if feed is None or secret is None:
            self.poller.metrics.pushes.labels(outcome="unknown").inc()
            self.poller.metrics.dropped.labels(reason="unknown_push").inc()
            return web.Response(status=410, text="no such subscription")  # 410 tells the hub to stop
        if not verify_signature(secret, body, request.headers.get("X-Hub-Signature")):
            self.poller.metrics.pushes.labels(outcome="bad_signature").inc()
            self.poller.metrics.dropped.labels(reason="bad_signature").inc()
            log.warning("websub: push for %s ignored: missing or wrong X-Hub-Signature", name)
            return web.Response(status=202, text="ignored")
        headers = {k.lower(): v for k, v in request.headers.items() if k.lower() in ("content-type", "content-language", "link")}
        summary = await self.poller.ingest_push(feed, body, headers)
        self.poller.metrics.pushes.labels(outcome="accepted").inc()
        log.info("websub: push for %s: %s", name, summary.line())
        return web.Response(status=202, text="accepted")

    # -- subscribing ---------------------------------------------------------------------
    async def subscribe(self, feed: FeedSpec, hub: str, topic: str) -> None:
        """Ask ``hub`` to push ``topic`` to us; raises FeedError naming the feed and hub on failure."""
        try:
            await self.policy.check_url(hub, self.resolver)
        except FeedRefused as exc:
            raise FeedRefused(f"feed {feed.name}: hub {exc}") from exc
        secret = secrets.token_hex(32).encode()
        self._secrets[feed.name] = secret
        self._pending_topics[feed.name] = topic
        form = {
            "hub.mode": "subscribe",
            "hub.topic": topic,
            "hub.callback": f"{self.callback_base}/websub/{feed.name}",
            "hub.secret": secret.decode(),
            "hub.lease_seconds": str(self.lease_seconds),
        }
        try:
            response = await self.http.post(hub, data=form)
        except httpx.HTTPError as exc:
            raise FeedError(f"feed {feed.name}: hub {hub} unreachable ({type(exc).__name__}: {exc}); polling continues") from exc
        if response.status_code not in (202, 204):
            raise FeedError(
                f"feed {feed.name}: hub {hub} refused the subscription (HTTP {response.status_code}: {response.text[:200]}); polling continues"
            )

    async def subscribe_known(self, *, renew_only: bool = False) -> list[SubscribeResult]:
        """Subscribe every enabled feed whose last poll advertised a hub (renewing leases that run out)."""
        now = self.clock().timestamp()
        results = []
        states = self.poller.store.all()
        for feed in self.poller.feeds.values():
            state = states.get(feed.name)
            if not state or not state.hub or not self.poller.is_enabled(feed, state):
                continue
            if renew_only and state.websub_lease_until and state.websub_lease_until - now > RENEW_BEFORE:
                continue
            try:
                await self.subscribe(feed, state.hub, state.self_url or feed.url)
            except FeedError as exc:
                log.warning("websub: %s", exc)
                results.append(SubscribeResult(feed.name, False, str(exc)))
            else:
                results.append(SubscribeResult(feed.name, True, f"subscription requested at {state.hub}"))
        return results
