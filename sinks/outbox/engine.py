"""The outbox: drains every channel on its own, retries, groups, dead-letters; writes each step down.

    >>> outbox = Outbox(subs, channels, journal, metrics, clock=clock)   # doctest: +SKIP
    >>> outbox.adopt(partition, records)        # rebuilt from oreradar.deliveries
    >>> await outbox.step("kz-desk/0:webhook")  # one pass: form due groups, attempt due deliveries

One asyncio task per channel runs ``step`` in a loop, so a slow or failing receiver holds
back only its own deliveries. Every state change is written to the journal (the compacted
topic) *before* it counts: a delivery is pending until a ``delivered`` record is acknowledged,
so a crash can at worst resend the one message that was in flight, with the same
Idempotency-Key, and never loses one. ``release`` (a partition revoked in a rebalance)
waits for the partition's in-flight sends to be written down, then forgets it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from oreradar.deadletter import dead_letter
from oreradar.metrics import DeliveryMetrics
from oreradar.records import AnyAlert, DeadLetter, parse_alert, utc_now
from oreradar.topics import DELIVERIES

from ..channels.base import Channel, Delivered, DeliveryResult, Message, Rejected, RetryLater
from ..routing.group import due_at
from ..routing.model import Subscriptions
from .policy import RetryPolicy
from .records import OutboxRecord, delivery_key
from .state import PartitionState

__all__ = ["Journal", "Outbox", "DELIVER_STAGE"]

log = logging.getLogger(__name__)
DELIVER_STAGE = "deliver"


class Journal(Protocol):
    """Where outbox records go: the compacted topic in production, a list in unit tests."""

    def write(self, partition: int, record: OutboxRecord) -> Awaitable[None]: ...

    async def dead_letter(self, letter: DeadLetter) -> None: ...


class Outbox:
    def __init__(
        self,
        subs: Subscriptions,
        channels: dict[str, Channel],
        journal: Journal,
        metrics: DeliveryMetrics,
        *,
        clock: Callable[[], datetime] = utc_now,
        rand: Callable[[], float] = random.random,
        send_timeout: float = 60.0,
        group: str = "",
    ):
        self.group = group
        self.subs = subs
        self.channels = channels
        self.journal = journal
        self.metrics = metrics
        self.clock = clock
        self.rand = rand
        self.send_timeout = send_timeout
        self.policy = RetryPolicy(max_attempts=subs.delivery.max_attempts, backoff=subs.delivery.backoff,
                                  max_backoff=subs.delivery.max_backoff)
        self.partitions: dict[int, PartitionState] = {}
        self._releasing: set[int] = set()
        self._inflight: dict[int, set[asyncio.Future[None]]] = defaultdict(set)
        self._wake: dict[str, asyncio.Event] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    # --- partitions ----------------------------------------------------------------------

    def adopt(self, partition: int, records: list[OutboxRecord]) -> PartitionState:
        state = PartitionState(partition, self.group)
        for record in records:
            state.apply(record)
        self.partitions[partition] = state
        self._releasing.discard(partition)
        self.wake_all()
        return state

    async def release(self, partition: int) -> None:
        self._releasing.add(partition)
        inflight = list(self._inflight.get(partition, ()))
        if inflight:
            await asyncio.gather(*inflight, return_exceptions=True)
        self.partitions.pop(partition, None)
        self._inflight.pop(partition, None)
        self._refresh_gauges()

    def applied(self, partition: int, records: list[OutboxRecord]) -> None:
        """Records the dispatcher wrote (and Kafka acknowledged) for new alerts."""
        state = self.partitions[partition]
        for record in records:
            state.apply(record)
            if record.channel:
                self.wake(record.channel)
        self._refresh_gauges()

    # --- the loop ------------------------------------------------------------------------

    def wake(self, channel: str) -> None:
        event = self._wake.get(channel)
        if event is not None:
            event.set()

    def wake_all(self) -> None:
        for event in self._wake.values():
            event.set()

    def start(self) -> None:
        for name in self.channels:
            self._wake[name] = asyncio.Event()
            self._tasks.append(asyncio.create_task(self._drain(name), name=f"drain {name}"))

    async def stop(self) -> None:
        self._stopping = True
        self.wake_all()
        for partition in list(self.partitions):
            await self.release(partition)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for channel in self.channels.values():
            try:
                await channel.aclose()
            except Exception:  # closing must not hide the reason we stopped
                log.exception("closing channel %s failed", channel.name)

    async def _drain(self, name: str) -> None:
        event = self._wake[name]
        while not self._stopping:
            event.clear()
            try:
                next_due = await self.step(name)
            except asyncio.CancelledError:
                raise
            except Exception:
                # A journal write failed (Kafka down): nothing was lost, the state says pending; try again soon.
                log.exception("outbox: draining %s failed; retrying in 5s", name)
                next_due = self.clock() + timedelta(seconds=5)
            timeout = None if next_due is None else max(0.0, (next_due - self.clock()).total_seconds())
            try:
                await asyncio.wait_for(event.wait(), timeout=timeout)
            except asyncio.TimeoutError:
                pass

    async def step(self, name: str) -> datetime | None:
        """One pass over one channel: form the groups that are due, attempt the deliveries that are due.

        Returns when the next thing for this channel falls due (None: nothing waits).
        """
        next_due: datetime | None = None
        for partition, state in list(self.partitions.items()):
            if partition in self._releasing or self._stopping:
                continue
            for due in await self._form_groups(partition, state, name):
                next_due = due if next_due is None else min(next_due, due)
            for delivery in state.pending(name):
                if partition in self._releasing or self._stopping:
                    break
                when = delivery.next_attempt or delivery.created
                if when <= self.clock():
                    await self._attempt(partition, state, delivery)
                    when = state.records[delivery.key].next_attempt or when
                    if state.records[delivery.key].state != "pending":
                        continue
                next_due = when if next_due is None else min(next_due, when)
        self._refresh_gauges()
        return next_due

    # --- grouping ------------------------------------------------------------------------

    async def _form_groups(self, partition: int, state: PartitionState, name: str) -> list[datetime]:
        later: list[datetime] = []
        for group_key, entries in state.waiting_groups(name).items():
            sub = self.subs.by_name(entries[0].subscription)
            group = sub.group if sub else None
            now = self.clock()
            due = due_at(group, first_waiting=min(e.created for e in entries), last_flush=state.last_flush(group_key),
                         recent_flushes=state.flushes(name), now=now)
            if due > now:
                later.append(due)
                continue
            entries.sort(key=lambda e: (e.created, e.key))
            alert_ids = [a for e in entries for a in e.alert_ids]
            changes = sorted({c for e in entries for c in e.changes})
            delivery = OutboxRecord(
                key=delivery_key(self.group, alert_ids, name), group=self.group, kind="delivery", state="pending", subscription=entries[0].subscription,
                channel=name, channel_type=entries[0].channel_type, story_id=entries[0].story_id,
                revision=max(e.revision for e in entries), alert_ids=alert_ids, alerts=[a for e in entries for a in e.alerts],
                title=entries[0].title if len(entries) == 1 else f"{len(entries)} alerts: {entries[0].title}",
                group_key=group_key, changes=changes, entries=[e.key for e in entries], next_attempt=now,
                alert_created=min((e.alert_created for e in entries if e.alert_created), default=None),
                created=now, updated=now,
            )
            # The delivery first: once it is written, the entries are carried even if we die before marking them.
            await self._write(partition, state, delivery)
            for entry in entries:
                await self._write(partition, state, entry.model_copy(update={
                    "state": "batched", "batch": delivery.key, "updated": now, "alerts": []}))
            if len(entries) > 1:
                self.metrics.deliveries.labels(channel=delivery.channel_type, outcome="grouped").inc(len(entries) - 1)
        return later

    # --- one attempt ---------------------------------------------------------------------

    async def _attempt(self, partition: int, state: PartitionState, delivery: OutboxRecord) -> None:
        channel = self.channels.get(delivery.channel)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._inflight[partition].add(done)
        try:
            if channel is None:
                result: DeliveryResult = Rejected(f"no channel {delivery.channel} in the subscriptions file any more")
            else:
                result = await self._send(channel, delivery)
            await self._record_result(partition, state, delivery, result)
        finally:
            self._inflight[partition].discard(done)
            done.set_result(None)

    async def _send(self, channel: Channel, delivery: OutboxRecord) -> DeliveryResult:
        alerts: list[AnyAlert] = [parse_alert(json.dumps(raw)) for raw in delivery.alerts]
        message = Message(delivery_id=delivery.delivery_id, subscription=delivery.subscription,
                          alerts=tuple(alerts), changes=tuple(delivery.changes))
        try:
            return await asyncio.wait_for(channel.send(message), timeout=self.send_timeout)
        except asyncio.TimeoutError:
            return RetryLater(f"no answer within {self.send_timeout:.0f}s")
        except Exception as exc:  # a channel bug costs a retry, not the dispatcher
            log.exception("channel %s raised instead of answering", channel.name)
            return RetryLater(f"{type(exc).__name__}: {exc}")

    async def _record_result(self, partition: int, state: PartitionState, delivery: OutboxRecord,
                             result: DeliveryResult) -> None:
        now = self.clock()
        attempts = delivery.attempts + 1
        kind = delivery.channel_type
        if isinstance(result, Delivered):
            await self._write(partition, state, delivery.model_copy(update={
                "state": "delivered", "attempts": attempts, "updated": now, "next_attempt": None, "alerts": []}))
            self.metrics.deliveries.labels(channel=kind, outcome="delivered").inc()
            if delivery.alert_created is not None:
                self.metrics.latency.labels(channel=kind).observe(max(0.0, (now - delivery.alert_created).total_seconds()))
            return
        if isinstance(result, RetryLater):
            delay = self.policy.delay_after(attempts=attempts, retry_after=result.after, rand=self.rand)
            if delay is not None:
                self.metrics.deliveries.labels(channel=kind, outcome="retry").inc()
                self.metrics.retries.labels(channel=kind).inc()
                log.warning("delivery %s to %s failed (attempt %d), retrying in %.1fs: %s",
                            delivery.delivery_id, delivery.channel, attempts, delay, result.error)
                await self._write(partition, state, delivery.model_copy(update={
                    "attempts": attempts, "last_error": result.error, "updated": now,
                    "next_attempt": now + timedelta(seconds=delay)}))
                return
            reason = f"gave up after {attempts} attempts: {result.error}"
        else:
            self.metrics.deliveries.labels(channel=kind, outcome="rejected").inc()
            reason = f"rejected: {result.error}"
        final = delivery.model_copy(update={"state": "dead_lettered", "attempts": attempts, "last_error": reason,
                                            "updated": now, "next_attempt": None})
        log.error("delivery %s to %s dead-lettered: %s", delivery.delivery_id, delivery.channel, reason)
        # The dead letter carries the whole delivery, alerts included; the log keeps the slim record.
        await self.journal.dead_letter(dead_letter(
            final.to_json(), f"{delivery.channel}: {reason}", stage=DELIVER_STAGE, topic=DELIVERIES,
            partition=partition, key=delivery.key.encode(), item_id=delivery.alert_ids[0] if delivery.alert_ids else None,
        ))
        await self._write(partition, state, final.model_copy(update={"alerts": []}))
        self.metrics.deliveries.labels(channel=kind, outcome="dead_lettered").inc()

    async def _write(self, partition: int, state: PartitionState, record: OutboxRecord) -> None:
        await self.journal.write(partition, record)
        state.apply(record)

    def _refresh_gauges(self) -> None:
        per_type: dict[str, int] = defaultdict(int)
        for name, channel in self.channels.items():
            per_type[channel.type] += sum(s.backlog(name) for s in self.partitions.values())
        for kind, count in per_type.items():
            self.metrics.pending.labels(channel=kind).set(count)

