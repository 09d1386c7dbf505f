"""The pure parts of processors.kafka_transport (the seek itself is tested on the real
broker: tests/integration/test_kafka_transport.py)."""

from __future__ import annotations

from processors.kafka_transport import StreamReadOffsets, broker_url


def test_stream_partitions_have_no_read_offset_to_drop_records_below() -> None:
    offsets = StreamReadOffsets(lambda tp: tp.endswith("-changelog"))
    offsets["news.signals"] = 308  # what faust's fetch loop writes
    offsets["g-stories-changelog"] = 40
    # faust drops a fetched record below the read offset: never on a stream partition ...
    assert offsets["news.signals"] is None
    # ... but a changelog keeps it, and an unknown partition has none.
    assert offsets["g-stories-changelog"] == 40
    assert offsets["g-trends-changelog"] is None
    offsets.pop("g-stories-changelog", None)
    assert offsets["g-stories-changelog"] is None


def test_broker_url_names_every_server_with_this_transport() -> None:
    assert broker_url("h1:9092, h2:9094,") == "oreradar-kafka://h1:9092;oreradar-kafka://h2:9094"
    assert broker_url(["h1:1"]) == "oreradar-kafka://h1:1"


def test_what_was_fetched_and_not_handed_over() -> None:
    from processors.kafka_transport import not_handed_over

    fetched = {"a": (10, 14), "b": (0, 2), "c": (7, 7)}
    # a: handed over up to 11; b: in full; c: nothing handed over.
    assert not_handed_over(fetched, {"a": 11, "b": 2}) == {"a": 12, "c": 7}
    assert not_handed_over(fetched, {"a": 14, "b": 2, "c": 7}) == {}


def test_the_consumer_thread_seeks_with_the_fixes() -> None:
    from faust.transport.drivers import aiokafka as faust_aiokafka

    from processors.kafka_transport import ConsumerThread

    assert ConsumerThread.seek_to_committed is not faust_aiokafka.AIOKafkaConsumerThread.seek_to_committed


def test_a_gap_at_the_head_of_the_acknowledgements_is_read_again_once_it_lasts() -> None:
    from processors.kafka_transport import HeadGapTracker

    gaps = HeadGapTracker(after=10)
    # The committed offset is the next one to read: s0 and s1 are in order, s5 and s6 are not.
    acked = {"s5": list(range(244, 335)), "s0": [40, 41], "s1": [9], "s6": [58, 59]}
    committed = {"s5": 106, "s0": 40, "s1": 9, "s6": 57}
    assert gaps.observe(acked, committed, now=0) == {}
    assert gaps.observe(acked, committed, now=9) == {}  # a batch may still be on its way
    assert gaps.observe(acked, committed, now=10) == {"s5": 106, "s6": 57}
    assert gaps.observe(acked, committed, now=11) == {}  # asked once; counted afresh if it lasts


def test_a_gap_that_closes_or_moves_is_not_read_again() -> None:
    from processors.kafka_transport import HeadGapTracker

    gaps = HeadGapTracker(after=10)
    gaps.observe({"a": [50, 51]}, {"a": 20}, now=0)
    gaps.observe({"a": [50, 51]}, {"a": 30}, now=8)  # the commit moved: a new gap, counted from now
    assert gaps.observe({"a": [50, 51]}, {"a": 30}, now=12) == {}
    assert gaps.observe({"a": [30, 50, 51]}, {"a": 30}, now=30) == {}  # filled up to the head
    assert gaps.observe({}, {"a": 52}, now=40) == {}  # all committed
    # Never committed: faust's None is a start at offset 0, and the records before 5 are a gap.
    assert gaps.observe({"b": [5]}, {}, now=50) == {} and gaps.observe({"b": [5]}, {}, now=70) == {"b": 0}
    assert gaps.observe({"c": [0, 1]}, {"c": None}, now=80) == {} and gaps.observe({"c": [0, 1]}, {}, now=99) == {}


def test_one_record_missing_at_the_head_is_a_gap() -> None:
    """faust let exactly this through (min(acked) - committed > 1) and committed past the record."""
    from processors.kafka_transport import head_gap

    assert head_gap([58, 59], 57) and head_gap([300], 106)
    assert not head_gap([57, 58], 57) and not head_gap([], 57) and not head_gap(None, 57)
    # Nothing committed yet (faust keeps a start at 0 as None): held at the first record too
    # (seen: a partition's first 50 records never processed, the commit past them).
    assert head_gap([50, 51], None) and not head_gap([0, 1], None)


def test_a_record_a_stream_skipped_is_not_committed_past() -> None:
    """A stream acks what it skips (fetched before the last rebalance, or dequeued while the
    flow is stopped); faust counted that ack, and its commit went past the skipped record."""
    import faust
    from faust.types import TP
    from faust.types.tuples import ConsumerMessage

    app = faust.App("ack-test", broker=broker_url("127.0.0.1:1"))
    app.topics._acking_topics.add("news.signals")
    app.consumer_generation_id = 4
    app.flow_control.resume()
    consumer = app.consumer
    tp = TP("news.signals", 3)
    consumer._committed_offset[tp] = 56

    def record(offset: int, *, generation: int = 4, taken: bool = True) -> ConsumerMessage:
        message = ConsumerMessage("news.signals", 3, offset, 0.0, 0, [], None, b"{}", None, generation_id=generation)
        message.tracked = taken  # a stream sets it when it takes the record
        return message

    assert consumer.ack(record(56))
    skipped = record(57, generation=3, taken=False)  # fetched before the rebalance, skipped
    assert not consumer.ack(skipped) and skipped.acked
    assert consumer.ack(record(58))
    assert consumer._new_offset(tp) == 57  # up to the skipped record, not past it
    # Processed across the rebalance (taken by the stream) still counts; so does an ack no
    # stream skipped (faust acks a record whose value it could not decode).
    assert consumer.ack(record(59, generation=3))
    assert consumer.ack(record(60, taken=False))
    app.flow_control.suspend()
    assert not consumer.ack(record(61, taken=False))  # dequeued while the flow is stopped
    assert 61 not in consumer._acked[tp] and {58, 59, 60} <= set(consumer._acked[tp])


def test_the_livelock_check_reads_only_partitions_with_a_position(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """faust's check reads the position; on a partition aiokafka is still resolving it asserted
    and crashed the worker, so the thread's check passes those by (the predicate itself is
    tested on the real broker)."""
    from types import SimpleNamespace

    from faust.transport.drivers import aiokafka as faust_aiokafka
    from faust.types import TP

    from processors.kafka_transport import ConsumerThread

    checked: list[TP] = []
    monkeypatch.setattr(faust_aiokafka.AIOKafkaConsumerThread, "verify_event_path",
                        lambda self, now, tp: checked.append(tp))
    positions = {0: 12, 1: None}  # partition 1 still being looked up
    states = {faust_aiokafka.TopicPartition("news.raw", p): SimpleNamespace(has_valid_position=pos is not None)
              for p, pos in positions.items()}
    assignment = SimpleNamespace(state_value=states.get)
    consumer = SimpleNamespace(_fetcher=SimpleNamespace(_subscriptions=SimpleNamespace(
        subscription=SimpleNamespace(assignment=assignment))))
    thread = object.__new__(ConsumerThread)
    thread._ensure_consumer = lambda: consumer  # type: ignore[method-assign]
    for partition in (0, 1, 2):  # 2: not assigned
        thread.verify_event_path(0.0, TP("news.raw", partition))
    assert checked == [TP("news.raw", 0)]
