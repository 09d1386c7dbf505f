"""From routes to outbox records: what one alert implies for every subscription it matched.

    >>> records = admit(alert, facts, routes, subs, now)               # doctest: +SKIP
    >>> [(r.kind, r.state, r.channel or r.subscription) for r in records]
    [('entry', 'waiting', 'kz-desk/0:webhook'), ('entry', 'waiting', 'kz-desk/1:email'), ('log', 'silenced', 'prices')]

A delivered route becomes one waiting entry per channel of the subscription; a route held
back becomes one log record (silenced, inhibited, unchanged), so the delivery log shows
every decision. Pure: keys are derived from the alert id, so admitting the same alert
twice (a re-read after a crash) yields the same keys, which the dispatcher skips.
"""

from __future__ import annotations

from datetime import datetime

from oreradar.records import Alert, AnyAlert

from ..routing.group import group_key
from ..routing.match import AlertFacts
from ..routing.model import Subscriptions
from ..routing.router import Route
from .records import OutboxRecord, entry_key, log_key

__all__ = ["admit"]


def admit(alert: AnyAlert, facts: AlertFacts, routes: list[Route], subs: Subscriptions, now: datetime,
          group: str = "") -> list[OutboxRecord]:
    title = alert.title if isinstance(alert, Alert) else f"trend: {alert.signal_type} {alert.country} {alert.commodity}"
    common = dict(group=group, story_id=facts.story, revision=facts.revision, alert_ids=[facts.alert_id], title=title,
                  alert_created=alert.created, created=now, updated=now)
    out: list[OutboxRecord] = []
    for r in routes:
        if r.outcome == "duplicate":
            continue
        if r.outcome != "deliver":
            out.append(OutboxRecord(key=log_key(group, facts.alert_id, r.subscription), kind="log", state=r.outcome,
                                    subscription=r.subscription, view=r.view, reasons=list(r.reasons), detail=r.detail,
                                    **common))  # type: ignore[arg-type]
            continue
        sub = subs.by_name(r.subscription)
        assert sub is not None, r.subscription
        for index, spec in enumerate(sub.channels):
            channel = sub.channel_name(index)
            out.append(OutboxRecord(
                key=entry_key(group, facts.alert_id, channel), kind="entry", state="waiting", subscription=sub.name,
                channel=channel, channel_type=str(spec["type"]), alerts=[alert.to_dict()],
                group_key=group_key(sub.group, channel, facts), view=r.view, changes=list(r.changes),
                reasons=list(r.reasons), **common,  # type: ignore[arg-type]
            ))
    return out
