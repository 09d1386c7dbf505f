"""The agent that consumes ``news.raw``: classify every item, send the decision on.

Every decision goes to ``news.signals`` (the stories agent turns relevant ones into
alerts); records that cannot be processed to ``news.deadletter`` with the reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import faust

from oreradar.metrics import LatencyMetrics, PipelineMetrics, SignalMetrics
from oreradar.records import NewsItem, Signal
from processors.app import Topics
from processors.handle_raw import handle_raw

__all__ = ["register"]

log = logging.getLogger(__name__)
STAGE = "classify"


def register(
    app: faust.App,
    topics: Topics,
    classify: Callable[[NewsItem], Signal],
    metrics: PipelineMetrics,
    *,
    signal_metrics: SignalMetrics | None = None,
    latency: LatencyMetrics | None = None,
) -> Any:
    @app.agent(topics.raw, name="classify_news")
    async def classify_news(stream: faust.StreamT) -> None:
        async for event in stream.events():
            msg = event.message
            started = time.perf_counter()
            outcome = handle_raw(
                event.value,
                classify,
                topic=msg.topic,
                partition=msg.partition,
                offset=msg.offset,
                key=event.key,
            )
            metrics.classify_seconds.observe(time.perf_counter() - started)
            metrics.last_item.labels(stage=STAGE).set_to_current_time()
            if outcome.dead is not None:
                await topics.deadletter.send(key=event.key, value=outcome.dead.to_json())
                metrics.dropped.labels(stage=STAGE, reason="invalid_record").inc()
                log.warning("dead-lettered %s:%s@%s: %s", msg.topic, msg.partition, msg.offset, outcome.dead.reason)
                continue
            signal = outcome.signal
            assert signal is not None
            key = signal.id.encode()
            await topics.signals.send(key=key, value=signal.to_json())
            metrics.items.labels(stage=STAGE, outcome="relevant" if signal.relevant else "not_relevant").inc()
            if signal_metrics is not None:
                signal_metrics.count(signal)
            if latency is not None and msg.timestamp:
                # the record's timestamp on news.raw (set by the producer) → now, decided
                latency.observe(STAGE, time.time() - msg.timestamp)

    return classify_news
