"""A real HTTP receiver on a free loopback port, for the channel tests.

It records every request (path, headers, body) and answers with what the test queued
(status, headers, body), else 200. ``verify_secret`` makes it check the webhook
signature the way the README tells a receiver to, independently of the channel's code.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

__all__ = ["Receiver", "Seen", "running_receiver"]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool | None = None


@dataclass
class Receiver:
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    answers: deque[tuple[int, dict[str, str], Any]] = field(default_factory=deque)
    verify_secret: bytes | None = None
    max_age: float = 300.0
    hold: asyncio.Event | None = None  # when set up, requests wait for it (a receiver that hangs)

    def answer(self, status: int, body: Any = "ok", **headers: str) -> None:
        self.answers.append((status, {k.replace("_", "-"): v for k, v in headers.items()}, body))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        seen = Seen(request.method, request.path, dict(request.headers), body)
        self.seen.append(seen)
        if self.hold is not None:
            await self.hold.wait()
        if self.verify_secret is not None:
            seen.signature_ok = _verify(self.verify_secret, request.headers, body, self.max_age)
            if not seen.signature_ok:
                return web.Response(status=401, text="bad signature")
        status, headers, answer = self.answers.popleft() if self.answers else (200, {}, "ok")
        if isinstance(answer, (dict, list)):
            return web.json_response(answer, status=status, headers=headers)
        return web.Response(status=status, headers=headers, text=str(answer))


def _verify(secret: bytes, headers: Any, body: bytes, max_age: float) -> bool:
    """What a receiver does: recompute the HMAC over timestamp + "." + body, compare in constant time."""
    timestamp = headers.get("X-Oreradar-Timestamp", "")
    signature = headers.get("X-Oreradar-Signature", "")
    expected = "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= max_age
    return fresh and hmac.compare_digest(expected, signature)


async def running_receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", receiver.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    receiver.url = str(server.make_url("")).rstrip("/")
    try:
        yield receiver
    finally:
        if receiver.hold is not None:
            receiver.hold.set()
        await server.close()
