"""The publisher with an injected producer: what counts as published, what failed."""

from __future__ import annotations

from oreradar.records import NewsItem
from producers.feeds.sinks import KafkaSink
from producers.publisher import NewsPublisher


class Future:
    def __init__(self, error: Exception | None):
        self.error = error

    def get(self, timeout: float) -> None:
        if self.error:
            raise self.error


class FakeProducer:
    """Fails every send whose key is in ``failing``; records what was sent."""

    def __init__(self, failing: set[bytes]):
        self.failing = failing
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.flushed = 0

    def send(self, topic: str, value: bytes, key: bytes) -> Future:
        self.sent.append((topic, key, value))
        return Future(TimeoutError("broker gone") if key in self.failing else None)

    def flush(self, timeout: float | None = None) -> None:
        self.flushed += 1

    def close(self, timeout: float | None = None) -> None:
        pass


def items(n: int) -> list[NewsItem]:
    return [NewsItem.create(source="t", title=f"item {i}") for i in range(n)]


def test_flush_reports_published_and_failed_ids() -> None:
    batch = items(3)
    producer = FakeProducer({batch[1].id.encode()})
    pub = NewsPublisher(producer)
    for item in batch:
        pub.publish(item)
    result = pub.flush()
    assert (result.published, result.failed, result.failed_ids) == (2, 1, [batch[1].id])
    assert "broker gone" in result.errors[0]
    assert [key for _, key, _ in producer.sent] == [i.id.encode() for i in batch]
    assert all(topic == "news.raw" for topic, _, _ in producer.sent)
    assert pub.flush().published == 0, "a second flush reports nothing new"


def test_feed_sink_returns_only_the_ids_that_did_not_make_it() -> None:
    batch = items(2)
    sink = KafkaSink(NewsPublisher(FakeProducer({batch[0].id.encode()})))
    for item in batch:
        sink.add(item)
    assert sink.flush() == {batch[0].id}
    assert sink.flush() == set()


def test_an_item_the_producer_refuses_at_once_is_a_failure_not_a_crash() -> None:
    class RefusingProducer:
        def send(self, topic: str, value: bytes, key: bytes) -> object:
            raise ValueError(f"The message is {len(value)} bytes, larger than the maximum request size")

        def flush(self, timeout: float | None = None) -> None:
            pass

        def close(self, timeout: float | None = None) -> None:
            pass

    from oreradar.records import NewsItem

    pub = NewsPublisher(RefusingProducer())  # type: ignore[arg-type]
    pub.publish(NewsItem(id="big", source="t", title="t"))
    result = pub.flush()
    assert result.failed == 1 and result.failed_ids == ["big"] and "maximum request size" in result.errors[0]
