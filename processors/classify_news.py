"""The agent that consumes ``news.raw``: classify every item, send the decision on.

Every decision goes to ``news.signals`` (the stories agent turns relevant ones into
alerts); records that cannot be processed to ``news.deadletter`` with the reason.

Records are taken in batches (``stream.take_events``): per record, one call of
:class:`ClassifyStep` (the whole per-item handling: classify, route, count) and one
un-awaited producer send; per batch, one wait for the broker's acknowledgements. A
batch's offsets are acked only after that wait, so a record is committed only once
everything it produced is on the broker (at-least-once), and the event loop is not
entered once per record, which is what held the stream to a fifth of the classifier's
speed (issue 12). Per record, what is not the classifier is kept small: metric children
looked up once, the NewsItem parsed and validated in one pass, the send handed straight
to the producer (``bench/README.md`` has the figures).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import faust

from oreradar.metrics import LatencyMetrics, PipelineMetrics, SignalMetrics
from oreradar.records import NewsItem, Signal
from processors.app import Topics
from processors.batches import finish_sends, whole_batch_or_exit
from processors.handle_raw import INVALID_RECORD, handle_raw

__all__ = ["register", "ClassifyStep", "Outgoing", "BATCH_MAX", "BATCH_WITHIN"]

log = logging.getLogger(__name__)
STAGE = "classify"

# Up to this many records per batch, or what came within BATCH_WITHIN seconds: a full
# batch under load, and at most this much added latency when the stream is quiet.
BATCH_MAX = 500
BATCH_WITHIN = 0.02
# A send the broker refused (e.g. it was down longer than the producer's own retries) is
# sent again after this pause, until it lands: the batch's offsets wait for it.
RESEND_PAUSE = 1.0


@dataclass(frozen=True)
class Outgoing:
    """One record to produce: where, key, value."""

    topic: faust.TopicT
    key: bytes | None
    value: bytes


class ClassifyStep:
    """Everything the worker does with one record of ``news.raw``, but the sending.

    Built once per agent: the metric children a decision touches are looked up here, not
    per record (a ``labels()`` lookup costs more than the increment it leads to).
    """

    def __init__(
        self,
        topics: Topics,
        classify: Callable[[NewsItem], Signal],
        metrics: PipelineMetrics,
        *,
        signal_metrics: SignalMetrics | None = None,
        latency: LatencyMetrics | None = None,
    ):
        self._topics = topics
        self._classify = classify
        self._metrics = metrics
        self._signal_metrics = signal_metrics
        self._relevant = metrics.items.labels(stage=STAGE, outcome="relevant")
        self._not_relevant = metrics.items.labels(stage=STAGE, outcome="not_relevant")
        self._classify_seconds = metrics.classify_seconds
        self._latency = latency.record_latency.labels(stage=STAGE) if latency is not None else None

    def __call__(self, event: faust.EventT) -> Outgoing:
        msg = event.message
        started = time.perf_counter()
        outcome = handle_raw(
            event.value, self._classify,
            topic=msg.topic, partition=msg.partition, offset=msg.offset, key=event.key,
        )
        self._classify_seconds.observe(time.perf_counter() - started)
        if outcome.dead is not None:
            self._metrics.dropped.labels(stage=STAGE, reason=outcome.drop_reason or INVALID_RECORD).inc()
            log.warning("dead-lettered %s:%s@%s: %s", msg.topic, msg.partition, msg.offset, outcome.dead.reason)
            return Outgoing(self._topics.deadletter, event.key, outcome.dead.to_json())
        signal = outcome.signal
        assert signal is not None
        (self._relevant if signal.relevant else self._not_relevant).inc()
        if self._signal_metrics is not None:
            self._signal_metrics.count(signal)
        if self._latency is not None and msg.timestamp:
            # the record's timestamp on news.raw (set by the producer) → now, decided; a
            # clock skewed between hosts can make it negative: counted as zero, not dropped
            self._latency.observe(max(0.0, time.time() - msg.timestamp))
        return Outgoing(self._topics.signals, signal.id.encode(), signal.to_json())


def _hopeless(exc: BaseException) -> bool:
    """A send that no retry can fix: the record is larger than the broker or topic takes."""
    return "TooLarge" in type(exc).__name__


# Hands one record to a producer; what it returns is the future the broker's
# acknowledgement resolves (or fails).
Send = Callable[[Outgoing], Awaitable[Awaitable[Any]]]


async def topic_send(out: Outgoing) -> Awaitable[Any]:
    """Through faust's ``Topic.send`` (what the unit tests replace)."""
    return await out.topic.send(key=out.key, value=out.value)


def producer_send(app: faust.App) -> Send:
    """Straight to the app's producer (aiokafka underneath), as ``Topic.send`` ends up
    doing: its layers on the way (a FutureMessage and a callback per record, the send
    sensors) cost more per record than the signal's JSON and serve nothing here (nothing
    reads faust's send statistics, and the app publishes on send, not on commit)."""
    async def send(out: Outgoing) -> Awaitable[Any]:
        producer = await app.maybe_start_producer()  # as Topic.send does: started once, then a flag test
        return await producer.send(
            out.topic.get_topic_name(), out.key, out.value, partition=None, timestamp=None, headers=None,
        )

    return send


async def _send_all(outgoing: list[Outgoing], metrics: PipelineMetrics | None = None, send: Send = topic_send) -> None:
    """Send every record, then wait until the broker has acknowledged each one; a record
    the producer gave up on (broker away longer than its retries) is sent again until it
    lands, while the batch's offsets wait. Only a record too large for the topic is given
    up on, logged and counted (``send_failed``): retrying it would stall the partition."""
    while outgoing:
        futures = [await send(out) for out in outgoing]
        results = await asyncio.gather(*futures, return_exceptions=True)
        retry: list[Outgoing] = []
        for out, result in zip(outgoing, results):
            if not isinstance(result, BaseException):
                continue
            if _hopeless(result):
                log.error("cannot send %s to %s (%d bytes): %s", out.key, out.topic.get_topic_name(),
                          len(out.value), result)
                if metrics is not None:
                    metrics.dropped.labels(stage=STAGE, reason="send_failed").inc()
            else:
                retry.append(out)
        if retry:
            log.warning("%d of %d sends failed (%s); sending them again in %.0fs",
                        len(retry), len(outgoing), next(r for r in results if isinstance(r, BaseException)),
                        RESEND_PAUSE)
            await asyncio.sleep(RESEND_PAUSE)
        outgoing = retry


def register(
    app: faust.App,
    topics: Topics,
    classify: Callable[[NewsItem], Signal],
    metrics: PipelineMetrics,
    *,
    signal_metrics: SignalMetrics | None = None,
    latency: LatencyMetrics | None = None,
    send: Send | None = None,
) -> Any:
    """The ``classify_news`` agent on ``app``; ``send`` defaults to the app's producer."""
    send_one = send or producer_send(app)
    step = ClassifyStep(topics, classify, metrics, signal_metrics=signal_metrics, latency=latency)
    last_item = metrics.last_item.labels(stage=STAGE)

    @app.agent(topics.raw, name="classify_news")
    async def classify_news(stream: faust.StreamT) -> None:
        # take_events is faust-streaming's (Stream, not the StreamT protocol its stubs declare).
        async for events in stream.take_events(BATCH_MAX, within=BATCH_WITHIN):  # type: ignore[attr-defined]
            with whole_batch_or_exit(STAGE):
                await finish_sends(_send_all([step(event) for event in events], metrics, send_one), STAGE)
            last_item.set_to_current_time()

    return classify_news
