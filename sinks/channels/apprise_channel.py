"""Apprise channel: the catch-all for services without a native channel (Discord, Teams, Matrix, ntfy...).

    {type: apprise, url_env: OPS_DISCORD_URL}      # e.g. discord://webhook_id/webhook_token

Apprise hides the receiver's status code and answers only "worked or not", so a failure
is always ``RetryLater``: the outbox's attempt limit, not this channel, decides when it
is given up. A URL Apprise does not understand is refused when the channel is built.
The module is not named ``apprise.py`` so that it cannot shadow the library.
"""

from __future__ import annotations

import logging

import apprise
from pydantic import SecretStr

from oreradar.errors import ConfigError
from sinks.channels.base import Delivered, DeliveryResult, Message, Rejected, RetryLater
from sinks.channels.render import render_text, subject

__all__ = ["AppriseChannel"]

log = logging.getLogger(__name__)


class AppriseChannel:
    type = "apprise"

    def __init__(self, url: SecretStr, *, name: str | None = None, where: str = "apprise channel"):
        raw = url.get_secret_value()
        self._apprise = apprise.Apprise()
        if not self._apprise.add(raw):
            # Name the scheme only: the rest of an Apprise URL is usually a token.
            raise ConfigError(f"{where}: Apprise does not understand a {raw.partition('://')[0] or '(no scheme)'}:// URL")
        self.name = name or f"apprise:{raw.partition('://')[0]}"

    def __repr__(self) -> str:
        return f"<AppriseChannel {self.name}>"

    async def send(self, message: Message) -> DeliveryResult:
        result = await self._apprise.async_notify(
            body=render_text(message), title=subject(message, prefix="oreradar:"), body_format=apprise.NotifyFormat.TEXT
        )
        if result:
            return Delivered("apprise: notified")
        if result.status == apprise.AppriseResultStatus.NOMATCH:
            return Rejected("apprise: no service matched the URL")
        return RetryLater(f"apprise: notification failed ({result.status.name.lower()}); see the apprise log")

    async def aclose(self) -> None:
        self._apprise.clear()
