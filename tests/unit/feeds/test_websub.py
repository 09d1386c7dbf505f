"""WebSub against a local hub written here: subscribe, intent verification, signed pushes."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx
from aiohttp import web

from producers.feeds.address_guard import AddressPolicy
from producers.feeds.catalogue import FeedSpec
from producers.feeds.websub import WebSubCallback, verify_signature

from .conftest import PollerKit
from .feedserver import FeedServer


class LocalHub:
    """A minimal WebSub hub: takes subscriptions, verifies intent, pushes signed content."""

    def __init__(self) -> None:
        self.subscriptions: list[dict[str, str]] = []
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.http = httpx.AsyncClient()

    async def start(self) -> str:
        app = web.Application()

        async def subscribe(request: web.Request) -> web.Response:
            self.subscriptions.append(dict(await request.post()))
            return web.Response(status=202)

        app.router.add_post("/hub", subscribe)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{self.port}/hub"

    async def verify(self, sub: dict[str, str], *, topic: str | None = None, challenge: str = "c-123") -> httpx.Response:
        params = {"hub.mode": "subscribe", "hub.topic": topic or sub["hub.topic"], "hub.challenge": challenge, "hub.lease_seconds": "864000"}
        return await self.http.get(sub["hub.callback"], params=params)

    async def publish(self, sub: dict[str, str], body: bytes, *, secret: str | None = None, algo: str = "sha256") -> httpx.Response:
        key = (secret if secret is not None else sub["hub.secret"]).encode()
        signature = f"{algo}={hmac.new(key, body, getattr(hashlib, algo)).hexdigest()}"
        return await self.http.post(sub["hub.callback"], content=body,
                                    headers={"Content-Type": "application/atom+xml", "X-Hub-Signature": signature})

    async def stop(self) -> None:
        await self.http.aclose()
        if self.runner:
            await self.runner.cleanup()


def atom(hub: str, self_url: str, entries: list[tuple[str, str]]) -> bytes:
    body = "".join(f"<entry><title>{t}</title><link href='{u}'/><id>{u}</id><updated>2024-04-30T12:00:00Z</updated></entry>" for t, u in entries)
    return (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Pushed</title>"
            f"<link rel='hub' href='{hub}'/><link rel='self' href='{self_url}'/><id>urn:p</id><updated>2024-04-30T12:00:00Z</updated>"
            f"{body}</feed>").encode()


async def test_subscribe_verify_and_receive_signed_pushes(feed_server: FeedServer, kit: PollerKit) -> None:
    hub = LocalHub()
    hub_url = await hub.start()
    feed_url = feed_server.url("/pushed")
    feed_server.route("/pushed", body=atom(hub_url, feed_url, [("Initial story", "https://x.example/1")]))
    poller = kit.poller([FeedSpec(name="pushed", url=feed_url, interval=300)])
    callback = WebSubCallback(poller, callback_base="http://127.0.0.1:0", policy=AddressPolicy.parse("127.0.0.1"), clock=kit.clock)
    try:
        await poller.poll_once()
        state = kit.store.get("pushed")
        assert state.hub == hub_url and state.self_url == feed_url

        port = await callback.start("127.0.0.1", 0)
        callback.callback_base = f"http://127.0.0.1:{port}"
        results = await callback.subscribe_known()
        assert [r.ok for r in results] == [True]
        (sub,) = hub.subscriptions
        assert sub["hub.mode"] == "subscribe" and sub["hub.topic"] == feed_url
        assert sub["hub.callback"] == f"http://127.0.0.1:{port}/websub/pushed" and len(sub["hub.secret"]) >= 32

        assert (await hub.verify(sub, topic="https://evil.example/other")).status_code == 404
        answer = await hub.verify(sub)
        assert answer.status_code == 200 and answer.text == "c-123"
        lease = kit.store.get("pushed").websub_lease_until
        assert lease == kit.clock().timestamp() + 864000
        # with a live lease the feed is still polled, only slowly
        assert poller.interval_for(poller.feeds["pushed"], kit.store.get("pushed"), kit.clock().timestamp()) == 3600

        pushed = atom(hub_url, feed_url, [("Initial story", "https://x.example/1"), ("Pushed story", "https://x.example/2")])
        assert (await hub.publish(sub, pushed)).status_code == 202
        assert [i.title for i in kit.sink.items] == ["Initial story", "Pushed story"]

        forged = atom(hub_url, feed_url, [("Forged story", "https://x.example/3")])
        assert (await hub.publish(sub, forged, secret="not-the-secret")).status_code == 202
        unsigned = await hub.http.post(sub["hub.callback"], content=forged)
        assert unsigned.status_code == 202
        assert "Forged story" not in [i.title for i in kit.sink.items]
        assert kit.sample("oreradar_feed_websub_pushes_total", {"outcome": "bad_signature"}) == 2
        assert kit.sample("oreradar_feed_websub_pushes_total", {"outcome": "accepted"}) == 1

        assert (await hub.publish(sub, pushed, algo="sha1")).status_code == 202  # sha1 is WebSub's legacy default
        assert kit.sample("oreradar_feed_websub_pushes_total", {"outcome": "accepted"}) == 2
        assert len(kit.sink.items) == 2  # the repeat push brought only duplicates

        unknown = await hub.http.post(f"http://127.0.0.1:{port}/websub/nobody", content=b"x")
        assert unknown.status_code == 410
    finally:
        await callback.stop()
        await hub.stop()


async def test_hub_on_a_private_address_is_refused(kit: PollerKit) -> None:
    poller = kit.poller([FeedSpec(name="f", url="https://feeds.example/rss")])
    callback = WebSubCallback(poller, callback_base="https://radar.example", policy=AddressPolicy.parse(""))
    try:
        state = kit.store.get("f")
        state.hub = "http://169.254.169.254/hub"
        kit.store.put(state)
        (result,) = await callback.subscribe_known()
        assert not result.ok and "cloud metadata" in result.message and "feed f" in result.message
    finally:
        await callback.stop()


def test_verify_signature() -> None:
    body: Any = b"payload"
    good = "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert verify_signature(b"k", body, good)
    assert not verify_signature(b"other", body, good)
    assert not verify_signature(b"k", body, None)
    assert not verify_signature(b"k", body, "md5=abc")
