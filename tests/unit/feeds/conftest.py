"""Shared pieces of the feed tests: the local server, a manual clock, a poller factory."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from oreradar.metrics import FeedMetrics
from producers.feeds.address_guard import AddressPolicy
from producers.feeds.catalogue import FeedSpec
from producers.feeds.fetch import Fetcher, FetchLimits
from producers.feeds.poller import FeedPoller
from producers.feeds.sinks import ListSink
from producers.feeds.state import FeedStateStore

from .feedserver import FeedServer

TESTDATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "testdata" / "feeds"
TESTDATA = TESTDATA.resolve()

# Tiny limits keep the slow-server and oversized cases fast.
TEST_LIMITS = FetchLimits(connect_timeout=1.0, read_timeout=0.3, total_timeout=2.0, max_body_bytes=200_000,
                          global_concurrency=8, per_host_concurrency=4)


class ManualClock:
    """A clock tests move by hand, so backoff and intervals need no sleeping."""

    def __init__(self, start: datetime = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


class PollerKit:
    """A poller wired to a ListSink, a fresh registry and a state store under tmp_path."""

    def __init__(self, tmp_path: Path, clock: ManualClock, allow: str = "127.0.0.1", limits: FetchLimits = TEST_LIMITS):
        self.tmp_path = tmp_path
        self.clock = clock
        self.allow = allow
        self.limits = limits
        self.registry = CollectorRegistry()
        self.metrics = FeedMetrics(self.registry)
        self.sink = ListSink()
        self.store = FeedStateStore.open(tmp_path / "feeds.sqlite3")
        self.fetcher: Fetcher | None = None

    def poller(self, feeds: list[FeedSpec], **kwargs: object) -> FeedPoller:
        self.fetcher = Fetcher.create(AddressPolicy.parse(self.allow), self.limits, clock=self.clock)
        return FeedPoller(feeds, self.store, self.sink, self.fetcher, metrics=self.metrics, clock=self.clock,
                          rng=random.Random(7), **kwargs)  # type: ignore[arg-type]

    def sample(self, name: str, labels: dict[str, str] | None = None) -> float:
        return self.registry.get_sample_value(name, labels or {}) or 0.0

    async def close(self) -> None:
        if self.fetcher:
            await self.fetcher.aclose()


@pytest.fixture
async def kit(tmp_path: Path, clock: ManualClock) -> PollerKit:
    kit = PollerKit(tmp_path, clock)
    yield kit
    await kit.close()
    kit.store.close()
