"""Webhook channel: the message as JSON, POSTed and signed.

    POST <url>
    Content-Type: application/json
    Idempotency-Key: <message.delivery_id>          the same on every retry of this delivery
    X-Oreradar-Timestamp: <unix seconds>
    X-Oreradar-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

    {"version": 1, "delivery_id": ..., "subscription": ..., "changes": [...], "alerts": [<Alert JSON>...]}

The timestamp is inside the signed bytes, so a receiver can refuse replays older than a
few minutes; the Idempotency-Key lets it drop a retry it already processed. The README
("Channels") shows a receiver verifying both. Without ``secret_env`` nothing is signed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from sinks.channels.base import DeliveryResult, Message
from sinks.channels.outcome import post

__all__ = ["WebhookChannel", "payload_of", "sign", "PAYLOAD_VERSION"]

PAYLOAD_VERSION = 1


def payload_of(message: Message) -> dict[str, Any]:
    return {
        "version": PAYLOAD_VERSION,
        "delivery_id": message.delivery_id,
        "subscription": message.subscription,
        "changes": list(message.changes),
        "alerts": [alert.to_dict() for alert in message.alerts],
    }


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The X-Oreradar-Signature value for these exact bytes."""
    return "sha256=" + hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


class WebhookChannel:
    type = "webhook"

    def __init__(
        self,
        url: str,
        http: httpx.AsyncClient,
        *,
        secret: SecretStr | None = None,
        name: str | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self._url = url
        self._http = http
        self._secret = secret
        self._clock = clock
        self.name = name or f"webhook:{urlsplit(url).hostname}"

    def __repr__(self) -> str:
        return f"<WebhookChannel {self.name} signed={self._secret is not None}>"

    async def send(self, message: Message) -> DeliveryResult:
        # Serialised once: the signature covers exactly the bytes sent.
        body = json.dumps(payload_of(message), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"oreradar-webhook/{PAYLOAD_VERSION}",
            "Idempotency-Key": message.delivery_id,
            "X-Oreradar-Timestamp": timestamp,
        }
        secrets: tuple[str, ...] = ()
        if self._secret is not None:
            secret = self._secret.get_secret_value()
            headers["X-Oreradar-Signature"] = sign(secret.encode("utf-8"), timestamp, body)
            secrets = (secret,)
        return await post(self._http, self._url, content=body, headers=headers, redact_=secrets, clock=self._clock)

    async def aclose(self) -> None:
        """The HTTP client is shared and owned by whoever built the channels."""
