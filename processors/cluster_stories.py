"""The stories agents: ``news.signals`` -> stories -> ``alerts`` (story revisions, trend alerts).

    >>> app, topics = build_app(settings, name=APP_NAME)                          # doctest: +SKIP
    >>> forward, cluster = cluster_stories.register(app, topics, StoryMetrics(), PipelineMetrics(),
    ...                                             min_severity="low")          # doctest: +SKIP

**Why an app of its own** (``<ORERADAR_CONSUMER_GROUP>-stories``, run in a process of its
own by ``oreradar worker --stage stories``): Faust pauses every agent of an app while it
recovers the app's tables after a rebalance, so in the classify stage's app a rebalance
held classification up behind the story tables; apart, each stage has its own consumer
group, event loop and core.

**Why one partition key.** Signals are keyed by item id and spread over every partition
of ``news.signals``, but a story needs a global view: a report may join a story that
any other item opened, in any language. So the work is split in two agents:

* ``forward_signals`` (stateless, runs on every partition of ``news.signals``)
  validates each signal (a bad one is dead-lettered), drops what the stage never needs
  (not relevant and naming no commodity or organisation) and re-sends the rest, with
  the record's timestamp, to the internal topic ``<app id>-stories-in`` under one
  constant key, so that all of them land on one partition of it, in order.
* ``cluster_stories`` consumes that topic and keeps its state in two tables with
  changelog topics (``stories``: a header per story under its id and an entry per
  report under ``r:<item id>``, so a write costs the same for the fortieth report as
  for the first; ``story-trends``: series -> hourly counts). Faust writes a table's changelog to the partition number of the event being
  processed, so every entry lands in the changelog partition that matches the one
  partition of the internal topic in use: co-partitioned by construction. Whichever
  worker owns that partition after a restart or a rebalance recovers exactly the state
  it needs (the book is rebuilt from the tables after each rebalance).

A coarser key (commodity, country) would spread the load but cut stories apart: a
report names several commodities and countries, and a story gains new ones as it
spreads. The stage costs about half a millisecond of CPU a report (see bench/stories),
so one partition carries on the order of a thousand relevant reports a second, far
above what the feeds bring; classification still scales with the partitions of
``news.raw``, and the forwarder with those of ``news.signals``. Both agents take their
topics in batches (one pass of the event loop and one wait for the broker's
acknowledgements per batch, acked only after that wait: at-least-once). A batch's alerts
go out before its table entries (a report the table holds raises nothing again), and a
batch that fails half-way ends the process before it is acked
(:func:`processors.batches.whole_batch_or_exit`). The internal topic and the changelogs get
the cluster's replication (``build_app(replication=...)``), and are created before the app
starts (:func:`ensure_internal_topics`).

State stays bounded: stories opened more than the window before the newest report are
deleted from the table (a tombstone in the compacted changelog), trend series with no
report inside the baseline likewise. An entry the worker cannot read (an older version)
is logged, counted (``oreradar_dropped_total{stage="stories",reason="stale_state"}``)
and deleted; a report dated past the clock is re-dated to its record time and counted
(``reason="clock_skew"``); a signal that cannot be processed is dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import faust
from faust.streams import _current_event  # the context variable behind faust.streams.current_event()

from oreradar.errors import RecordError
from oreradar.kafka_admin import ensure_topics
from oreradar.metrics import PipelineMetrics, StoryMetrics
from oreradar.records import Alert, Signal, utc_now
from oreradar.settings import Settings
from processors.app import Topics, app_id
from processors.batches import finish_sends, whole_batch_or_exit
from processors.handle_raw import dead_letter
from processors.stories import JoinRules, TrendRules
from processors.stories.features import Lemmatize, default_lemmatize
from processors.stories.stage import Step, StoryStage, wanted

__all__ = ["register", "STORIES_TABLE", "TRENDS_TABLE", "STORY_KEY", "APP_NAME", "stories_app_id", "inbox_topic_name",
           "changelog_topic_name", "ensure_internal_topics"]

log = logging.getLogger(__name__)
STAGE = "stories"
STORIES_TABLE = "stories"
TRENDS_TABLE = "story-trends"
STORY_KEY = b"stories"  # the one key of the internal topic (see the module doc)
# The stage's own Faust app (build_app(name=APP_NAME)): consumer group, inbox and changelogs
# are named after <ORERADAR_CONSUMER_GROUP>-stories, apart from the classify stage's.
APP_NAME = "stories"


def stories_app_id(settings: Settings) -> str:
    """The stories app's id: its consumer group and the prefix of its inbox and changelog topics."""
    return app_id(settings, APP_NAME)


