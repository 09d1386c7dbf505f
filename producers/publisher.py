"""Publishing NewsItems to ``news.raw``: acks=all, idempotent, flushed before we say "published".

    >>> with NewsPublisher.connect(settings) as pub:      # doctest: +SKIP
    ...     pub.publish(item)
    ...     result = pub.flush()                           # PublishResult(published=1, failed=0, ...)

The Kafka producer is injected (``NewsPublisher(producer)``) so unit tests can pass a
fake; ``connect`` builds the real kafka-python one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from oreradar.errors import BrokerError
from oreradar.kafka_admin import max_record_bytes, producer_config
from oreradar.records import NewsItem
from oreradar.settings import Settings
from oreradar.topics import NEWS_RAW

__all__ = ["NewsPublisher", "PublishResult"]

log = logging.getLogger(__name__)

CLIENT_MAX_REQUEST = 1024 * 1024  # kafka-python's default max_request_size


class _Producer(Protocol):
    def send(self, topic: str, value: bytes, key: bytes) -> Any: ...
    def flush(self, timeout: float | None = None) -> None: ...
    def close(self, timeout: float | None = None) -> None: ...


class _Refused:
    """Stands in for the future of a send the producer refused at once; flush reports it."""

    def __init__(self, exc: Exception):
        self._exc = exc

    def get(self, timeout: float | None = None) -> Any:
        raise self._exc


@dataclass
class PublishResult:
    published: int = 0
    failed: int = 0
    failed_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class NewsPublisher:
    def __init__(self, producer: _Producer, topic: str = NEWS_RAW):
        self._producer = producer
        self._topic = topic
        self._pending: list[tuple[str, Any]] = []

    @classmethod
    def connect(cls, settings: Settings, topic: str = NEWS_RAW) -> NewsPublisher:
        from kafka import KafkaProducer
        from kafka.errors import KafkaError

        try:
            limit = max_record_bytes(settings, topic)
            # Below the topic's limit (minus a batch header), so an item too large is refused
            # here, by name, instead of failing the producer and everything in flight with it.
            cap = {"max_request_size": min(CLIENT_MAX_REQUEST, limit - 512)} if limit else {}
            producer = KafkaProducer(**producer_config(settings, **cap))
        except KafkaError as exc:
            raise BrokerError(
                f"cannot reach Kafka at {settings.bootstrap}: {exc}. "
                "Start the local broker with `oreradar broker start` or set ORERADAR_KAFKA_BOOTSTRAP."
            ) from exc
        return cls(producer, topic)

    def publish(self, item: NewsItem) -> None:
        """Queue one item (key = its id); it counts as published only after ``flush``."""
        try:
            future = self._producer.send(self._topic, value=item.to_json(), key=item.id.encode())
        except Exception as exc:  # refused before it left, e.g. larger than a request may be
            future = _Refused(exc)
        self._pending.append((item.id, future))

    def flush(self, timeout: float = 30.0) -> PublishResult:
        """Wait for every queued item's acknowledgement and say how many made it."""
        self._producer.flush(timeout=timeout)
        result = PublishResult()
        for item_id, future in self._pending:
            try:
                future.get(timeout=timeout)
            except Exception as exc:  # kafka-python raises KafkaError subclasses and timeouts
                result.failed += 1
                result.failed_ids.append(item_id)
                result.errors.append(f"{item_id}: {exc}")
                log.error("publish failed", extra={"item_id": item_id, "error": str(exc)})
            else:
                result.published += 1
        self._pending.clear()
        return result

    def close(self) -> None:
        self._producer.close(timeout=10)

    def __enter__(self) -> NewsPublisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
