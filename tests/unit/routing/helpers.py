"""Alerts, a clock, a recording channel and an in-memory journal for the routing and outbox units."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from oreradar.records import Alert, DeadLetter, StorySource
from sinks.channels.base import Delivered, DeliveryResult, Message, RetryLater
from sinks.outbox.records import OutboxRecord

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)


def story_alert(story: str = "s-1", revision: int = 1, *, countries: tuple[str, ...] = ("KZ",),
                commodities: tuple[str, ...] = ("tungsten",), types: tuple[str, ...] = ("export_control",),
                severity: str = "high", title: str = "Kazakhstan restricts tungsten exports", lang: str = "en",
                organizations: tuple[str, ...] = (), created: datetime = T0) -> Alert:
    return Alert(
        id=f"{story}-r{revision}", relevant=True, scope=["A"], signal_types=list(types), countries=list(countries),
        commodities=list(commodities), organizations=list(organizations), severity=severity, title=title, lang=lang,
        alert_id=Alert.make_alert_id(story, revision), story_id=story, revision=revision,
        sources=[StorySource(id=f"{story}-r{revision}", lang=lang)], created=created,
    )


class Clock:
    def __init__(self, start: datetime = T0):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class RecordingChannel:
    """A channel that answers from a script (default: delivered) and keeps every message it was sent."""

    name: str
    type: str = "webhook"
    script: list[DeliveryResult] = field(default_factory=list)
    sent: list[Message] = field(default_factory=list)
    closed: bool = False

    async def send(self, message: Message) -> DeliveryResult:
        self.sent.append(message)
        return self.script.pop(0) if self.script else Delivered()

    async def aclose(self) -> None:
        self.closed = True


@dataclass
class MemoryJournal:
    records: list[tuple[int, OutboxRecord]] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    fail_next: Callable[[OutboxRecord], bool] | None = None

    async def write(self, partition: int, record: OutboxRecord) -> None:
        if self.fail_next is not None and self.fail_next(record):
            raise ConnectionError("broker down")
        self.records.append((partition, record))

    async def dead_letter(self, letter: DeadLetter) -> None:
        self.dead.append(letter)

    def latest(self, partition: int = 0) -> list[OutboxRecord]:
        by_key: dict[str, OutboxRecord] = {}
        for p, record in self.records:
            if p == partition:
                by_key[record.key] = record
        return list(by_key.values())


def down(error: str = "connection refused", after: float | None = None) -> RetryLater:
    return RetryLater(error, after)
