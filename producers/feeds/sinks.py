"""Where new items go: Kafka (``news.raw``), JSONL on stdout (``--dry-run``), or a list (tests).

A sink is two methods: ``add(item)`` queues, ``flush()`` delivers and returns the ids that
did not make it, so the poller marks only delivered items as seen.
"""

from __future__ import annotations

from typing import IO, Protocol

from oreradar.records import NewsItem
from producers.publisher import NewsPublisher

__all__ = ["ItemSink", "ListSink", "JsonlSink", "KafkaSink"]


class ItemSink(Protocol):
    def add(self, item: NewsItem) -> None: ...
    def flush(self) -> set[str]: ...


class ListSink:
    """Keeps everything in ``items``; ``fail_ids`` lets a test make delivery fail."""

    def __init__(self) -> None:
        self.items: list[NewsItem] = []
        self.fail_ids: set[str] = set()
        self._pending: list[NewsItem] = []

    def add(self, item: NewsItem) -> None:
        self._pending.append(item)

    def flush(self) -> set[str]:
        failed = {i.id for i in self._pending if i.id in self.fail_ids}
        self.items.extend(i for i in self._pending if i.id not in failed)
        self._pending.clear()
        return failed


class JsonlSink:
    """One NewsItem JSON object per line on ``stream`` (stdout for ``--dry-run``)."""

    def __init__(self, stream: IO[str]):
        self._stream = stream
        self.count = 0

    def add(self, item: NewsItem) -> None:
        self._stream.write(item.to_json().decode("utf-8") + "\n")
        self.count += 1

    def flush(self) -> set[str]:
        self._stream.flush()
        return set()


class KafkaSink:
    """Publishes to ``news.raw`` through :class:`producers.publisher.NewsPublisher`."""

    def __init__(self, publisher: NewsPublisher):
        self._publisher = publisher
        self._queued = 0

    def add(self, item: NewsItem) -> None:
        self._publisher.publish(item)
        self._queued += 1

    def flush(self) -> set[str]:
        if not self._queued:
            return set()
        self._queued = 0
        return set(self._publisher.flush().failed_ids)

    def close(self) -> None:
        self._publisher.close()
