"""``oreradar worker``: build the app, load the classifier, register the agents, run.

One process runs both stages: classification (``classify_news``) and stories
(``cluster_stories``: signals -> stories -> alerts).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from faust.worker import Worker

from oreradar.kafka_admin import cluster_replication, ensure_topics, wait_for_cluster
from oreradar.logs import logging_config
from oreradar.consumer_lag import ConsumerLagExporter
from oreradar.metrics import (
    LatencyMetrics, PipelineMetrics, SignalMetrics, StoryMetrics, initialise_stage, register_build_info, serve_metrics,
)
from oreradar.records import NewsItem, Signal
from oreradar.settings import Settings
from processors import classify_news, cluster_stories
from processors.app import build_app

__all__ = ["run_worker"]

log = logging.getLogger(__name__)


def run_worker(settings: Settings, classify: Callable[[NewsItem], Signal] | None = None) -> None:
    """Run until SIGTERM/SIGINT; ``classify`` defaults to the shipped classifier (tests pass a faulty one)."""
    from processors.classifier import Classifier

    wait_for_cluster(settings)
    ensure_topics(settings)
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
    if settings.stories_enabled:
        cluster_stories.register(app, topics, StoryMetrics(), metrics, min_severity=settings.alert_min_severity)
        # Faust creates its internal topics while the group forms; a topic missing at the
        # first assignment is ignored until the next metadata refresh (minutes): create it now.
        ensure_topics(settings, (cluster_stories.inbox_topic_name(app.conf.id),), prefixed=False)
    else:
        log.warning("worker: the stories stage is off (ORERADAR_STORIES_ENABLED=false): no alerts will be raised")
    serve_metrics(settings.metrics_port_for("worker"))
    if settings.metrics_port_for("worker") is not None:
        ConsumerLagExporter(settings, app.conf.id, (topics.raw.get_topic_name(),)).start()
    log.info("worker: consuming %s from %s", topics.raw.get_topic_name(), settings.bootstrap)
    # Worker handles SIGINT/SIGTERM itself and stops the agents cleanly.
    Worker(
        app,
        loglevel=settings.log_level.lower(),
        logging_config=logging_config(settings.log_level, settings.log_format),
        quiet=True,
    ).execute_from_commandline()
