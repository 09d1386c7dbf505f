"""Everything oreradar tells a Kafka client, in one place: connection settings, producer
settings, topic creation and reachability checks (kafka-python; the Faust app takes the
same producer figures from here).

    >>> KafkaProducer(**producer_config(settings))          # doctest: +SKIP
    >>> KafkaConsumer(topic, **kafka_client_config(settings))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from oreradar.errors import BrokerError
from oreradar.settings import Settings
from oreradar.topics import ALL_TOPICS

__all__ = [
    "ensure_topics", "wait_for_cluster", "kafka_client_config", "producer_config", "Replication",
    "cluster_replication", "count_brokers", "max_record_bytes", "PRODUCER_LINGER_MS", "PRODUCER_BATCH_BYTES",
]

log = logging.getLogger(__name__)

# Producers wait this long to fill a batch: a few ms of latency buys far fewer requests
# (the broker and the client spend their time per request, not per byte, on small records).
PRODUCER_LINGER_MS = 5
# Bytes per partition batch: ~50 items of 3 KB, so a burst goes out in few requests.
PRODUCER_BATCH_BYTES = 256 * 1024


def kafka_client_config(settings: Settings) -> dict[str, Any]:
    """Connection settings shared by every kafka-python client we build."""
    config: dict[str, Any] = {"bootstrap_servers": settings.bootstrap.split(",")}
    if settings.sasl_username and settings.sasl_password:
        config.update(
            security_protocol="SASL_SSL",
            sasl_mechanism="PLAIN",
            sasl_plain_username=settings.sasl_username,
            sasl_plain_password=settings.sasl_password.get_secret_value(),
        )
    return config


def producer_config(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """A kafka-python producer that loses nothing it acknowledged: acks from every in-sync
    replica, idempotent (retries never duplicate), batched; no compression, because on one
    machine CPU is scarcer than bandwidth (set ``compression_type`` in overrides for a WAN)."""
    config: dict[str, Any] = dict(
        acks="all",
        enable_idempotence=True,
        linger_ms=PRODUCER_LINGER_MS,
        batch_size=PRODUCER_BATCH_BYTES,
        request_timeout_ms=15000,
        delivery_timeout_ms=120000,  # retries (unbounded by count) stop after this: a broker restart fits
        max_block_ms=15000,
    )
    config.update(kafka_client_config(settings))
    config.update(overrides)
    return config


def _unreachable(settings: Settings, exc: BaseException) -> BrokerError:
    return BrokerError(
        f"cannot reach Kafka at {settings.bootstrap} ({exc}). "
        "Run `oreradar broker start` for the local broker, or point ORERADAR_KAFKA_BOOTSTRAP at a running cluster."
    )


def _admin(settings: Settings, timeout_ms: int = 10000):  # type: ignore[no-untyped-def]
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        return KafkaAdminClient(
            client_id="oreradar-admin", request_timeout_ms=timeout_ms, bootstrap_timeout_ms=timeout_ms,
            **kafka_client_config(settings),
        )
    except KafkaError as exc:
        raise _unreachable(settings, exc) from exc


def wait_for_cluster(settings: Settings, timeout: float = 60.0) -> None:
    """Return once the cluster answers metadata requests, else raise BrokerError."""
    from kafka.errors import KafkaError

    deadline = time.monotonic() + timeout
    while True:
        try:
            admin = _admin(settings, timeout_ms=5000)
            admin.list_topics()
            admin.close()
            return
        except (BrokerError, KafkaError, OSError) as exc:
            if time.monotonic() >= deadline:
                raise _unreachable(settings, exc) from exc
            time.sleep(0.5)


def max_record_bytes(settings: Settings, topic: str) -> int | None:
    """The largest record ``topic`` takes (its max.message.bytes), or None when it cannot be read.

    Producers cap their request size to it, so an item too large is refused before it is
    sent: an idempotent producer treats the broker's refusal as fatal and fails every
    record still in flight with it."""
    from kafka.admin import ConfigResource, ConfigResourceType
    from kafka.errors import KafkaError

    try:
        admin = _admin(settings)
    except BrokerError:
        return None
    try:
        # kafka-python 3: {"topic": {name: {config: {"value": ..., ...}}}}, overrides only
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        entry = described.get("topic", {}).get(topic, {}).get("max.message.bytes")
        if entry and entry.get("value"):
            return int(entry["value"])
    except (KafkaError, ValueError, AttributeError, TypeError) as exc:
        log.debug("cannot read max.message.bytes of %s: %s", topic, exc)
    finally:
        admin.close()
    return None


@dataclass(frozen=True)
class Replication:
    """How the topics oreradar creates (and Faust's own) are replicated on a cluster."""

    factor: int
    min_insync: int

    @classmethod
    def for_brokers(cls, brokers: int) -> Replication:
        """Three copies where there are three brokers, and a write is acknowledged once two
        hold it: any one broker can die without losing an acknowledged record, and producers
        (acks=all) carry on meanwhile. Fewer brokers: every broker holds a copy, one suffices."""
        factor = min(3, max(1, brokers))
        return cls(factor=factor, min_insync=2 if factor >= 3 else 1)

    def topic_config(self) -> dict[str, str]:
        return {"min.insync.replicas": str(self.min_insync)}


def count_brokers(settings: Settings) -> int:
    """Brokers of the cluster: the local cluster's recorded size (known even while a node is
    down), else the live brokers an existing cluster reports."""
    if settings.local_broker:
        return settings.broker_nodes
    admin = _admin(settings)
    try:
        return max(1, len(admin.describe_cluster()["brokers"]))
    finally:
        admin.close()


def cluster_replication(settings: Settings) -> Replication:
    return Replication.for_brokers(count_brokers(settings))


T = TypeVar("T")


def _retry_on_dead_node(call: Callable[[], T], attempts: int = 4, pause: float = 0.5) -> T:
    """``call()``, again when the node it went to refused the connection: on a cluster with a
    node down, the client can pick that node first; it marks it failed and picks another."""
    from kafka.errors import KafkaConnectionError

    for attempt in range(attempts):
        try:
            return call()
        except KafkaConnectionError:
            if attempt == attempts - 1:
                raise
            time.sleep(pause)
    raise AssertionError("unreachable")


def ensure_topics(settings: Settings, topics: tuple[str, ...] = ALL_TOPICS, *, prefixed: bool = True,
                  config: Mapping[str, str] | None = None) -> list[str]:
    """Create the missing topics with ORERADAR_PARTITIONS partitions, replicated as
    :func:`cluster_replication` says; return those created.

    Names get ``ORERADAR_TOPIC_PREFIX``; ``prefixed=False``: the names are final (a Faust
    app's internal topics, named after the app). ``config``: more topic settings (e.g.
    ``cleanup.policy``)."""
    from kafka.admin import NewTopic
    from kafka.errors import KafkaTimeoutError, TopicAlreadyExistsError

    replication = cluster_replication(settings)
    admin = _admin(settings)
    try:
        existing = set(_retry_on_dead_node(admin.list_topics))
        names = [settings.topic(t) if prefixed else t for t in topics]
        missing = [name for name in names if name not in existing]
        for name in missing:
            topic = NewTopic(
                name, num_partitions=settings.partitions, replication_factor=replication.factor,
                topic_configs={**replication.topic_config(), **(config or {})},
            )
            try:
                admin.create_topics([topic])
            except TopicAlreadyExistsError:
                pass  # created meanwhile by another process: fine
        if missing:
            # Created is not yet usable: on a cluster every broker must learn the topic and
            # each partition elect a leader before the first produce or describe sees it.
            try:
                admin.wait_for_topics(missing, timeout_ms=30000)
            except KafkaTimeoutError as exc:
                raise BrokerError(f"topics created on {settings.bootstrap} but not ready: {exc}") from exc
            log.info("created topics %s (replication %d, min.insync.replicas %d)",
                     ", ".join(missing), replication.factor, replication.min_insync)
        return missing
    finally:
        admin.close()
