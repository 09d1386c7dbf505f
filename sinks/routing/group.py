"""Grouping, as Alertmanager does it: a group key, a first wait, an interval, plus a cap per hour.

    >>> due_at(Group(wait=30, interval=600), first_waiting=t0, last_flush=None, recent_flushes=[], now=t0)   # doctest: +SKIP
    t0 + 30 s

Pure: every time is passed in. ``group_key`` puts alerts that travel together under one key;
without a ``group`` block each alert (story revision) is a group of its own, sent at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .match import AlertFacts
from .model import Group

__all__ = ["group_key", "due_at"]

HOUR = timedelta(hours=1)


def group_key(group: Group | None, channel: str, facts: AlertFacts) -> str:
    if group is None:
        return f"{channel}|alert={facts.alert_id}"
    parts = [f"{field}={','.join(sorted(facts.values(field)))}" for field in group.by]
    return "|".join([channel, *parts])


def due_at(group: Group | None, *, first_waiting: datetime, last_flush: datetime | None,
           recent_flushes: list[datetime], now: datetime) -> datetime:
    """When the waiting alerts of one group may go out as one message."""
    if group is None:
        return first_waiting
    if last_flush is None:
        due = first_waiting + timedelta(seconds=group.wait)
    else:
        due = max(first_waiting, last_flush + timedelta(seconds=group.interval))
    if group.max_per_hour is not None:
        in_window = sorted(t for t in recent_flushes if t > now - HOUR)
        if len(in_window) >= group.max_per_hour:
            # The cap frees a slot when the oldest message of the last hour falls out of it.
            due = max(due, in_window[-group.max_per_hour] + HOUR)
    return due
