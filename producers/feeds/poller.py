"""The poll cycle: fetch due feeds concurrently, parse, normalise, de-duplicate, publish.

    >>> poller = FeedPoller(catalogue.feeds, store, sink, fetcher, metrics=FeedMetrics(reg))  # doctest: +SKIP
    >>> summary = await poller.poll_once()                                                    # doctest: +SKIP
    >>> summary.line()                                                                        # doctest: +SKIP
    'feeds: 41 ok, 3 not modified, 1 failed, 0 disabled; items: 512 new, 37 duplicate, 0 skipped'

One feed's failure is a counted outcome in its report, never an exception that stops the
others. Items are marked seen, and a feed's new ETag/Last-Modified stored, only after the
sink confirmed delivery: a failed publish is retried by the next poll instead of lost
behind a 304.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from oreradar.metrics import FeedMetrics
from oreradar.records import NewsItem

from .catalogue import FeedSpec
from .fetch import Fetcher, FetchResult, HttpCache
from .health import HealthPolicy, failure_kind, record_failure, record_success
from .normalise import Skip, normalise_entry
from .parse import ParsedFeed, parse_feed
from .sinks import ItemSink
from .state import FeedState, FeedStateStore

__all__ = ["FeedPoller", "FeedReport", "PollSummary", "WEBSUB_FALLBACK_INTERVAL"]

log = logging.getLogger(__name__)

WEBSUB_FALLBACK_INTERVAL = 3600.0  # a feed with a live WebSub lease is still polled hourly


@dataclass
class FeedReport:
    feed: str
    outcome: str  # a fetch outcome, or "not_a_feed"
    new: list[NewsItem] = field(default_factory=list)
    duplicates: int = 0
    skipped: int = 0
    error: str | None = None
    cache: HttpCache | None = None  # validators to store once the new items are delivered


@dataclass
class PollSummary:
    ok: int = 0
    not_modified: int = 0
    failed: int = 0
    disabled: int = 0
    items_new: int = 0
    items_duplicate: int = 0
    items_skipped: int = 0
    publish_failed: int = 0
    reports: list[FeedReport] = field(default_factory=list)

    def line(self) -> str:
        text = (
            f"feeds: {self.ok} ok, {self.not_modified} not modified, {self.failed} failed, {self.disabled} disabled; "
            f"items: {self.items_new} new, {self.items_duplicate} duplicate, {self.items_skipped} skipped"
        )
        return text + (f", {self.publish_failed} not delivered (retried next poll)" if self.publish_failed else "")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class FeedPoller:
    def __init__(
        self,
        feeds: Sequence[FeedSpec],
        store: FeedStateStore,
        sink: ItemSink,
        fetcher: Fetcher,
        *,
        metrics: FeedMetrics,
        clock: Callable[[], datetime] = _utc_now,
        rng: random.Random | None = None,
        policy: HealthPolicy = HealthPolicy(),
        detect_language: Callable[[str], str | None] | None = None,
        blocking_flush: bool = False,
    ):
        self.feeds = {f.name: f for f in feeds}
        self.store = store
        self.sink = sink
        self.fetcher = fetcher
        self.metrics = metrics
        self.clock = clock
        self.rng = rng or random.Random()
        self.policy = policy
        self.detect_language = detect_language
        self._blocking_flush = blocking_flush  # Kafka's flush blocks: run it in a thread
        self._claimed: set[str] = set()  # ids handed to the sink in this cycle, not yet confirmed

    # -- which feeds ---------------------------------------------------------------------
    def is_enabled(self, feed: FeedSpec, state: FeedState) -> bool:
        if state.disabled_reason:
            return False
        return feed.enabled or state.operator_enabled == 1

    def interval_for(self, feed: FeedSpec, state: FeedState, now: float) -> float:
        if state.websub_lease_until and state.websub_lease_until > now:
            return max(feed.interval, WEBSUB_FALLBACK_INTERVAL)
        return feed.interval

    def due(self, now: float | None = None) -> list[FeedSpec]:
        now = self.clock().timestamp() if now is None else now
        states = self.store.all()
        out = []
        for feed in self.feeds.values():
            state = states.get(feed.name) or FeedState(name=feed.name)
            if self.is_enabled(feed, state) and (state.next_poll_at is None or state.next_poll_at <= now or state.url != feed.url):
                out.append(feed)
        return out

    def seconds_until_next(self) -> float | None:
        now = self.clock().timestamp()
        states = self.store.all()
        waits = [
            max(0.0, (states[f.name].next_poll_at or now) - now) if f.name in states else 0.0
            for f in self.feeds.values()
            if self.is_enabled(f, states.get(f.name) or FeedState(name=f.name))
        ]
        return min(waits) if waits else None

    # -- one cycle -----------------------------------------------------------------------
    async def poll_once(self, *, feeds: Sequence[FeedSpec] | None = None) -> PollSummary:
        """Poll every due feed (or ``feeds``) once, deliver, and persist what was learnt."""
        now = self.clock()
        todo = list(feeds) if feeds is not None else self.due(now.timestamp())
        states = {f.name: self.store.get(f.name) for f in todo}
        reports = await asyncio.gather(*(self._poll_feed(f, states[f.name], now) for f in todo))
        return await self._deliver_and_commit(list(reports), states, now)

    async def _poll_feed(self, feed: FeedSpec, state: FeedState, now: datetime) -> FeedReport:
        try:
            result = await self.fetcher.fetch(feed.url, HttpCache(state.etag, state.last_modified) if state.url == feed.url else None)
        except Exception as exc:  # a bug in one fetch must not stop the cycle
            log.exception("feed %s: unexpected error fetching %s", feed.name, feed.url)
            result = FetchResult("network_error", feed.url, error=f"unexpected {type(exc).__name__}: {exc}")
        self.metrics.fetches.labels(outcome=result.outcome).inc()
        self.metrics.fetch_seconds.observe(result.seconds)
        self.metrics.bytes.inc(result.wire_bytes)
        if result.moved_to:
            log.warning("feed %s: %s moved permanently to %s; update the catalogue", feed.name, feed.url, result.moved_to)
        if result.outcome == "not_modified":
            return FeedReport(feed.name, "not_modified")
        if result.outcome != "ok" or result.body is None:
            if result.outcome in ("too_large", "refused", "decode_error", "redirect_error"):
                self.metrics.dropped.labels(reason=result.outcome).inc()
            error = f"feed {feed.name} ({feed.url}): {result.error or result.outcome}"
            log.warning("%s", error)
            report = FeedReport(feed.name, result.outcome, error=error)
            self._record_failure(feed, state, now, report, failure_kind(result.outcome, result.status), result.retry_after)
            return report
        parsed = parse_feed(result.body, result.headers)
        report = self.ingest(feed, parsed, now)
        report.cache = result.cache
        if report.outcome != "ok":
            self._record_failure(feed, state, now, report, failure_kind(report.outcome))
        else:
            state.hub, state.self_url = parsed.hub, parsed.self_url or (feed.url if parsed.hub else None)
        return report

    def ingest(self, feed: FeedSpec, parsed: ParsedFeed, now: datetime) -> FeedReport:
        """Parsed feed → the report's new items (already claimed), duplicates and counted skips."""
        if parsed.bozo:
            self.metrics.parse_errors.inc()
            log.info("feed %s (%s): ill-formed, keeping %d entries: %s", feed.name, feed.url, len(parsed.entries), parsed.bozo_reason)
        if not parsed.is_feed:
            self.metrics.dropped.labels(reason="not_a_feed").inc()
            return FeedReport(feed.name, "not_a_feed", error=(
                f"feed {feed.name} ({feed.url}): the response is not RSS or Atom ({parsed.bozo_reason or 'no feed found'}); "
                "check the URL in the catalogue"))
        report = FeedReport(feed.name, "ok")
        items: list[NewsItem] = []
        for entry in parsed.entries:
            outcome = normalise_entry(
                entry, source=feed.name, fetched=now, feed_lang=parsed.lang, hint_lang=feed.lang, detect_language=self.detect_language
            )
            if isinstance(outcome, Skip):
                report.skipped += 1
                self.metrics.dropped.labels(reason=outcome.reason).inc()
                log.debug("feed %s: skipped entry: %s", feed.name, outcome.detail)
            else:
                items.append(outcome)
        already = self.store.seen(i.id for i in items) | self._claimed
        for item in items:
            if item.id in already:
                report.duplicates += 1
                continue
            already.add(item.id)
            self._claimed.add(item.id)
            self.sink.add(item)
            report.new.append(item)
        self.metrics.items.labels(outcome="new").inc(len(report.new))
        for item in report.new:
            if item.published is not None:
                self.metrics.latency.observe("feeds", (item.fetched - item.published).total_seconds())
        self.metrics.items.labels(outcome="duplicate").inc(report.duplicates)
        self.metrics.items.labels(outcome="skipped").inc(report.skipped)
        return report

    def _record_failure(
        self, feed: FeedSpec, state: FeedState, now: datetime, report: FeedReport, kind: str, retry_after: float | None = None
    ) -> None:
        was_disabled = state.disabled_reason
        record_failure(
            state, self.policy, now=now.timestamp(), interval=self.interval_for(feed, state, now.timestamp()),
            kind=kind, error=report.error or report.outcome, rng=self.rng, retry_after=retry_after,
        )
        if state.disabled_reason and not was_disabled:
            log.error("feed %s: %s", feed.name, state.disabled_reason)

    async def _deliver_and_commit(self, reports: list[FeedReport], states: Mapping[str, FeedState], now: datetime) -> PollSummary:
        failed_ids = await asyncio.to_thread(self.sink.flush) if self._blocking_flush else self.sink.flush()
        self._claimed.clear()
        summary = PollSummary(reports=reports)
        ts = now.timestamp()
        with self.store.transaction():
            for report in reports:
                feed, state = self.feeds[report.feed], states[report.feed]
                state.url = feed.url
                delivered = [i.id for i in report.new if i.id not in failed_ids]
                undelivered = len(report.new) - len(delivered)
                self.store.mark_seen(delivered, feed.name, ts)
                summary.items_new += len(delivered)
                summary.items_duplicate += report.duplicates
                summary.items_skipped += report.skipped
                summary.publish_failed += undelivered
                if undelivered:
                    self.metrics.dropped.labels(reason="publish_failed").inc(undelivered)
                if report.outcome in ("ok", "not_modified"):
                    if report.outcome == "ok" and not undelivered and report.cache is not None:
                        state.etag, state.last_modified = report.cache.etag, report.cache.last_modified
                    record_success(state, now=ts, interval=self.interval_for(feed, state, ts), new_items=len(delivered))
                    self.metrics.last_success.labels(feed=feed.name).set(ts)
                    summary.ok += report.outcome == "ok"
                    summary.not_modified += report.outcome == "not_modified"
                else:
                    summary.failed += 1
                summary.disabled += bool(state.disabled_reason)
                self.store.put(state)
        self.metrics.disabled.set(sum(1 for s in self.store.all().values() if s.disabled_reason))
        return summary

    # -- WebSub pushes and the long-running loop -----------------------------------------
    async def ingest_push(self, feed: FeedSpec, body: bytes, headers: Mapping[str, str]) -> PollSummary:
        """Content a hub pushed: same parse → normalise → de-duplicate → deliver path as a poll."""
        now = self.clock()
        state = self.store.get(feed.name)
        report = self.ingest(feed, parse_feed(body, headers), now)
        report.cache = None  # a push says nothing about the feed URL's validators
        return await self._deliver_and_commit([report], {feed.name: state}, now)

    async def run(self, stop: asyncio.Event, *, max_idle: float = 60.0, on_cycle: Callable[[PollSummary], None] | None = None) -> None:
        """Poll due feeds until ``stop`` is set, sleeping until the next feed is due."""
        while not stop.is_set():
            summary = await self.poll_once()
            if summary.reports and on_cycle:
                on_cycle(summary)
            wait = self.seconds_until_next()
            try:
                await asyncio.wait_for(stop.wait(), timeout=min(max_idle, max(1.0, wait if wait is not None else max_idle)))
            except asyncio.TimeoutError:
                pass