def inbox_topic_name(app_id: str) -> str:
    return f"{app_id}-stories-in"


def changelog_topic_name(app_id: str, table: str = STORIES_TABLE) -> str:
    """Faust's name for a table's changelog topic (what ``oreradar stories`` reads)."""
    return f"{app_id}-{table}-changelog"


def ensure_internal_topics(settings: Settings, app_id: str) -> list[str]:
    """Create the stage's inbox and table changelogs (compacted, as faust makes them) if missing.

    faust creates its internal topics while the group forms, and a topic missing from the
    consumer's metadata at the first assignment stays missing until the next refresh
    (minutes). A table written meanwhile raises ``PartitionsMismatch`` ("changelog has 0
    partitions"): seen in the cluster test, where it crashed the agent in the middle of a
    batch. Made here, before the app starts, they are in the metadata from the first fetch.
    """
    created = ensure_topics(settings, (inbox_topic_name(app_id),), prefixed=False)
    changelogs = tuple(changelog_topic_name(app_id, table) for table in (STORIES_TABLE, TRENDS_TABLE))
    return created + ensure_topics(settings, changelogs, prefixed=False, config={"cleanup.policy": "compact"})


# Up to this many records per batch, or what came within BATCH_WITHIN seconds.
BATCH_MAX = 500
BATCH_WITHIN = 0.02


async def _send_all(outgoing: list[tuple[Any, ...]], pipeline: PipelineMetrics) -> None:
    """Send every record (topic, key, value[, timestamp]) and wait for the broker's acknowledgements.

    A send the broker refuses is logged and counted (``send_failed``); the batch goes on.
    """
    futures = []
    for topic, key, value, *stamp in outgoing:
        futures.append(await topic.send(key=key, value=value, timestamp=stamp[0] if stamp else None))
    for (topic, key, *_), result in zip(outgoing, await asyncio.gather(*futures, return_exceptions=True)):
        if isinstance(result, BaseException):
            log.error("stories: cannot send %s to %s: %s", key, topic.get_topic_name(), result)
            pipeline.dropped.labels(stage=STAGE, reason="send_failed").inc()


async def _tables_written(app: faust.App) -> None:
    """Wait until the table writes made so far are on the broker, before the batch is acked.

    Faust queues table writes in its producer buffer and sends them in the background; its
    flush before a commit gives up after 0.1 s without progress, so under load a commit
    could go out while a batch's writes still waited, and a stop then lost them with their
    records already committed (seen: a report that never reached its story after a
    worker's SIGTERM).
    """
    buffer = app.producer.buffer
    while buffer.size:
        await asyncio.sleep(BATCH_WITHIN / 4)
    await app.producer.flush()  # and what the buffer handed to the client is acknowledged


def _lang_label(lang: str | None) -> str:
    """A bounded label value: an ISO 639 code, else ``und``."""
    return lang if lang and lang.isalpha() and len(lang) in (2, 3) else "und"


def _writes_follow(event: Any) -> None:
    """Make ``event`` faust's current event of this task: table writes go to the changelog
    partition of that event, and take_events does not set it.

    Only the context variable the tables read is set, not the stream's ``current_event``
    attribute: take_events' background drainer (another task) reads that attribute to
    pair the record it holds with its event, so setting it from the agent could pair a
    waiting record with an event of the batch just done.
    """
    _current_event.set(weakref.ref(event))


@dataclass
class _State:
    stage: StoryStage | None = None


Outgoing = tuple[Any, bytes | None, bytes]  # (topic, key, value)


