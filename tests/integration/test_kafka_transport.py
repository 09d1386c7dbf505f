"""processors.kafka_transport against the real broker: seeking back to the committed
offsets puts a partition with no committed offset back at the start of its log, where
aiokafka's own seek leaves it where the fetcher was (what made workers skip records after
a rebalance, issue 9)."""

from __future__ import annotations

import time
import uuid

import pytest

from oreradar.kafka_admin import ensure_topics
from oreradar.settings import Settings
from processors.kafka_transport import position_known, seek_to_committed_or_start
from tests.integration.kafka_helpers import send_raw

pytestmark = pytest.mark.integration


async def _consumer_past(settings: Settings, topic: str, count: int):  # type: ignore[no-untyped-def]
    """A consumer of a new group on every partition of ``topic`` that has fetched its
    ``count`` records and committed nothing (as faust's fetcher has before a rebalance
    drops what it fetched); returns it and the partitions that hold records."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap, group_id=f"g-{uuid.uuid4().hex[:8]}",
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(settings.partitions)]  # as _publish created it
        consumer.assign(tps)
        got = 0
        deadline = time.monotonic() + 60
        while got < count and time.monotonic() < deadline:
            got += sum(len(records) for records in (await consumer.getmany(*tps, timeout_ms=1000)).values())
        assert got == count
        return consumer, [tp for tp in tps if await consumer.position(tp) > 0]
    except BaseException:
        await consumer.stop()
        raise


def _publish(settings: Settings, count: int) -> str:
    topic = f"transport-{uuid.uuid4().hex[:8]}"
    ensure_topics(settings, (topic,), prefixed=False)
    for i in range(count):
        send_raw(settings, topic, f"record {i}".encode())
    return topic


async def test_a_partition_with_no_committed_offset_goes_back_to_the_start(kafka_settings: Settings) -> None:
    consumer, tps = await _consumer_past(kafka_settings, _publish(kafka_settings, 5), 5)
    tp = tps[0]
    try:
        fetched = {t: await consumer.position(t) for t in tps}
        # aiokafka alone leaves them where they are: those records would never be read again.
        assert set((await consumer.seek_to_committed()).values()) == {None}
        assert {t: await consumer.position(t) for t in tps} == fetched
        # ... unless the caller keeps one where it is (changelog partitions: faust positions those).
        # What it returns is where each reads from (faust holds commits against it): the start of the log.
        reading_from = await seek_to_committed_or_start(consumer, keep=lambda t: t == tp)
        assert {t: reading_from[t] for t in tps} == {**dict.fromkeys(tps, 0), tp: None}
        assert {t: await consumer.position(t) for t in tps} == {**dict.fromkeys(tps, 0), tp: fetched[tp]}
    finally:
        await consumer.stop()


async def test_a_committed_offset_is_where_it_goes_back_to(kafka_settings: Settings) -> None:
    from aiokafka.structs import OffsetAndMetadata

    consumer, tps = await _consumer_past(kafka_settings, _publish(kafka_settings, 5), 5)
    tp = tps[0]
    try:
        await consumer.commit({tp: OffsetAndMetadata(1, "")})
        assert (await seek_to_committed_or_start(consumer))[tp] == 1
        assert await consumer.position(tp) == 1
    finally:
        await consumer.stop()


async def test_a_partition_goes_back_to_what_was_not_handed_over_unless_a_seek_did(kafka_settings: Settings) -> None:
    from aiokafka import TopicPartition

    from processors.kafka_transport import rewind_to

    # 20 records on 6 partitions: one of them holds two or more.
    consumer, tps = await _consumer_past(kafka_settings, _publish(kafka_settings, 20), 20)
    try:
        positions = {t: await consumer.position(t) for t in tps}
        tp, fetched = max(positions.items(), key=lambda item: item[1])
        assert fetched >= 2
        await rewind_to(consumer, {tp: 1})
        assert await consumer.position(tp) == 1
        # A seek (faust's, back to the committed offset) to before it already: left there.
        consumer.seek(tp, 0)
        await rewind_to(consumer, {tp: 1})
        assert await consumer.position(tp) == 0
        # Past the fetch position, or a partition no longer assigned: nothing happens.
        consumer.seek(tp, fetched)
        await rewind_to(consumer, {tp: fetched + 3, TopicPartition("elsewhere", 0): 0})
        assert await consumer.position(tp) == fetched
    finally:
        await consumer.stop()


async def test_a_partition_has_no_position_until_it_is_resolved(kafka_settings: Settings) -> None:
    """faust's livelock check read the position of a partition whose position was still being
    resolved, and aiokafka's assertion crashed the worker; the check now asks first."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    topic = _publish(kafka_settings, 1)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_settings.bootstrap, group_id=f"g-{uuid.uuid4().hex[:8]}",
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        assert not position_known(consumer, tp)  # assigned, its position not yet looked up
        with pytest.raises(AssertionError):
            consumer._fetcher._subscriptions.subscription.assignment.state_value(tp).position  # what faust read
        await consumer.position(tp)
        assert position_known(consumer, tp)
        assert not position_known(consumer, TopicPartition(topic, 1))  # not assigned
    finally:
        await consumer.stop()
