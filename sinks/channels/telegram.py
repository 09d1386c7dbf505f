"""Telegram channel: the Bot API's ``sendMessage`` with ``parse_mode=HTML``.

    POST <base_url>/bot<token>/sendMessage   {"chat_id", "text", "parse_mode": "HTML", ...}

``base_url`` is configurable (a local Bot API server, or a test's). Telegram says how
long to wait in the body (``parameters.retry_after``) rather than in a header, so that is
read here and handed to the shared mapping. The token is part of the URL: it is
redacted from every error string and never part of the channel's name.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from pydantic import SecretStr

from sinks.channels.base import DeliveryResult, Message
from sinks.channels.outcome import result_from_error, result_from_response
from sinks.channels.render import telegram_html

__all__ = ["TelegramChannel", "TELEGRAM_TEXT_LIMIT"]

TELEGRAM_TEXT_LIMIT = 4096


class TelegramChannel:
    type = "telegram"

    def __init__(self, chat_id: str | int, token: SecretStr, http: httpx.AsyncClient, *,
                 base_url: str = "https://api.telegram.org", name: str | None = None,
                 clock: Callable[[], float] = time.time):
        self._chat_id = chat_id
        self._token = token
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._clock = clock
        self.name = name or f"telegram:{chat_id}"

    def __repr__(self) -> str:
        return f"<TelegramChannel {self.name}>"

    async def send(self, message: Message) -> DeliveryResult:
        token = self._token.get_secret_value()
        body = {
            "chat_id": self._chat_id,
            "text": telegram_html(message, limit=TELEGRAM_TEXT_LIMIT),
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        try:
            response = await self._http.post(f"{self._base_url}/bot{token}/sendMessage", json=body)
        except (httpx.RequestError, httpx.InvalidURL) as exc:
            return result_from_error(exc, redact_=(token,))
        return result_from_response(response, now=self._clock(), redact_=(token,), retry_after=_body_retry_after(response))

    async def aclose(self) -> None:
        """The HTTP client is shared and owned by whoever built the channels."""


def _body_retry_after(response: httpx.Response) -> float | None:
    """``{"ok": false, "error_code": 429, "parameters": {"retry_after": 17}}`` -> 17.0."""
    if response.status_code < 400:
        return None
    try:
        data = response.json()
        value = data["parameters"]["retry_after"]
        return max(0.0, float(value))
    except (ValueError, KeyError, TypeError):
        return None
