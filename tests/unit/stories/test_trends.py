"""Hourly counts and the Poisson spike test."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from oreradar.records import Signal
from processors.stories import Report, TrendBook, TrendRules
from processors.stories.trends import Series, poisson_tail

T0 = datetime(2025, 6, 1, 8, 0, tzinfo=timezone.utc)


def report(item_id: str, minutes: float) -> Report:
    signal = Signal(id=item_id, relevant=True, severity="high", signal_types=["trade_deal"], countries=["KZ"],
                    commodities=["uranium"], published=T0 + timedelta(minutes=minutes), title=item_id)
    return Report.from_signal(signal, received=T0, lemmatize=lambda w: w)


def feed(book: TrendBook, entries: list[tuple[str, float, str]]) -> list:  # type: ignore[type-arg]
    fired = []
    for item_id, minutes, story in entries:
        alerts, _ = book.observe(report(item_id, minutes), story, now=T0)
        fired.extend(alerts)
    return fired


def test_poisson_tail() -> None:
    assert poisson_tail(0, 3.0) == 1.0
    assert poisson_tail(1, 0.5) == pytest.approx(1 - 2.718281828 ** -0.5)
    assert poisson_tail(10, 1.0) < 1e-6 < poisson_tail(3, 1.0)


def test_a_burst_from_two_stories_fires_once_with_its_stories() -> None:
    book = TrendBook(TrendRules())
    fired = feed(book, [("a", 0, "s1"), ("b", 10, "s1"), ("c", 20, "s2"), ("d", 30, "s2"), ("e", 40, "s2")])
    assert len(fired) == 1
    alert = fired[0]
    assert (alert.country, alert.commodity, alert.signal_type, alert.count) == ("KZ", "uranium", "trade_deal", 4)
    assert alert.story_ids == ["s1", "s2"] and alert.p_value < 1e-3 and alert.bucket_start == T0


def test_sparse_series_and_a_single_story_do_not_fire() -> None:
    book = TrendBook(TrendRules())
    assert feed(book, [("a", 0, "s1")]) == []  # 0 -> 1
    assert feed(book, [(f"x{i}", i, "s1") for i in range(10)]) == []  # one story told ten times


def test_a_busy_baseline_absorbs_the_same_burst_and_refractory_holds() -> None:
    book = TrendBook(TrendRules())
    busy = [(f"h{h}-{i}", -60 * h + i, f"s{h % 3}") for h in range(1, 24 * 13) for i in range(4)]
    feed(book, sorted(busy, key=lambda e: e[1]))  # 13 days of 4 an hour (its first hours may fire: no history)
    for series in book.series.values():
        series.last_fired = None
    assert feed(book, [(f"n{i}", i, f"t{i % 2}") for i in range(5)]) == []  # 4-5 an hour is normal here
    quiet = TrendBook(TrendRules())
    assert len(feed(quiet, [(f"a{i}", i, f"s{i % 2}") for i in range(5)])) == 1
    assert feed(quiet, [(f"b{i}", 120 + i, f"s{i % 2}") for i in range(6)]) == []  # within the refractory period


def test_series_state_round_trips_and_expires() -> None:
    book = TrendBook(TrendRules())
    feed(book, [("a", 0, "s1")])
    entries = [(k, s.to_dict()) for k, s in book.series.items()]
    fresh = TrendBook(TrendRules())
    assert fresh.load(entries + [("bad", {"version": 7})]) == [("bad", "trend entry of version 7")]
    assert Series.from_dict(entries[0][1]) == book.series[entries[0][0]]
    assert fresh.expire(T0 + timedelta(days=15)) == [entries[0][0]]
