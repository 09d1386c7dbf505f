"""Slack channel: an incoming webhook, with blocks (severity, types, entities, evidence, sources, link).

Slack answers 200 ``ok``, 4xx with a reason (``invalid_payload``, ``no_service``,
``channel_is_archived``: rejected) or 429 with Retry-After; outcome.py maps them. The
hook URL is the credential, so the channel's name shows only that it is Slack.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from pydantic import SecretStr

from sinks.channels.base import DeliveryResult, Message
from sinks.channels.outcome import post
from sinks.channels.render import slack_payload

__all__ = ["SlackChannel"]


class SlackChannel:
    type = "slack"

    def __init__(self, url: SecretStr, http: httpx.AsyncClient, *, name: str | None = None,
                 clock: Callable[[], float] = time.time):
        self._url = url
        self._http = http
        self._clock = clock
        self.name = name or "slack"

    def __repr__(self) -> str:
        return f"<SlackChannel {self.name}>"

    async def send(self, message: Message) -> DeliveryResult:
        url = self._url.get_secret_value()
        return await post(self._http, url, json=slack_payload(message), redact_=(url,), clock=self._clock)

    async def aclose(self) -> None:
        """The HTTP client is shared and owned by whoever built the channels."""
