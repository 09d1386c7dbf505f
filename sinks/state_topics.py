"""The dispatcher's state on Kafka: compacted topics, how to read them back, how to write to them.

    oreradar.deliveries   key = outbox record key; partition = the ``alerts`` partition the
                          alert came from, so one dispatcher owns an alert's routing, its
                          outbox and its story state together (co-partitioned, as Kafka
                          Streams does it)
    oreradar.silences     key = silence id; one partition; every dispatcher reads all of it

Compaction keeps the latest record per key, which is exactly the state; reading a
partition from the beginning to its end offset rebuilds it. SQLite is not involved.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

from oreradar.records import DeadLetter
from oreradar.settings import Settings
from oreradar.topics import ALERTS, DELIVERIES, NEWS_DEADLETTER, SILENCES

from .outbox.records import OutboxRecord
from .routing.silences import Silence, SilenceStore

__all__ = ["ensure_state_topics", "aio_config", "read_partition", "read_topic", "KafkaJournal", "SilenceFollower",
           "publish_silence"]

log = logging.getLogger(__name__)


def aio_config(settings: Settings) -> dict[str, Any]:
    """aiokafka takes kafka-python's connection keywords, plus an SSL context for SASL_SSL."""
    from oreradar.kafka_admin import kafka_client_config

    config = kafka_client_config(settings)
    if config.get("security_protocol") == "SASL_SSL":
        config["ssl_context"] = ssl.create_default_context()
    return config


def ensure_state_topics(settings: Settings) -> int:
    """Create the compacted state topics if missing; returns the partition count of ``alerts``."""
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    from oreradar.kafka_admin import _admin

    admin = _admin(settings)
    try:
        described = admin.describe_topics([ALERTS])
        partitions = len(described[0]["partitions"]) if described and described[0].get("partitions") else settings.partitions
        existing = set(admin.list_topics())
        replication = 1 if settings.local_broker else min(3, max(1, len(admin.describe_cluster()["brokers"])))
        # The delivery log also ages out (30 days): its state is about recent stories, and a
        # dispatcher reads it whole on every partition it is assigned.
        configs = {DELIVERIES: {"cleanup.policy": "compact,delete", "retention.ms": str(30 * 86400 * 1000)},
                   SILENCES: {"cleanup.policy": "compact"}}
        for name, count in ((DELIVERIES, partitions), (SILENCES, 1)):
            if name in existing:
                continue
            try:
                admin.create_topics([NewTopic(name, num_partitions=count, replication_factor=replication,
                                              topic_configs=configs[name])])
                log.info("created compacted topic %s (%d partitions)", name, count)
            except TopicAlreadyExistsError:
                pass  # another dispatcher made it meanwhile
        return partitions
    finally:
        admin.close()


async def read_partition(settings: Settings, topic: str, partition: int) -> list[bytes]:
    """Every value of one partition, from the beginning to the end offset as of now."""
    return await _read(settings, topic, [partition])


async def read_topic(settings: Settings, topic: str) -> list[bytes]:
    """Every value of every partition (for the CLI: the delivery log, the silences)."""
    return await _read(settings, topic, None)


async def _read(settings: Settings, topic: str, partitions: list[int] | None) -> list[bytes]:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    # No group and "earliest": an assigned partition starts at its first record. (An explicit
    # seek_to_beginning right after assign() was observed to leave the position at the end.)
    consumer = AIOKafkaConsumer(enable_auto_commit=False, auto_offset_reset="earliest", **aio_config(settings))
    await consumer.start()
    try:
        if partitions is None:
            # The consumer's own metadata cache holds only topics it reads; ask the cluster.
            metadata = await consumer._client.fetch_all_metadata()
            partitions = sorted(metadata.partitions_for_topic(topic) or ())
        tps = [TopicPartition(topic, p) for p in partitions]
        if not tps:
            return []
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        values: list[bytes] = []
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(*tps, timeout_ms=1000)
            for records in batch.values():
                values.extend(r.value for r in records if r.value is not None)
        return values
    finally:
        await consumer.stop()


class KafkaJournal:
    """The outbox journal on ``oreradar.deliveries``: a write counts once Kafka acknowledged it."""

    def __init__(self, producer: Any):
        self.producer = producer

    def write(self, partition: int, record: OutboxRecord) -> asyncio.Future[Any]:
        """Starts the write; await the result for the acknowledgement (send is pipelined)."""
        return asyncio.ensure_future(self._send(DELIVERIES, record.to_json(), record.key.encode(), partition))

    async def _send(self, topic: str, value: bytes, key: bytes, partition: int | None) -> Any:
        future = await self.producer.send(topic, value=value, key=key, partition=partition)
        return await future

    async def dead_letter(self, letter: DeadLetter) -> None:
        await self._send(NEWS_DEADLETTER, letter.to_json(), (letter.key or "").encode(), None)

    async def silence(self, silence: Silence) -> None:
        await self._send(SILENCES, silence.to_json(), silence.id.encode(), 0)


async def publish_silence(settings: Settings, silence: Silence) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(acks="all", enable_idempotence=True, **aio_config(settings))
    await producer.start()
    try:
        await producer.send_and_wait(SILENCES, value=silence.to_json(), key=silence.id.encode(), partition=0)
    finally:
        await producer.stop()


async def load_silences(settings: Settings) -> SilenceStore:
    store = SilenceStore()
    for value in await read_topic(settings, SILENCES):
        store.put(Silence.from_json(value))
    return store


class SilenceFollower:
    """Keeps a SilenceStore up to date with ``oreradar.silences``: caught up at start, then tailed."""

    def __init__(self, settings: Settings, store: SilenceStore):
        self.settings = settings
        self.store = store
        self._consumer: Any = None

    async def start(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        tp = TopicPartition(SILENCES, 0)
        self._consumer = AIOKafkaConsumer(enable_auto_commit=False, auto_offset_reset="earliest", **aio_config(self.settings))
        await self._consumer.start()
        self._consumer.assign([tp])
        end = (await self._consumer.end_offsets([tp]))[tp]
        while await self._consumer.position(tp) < end:
            await self.poll(1000)

    async def poll(self, timeout_ms: int = 0) -> None:
        batches = await self._consumer.getmany(timeout_ms=timeout_ms)
        for records in batches.values():
            for record in records:
                try:
                    self.store.put(Silence.from_json(record.value))
                except Exception as exc:  # one bad silence must not stop the dispatcher
                    log.warning("ignoring an unreadable silence at offset %s: %s", record.offset, exc)

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
