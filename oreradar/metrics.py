"""Every Prometheus metric of oreradar, in one module.

Each stage builds its metrics on a registry it is handed, so a test makes a fresh
``CollectorRegistry()`` and reads values back with ``registry.get_sample_value``:

    >>> from prometheus_client import CollectorRegistry
    >>> reg = CollectorRegistry()
    >>> m = PipelineMetrics(reg)
    >>> m.items.labels(stage="classify", outcome="relevant").inc()
    >>> reg.get_sample_value("oreradar_items_total", {"stage": "classify", "outcome": "relevant"})
    1.0

Labels are bounded: ``stage`` is a command name, ``outcome``/``reason`` come from small
fixed vocabularies, ``feed`` is a catalogue name (bounded by the catalogue).
"""

from __future__ import annotations

import logging

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, start_http_server

__all__ = ["PipelineMetrics", "FeedMetrics", "StoryMetrics", "serve_metrics", "REGISTRY", "CollectorRegistry"]

log = logging.getLogger(__name__)

# Classification takes microseconds to milliseconds; delivery and fetches take longer.
_FAST_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0)


class PipelineMetrics:
    """Metrics of the replay → classify → dispatch pipeline."""

    def __init__(self, registry: CollectorRegistry = REGISTRY):
        self.items = Counter(
            "oreradar_items_total",
            "Items handled, by stage and outcome (published, relevant, not_relevant, delivered, ...)",
            ["stage", "outcome"],
            registry=registry,
        )
        self.dropped = Counter(
            "oreradar_dropped_total",
            "Records a stage could not process and sent to the dead-letter topic or skipped, by reason",
            ["stage", "reason"],
            registry=registry,
        )
        self.classify_seconds = Histogram(
            "oreradar_classify_seconds",
            "Time to classify one item",
            buckets=_FAST_BUCKETS,
            registry=registry,
        )
        self.alerts = Counter(
            "oreradar_alerts_total",
            "Alerts emitted by the worker, by severity",
            ["severity"],
            registry=registry,
        )
        self.deliveries = Counter(
            "oreradar_alert_deliveries_total",
            "Alert deliveries by channel and outcome (ok, failed, duplicate)",
            ["channel", "outcome"],
            registry=registry,
        )
        self.last_item = Gauge(
            "oreradar_last_item_timestamp_seconds",
            "Unix time at which the stage last handled an item (a stalled stage stops moving)",
            ["stage"],
            registry=registry,
        )


def serve_metrics(port: int | None, registry: CollectorRegistry = REGISTRY) -> None:
    """Serve /metrics on ``port`` (all interfaces), or do nothing when port is None."""
    if port is None:
        return
    try:
        start_http_server(port, registry=registry)
    except OSError as exc:
        # A busy port must not stop the pipeline: say so and carry on without /metrics.
        log.warning("metrics: cannot serve /metrics on port %s (%s); set ORERADAR_METRICS_PORT", port, exc)
    else:
        log.info("metrics: serving /metrics on port %s", port)


# Fetches take 10 ms to a minute; the histogram must show both the fast and the stuck.
_FETCH_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class FeedMetrics:
    """Metrics of the feed poller (``oreradar feeds poll`` / ``push``).

    ``outcome`` of a fetch is one of producers.feeds.fetch.OUTCOMES; ``reason`` of a drop
    is a short fixed word (too_large, refused, no_text, invalid, not_a_feed, publish_failed,
    bad_signature, …); ``feed`` is a catalogue name.
    """

    def __init__(self, registry: CollectorRegistry = REGISTRY):
        self.fetches = Counter(
            "oreradar_feed_fetches_total", "Feed fetches by outcome (ok, not_modified, timeout, ...)", ["outcome"], registry=registry
        )
        self.fetch_seconds = Histogram(
            "oreradar_feed_fetch_seconds", "Time to fetch one feed, redirects included", buckets=_FETCH_BUCKETS, registry=registry
        )
        self.bytes = Counter("oreradar_feed_bytes_total", "Bytes received from feeds, as sent on the wire", registry=registry)
        self.items = Counter(
            "oreradar_feed_items_total", "Feed entries by outcome (new, duplicate, skipped)", ["outcome"], registry=registry
        )
        self.parse_errors = Counter(
            "oreradar_feed_parse_errors_total", "Feeds feedparser flagged as ill-formed (bozo), items kept", registry=registry
        )
        self.dropped = Counter(
            "oreradar_feed_dropped_total", "Feeds or entries dropped by the poller, by reason", ["reason"], registry=registry
        )
        self.last_success = Gauge(
            "oreradar_feed_last_success_timestamp_seconds", "Unix time of the feed's last successful fetch", ["feed"], registry=registry
        )
        self.disabled = Gauge("oreradar_feed_disabled", "Feeds currently disabled (by operator or auto-disable)", registry=registry)
        self.pushes = Counter(
            "oreradar_feed_websub_pushes_total", "WebSub content pushes by outcome (accepted, bad_signature, unknown)", ["outcome"], registry=registry
        )


# Lead times run from minutes (wire copies) to days (a story crossing languages).
_LEAD_BUCKETS = (60.0, 300.0, 900.0, 1800.0, 3600.0, 3 * 3600.0, 6 * 3600.0, 12 * 3600.0, 24 * 3600.0,
                 48 * 3600.0, 72 * 3600.0, 7 * 86400.0)


class StoryMetrics:
    """Metrics of the stories stage (``processors/cluster_stories.py``).

    ``outcome`` is one of processors.stories.OUTCOMES (new_story, revision, copy,
    no_change, duplicate); ``first_lang``/``later_lang`` are ISO 639 codes (``und`` when
    unknown), bounded by the languages the feeds carry.
    """

    def __init__(self, registry: CollectorRegistry = REGISTRY):
        self.stories = Counter(
            "oreradar_stories_total", "Relevant reports by what they did to a story", ["outcome"], registry=registry
        )
        self.lead_time = Histogram(
            "oreradar_story_lead_time_seconds",
            "How long after a story's first report a new outlet carried it, by the first and the later language",
            ["first_lang", "later_lang"],
            buckets=_LEAD_BUCKETS,
            registry=registry,
        )
        self.trend_alerts = Counter(
            "oreradar_trend_alerts_total", "Trend alerts: spikes per (country, commodity, signal type)", registry=registry
        )
        self.open = Gauge("oreradar_stories_open", "Stories inside the joining window", registry=registry)
