"""faust's aiokafka transport with two fixes for records it skipped after a rebalance.

When a rebalance or a table recovery stops the flow, faust throws away the records it has
fetched and not yet handed over, and, before it resumes, seeks every partition back to
its committed offset so that they are read again. Two things made it skip them for good,
both seen in the cluster tests (issue 9: after a rebalance up to 338 relevant items never
reached a story; before the stories stage had a process of its own, the classify agent
lost items the same way):

* **No committed offset.** aiokafka's ``seek_to_committed`` leaves a partition whose
  committed offset is missing (or 0) where the fetcher was (aiokafka issue #1003): the
  case of every partition a worker takes over before anyone committed on it. With
  ``consumer_auto_offset_reset="earliest"`` (:func:`processors.app.build_app`) "no
  committed offset" means "from the start of the log", so such a partition is sent
  there (:func:`seek_to_committed_or_start`).
* **The read-offset filter.** faust drops a fetched record whose offset is below the
  partition's "read offset", the offset of the last record its fetch loop handled. When
  the flow stops while a record is being handed over, the loop still records that
  offset, sometimes after the seek back has reset it; every record fetched again from
  the committed offset was then below it and dropped, never processed nor acked, and
  the partition's commits stopped there. Kafka positions only go forward except by a
  seek, so on a stream partition the filter had nothing else to catch: it is off
  (:class:`StreamReadOffsets`), and after a seek every record from the committed
  offset is handled again (at-least-once). Changelog partitions keep it: faust's table
  recovery positions and reads those itself.
* **Records fetched and never handed over.** faust counts on a later seek back to the
  committed offsets to read again what it dropped, but it also drops records after the
  last seek of a rebalance (seen: 366 records of one partition fetched, none handled, the
  fetch position past them). Here the consumer itself moves a stream partition's fetch
  position back to the first record it did not hand over, unless a seek already put it
  there or before (:meth:`Consumer.getmany`).
* **A gap at the head of the acknowledgements.** Records can still go missing between
  fetch and stream with no rebalance near (seen: a fresh process handed over offsets up to
  105 of a partition, then 244 onwards, in one pass). faust commits only up to the first
  offset not acknowledged, so the partition's commits stop there for good while the rest
  is processed. When the first acknowledged offset stays past the committed one for
  ``HEAD_GAP_AFTER`` seconds, the consumer moves the partition back to its committed
  offset and reads the missing records (and the ones after them) again
  (:class:`HeadGapTracker`).
* **Skipped records counted as done.** A stream acks the records it skips (fetched before
  a rebalance, or dequeued while the flow is stopped), and faust counted those acks towards
  the next commit; here they count for nothing (:meth:`Consumer.ack`), so such a record is
  committed past only once it has been read again and processed.
* **Nothing committed yet.** faust keeps a committed offset of 0 as None, and a head gap
  on such a partition held nothing back; it counts from the partition's first record
  (:func:`head_gap`, and the seek returns the start of the log where it sends one there).
* **A position not yet resolved.** faust's livelock check reads a partition's position,
  which aiokafka asserts on while it is still being looked up; the check waits for it
  (:func:`position_known`) instead of crashing the worker.

    >>> app = faust.App("id", broker=broker_url("127.0.0.1:9092"))   # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

from faust.transport.drivers import TRANSPORTS
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message

from processors.unchanged import UnchangedFor

__all__ = ["SCHEME", "Transport", "broker_url", "seek_to_committed_or_start", "rewind_to", "not_handed_over",
           "StreamReadOffsets", "HeadGapTracker", "HEAD_GAP_AFTER", "head_gap", "skipped_by_stream",
           "position_known"]

# The URL scheme faust picks this transport by (faust's own "kafka://" picks its aiokafka one).
SCHEME = "oreradar-kafka"


async def seek_to_committed_or_start(consumer: Any, *, keep: Callable[[Any], bool] = lambda tp: False
                                     ) -> Mapping[Any, int | None]:
    """Seek every assigned partition of an ``AIOKafkaConsumer`` to its committed offset,
    and those with none (or 0), except the ones ``keep`` names, to the start of the log.
    Returns where each one reads from, as ``seek_to_committed`` does: the committed offset,
    or the start of the log where it went there (faust's "committed offset" is the next
    offset to read, and a commit is held back against it: :func:`head_gap`)."""
    reading_from: dict[Any, int | None] = dict(await consumer.seek_to_committed())
    # aiokafka seeks only where the committed offset is above 0: the rest stay put.
    unset = [tp for tp, offset in reading_from.items() if not offset and not keep(tp)]
    if unset:
        await consumer.seek_to_beginning(*unset)
        reading_from.update(await consumer.beginning_offsets(unset))
    return reading_from


async def rewind_to(consumer: Any, positions: Mapping[Any, int], *, log: Any = None, why: str = "") -> None:
    """Move each assigned partition's fetch position (``AIOKafkaConsumer``) back to the
    given offset where it is past it; where a seek already put it there or before, and on
    partitions no longer assigned, nothing happens."""
    assigned = consumer.assignment()
    for tp, offset in positions.items():
        aiokafka_tp = faust_aiokafka.TopicPartition(tp.topic, tp.partition)
        if aiokafka_tp not in assigned:
            continue
        try:  # a position being reset is waited for; one that takes long is left to that reset
            position = await asyncio.wait_for(consumer.position(aiokafka_tp), timeout=1.0)
        except asyncio.TimeoutError:
            continue
        if position > offset:
            if log is not None:
                log.info("rewinding %s to %d: %s", aiokafka_tp, offset, why)
            consumer.seek(aiokafka_tp, offset)


# How long records may stay unacknowledged in front of acknowledged ones before the
# partition is read again from its committed offset (a batch in flight takes far less).
HEAD_GAP_AFTER = 10.0
HEAD_GAP_LOOK_EVERY = 1.0


def head_gap(acked: list[int] | None, committed: int | None) -> bool:
    """Whether a partition's acknowledged offsets start past its committed offset, which is
    the next one to read: the records in between were never acknowledged. None is faust's
    for a start at offset 0 (it keeps a committed 0 as None), so it counts as 0: a
    partition nobody has committed on is held at its first record like any other."""
    if not acked:
        return False
    return min(acked) > (committed or 0)


class HeadGapTracker:
    """Stream partitions whose acknowledged offsets have started past the committed offset
    (the records in between were never acknowledged) for ``after`` seconds."""

    def __init__(self, after: float = HEAD_GAP_AFTER) -> None:
        self.after = after
        self._gaps = UnchangedFor()  # partition -> committed offset, while it has a gap

    def observe(self, acked: Mapping[Any, list[int]], committed: Mapping[Any, int | None], now: float
                ) -> dict[Any, int]:
        """Partition -> committed offset to read again from, for the gaps that lasted."""
        due: dict[Any, int] = {}
        self._gaps.keep_only(acked)
        for tp, offsets in acked.items():
            done = committed.get(tp) or 0
            if not head_gap(offsets, done):
                self._gaps.forget(tp)
            elif self._gaps.seconds(tp, done, now) >= self.after > 0:
                due[tp] = done
                self._gaps.forget(tp)  # counted afresh if the gap outlives the reading again
        return due


def skipped_by_stream(message: Any, generation: int, flow_active: bool) -> bool:
    """Whether a record being acked is one a stream skipped rather than processed: it never
    reached a stream (``tracked`` is set when one takes it), and the stream's reasons to
    skip it hold (the flow is stopped, or it was fetched before the current assignment)."""
    return not message.tracked and (not flow_active or message.generation_id != generation)


def position_known(consumer: Any, tp: Any) -> bool:
    """Whether an ``AIOKafkaConsumer`` has a position for an assigned partition: not while a
    seek to the start of the log is still being resolved (aiokafka asserts on reading it)."""
    assignment = consumer._fetcher._subscriptions.subscription
    assignment = assignment.assignment if assignment is not None else None
    state = assignment.state_value(faust_aiokafka.TopicPartition(tp.topic, tp.partition)) if assignment else None
    return state is not None and bool(state.has_valid_position)


def not_handed_over(fetched: Mapping[Any, tuple[int, int]], handed: Mapping[Any, int]) -> dict[Any, int]:
    """Partition -> first offset not handed over, of a fetch that took ``fetched``
    (partition -> first and last offset) and handed over up to ``handed`` (partition ->
    last offset handed over); partitions handed over in full are left out."""
    return {tp: handed[tp] + 1 if tp in handed else first
            for tp, (first, last) in fetched.items() if handed.get(tp, first - 1) < last}


# mode names a service's logger after its class's module; these stay under faust's, so
# faust's log level (oreradar.logs) still applies to what faust's consumer logs.
_FAUST_LOGGER = logging.getLogger(f"{faust_aiokafka.__name__}.oreradar")


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    logger = _FAUST_LOGGER

    async def seek_to_committed(self) -> Mapping[TP, int]:
        changelogs = self.app.tables.changelog_topics
        return await self.call_thread(  # type: ignore[no-any-return]
            seek_to_committed_or_start, self._ensure_consumer(), keep=lambda tp: tp.topic in changelogs)

    def verify_event_path(self, now: float, tp: TP) -> None:
        # faust's livelock check reads the partition's position, which aiokafka asserts on
        # while a seek to the start of the log resolves it (seen: the classify worker crashed
        # on it right after a rebalance). The check comes round again in a few seconds.
        if position_known(self._ensure_consumer(), tp):
            super().verify_event_path(now, tp)

    async def rewind(self, positions: Mapping[Any, int], why: str) -> None:
        await self.call_thread(rewind_to, self._ensure_consumer(), positions, log=self.log, why=why)


class StreamReadOffsets(dict):  # type: ignore[type-arg]
    """faust's per-partition read offsets, which read as unknown (None) on every
    partition but a table's changelog, so faust's fetch loop drops no stream record."""

    def __init__(self, is_changelog: Callable[[Any], bool]) -> None:
        super().__init__()
        self._is_changelog = is_changelog

    def __getitem__(self, tp: Any) -> int | None:
        return self.get(tp) if self._is_changelog(tp) else None


class Consumer(faust_aiokafka.Consumer):
    logger = _FAUST_LOGGER

    _thread: ConsumerThread

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_offset = StreamReadOffsets(self._is_changelog_tp)
        self._fetched: dict[Any, tuple[int, int]] = {}
        self._head_gaps = HeadGapTracker()
        self._gaps_looked_at = 0.0

    async def _getmany(self, active_partitions: set[TP] | None, timeout: float) -> Any:
        records = await super()._getmany(active_partitions, timeout)
        # What this fetch took from each stream partition: first and last offset.
        self._fetched = {tp: (batch[0].offset, batch[-1].offset) for tp, batch in records.items()
                         if batch and not self._is_changelog_tp(tp)}
        return records

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        """faust's getmany; afterwards, a stream partition whose fetched records were not all
        handed over goes back to the first one that was not."""
        handed: dict[Any, int] = {}
        async for tp, message in super().getmany(timeout):
            handed[tp] = message.offset
            yield tp, message
        unhanded = not_handed_over(self._fetched, handed)
        self._fetched = {}
        if unhanded:
            await self._thread.rewind(unhanded, "fetched, never handed over")
        now = time.monotonic()
        if now - self._gaps_looked_at >= HEAD_GAP_LOOK_EVERY:  # it reads every acked offset: not per fetch
            self._gaps_looked_at = now
            await self._read_head_gaps_again(now)

    async def _read_head_gaps_again(self, now: float) -> None:
        # Only the stream partitions this consumer holds: acks of a batch finished after its
        # partition was taken away land on one with no committed offset here.
        held = self.assignment()
        stream_acked = {tp: offsets for tp, offsets in self._acked.items()
                        if tp in held and not self._is_changelog_tp(tp)}
        due = self._head_gaps.observe(stream_acked, self._committed_offset, now)
        for tp, offset in due.items():
            self.log.warning("reading %s again from %d: offsets %d-%d never acknowledged, later ones were", tp,
                             offset, offset, min(self._acked[tp]) - 1)
        if due:
            await self._thread.rewind(due, "records before it never acknowledged")

    def ack(self, message: Message) -> bool:
        """faust's, except that the ack of a record no stream took is not counted as done.
        A stream skips the records it dequeues while the flow is stopped or that were
        fetched before the last rebalance, and acks them; faust counted those acks in the
        bookkeeping the next assignment starts from, so the commit could pass a record that
        was skipped and had not been read again yet (issue 9: one relevant signal, the only
        record of its batch never handed over, its partition committed to the end)."""
        if skipped_by_stream(message, self.app.consumer_generation_id, self.app.flow_control.is_active()):
            message.acked = True
            return False
        return super().ack(message)  # type: ignore[no-any-return]

    def _new_offset(self, tp: TP) -> int | None:
        """faust's, except that a gap at the head of the acknowledged offsets holds the
        commit back whatever its size. faust compares ``min(acked) - committed > 1``, but its
        committed offset is already the next one to read, so a single record never
        acknowledged at the head was committed past and lost (seen: one relevant signal,
        the only record of its batch not handed over). :class:`HeadGapTracker` reads it again."""
        if head_gap(self._acked.get(tp), self._committed_offset.get(tp)):
            return None
        return super()._new_offset(tp)  # type: ignore[no-any-return]

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Consumer = Consumer


# faust finds transports by URL scheme in this registry.
TRANSPORTS.aliases[SCHEME] = f"{__name__}:Transport"


def broker_url(servers: Iterable[str] | str) -> str:
    """faust's broker setting for these bootstrap servers ("h1:p1,h2:p2" or a list),
    with this transport: ``"oreradar-kafka://h1:p1;oreradar-kafka://h2:p2"``."""
    hosts = servers.split(",") if isinstance(servers, str) else list(servers)
    return ";".join(f"{SCHEME}://{host.strip()}" for host in hosts if host.strip())
