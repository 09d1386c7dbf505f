"""From the subscriptions file's channel specs to Channel objects: the one wiring point.

    >>> channels = build_channels(subs, settings, http=client, env=os.environ)      # doctest: +SKIP
    >>> sorted(channels)
    ['all/0:jsonl', 'all/1:console', 'kz-desk/0:webhook']

WIRING POINT: the channels package (webhook with HMAC, Slack, Telegram, email,
Alertmanager, apprise) provides ``sinks.channels.build_channel(spec, settings, env, http)``.
When it is importable it builds every channel; until then the small local channels below
stand in for ``jsonl``, ``console`` and a plain ``webhook`` (JSON POST with an
Idempotency-Key, no signature), so the dispatcher, the demo and the delivery tests run.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape

from oreradar.errors import ConfigError
from oreradar.records import Alert, AnyAlert
from oreradar.settings import Settings

from .channels.base import Channel, Delivered, DeliveryResult, Message, Rejected, RetryLater
from .console import summary_line
from .routing.model import Subscriptions

__all__ = ["build_channels", "JsonlChannel", "ConsoleChannel", "PlainWebhookChannel", "default_subscriptions"]

log = logging.getLogger(__name__)


def default_subscriptions(settings: Settings, *, console: bool) -> Subscriptions:
    """No ORERADAR_SUBSCRIPTIONS_FILE: every alert to the JSONL file (and the console), as before."""
    channels: list[dict[str, Any]] = [{"type": "jsonl", "path": str(settings.alerts_path)}]
    if console:
        channels.append({"type": "console"})
    return Subscriptions.model_validate({"subscriptions": [{"name": "default", "channels": channels}]})


def build_channels(subs: Subscriptions, settings: Settings, *, http: httpx.AsyncClient,
                   env: Mapping[str, str]) -> dict[str, Channel]:
    """``env`` holds the secrets the file names (``secret_env: NAME``); the process entry reads it once."""
    factory = channels_factory()
    channels: dict[str, Channel] = {}
    for sub in subs.subscriptions:
        for index, spec in enumerate(sub.channels):
            name = sub.channel_name(index)
            if factory is not None:
                build_channel, parse_channel_spec = factory
                channels[name] = build_channel(parse_channel_spec(spec), settings, env, http)
            else:
                channels[name] = _local_channel(name, spec, settings, http)
    return channels


def channels_factory() -> tuple[Callable[..., Channel], Callable[[Any], Any]] | None:
    """``(build_channel, parse_channel_spec)`` of the channels package, or None before it lands."""
    package = importlib.import_module("sinks.channels")
    build, parse = getattr(package, "build_channel", None), getattr(package, "parse_channel_spec", None)
    return (build, parse) if build is not None and parse is not None else None


def _local_channel(name: str, spec: dict[str, Any], settings: Settings, http: httpx.AsyncClient) -> Channel:
    kind = spec["type"]
    if kind == "jsonl":
        return JsonlChannel(name, Path(spec.get("path") or settings.alerts_path).expanduser())
    if kind == "console":
        return ConsoleChannel(name)
    if kind == "webhook" and "url" in spec:
        return PlainWebhookChannel(name, str(spec["url"]), http)
    raise ConfigError(
        f"channel {name}: type {kind!r} is not available in this build (the channels package is not installed); "
        "use jsonl, console or webhook"
    )


class JsonlChannel:
    """Today's JSONL sink behind the Channel interface: one alert per line, fsynced before 'delivered'."""

    type = "jsonl"

    def __init__(self, name: str, path: Path):
        self.name = name
        self.path = path

    async def send(self, message: Message) -> DeliveryResult:
        lines = b"".join(alert.to_json() + b"\n" for alert in message.alerts)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as handle:
                handle.write(lines)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            return RetryLater(f"cannot append to {self.path}: {exc.strerror or exc}")
        return Delivered(str(self.path))

    async def aclose(self) -> None:
        return None


class ConsoleChannel:
    """One human line per alert on stdout, with what changed for this subscriber."""

    type = "console"

    def __init__(self, name: str, console: Console | None = None):
        self.name = name
        self.console = console or Console(highlight=False, soft_wrap=True)

    async def send(self, message: Message) -> DeliveryResult:
        for alert in message.alerts:
            self.console.print(f"[bold]ALERT[/] {escape(_line(alert))}  [dim]→ {escape(message.subscription)}[/]")
        if message.changes:
            self.console.print(f"      [dim]changed since the last one:[/] {escape('; '.join(message.changes))}")
        return Delivered()

    async def aclose(self) -> None:
        return None


def _line(alert: AnyAlert) -> str:
    if isinstance(alert, Alert):
        revision = f" (rev {alert.revision})" if alert.revision > 1 else ""
        return summary_line(alert) + revision
    return f"{alert.severity.upper()} | trend {alert.signal_type} | {alert.country} | {alert.commodity} | {alert.count} vs {alert.baseline:.1f}/h"


class PlainWebhookChannel:
    """Stand-in until the channels package lands: JSON POST, Idempotency-Key, status codes mapped to results."""

    type = "webhook"

    def __init__(self, name: str, url: str, http: httpx.AsyncClient):
        self.name = name
        self.url = url
        self.http = http

    async def send(self, message: Message) -> DeliveryResult:
        body = {"delivery_id": message.delivery_id, "subscription": message.subscription,
                "changes": list(message.changes), "alerts": [a.to_dict() for a in message.alerts]}
        try:
            response = await self.http.post(self.url, json=body, headers={"Idempotency-Key": message.delivery_id})
        except httpx.HTTPError as exc:
            return RetryLater(f"{type(exc).__name__}: {exc}")
        return result_of_status(response.status_code, response.headers.get("Retry-After"))

    async def aclose(self) -> None:
        return None


def result_of_status(status: int, retry_after: str | None) -> DeliveryResult:
    """2xx delivered; 408, 429 and 5xx retried (Retry-After seconds honoured); other 4xx refused for good."""
    if 200 <= status < 300:
        return Delivered(f"HTTP {status}")
    after: float | None = None
    if retry_after and retry_after.strip().isdigit():
        after = float(retry_after.strip())
    if status in (408, 429) or status >= 500:
        return RetryLater(f"HTTP {status}", after)
    return Rejected(f"HTTP {status}")
