"""Everything oreradar tells a Kafka client, in one place: connection settings, producer
settings, topic creation and reachability checks (kafka-python; the Faust app takes the
same producer figures from here).

    >>> KafkaProducer(**producer_config(settings))          # doctest: +SKIP
    >>> KafkaConsumer(topic, **kafka_client_config(settings))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from typing import Any

from oreradar.errors import BrokerError
from oreradar.settings import Settings
from oreradar.topics import ALL_TOPICS

__all__ = [
    "ensure_topics", "wait_for_cluster", "kafka_client_config", "producer_config",
    "PRODUCER_LINGER_MS", "PRODUCER_BATCH_BYTES", "replication_factor",
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


def _replication(admin, settings: Settings) -> int:  # type: ignore[no-untyped-def]
    return 1 if settings.local_broker else min(3, max(1, len(admin.describe_cluster()["brokers"])))


def replication_factor(settings: Settings) -> int:
    """The replication the cluster supports (its brokers, at most 3): what topics and changelogs get."""
    admin = _admin(settings)
    try:
        return _replication(admin, settings)
    finally:
        admin.close()


def ensure_topics(settings: Settings, topics: tuple[str, ...] = ALL_TOPICS, *, prefixed: bool = True) -> list[str]:
    """Create the missing topics with ORERADAR_PARTITIONS partitions; return those created.

    ``prefixed=False``: the names are final (a Faust app's internal topics, named after the app).
    """
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = _admin(settings)
    try:
        existing = set(admin.list_topics())
        names = [settings.topic(t) if prefixed else t for t in topics]
        missing = [name for name in names if name not in existing]
        replication = _replication(admin, settings)
        for name in missing:
            try:
                admin.create_topics([NewTopic(name, num_partitions=settings.partitions, replication_factor=replication)])
            except TopicAlreadyExistsError:
                pass  # created meanwhile by another process: fine
        if missing:
            log.info("created topics %s", ", ".join(missing))
        return missing
    finally:
        admin.close()
