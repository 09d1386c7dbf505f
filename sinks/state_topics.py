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
    from producers.publisher import kafka_client_config

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
        compacted = {"cleanup.policy": "compact"}
        for name, count in ((DELIVERIES, partitions), (SILENCES, 1)):
            if name in existing:
                continue
            try:
                admin.create_topics([NewTopic(name, num_partitions=count, replication_factor=replication, topic_configs=compacted)])
                log.info("created compacted topic %s (%d partitions)", name, count)
            except TopicAlreadyExistsError:
                pass  # another dispatcher made it meanwhile
        return partitions
    finally:
        admin.close()


async def read_partition(settings: Settings, topic: str, partition: int) -> list[bytes]:
    """Every value of one partition, from the beginning to the end offset as of now."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    tp = TopicPartition(topic, partition)
    consumer = AIOKafkaConsumer(enable_auto_commit=False, **aio_config(settings))
    await consumer.start()
    try:
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp]
        await consumer.seek_to_beginning(tp)
        values: list[bytes] = []
        while await consumer.position(tp) < end:
            batch = await consumer.getmany(tp, timeout_ms=1000)
            values.extend(r.value for r in batch.get(tp, []) if r.value is not None)
        return values
    finally:
        await consumer.stop()


async def read_topic(settings: Settings, topic: str) -> list[bytes]:
    """Every value of every partition (for the CLI: the delivery log, the silences)."""
    from aiokafka import AIOKafkaConsumer

    probe = AIOKafkaConsumer(**aio_config(settings))
    await probe.start()
    try:
        partitions = sorted(probe.partitions_for_topic(topic) or ())
    finally:
        await probe.stop()
    values: list[bytes] = []
    for partition in partitions:
        values.extend(await read_partition(settings, topic, partition))
    return values


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
        self._consumer = AIOKafkaConsumer(enable_auto_commit=False, **aio_config(self.settings))
        await self._consumer.start()
        self._consumer.assign([tp])
        await self._consumer.seek_to_beginning(tp)
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