@dataclass
class _Batch:
    """What a batch (or the part of it before a stage error) sends and writes.

    Story entries are written in the order they changed (two small entries a report), so
    the changelog shows every report even of a story that expires within the batch. Trend
    series are written once, their last value (None deletes): a series touched by many
    reports of a batch is sent once. Each write keeps its event: faust writes a table
    entry to the changelog partition of the current event.
    """

    outgoing: list[Outgoing] = field(default_factory=list)
    story_writes: list[tuple[Any, str, Any | None]] = field(default_factory=list)  # (event, key, entry or None)
    trend_writes: dict[str, tuple[Any, Any | None]] = field(default_factory=dict)  # key -> (event, entry or None)

    def add(self, event: Any, step: Step) -> None:
        self.story_writes.extend((event, key, entry) for key, entry in step.story_writes.items())
        self.story_writes.extend((event, key, None) for key in step.story_deletes)
        self.trend_writes.update({key: (event, entry) for key, entry in step.trend_writes.items()})
        self.trend_writes.update({key: (event, None) for key in step.trend_deletes})

    def writes(self, stories: Any, trends: Any) -> Iterator[tuple[Any, Any, str, Any | None]]:
        """(event, table, key, entry or None) in the order to write them."""
        for event, key, entry in self.story_writes:
            yield event, stories, key, entry
        for key, (event, entry) in self.trend_writes.items():
            yield event, trends, key, entry


