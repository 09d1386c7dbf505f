"""Delivery channels: one module per destination behind one small interface (base.py).

    >>> spec = parse_channel_spec({"type": "console"})
    >>> channel = build_channel(spec, settings, os.environ, http)    # doctest: +SKIP
    >>> await channel.send(Message("d-1", "kz-desk", (alert,)))     # doctest: +SKIP
    Delivered(detail='')

outcome.py maps HTTP answers to results in one place; render.py says how an alert
reads in every format; specs.py validates what a subscriptions file says; factory.py
turns a spec into a channel.
"""

from sinks.channels.base import Channel, Delivered, DeliveryResult, Message, Rejected, RetryLater
from sinks.channels.factory import build_channel, required_env
from sinks.channels.specs import ChannelSpec, parse_channel_spec

__all__ = [
    "Channel",
    "Message",
    "Delivered",
    "RetryLater",
    "Rejected",
    "DeliveryResult",
    "ChannelSpec",
    "parse_channel_spec",
    "build_channel",
    "required_env",
]
