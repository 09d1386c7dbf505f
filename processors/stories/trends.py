"""Spikes in reports per (country, commodity, signal type), hour by hour.

    >>> trends = TrendBook(TrendRules())
    >>> fired = trends.observe(report, story_id="s-1", now=wall_clock)    # doctest: +SKIP

Each series is a dict of hourly bucket -> count and the stories behind the hour, kept
for the baseline (14 days by default) plus the current hour, so its table entry stays
bounded. An hour fires when its count reaches ``min_count`` from ``min_stories``
stories and the Poisson tail P(X >= count) under the trailing mean rate is below
``p_value``; then the series is quiet for ``refractory``. A series that goes 0 -> 1 never
fires (min_count), and neither does one story told forty times (min_stories).

Plain dict state (not faust windowed tables, which lose data on rebalance): the agent
stores :meth:`Series.to_dict` in a changelog-backed table.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from oreradar.records import TrendAlert
from processors.stories.config import TrendRules
from processors.stories.features import Report

__all__ = ["TrendBook", "Series", "poisson_tail", "series_keys"]

HOUR = 3600


def poisson_tail(count: int, rate: float) -> float:
    """P(X >= count) for X ~ Poisson(rate), summed in log space (stable for large counts)."""
    if count <= 0:
        return 1.0
    below = 0.0
    term = math.exp(-rate)
    for k in range(count):
        if k:
            term *= rate / k
        below += term
    return max(0.0, min(1.0, 1.0 - below))


def series_keys(report: Report) -> list[str]:
    """One series per (country, commodity, signal type) the report names; none without all three."""
    return [
        f"{country}|{commodity}|{kind}"
        for country in sorted(report.countries)
        for commodity in sorted(report.commodities)
        for kind in sorted(report.signal_types)
    ]


@dataclass
class Series:
    buckets: dict[int, int] = field(default_factory=dict)  # hour (unix time // 3600) -> reports
    stories: dict[int, list[str]] = field(default_factory=dict)  # hour -> story ids
    last_fired: int | None = None  # hour

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "buckets": {str(h): n for h, n in self.buckets.items()},
                "stories": {str(h): s for h, s in self.stories.items()}, "last_fired": self.last_fired}

    @classmethod
    def from_dict(cls, data: Any) -> Series:
        if not isinstance(data, dict) or data.get("version") != 1:
            raise ValueError(f"trend entry of version {data.get('version') if isinstance(data, dict) else None!r}")
        try:
            return cls(
                buckets={int(h): int(n) for h, n in data["buckets"].items()},
                stories={int(h): [str(s) for s in ids] for h, ids in data["stories"].items()},
                last_fired=None if data.get("last_fired") is None else int(data["last_fired"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"malformed trend entry: {type(exc).__name__}: {exc}") from exc


class TrendBook:
    def __init__(self, rules: TrendRules):
        self.rules = rules
        self.series: dict[str, Series] = {}

    def load(self, entries: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
        skipped = []
        for key, value in entries:
            try:
                self.series[key] = Series.from_dict(value)
            except ValueError as exc:
                skipped.append((key, str(exc)))
        return skipped

    def expire(self, watermark: datetime) -> list[str]:
        """Drop series with no report inside the baseline before ``watermark``; returns their keys."""
        horizon = int(watermark.timestamp()) // HOUR - int(self.rules.baseline.total_seconds()) // HOUR
        gone = [key for key, series in self.series.items() if not series.buckets or max(series.buckets) < horizon]
        for key in gone:
            del self.series[key]
        return gone

    def observe(self, report: Report, story_id: str, *, now: datetime) -> tuple[list[TrendAlert], list[str]]:
        """Count the report; returns the trend alerts it sets off and the series keys it changed."""
        hour = int(report.time.timestamp()) // HOUR
        baseline_hours = int(self.rules.baseline.total_seconds()) // HOUR
        refractory_hours = int(self.rules.refractory.total_seconds()) // HOUR
        fired: list[TrendAlert] = []
        keys = series_keys(report)
        for key in keys:
            series = self.series.setdefault(key, Series())
            if hour not in series.buckets:  # a new hour: the moment to drop hours past the baseline
                horizon = max(hour, max(series.buckets, default=hour)) - baseline_hours
                for old in [h for h in series.buckets if h < horizon]:
                    del series.buckets[old]
                    series.stories.pop(old, None)
            series.buckets[hour] = series.buckets.get(hour, 0) + 1
            ids = series.stories.setdefault(hour, [])
            if story_id not in ids:
                ids.append(story_id)
            count = series.buckets[hour]
            if count < self.rules.min_count or len(ids) < self.rules.min_stories:
                continue
            if series.last_fired is not None and hour - series.last_fired < refractory_hours:
                continue
            past = sum(n for h, n in series.buckets.items() if hour - baseline_hours <= h < hour)
            rate = max(self.rules.floor_rate, past / baseline_hours)
            p = poisson_tail(count, rate)
            if p >= self.rules.p_value:
                continue
            series.last_fired = hour
            country, commodity, kind = key.split("|")
            start = datetime.fromtimestamp(hour * HOUR, tz=timezone.utc)
            fired.append(TrendAlert(
                alert_id=hashlib.sha256(f"trend:{key}:{hour}".encode()).hexdigest()[:20],
                country=country, commodity=commodity, signal_type=kind, bucket_start=start, count=count,
                baseline=round(past / baseline_hours, 4), p_value=p,
                severity="high" if p < self.rules.p_value / 100 else "medium",
                story_ids=list(ids), created=now,
            ))
        return fired, keys
