"""``oreradar worker``: build the app, load the classifier, register the agents, run.

One process runs both stages: classification (``classify_news``) and stories
(``cluster_stories``: signals -> stories -> alerts).
"""

from __future__ import annotations

import logging

from faust.worker import Worker

from oreradar.kafka_admin import ensure_topics, replication_factor, wait_for_cluster
from oreradar.logs import logging_config
from oreradar.consumer_lag import ConsumerLagExporter
from oreradar.metrics import (
    LatencyMetrics, PipelineMetrics, SignalMetrics, StoryMetrics, initialise_stage, register_build_info, serve_metrics,
)
from oreradar.settings import Settings
from processors import classify_news, cluster_stories
from processors.app import build_app

__all__ = ["run_worker"]

log = logging.getLogger(__name__)


def run_worker(settings: Settings) -> None:
    from processors.classifier import Classifier

    wait_for_cluster(settings)
    ensure_topics(settings)
    classifier = Classifier.default()  # load before joining the group: no stall on the first record
    app, topics = build_app(settings, replication=replication_factor(settings))
    metrics = PipelineMetrics()
    initialise_stage(metrics, classify_news.STAGE)
    register_build_info("worker")
    gazetteer = classifier.gazetteer
    signal_metrics = SignalMetrics(gazetteer.countries, gazetteer.commodities)
    classify_news.register(
        app, topics, classifier.classify, metrics, signal_metrics=signal_metrics, latency=LatencyMetrics(),
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
