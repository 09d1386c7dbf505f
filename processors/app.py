"""Builds the Faust app of ``oreradar worker``; agents live in their own modules.

    >>> app = build_app(settings)                 # doctest: +SKIP
    >>> app.main()                                # runs the worker (what `oreradar worker` does)

Records cross the topics as raw JSON bytes: the agent validates them itself so that a
record that is not JSON or not a NewsItem becomes a dead letter instead of a
deserialisation crash inside Faust.
"""

from __future__ import annotations

from dataclasses import dataclass

import faust

from oreradar.kafka_admin import PRODUCER_BATCH_BYTES, PRODUCER_LINGER_MS, Replication
from oreradar.settings import Settings
from oreradar.topics import ALERTS, NEWS_DEADLETTER, NEWS_RAW, NEWS_SIGNALS
from processors.kafka_transport import broker_url

__all__ = ["Topics", "build_app", "ReplicatedTopic", "app_id"]

NO_REPLICATION = Replication.for_brokers(1)


class ReplicatedTopic(faust.Topic):
    """A Faust topic that, when Faust creates it (changelogs, the assignor's leader topic,
    repartitions), asks for the min.insync.replicas its replication factor calls for:
    faust has no app-wide setting for topic configs, only ``topic_replication_factor``."""

    async def declare(self) -> None:
        factor = self.replicas or self.app.conf.topic_replication_factor or 1
        self.config = {**Replication.for_brokers(factor).topic_config(), **(self.config or {})}
        await super().declare()


def app_id(settings: Settings, name: str = "worker") -> str:
    """The Faust app id of a stage, which is also its consumer group and its internal topics' prefix."""
    return f"{settings.consumer_group}-{name}"


@dataclass(frozen=True)
class Topics:
    raw: faust.TopicT
    signals: faust.TopicT
    alerts: faust.TopicT
    deadletter: faust.TopicT


def build_app(settings: Settings, replication: Replication = NO_REPLICATION, *,
              name: str = "worker") -> tuple[faust.App, Topics]:
    """The worker app and its topics (agent unit tests use it as is: test_context never connects).

    ``replication``: how the topics Faust creates itself are replicated; the worker passes
    :func:`oreradar.kafka_admin.cluster_replication` (3 copies on a 3-node cluster).
    ``name``: the app, hence its consumer group ``<ORERADAR_CONSUMER_GROUP>-<name>``: the
    classify stage is ``worker``, the stories stage its own app ``stories``
    (:func:`app_id`).
    """
    app = faust.App(
        app_id(settings, name),
        # Every bootstrap server, with faust's aiokafka transport as fixed in processors.kafka_transport.
        broker=broker_url(settings.bootstrap),
        store="memory://",
        topic_partitions=settings.partitions,
        topic_replication_factor=replication.factor,
        Topic=ReplicatedTopic,
        # At-least-once: faust's exactly_once has open bugs; the dispatcher dedupes by alert_id.
        processing_guarantee="at_least_once",
        producer_acks=-1,
        # Batches of outputs instead of one produce request per record (the same figures as
        # every other producer of oreradar: oreradar.kafka_admin).
        producer_linger=PRODUCER_LINGER_MS / 1000.0,
        producer_max_batch_size=PRODUCER_BATCH_BYTES,
        web_enabled=False,
        # A worker killed without a goodbye holds its partitions until this runs out.
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=min(3.0, settings.session_timeout / 3),
        broker_commit_every=1000,  # with the 1 s interval: a commit (and its producer flush) per batch or two, not per 100 records
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        table_cleanup_interval=60.0,
    )

    def topic(name: str) -> faust.TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")

    names = (settings.topic(name) for name in (NEWS_RAW, NEWS_SIGNALS, ALERTS, NEWS_DEADLETTER))
    return app, Topics(*(topic(name) for name in names))
