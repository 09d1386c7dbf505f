"""The README's webhook receiver example verifies what the webhook channel sends (and nothing tampered)."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from pydantic import SecretStr

from oreradar.settings import PACKAGE_ROOT
from sinks.channels.webhook import WebhookChannel
from tests.channel_samples import message


def _readme_verify() -> Any:
    readme = (PACKAGE_ROOT / "README.md").read_text()
    section = readme[readme.index("### Receiving the webhook"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # the documented example, as a reader would paste it
    return namespace["verify"]


async def test_readme_receiver_accepts_the_channel_and_refuses_tampering() -> None:
    verify = _readme_verify()
    captured: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(receive)) as http:
        await WebhookChannel("https://hooks.example.org/x", http, secret=SecretStr("shh")).send(message())
        # correctly signed, an hour ago: a replay
        await WebhookChannel("https://hooks.example.org/x", http, secret=SecretStr("shh"), clock=lambda: time.time() - 3600).send(message())
    request, replayed = captured
    body = request.content
    assert verify(b"shh", request.headers, body)
    assert not verify(b"other secret", request.headers, body)
    assert not verify(b"shh", request.headers, body.replace(b"kz-desk", b"kz-dusk"))
    assert not verify(b"shh", replayed.headers, replayed.content)
    assert verify(b"shh", replayed.headers, replayed.content, max_age=7200)
