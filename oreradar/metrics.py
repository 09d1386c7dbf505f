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
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, start_http_server

if TYPE_CHECKING:
    from oreradar.records import Signal

__all__ = [
    "PipelineMetrics",
    "shared_pipeline_metrics",
    "FeedMetrics",
    "LatencyMetrics",
    "DeliveryMetrics",
    "SignalMetrics",
    "initialise_stage",
    "StoryMetrics",
    "register_build_info",
    "serve_metrics",
    "REGISTRY",
    "CollectorRegistry",
]

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


_SHARED: dict[int, PipelineMetrics] = {}


def shared_pipeline_metrics(registry: CollectorRegistry = REGISTRY) -> PipelineMetrics:
    """One PipelineMetrics per registry, for code that may run more than once in a process
    (prometheus-client refuses to register the same names twice)."""
    if id(registry) not in _SHARED:
        _SHARED[id(registry)] = PipelineMetrics(registry)
    return _SHARED[id(registry)]


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
        self.latency = LatencyMetrics(registry)

    def initialise(self, fetch_outcomes: Iterable[str]) -> None:
        """Create the known series at zero (fetch outcomes are the poller's own vocabulary)."""
        for outcome in fetch_outcomes:
            self.fetches.labels(outcome=outcome)
        for outcome in ("new", "duplicate", "skipped"):
            self.items.labels(outcome=outcome)
        for reason in ("publish_failed", "not_a_feed"):
            self.dropped.labels(reason=reason)


# Latencies between record timestamps run from milliseconds (raw → decided) to hours (an
# outlet's published stamp → our fetch), so the buckets span both.
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 86400.0)

# The label values each stage can produce, known up front so that every series exists at
# zero from start-up: a rate panel then shows 0, not "No data".
KNOWN_OUTCOMES = {
    "replay": ("published", "failed"),
    "classify": ("relevant", "not_relevant"),
    "dispatch": ("routed",),  # an alert whose deliveries are recorded in the outbox (deliveries: DeliveryMetrics)
}
KNOWN_DROP_REASONS = {
    "classify": ("invalid_record", "classifier_error"),
    "stories": ("invalid_record",),
    "dispatch": ("invalid_record",),
}


def initialise_stage(metrics: PipelineMetrics, stage: str) -> None:
    """Create the stage's known ``items``/``dropped`` series at zero."""
    for outcome in KNOWN_OUTCOMES.get(stage, ()):
        metrics.items.labels(stage=stage, outcome=outcome)
    for reason in KNOWN_DROP_REASONS.get(stage, ()):
        metrics.dropped.labels(stage=stage, reason=reason)


class LatencyMetrics:
    """Time between two timestamps a record carries, per stage.

    ``stage="feeds"``: the outlet's published time → our fetch; ``stage="classify"``: the
    record's timestamp on ``news.raw`` → the decision. (Alert created → delivered is the
    dispatcher's ``oreradar_delivery_latency_seconds``.)
    """

    def __init__(self, registry: CollectorRegistry = REGISTRY):
        self.record_latency = Histogram(
            "oreradar_record_latency_seconds",
            "Seconds between a record's upstream timestamp and this stage handling it",
            ["stage"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )

    def observe(self, stage: str, seconds: float) -> None:
        # A clock skewed between hosts can give a negative span: count it as zero, do not drop it.
        self.record_latency.labels(stage=stage).observe(max(0.0, seconds))


class SignalMetrics:
    """Relevant decisions by signal type, country, commodity and severity.

    Countries and commodities are bounded to the gazetteer's ids, which the worker hands in;
    a value outside them (a gazetteer edited while running) is counted as ``other``.
    """

    def __init__(self, countries: Iterable[str], commodities: Iterable[str], registry: CollectorRegistry = REGISTRY):
        from oreradar.records import SEVERITIES, SIGNAL_TYPES

        self._countries = frozenset(countries)
        self._commodities = frozenset(commodities)
        self.types = Counter("oreradar_signals_total", "Relevant signals by signal type", ["signal_type"], registry=registry)
        self.countries = Counter(
            "oreradar_signal_countries_total", "Relevant signals by country (ISO 3166-1 alpha-2)", ["country"], registry=registry
        )
        self.commodities = Counter(
            "oreradar_signal_commodities_total", "Relevant signals by commodity id", ["commodity"], registry=registry
        )
        self.severities = Counter("oreradar_signal_severity_total", "Relevant signals by severity", ["severity"], registry=registry)
        # Every series exists at zero from the start, and its child is kept: count() runs
        # once per decision, and a labels() lookup costs more than the increment.
        self._type_children = {t: self.types.labels(signal_type=t) for t in SIGNAL_TYPES}
        self._severity_children = {s: self.severities.labels(severity=s) for s in SEVERITIES}
        self._country_children = {c: self.countries.labels(country=c) for c in (*self._countries, "other")}
        self._commodity_children = {c: self.commodities.labels(commodity=c) for c in (*self._commodities, "other")}

    def count(self, signal: Signal) -> None:
        if not signal.relevant:
            return
        for t in signal.signal_types:
            child = self._type_children.get(t)
            (child or self.types.labels(signal_type=t)).inc()
        other = self._country_children["other"]
        for c in signal.countries:
            self._country_children.get(c, other).inc()
        other = self._commodity_children["other"]
        for c in signal.commodities:
            self._commodity_children.get(c, other).inc()
        if signal.severity:
            child = self._severity_children.get(signal.severity)
            (child or self.severities.labels(severity=signal.severity)).inc()


def register_build_info(process: str, registry: CollectorRegistry = REGISTRY) -> None:
    """``oreradar_build_info{version,python,process} 1``: which build each process runs."""
    import platform

    from oreradar import __version__

    Gauge(
        "oreradar_build_info", "Always 1; labels say which build this process runs", ["version", "python", "process"], registry=registry
    ).labels(version=__version__, python=platform.python_version(), process=process).set(1)


# Delivery takes from milliseconds (a file) to minutes (a group wait, retries after an outage).
_DELIVERY_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


DELIVERY_OUTCOMES = ("delivered", "retry", "rejected", "dead_lettered", "silenced", "inhibited", "grouped", "duplicate",
                     "unchanged")


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

    def initialise(self, channel_types: Iterable[str]) -> None:
        """Create the series of the channel types in use at zero, so rate panels show 0, not "No data"."""
        for kind in channel_types:
            for outcome in DELIVERY_OUTCOMES:
                self.deliveries.labels(channel=kind, outcome=outcome)
            self.retries.labels(channel=kind)
            self.pending.labels(channel=kind).set(0)
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
