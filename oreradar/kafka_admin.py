"""Topic creation and reachability checks against any Kafka cluster (kafka-python admin)."""

from __future__ import annotations

import logging
import time

from oreradar.errors import BrokerError
from oreradar.settings import Settings
from oreradar.topics import ALL_TOPICS

__all__ = ["ensure_topics", "wait_for_cluster", "replication_factor"]

log = logging.getLogger(__name__)


def _unreachable(settings: Settings, exc: BaseException) -> BrokerError:
    return BrokerError(
        f"cannot reach Kafka at {settings.bootstrap} ({exc}). "
        "Run `oreradar broker start` for the local broker, or point ORERADAR_KAFKA_BOOTSTRAP at a running cluster."
    )


def _admin(settings: Settings, timeout_ms: int = 10000):  # type: ignore[no-untyped-def]
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    from producers.publisher import kafka_client_config

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


def ensure_topics(settings: Settings, topics: tuple[str, ...] = ALL_TOPICS) -> list[str]:
    """Create the missing topics with ORERADAR_PARTITIONS partitions; return those created."""
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = _admin(settings)
    try:
        existing = set(admin.list_topics())
        missing = [settings.topic(t) for t in topics if settings.topic(t) not in existing]
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
