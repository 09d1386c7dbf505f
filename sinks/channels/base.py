"""What every delivery channel is: one async method that says delivered, retry later, or rejected.

    >>> result = await channel.send(message)          # doctest: +SKIP
    >>> match result:
    ...     case Delivered(): ...
    ...     case RetryLater(after=seconds, error=why): ...   # after=None: the pipeline's back-off decides
    ...     case Rejected(error=why): ...                     # permanent: dead-letter the delivery

As in Alertmanager's ``Notify(ctx, alerts) (retry bool, err)``, a channel never retries
on its own and never sleeps: the retry policy (exponential back-off with jitter,
``Retry-After``, the attempt limit, the dead-letter topic) lives once, in the outbox
that drives every channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from oreradar.records import AnyAlert

__all__ = ["Message", "Delivered", "RetryLater", "Rejected", "DeliveryResult", "Channel"]


@dataclass(frozen=True)
class Message:
    """What one delivery carries to one channel of one subscription.

    ``delivery_id`` is stable for (alert ids, subscription, channel): it is the
    ``Idempotency-Key`` a receiver sees on every retry of the same delivery.
    """

    delivery_id: str
    subscription: str
    alerts: tuple[AnyAlert, ...]
    changes: tuple[str, ...] = field(default=())  # what changed since the last message this subscriber got


@dataclass(frozen=True)
class Delivered:
    detail: str = ""


@dataclass(frozen=True)
class RetryLater:
    error: str
    after: float | None = None  # seconds, from Retry-After when the receiver sent one


@dataclass(frozen=True)
class Rejected:
    error: str


DeliveryResult = Delivered | RetryLater | Rejected


@runtime_checkable
class Channel(Protocol):
    """One configured destination (a webhook URL, an SMTP recipient list, a Slack hook...)."""

    type: str  # "webhook", "slack", "telegram", "email", "alertmanager", "apprise", "jsonl", "console"
    name: str  # stable label for metrics and the delivery log, e.g. "webhook:hooks.example.org"

    async def send(self, message: Message) -> DeliveryResult: ...

    async def aclose(self) -> None: ...
