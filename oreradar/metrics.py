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

__all__ = ["PipelineMetrics", "FeedMetrics", "DeliveryMetrics", "serve_metrics", "REGISTRY", "CollectorRegistry"]

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


# Delivery takes from milliseconds (a file) to minutes (a group wait, retries after an outage).
_DELIVERY_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


class DeliveryMetrics:
    """Metrics of the alert dispatcher (``oreradar alerts``): routing, the outbox, the channels.

    ``channel`` is a channel *type* (webhook, slack, telegram, email, alertmanager, apprise,
    jsonl, console), never a URL or a subscription name, so the labels stay bounded.
    ``outcome``: delivered, retry, rejected, dead_lettered, silenced, inhibited, grouped,
    duplicate, unchanged (a story revision that changed nothing the subscriber filters on).
    """

    def __init__(self, registry: CollectorRegistry = REGISTRY):
        self.deliveries = Counter(
            "oreradar_deliveries_total", "Deliveries and held-back alerts, by channel type and outcome",
            ["channel", "outcome"], registry=registry,
        )
        self.retries = Counter(
            "oreradar_delivery_retries_total", "Delivery attempts that will be retried, by channel type",
            ["channel"], registry=registry,
        )
        self.pending = Gauge(
            "oreradar_outbox_pending", "Deliveries in the outbox not made yet (pending or waiting for their group)",
            ["channel"], registry=registry,
        )
        self.latency = Histogram(
            "oreradar_delivery_latency_seconds", "Alert created to delivered, by channel type",
            ["channel"], buckets=_DELIVERY_BUCKETS, registry=registry,
        )
