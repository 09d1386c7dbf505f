"""``oreradar worker [--stage all|classify|stories]``: the processor, one stage per process.

    $ oreradar worker                   # classify here, stories in a child process it watches
    $ oreradar worker --stage classify  # news.raw -> news.signals only (scale with news.raw)
    $ oreradar worker --stage stories   # news.signals -> stories -> alerts only

Each stage is a Faust app of its own with its own consumer group
(``<ORERADAR_CONSUMER_GROUP>-worker`` classifies, ``<…>-stories`` builds stories) in an
OS process of its own: classification never waits while the stories stage recovers its
tables after a rebalance, and the two use separate cores. ``--stage all`` (the default)
starts the stories stage as a child (:mod:`processors.stage_process`: restarted when it
dies, stopped with the worker) unless ``ORERADAR_STORIES_ENABLED=false``.

Each process serves its own /metrics: the classify stage on the worker's port (9310),
the stories stage on 9313, or, when ``ORERADAR_METRICS_PORT`` names the worker's port,
on the next one (:func:`stories_metrics_port`); ``ORERADAR_METRICS_PORT=0`` switches
both off. Prometheus scrapes both in the job ``oreradar-worker``.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable
from typing import Any

import faust
from faust.worker import Worker

from oreradar.consumer_lag import ConsumerLagExporter
from oreradar.errors import ConfigError
from oreradar.kafka_admin import cluster_replication, ensure_topics, wait_for_cluster
from oreradar.logs import logging_config
from oreradar.metrics import (
    LatencyMetrics, PipelineMetrics, SignalMetrics, StoryMetrics, initialise_stage, register_build_info, serve_metrics,
)
from oreradar.records import NewsItem, Signal
from oreradar.settings import Settings
from processors import classify_news, cluster_stories
from processors.app import build_app
from processors.stage_process import StageProcess, stop_when_parent_exits
from processors.stall_watchdog import StallWatchdog

__all__ = ["run_worker", "stories_metrics_port", "STAGES"]

log = logging.getLogger(__name__)
STAGES = ("all", "classify", "stories")


def stories_metrics_port(settings: Settings, *, child: bool) -> int | None:
    """The stories process's /metrics port. On its own (``--stage stories``) it is any
    command's: ORERADAR_METRICS_PORT, else 9313. As the child of ``oreradar worker`` it is
    9313 by default, the worker's port + 1 when ORERADAR_METRICS_PORT names the worker's,
    and off when the worker's is."""
    if not child or settings.metrics_port is None:
        return settings.metrics_port_for("stories")
    worker_port = settings.metrics_port_for("worker")
    return worker_port + 1 if worker_port is not None else None


def run_worker(settings: Settings, classify: Callable[[NewsItem], Signal] | None = None, *,
               stage: str = "all", child: bool = False) -> None:
    """Run until SIGTERM/SIGINT; ``classify`` defaults to the shipped classifier (tests pass a faulty one).

    ``child``: this process is the stories stage started by ``oreradar worker`` (it stops
    when that worker goes, and takes the port beside the worker's).
    """
    if stage not in STAGES:
        raise ConfigError(f"worker --stage {stage}: not one of {', '.join(STAGES)}")
    if stage == "stories":
        if not settings.stories_enabled:
            raise ConfigError("worker --stage stories: the stories stage is off (ORERADAR_STORIES_ENABLED=false)")
        _run_stories(settings, child=child)
        return
    stories: StageProcess | None = None
    if stage == "all" and settings.stories_enabled:
        # Started first: it joins its group while the classifier loads.
        stories = StageProcess(["worker", "--stage", "stories", "--child"],
                               on_give_up=lambda: os.kill(os.getpid(), signal.SIGTERM))
    elif stage == "all":
        log.warning("worker: the stories stage is off (ORERADAR_STORIES_ENABLED=false): no alerts will be raised")
    _run_classify(settings, classify, stories)


