"""Consumer lag, exported by the process that consumes: end offset minus committed offset.

    >>> exporter = ConsumerLagExporter(settings, group="oreradar-worker")   # doctest: +SKIP
    >>> exporter.start()          # a daemon thread; refreshes every ``interval`` seconds

Each process reports its own group, so lag is on the worker's and the dispatcher's own
/metrics and needs no exporter beside Kafka. ``partition`` is bounded by the topics'
partition count. A partition the group has never committed counts from the log start,
which is what the group would still have to read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from prometheus_client import Gauge

from oreradar.metrics import REGISTRY, CollectorRegistry
from oreradar.settings import Settings

__all__ = ["ConsumerLagExporter", "compute_lag"]

log = logging.getLogger(__name__)


def compute_lag(committed: dict[Any, int | None], begin: dict[Any, int], end: dict[Any, int]) -> dict[Any, int]:
    """Lag per topic-partition: the end offset minus the committed one (or the log start)."""
    lag = {}
    for tp, end_offset in end.items():
        done = committed.get(tp)
        start = done if done is not None and done >= 0 else begin.get(tp, 0)
        lag[tp] = max(0, end_offset - start)
    return lag


class ConsumerLagExporter:
    def __init__(
        self,
        settings: Settings,
        group: str,
        topics: tuple[str, ...],
        *,
        interval: float = 5.0,
        registry: CollectorRegistry = REGISTRY,
        on_offsets: Callable[[dict[Any, int | None], dict[Any, int]], Any] | None = None,
    ):
        self._settings = settings
        self._group = group
        self._topics = topics
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        self._on_offsets = on_offsets  # also told each reading (committed, end): processors.stall_watchdog
        self.lag = Gauge(
            "oreradar_consumer_lag",
            "Records not yet consumed by the group: end offset minus committed offset",
            ["group", "topic", "partition"],
            registry=registry,
        )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"lag-{self._group}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        admin = consumer = None
        while not self._stop.is_set():
            try:
                if admin is None or consumer is None:
                    admin, consumer = self._clients()
                self.refresh(admin, consumer)
                if self._failing:
                    log.info("consumer lag of %s: reading again", self._group)
                self._failing = False
            except Exception as exc:  # the broker may be down: say it once, keep trying
                if not self._failing:
                    log.warning("consumer lag of %s: cannot read offsets (%s); will retry", self._group, exc)
                self._failing = True
                for client in (admin, consumer):
                    if client is not None:
                        try:
                            client.close()
                        except Exception:
                            pass
                admin = consumer = None
            self._stop.wait(self._interval)

    def _clients(self) -> tuple[Any, Any]:
        from kafka import KafkaConsumer
        from kafka.admin import KafkaAdminClient

        from oreradar.kafka_admin import kafka_client_config

        config = kafka_client_config(self._settings)
        admin = KafkaAdminClient(client_id=f"{self._group}-lag", **config)
        consumer = KafkaConsumer(client_id=f"{self._group}-lag", enable_auto_commit=False, **config)
        return admin, consumer

    def refresh(self, admin: Any, consumer: Any) -> None:
        from kafka import TopicPartition

        partitions = [
            TopicPartition(topic, p)
            for topic in self._topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        offsets = admin.list_group_offsets({self._group: None}).get(self._group, {})
        committed = {tp: meta.offset for tp, meta in offsets.items()}
        end = consumer.end_offsets(partitions)
        lag = compute_lag(committed, consumer.beginning_offsets(partitions), end)
        for tp, value in lag.items():
            self.lag.labels(group=self._group, topic=tp.topic, partition=str(tp.partition)).set(value)
        if self._on_offsets is not None:
            self._on_offsets(committed, end)
