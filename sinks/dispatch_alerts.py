"""The alert dispatcher: consumes ``alerts`` and hands each alert to every sink once.

    >>> dispatcher = AlertDispatcher(consumer, [JsonlFileSink(path), ConsoleSink()], ledger, metrics)  # doctest: +SKIP
    >>> dispatcher.run(stop_event)

Offsets are committed only after every sink flushed, so a crash re-delivers rather than
loses; the ledger of delivered alert ids turns a re-delivery into a counted duplicate.
A record that is not an Alert goes to ``news.deadletter`` with the reason.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from oreradar.errors import DeliveryError, RecordError
from oreradar.metrics import PipelineMetrics
from oreradar.records import Alert, DeadLetter
from processors.handle_raw import dead_letter
from sinks.base import AlertSink
from sinks.delivered import DeliveryLedger

__all__ = ["AlertDispatcher"]

log = logging.getLogger(__name__)
STAGE = "dispatch"


class AlertDispatcher:
    def __init__(
        self,
        consumer: Any,
        sinks: Sequence[AlertSink],
        ledger: DeliveryLedger,
        metrics: PipelineMetrics,
        *,
        send_dead_letter: Callable[[DeadLetter], None],
        on_alert: Callable[[Alert], None] | None = None,
        retry_delay: float = 1.0,
        max_retry_delay: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._consumer = consumer
        self._sinks = list(sinks)
        self._ledger = ledger
        self._metrics = metrics
        self._send_dead_letter = send_dead_letter
        self._on_alert = on_alert
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._sleep = sleep

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.poll_once(stop)

    def poll_once(self, stop: threading.Event | None = None) -> int:
        """Deliver one batch; returns how many new alerts were delivered."""
        batches = self._consumer.poll(timeout_ms=500, max_records=200)
        records = [r for batch in batches.values() for r in batch]
        if not records:
            return 0
        fresh: list[Alert] = []
        for record in records:
            alert = self._parse(record)
            if alert is None:
                continue
            if self._ledger.seen(alert.alert_id) or any(a.alert_id == alert.alert_id for a in fresh):
                self._metrics.deliveries.labels(channel="all", outcome="duplicate").inc()
                continue
            fresh.append(alert)
        self._deliver(fresh, stop)
        self._ledger.mark([a.alert_id for a in fresh])
        self._consumer.commit()
        return len(fresh)

    def _parse(self, record: Any) -> Alert | None:
        try:
            return Alert.from_json(record.value)
        except RecordError as exc:
            self._send_dead_letter(
                dead_letter(
                    record.value, str(exc), stage=STAGE, topic=record.topic, partition=record.partition,
                    offset=record.offset, key=record.key, item_id=exc.item_id, field=exc.field,
                )
            )
            self._metrics.dropped.labels(stage=STAGE, reason="invalid_record").inc()
            log.warning("dead-lettered %s:%s@%s: %s", record.topic, record.partition, record.offset, exc)
            return None

    def _deliver(self, alerts: list[Alert], stop: threading.Event | None) -> None:
        for sink in self._sinks:
            for alert in alerts:
                sink.add(alert)
            delay = self._retry_delay
            while True:
                try:
                    sink.flush()
                except DeliveryError as exc:
                    # Never drop: retry with back-off until it works or we are told to stop,
                    # in which case the offsets stay uncommitted and the batch comes back.
                    self._metrics.deliveries.labels(channel=sink.name, outcome="failed").inc(len(alerts))
                    log.error("delivery to %s failed, retrying in %.0fs: %s", sink.name, delay, exc)
                    if stop is not None and stop.is_set():
                        raise
                    self._sleep(delay)
                    delay = min(delay * 2, self._max_retry_delay)
                    continue
                self._metrics.deliveries.labels(channel=sink.name, outcome="ok").inc(len(alerts))
                break
        for alert in alerts:
            self._metrics.items.labels(stage=STAGE, outcome="delivered").inc()
            self._metrics.last_item.labels(stage=STAGE).set_to_current_time()
            if self._on_alert is not None:
                self._on_alert(alert)
