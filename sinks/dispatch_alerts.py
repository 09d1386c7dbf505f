"""The alert dispatcher: ``alerts`` → routing → the outbox on Kafka → channels.

    >>> dispatcher = Dispatcher(subs, outbox, silences, journal, metrics)        # doctest: +SKIP
    >>> offsets = await dispatcher.handle_batch({tp: records})                   # then commit them

For every alert: match the subscriptions, check silences, inhibitions and the story-update
rule, and write what that implies (waiting entries, log records, new inhibitions) to the
compacted topics. Only once Kafka acknowledged those writes does the dispatcher commit the
``alerts`` offsets, so a crash re-reads alerts whose deliveries were not recorded, and
re-reading one whose deliveries were recorded adds nothing (its keys exist already).
The outbox then drains each channel on its own. ``run_dispatcher.py`` wires Kafka in.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from oreradar.deadletter import dead_letter
from oreradar.errors import RecordError
from oreradar.metrics import DeliveryMetrics, PipelineMetrics
from oreradar.records import DeadLetter, parse_alert, utc_now

from .outbox.admit import admit
from .outbox.engine import Outbox
from .outbox.records import OutboxRecord
from .routing.diff import View
from .routing.inhibit import inhibitions_from
from .routing.match import AlertFacts
from .routing.model import Subscriptions
from .routing.router import route
from .routing.silences import Silence, SilenceStore

__all__ = ["Dispatcher", "StateWriter", "STAGE"]

log = logging.getLogger(__name__)
STAGE = "dispatch"


class StateWriter(Protocol):
    """Writes to the state topics; each call returns something to await for Kafka's acknowledgement."""

    def write(self, partition: int, record: OutboxRecord) -> Any: ...

    async def dead_letter(self, letter: DeadLetter) -> None: ...

    async def silence(self, silence: Silence) -> None: ...


class Dispatcher:
    def __init__(
        self,
        subs: Subscriptions,
        outbox: Outbox,
        silences: SilenceStore,
        writer: StateWriter,
        metrics: DeliveryMetrics,
        pipeline: PipelineMetrics | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
    ):
        self.subs = subs
        self.outbox = outbox
        self.silences = silences
        self.writer = writer
        self.metrics = metrics
        self.pipeline = pipeline
        self.clock = clock
        self.lock = asyncio.Lock()  # a batch and a rebalance never interleave
        self._channel_types = {s.name: [str(c["type"]) for c in s.channels] for s in subs.subscriptions}

    async def handle_batch(self, batches: Mapping[Any, Sequence[Any]]) -> dict[Any, int]:
        """Route and record one poll's records; returns the offsets that may now be committed."""
        async with self.lock:
            return await self._handle(batches)

    async def _handle(self, batches: Mapping[Any, Sequence[Any]]) -> dict[Any, int]:
        acks: list[Any] = []
        written: dict[int, list[OutboxRecord]] = defaultdict(list)
        commit: dict[Any, int] = {}
        for tp, records in batches.items():
            state = self.outbox.partitions.get(tp.partition)
            if state is None:
                continue  # revoked meanwhile: whoever owns it now reads these again
            views: dict[tuple[str, str], tuple[int, View]] = {}  # this batch's routes, before Kafka acknowledged them
            keys: set[str] = set()

            def last_view(subscription: str, story: str, _state=state, _views=views) -> tuple[int, View] | None:  # type: ignore[no-untyped-def]
                return _views.get((subscription, story)) or _state.last_view(subscription, story)

            for record in records:
                commit[tp] = record.offset + 1
                now = self.clock()
                try:
                    alert = parse_alert(record.value if record.value is not None else b"null")
                except RecordError as exc:
                    acks.append(self._dead_letter(record, exc))
                    continue
                facts = AlertFacts.of(alert)
                for inhibition in inhibitions_from(self.subs.inhibit, facts, alert.created, now):
                    known = self.silences.get(inhibition.id)
                    if known is None or known.ends < inhibition.ends:
                        self.silences.put(inhibition)
                        acks.append(self.writer.silence(inhibition))
                routes = route(self.subs, facts, self.silences, last_view, now)
                for skipped in (r for r in routes if r.outcome == "duplicate"):
                    for kind in self._channel_types.get(skipped.subscription, ["none"]):
                        self.metrics.deliveries.labels(channel=kind, outcome="duplicate").inc()
                for out in admit(alert, facts, routes, self.subs, now, group=self.outbox.group):
                    if state.has(out.key) or out.key in keys:
                        self._count(out, "duplicate")
                        continue
                    keys.add(out.key)
                    if out.kind == "entry":
                        views[(out.subscription, out.story_id)] = (out.revision, out.view)
                    else:
                        self._count(out, out.state)
                    acks.append(self.writer.write(tp.partition, out))
                    written[tp.partition].append(out)
                if self.pipeline is not None:
                    self.pipeline.items.labels(stage=STAGE, outcome="routed").inc()
                    self.pipeline.last_item.labels(stage=STAGE).set_to_current_time()
        # Kafka acknowledged every write, or this raises and nothing is committed.
        await asyncio.gather(*acks)
        for partition, records_written in written.items():
            if partition in self.outbox.partitions:
                self.outbox.applied(partition, records_written)
        return commit

    def _count(self, record: OutboxRecord, outcome: str) -> None:
        kinds = [record.channel_type] if record.channel_type else self._channel_types.get(record.subscription, ["none"])
        for kind in kinds:
            self.metrics.deliveries.labels(channel=kind, outcome=outcome).inc()

    async def _dead_letter(self, record: Any, exc: RecordError) -> None:
        letter = dead_letter(record.value, str(exc), stage=STAGE, topic=record.topic, partition=record.partition,
                             offset=record.offset, key=record.key, item_id=exc.item_id, field=exc.field)
        log.warning("dead-lettered %s:%s@%s: %s", record.topic, record.partition, record.offset, exc)
        if self.pipeline is not None:
            self.pipeline.dropped.labels(stage=STAGE, reason="invalid_record").inc()
        await self.writer.dead_letter(letter)