def register(
    app: faust.App,
    topics: Topics,
    metrics: StoryMetrics,
    pipeline: PipelineMetrics,
    *,
    min_severity: str = "low",
    rules: JoinRules | None = None,
    trend_rules: TrendRules | None = None,
    clock: Callable[[], datetime] = utc_now,
    lemmatize: Lemmatize = default_lemmatize,
) -> tuple[Any, Any]:
    """Register the forwarder and the stories agent; returns both (for test_context)."""
    rules = rules or JoinRules.load()
    trend_rules = trend_rules or TrendRules()
    partitions = app.conf.topic_partitions
    inbox = app.topic(
        inbox_topic_name(app.conf.id), key_type=bytes, value_type=bytes, key_serializer="raw",
        value_serializer="raw", partitions=partitions, internal=True,
    )
    stories = app.Table(STORIES_TABLE, default=None,
                        partitions=partitions)
    trends = app.Table(TRENDS_TABLE, default=None,
                       partitions=partitions)
    state = _State()

    async def _reload(sender: Any, **kwargs: Any) -> None:  # the tables may hold other state now
        state.stage = None

    app.on_rebalance_complete.connect(_reload)  # type: ignore[arg-type]

    def dead(raw: bytes | None, reason: str, event: Any, item_id: str | None = None) -> Outgoing:
        msg = event.message
        letter = dead_letter(raw, reason, stage=STAGE, topic=msg.topic, partition=msg.partition, offset=msg.offset,
                             key=event.key, item_id=item_id)
        pipeline.dropped.labels(stage=STAGE, reason="invalid_record").inc()
        log.warning("stories: dead-lettered %s:%s@%s: %s", msg.topic, msg.partition, msg.offset, reason)
        return topics.deadletter, event.key, letter.to_json()

    @app.agent(topics.signals, name="forward_signals")
    async def forward_signals(stream: faust.StreamT) -> None:
        # Batches (take_events is faust-streaming's Stream, not its StreamT stub): the event
        # loop is entered once per batch, not per record, and a batch is acked only once
        # everything it sent is on the broker.
        async for events in stream.take_events(BATCH_MAX, within=BATCH_WITHIN):  # type: ignore[attr-defined]
            with whole_batch_or_exit("stories forward"):
                outgoing: list[tuple[Any, ...]] = []
                for event in events:
                    try:
                        signal = Signal.from_json(event.value) if event.value is not None else None
                    except RecordError as exc:
                        outgoing.append(dead(event.value, str(exc), event, exc.item_id))
                        continue
                    if signal is None:
                        outgoing.append(dead(None, "empty record (null value)", event))
                    elif wanted(signal):
                        outgoing.append((inbox, STORY_KEY, event.value, event.message.timestamp))
                await finish_sends(_send_all(outgoing, pipeline), "stories forward")

    def current_stage() -> StoryStage:
        if state.stage is None:
            stage = StoryStage(rules, trend_rules, min_severity=min_severity, lemmatize=lemmatize)
            for table, entries in ((stories, list(stories.items())), (trends, list(trends.items()))):
                loader = stage.book.load if table is stories else stage.trends.load
                for key, reason in loader(entries):
                    log.warning("stories: dropped table entry %s of %s: %s", key, table.name, reason)
                    pipeline.dropped.labels(stage=STAGE, reason="stale_state").inc()
                    table.pop(key, None)
            state.stage = stage
            metrics.open.set(stage.open_stories)
            log.info("stories: %d stories and %d trend series loaded", len(stage.book.stories),
                     len(stage.trends.series))
        return state.stage

    @app.agent(inbox, name="cluster_stories")
    async def cluster_stories(stream: faust.StreamT) -> None:
        async for events in stream.take_events(BATCH_MAX, within=BATCH_WITHIN):  # type: ignore[attr-defined]
            with whole_batch_or_exit(STAGE):
                batch = _Batch()
                for event in events:
                    _writes_follow(event)  # a rebuild deletes the table entries it cannot read
                    stage = current_stage()
                    try:
                        signal = Signal.from_json(event.value)
                    except RecordError as exc:
                        batch.outgoing.append(dead(event.value, str(exc), event, exc.item_id))
                        continue
                    stamp = event.message.timestamp
                    received = datetime.fromtimestamp(stamp, tz=timezone.utc) if stamp else clock()
                    try:
                        step = stage.process(signal, received=received, now=clock())
                    except Exception as exc:  # a bug in the stage must cost one report, not the worker
                        log.exception("stories: cannot place signal %s", signal.id)
                        batch.outgoing.append(dead(event.value, f"stories stage error on {signal.id}: "
                                                   f"{type(exc).__name__}: {exc}", event, signal.id))
                        # The stage may be half-updated: it is rebuilt from the tables, once
                        # they hold what this batch decided so far.
                        await finish_sends(commit(batch), STAGE)
                        batch, state.stage = _Batch(), None
                        continue
                    apply(step, stage, event, batch)
                await finish_sends(commit(batch), STAGE)

    async def commit(batch: _Batch) -> None:
        """Send a batch's alerts, then write its table entries, and wait for both.

        In this order because the table decides what is new: a report already in it is a
        duplicate and raises nothing. Written first, a stop before the alerts went out lost
        them for good (seen: four stories whose first alert never came); now a stop in
        between only means the next reading sends those alerts again, under the same
        ``alert_id`` (delivery is idempotent on it).
        """
        await _send_all(batch.outgoing, pipeline)
        for event, table, key, entry in batch.writes(stories, trends):
            _writes_follow(event)
            if entry is None:
                table.pop(key, None)
            else:
                table[key] = entry
        await _tables_written(app)

    def apply(step: Step, stage: StoryStage, event: Any, batch: _Batch) -> None:
        """Count, and add to the batch what to send and what to write."""
        decision = step.decision
        if decision.clock_skew:
            pipeline.dropped.labels(stage=STAGE, reason="clock_skew").inc()
        if decision.outcome != "ignored":
            metrics.stories.labels(outcome=decision.outcome).inc()
        pipeline.items.labels(stage=STAGE, outcome=decision.outcome).inc()
        for lead in decision.lead_times:
            metrics.lead_time.labels(first_lang=_lang_label(lead.first_lang),
                                     later_lang=_lang_label(lead.later_lang)).observe(lead.seconds)
        batch.add(event, step)
        for alert in step.alerts:
            if isinstance(alert, Alert):
                batch.outgoing.append((topics.alerts, alert.story_id.encode(), alert.to_json()))
                pipeline.alerts.labels(severity=alert.severity).inc()
            else:
                batch.outgoing.append((topics.alerts, alert.alert_id.encode(), alert.to_json()))
        metrics.trend_alerts.inc(step.trends_fired)
        metrics.open.set(stage.open_stories)

    return forward_signals, cluster_stories