def _run_classify(settings: Settings, classify: Callable[[NewsItem], Signal] | None,
                  stories: StageProcess | None) -> None:
    from processors.classifier import Classifier

    wait_for_cluster(settings)
    ensure_topics(settings)
    if stories is not None:
        stories.start()
    code: int | str | None = 0
    try:
        countries: list[str] = []
        commodities: list[str] = []
        if classify is None:
            classifier = Classifier.default()  # load before joining the group: no stall on the first record
            classify = classifier.classify
            countries, commodities = list(classifier.gazetteer.countries), list(classifier.gazetteer.commodities)
        app, topics = build_app(settings, replication=cluster_replication(settings))
        metrics = PipelineMetrics()
        initialise_stage(metrics, classify_news.STAGE)
        register_build_info("worker")
        classify_news.register(
            app, topics, classify, metrics,
            signal_metrics=SignalMetrics(countries, commodities), latency=LatencyMetrics(),
        )
        port = settings.metrics_port_for("worker")
        serve_metrics(port)
        if port is not None:
            ConsumerLagExporter(settings, app.conf.id, (topics.raw.get_topic_name(),)).start()
        log.info("worker: classifying %s from %s", topics.raw.get_topic_name(), settings.bootstrap)
        _execute(app, settings, stories)
    except SystemExit as exc:  # how Faust's worker always ends
        code = exc.code
    finally:
        if stories is not None:
            stories.stop()
    # A stories stage that kept dying stopped the worker: say so in the exit code.
    raise SystemExit(1 if stories is not None and stories.gave_up else code)


def _run_stories(settings: Settings, *, child: bool) -> None:
    if child:
        stop_when_parent_exits()
    wait_for_cluster(settings)
    ensure_topics(settings)
    app, topics = build_app(settings, replication=cluster_replication(settings), name=cluster_stories.APP_NAME)
    metrics = PipelineMetrics()
    initialise_stage(metrics, cluster_stories.STAGE)
    register_build_info("stories")
    cluster_stories.register(app, topics, StoryMetrics(), metrics, min_severity=settings.alert_min_severity)
    inbox = cluster_stories.inbox_topic_name(app.conf.id)
    cluster_stories.ensure_internal_topics(settings, app.conf.id)
    port = stories_metrics_port(settings, child=child)
    serve_metrics(port)
    # The lag readings also feed the watchdog, which runs with or without /metrics.
    watchdog = StallWatchdog(cluster_stories.STAGE, stall_after=settings.stall_seconds, busy=lambda: app.rebalancing,
                             owned=lambda: _assigned(app))
    ConsumerLagExporter(settings, app.conf.id, (topics.signals.get_topic_name(), inbox),
                        on_offsets=watchdog.observe).start()
    log.info("stories: reading %s from %s", topics.signals.get_topic_name(), settings.bootstrap)
    _execute(app, settings, None)


def _assigned(app: faust.App) -> set[Any]:
    """The partitions this process's consumer holds; none before it has started."""
    try:
        return set(app.consumer.assignment())
    except Exception:  # faust's ConsumerNotStarted and the like, from the lag reader's thread
        return set()


class _StageWorker(Worker):
    """Faust's worker, passing its stop on to the stage in the child process, so that both
    shut down side by side (SIGTERM from an orchestrator reaches only this process)."""

    stage_child: StageProcess | None = None

    async def on_stop(self) -> None:
        if self.stage_child is not None:
            self.stage_child.signal(signal.SIGTERM)
        await super().on_stop()


def _execute(app: faust.App, settings: Settings, stories: StageProcess | None) -> None:
    """Run the app until it is stopped; always ends in SystemExit (Faust's way)."""
    # Worker handles SIGINT/SIGTERM itself and stops the agents cleanly.
    worker = _StageWorker(
        app,
        loglevel=settings.log_level.lower(),
        logging_config=logging_config(settings.log_level, settings.log_format),
        quiet=True,
    )
    worker.stage_child = stories
    worker.execute_from_commandline()

