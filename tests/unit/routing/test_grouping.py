"""Grouping times: a first wait, then the interval, and the cap per hour."""

from __future__ import annotations

from datetime import timedelta

from sinks.routing.group import due_at, group_key
from sinks.routing.match import AlertFacts
from sinks.routing.model import Group
from tests.unit.routing.helpers import T0, story_alert

G = Group(by=["story"], wait=30, interval=600, max_per_hour=2)


def s(seconds: float):  # type: ignore[no-untyped-def]
    return T0 + timedelta(seconds=seconds)


def test_no_group_means_now_and_one_key_per_alert() -> None:
    a, b = AlertFacts.of(story_alert(revision=1)), AlertFacts.of(story_alert(revision=2))
    assert due_at(None, first_waiting=T0, last_flush=None, recent_flushes=[], now=T0) == T0
    assert group_key(None, "c", a) != group_key(None, "c", b)


def test_group_key_follows_by() -> None:
    a, b = AlertFacts.of(story_alert(revision=1)), AlertFacts.of(story_alert(revision=2))
    assert group_key(G, "c", a) == group_key(G, "c", b)
    assert group_key(G, "c", a) != group_key(G, "c", AlertFacts.of(story_alert(story="other")))
    by_country = Group(by=["countries"])
    assert group_key(by_country, "c", AlertFacts.of(story_alert(story="x"))) == group_key(by_country, "c", a)


def test_first_wait_then_interval() -> None:
    assert due_at(G, first_waiting=T0, last_flush=None, recent_flushes=[], now=T0) == s(30)
    assert due_at(G, first_waiting=s(100), last_flush=s(30), recent_flushes=[s(30)], now=s(100)) == s(630)
    assert due_at(G, first_waiting=s(900), last_flush=s(30), recent_flushes=[s(30)], now=s(900)) == s(900)


def test_max_per_hour_waits_for_the_oldest_message_to_leave_the_hour() -> None:
    sent = [s(0), s(700)]
    assert due_at(G, first_waiting=s(1400), last_flush=s(700), recent_flushes=sent, now=s(1400)) == s(3600)
    assert due_at(G, first_waiting=s(3700), last_flush=s(700), recent_flushes=sent, now=s(3700)) == s(3700)
