"""From the subscriptions file's channel specs to Channel objects.

    >>> channels = build_channels(subs, settings, http=client, env=os.environ)      # doctest: +SKIP
    >>> sorted(channels)
    ['archive/0:jsonl', 'kz-desk/0:webhook', 'kz-desk/1:email']

Keys are the routing's channel names (``<subscription>/<index or name>:<type>``): they key
outbox entries and the delivery log. The channels package validates each spec and builds
the channel; the HTTP client is shared and closed by the dispatcher.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from oreradar.settings import Settings

from .channels import Channel, build_channel, parse_channel_spec
from .routing.model import Subscriptions

__all__ = ["build_channels", "default_subscriptions"]


def default_subscriptions(settings: Settings, *, console: bool) -> Subscriptions:
    """No ORERADAR_SUBSCRIPTIONS_FILE: every alert to the JSONL file (and the console), as before."""
    channels: list[dict[str, Any]] = [{"type": "jsonl", "path": str(settings.alerts_path)}]
    if console:
        channels.append({"type": "console"})
    return Subscriptions.model_validate({"subscriptions": [{"name": "default", "channels": channels}]})


def build_channels(subs: Subscriptions, settings: Settings, *, http: httpx.AsyncClient,
                   env: Mapping[str, str]) -> dict[str, Channel]:
    """``env`` holds the secrets the file names (``secret_env: NAME``); the process entry reads it once."""
    channels: dict[str, Channel] = {}
    for sub in subs.subscriptions:
        for index, spec in enumerate(sub.channels):
            channels[sub.channel_name(index)] = build_channel(parse_channel_spec(spec), settings, env, http)
    return channels
