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

from oreradar.settings import Settings
from oreradar.topics import ALERTS, NEWS_DEADLETTER, NEWS_RAW, NEWS_SIGNALS

__all__ = ["Topics", "build_app"]


@dataclass(frozen=True)
class Topics:
    raw: faust.TopicT
    signals: faust.TopicT
    alerts: faust.TopicT
    deadletter: faust.TopicT


def build_app(settings: Settings, *, replication: int = 1) -> tuple[faust.App, Topics]:
    """The worker app and its topics (agent unit tests use it as is: test_context never connects).

    ``replication`` is what the cluster supports (``kafka_admin.replication_factor``): the
    tables' changelog topics and internal topics get it, so they survive a broker loss
    as the input topics do.
    """
    app = faust.App(
        f"{settings.consumer_group}-worker",
        broker=f"kafka://{settings.bootstrap}",
        store="memory://",
        topic_partitions=settings.partitions,
        topic_replication_factor=replication,
        # At-least-once: faust's exactly_once has open bugs; the dispatcher dedupes by alert_id.
        processing_guarantee="at_least_once",
        producer_acks=-1,
        web_enabled=False,
        broker_commit_every=100,
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        table_cleanup_interval=60.0,
    )

    def topic(name: str) -> faust.TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")

    names = (settings.topic(name) for name in (NEWS_RAW, NEWS_SIGNALS, ALERTS, NEWS_DEADLETTER))
    return app, Topics(*(topic(name) for name in names))
