"""Alertmanager channel: push alerts to an existing Alertmanager (``POST /api/v2/alerts``).

For organisations whose on-call already routes through Alertmanager: each alert of the
message becomes one Alertmanager alert, and Alertmanager's own routes, grouping and
receivers take it from there.

Labels are what Alertmanager routes and de-duplicates on, so they name the *story*, not
the revision: a revision updates the same Alertmanager alert instead of opening another.

    alertname     OreradarStory | OreradarTrend
    severity      low | medium | high | critical
    story_id      (story alerts)
    signal_types, countries, commodities    sorted, comma-joined
    subscription  the oreradar subscription that routed it
    + the spec's static ``labels`` (e.g. team), which never override the ones above

A news event has no "resolved" moment, so ``endsAt`` = now + ``resolve_after`` (1h by
default): the alert fires, is routed, and resolves on its own instead of firing forever.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

import httpx

from oreradar.records import Alert, AnyAlert
from sinks.channels.base import DeliveryResult, Message
from sinks.channels.outcome import post
from sinks.channels.render import changes_of, evidence_line, message_changes, evidence_of, source_lines, summary_line, title_of

__all__ = ["AlertmanagerChannel", "postable_alerts"]

_ANNOTATION_LIMIT = 4000  # keep each annotation readable in Alertmanager's UI and receivers


def postable_alerts(
    message: Message, *, now: float, resolve_after: float, static_labels: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The JSON body of ``POST /api/v2/alerts`` for this message."""
    ends_at = _rfc3339(datetime.fromtimestamp(now + resolve_after, tz=timezone.utc))
    out = []
    for alert in message.alerts:
        labels = {**(static_labels or {}), **_labels(alert, message.subscription)}
        entry: dict[str, Any] = {
            "labels": {k: v for k, v in labels.items() if v},  # an empty label is no label to Alertmanager
            "annotations": _annotations(message, alert),
            "startsAt": _rfc3339(alert.created),
            "endsAt": ends_at,
        }
        if isinstance(alert, Alert) and alert.url and alert.url.startswith(("http://", "https://")):
            entry["generatorURL"] = alert.url
        out.append(entry)
    return out


def _labels(alert: AnyAlert, subscription: str) -> dict[str, str]:
    if isinstance(alert, Alert):
        return {
            "alertname": "OreradarStory",
            "severity": alert.severity or "",
            "story_id": alert.story_id,
            "signal_types": ",".join(sorted(alert.signal_types)),
            "countries": ",".join(sorted(alert.countries)),
            "commodities": ",".join(sorted(alert.commodities)),
            "subscription": subscription,
        }
    return {
        "alertname": "OreradarTrend",
        "severity": alert.severity,
        "signal_types": alert.signal_type,
        "countries": alert.country,
        "commodities": alert.commodity,
        "subscription": subscription,
    }


def _annotations(message: Message, alert: AnyAlert) -> dict[str, str]:
    notes = {
        "title": title_of(alert),
        "summary": summary_line(alert),
        "alert_id": alert.alert_id,
        "evidence": "\n".join(evidence_line(ev) for ev in evidence_of(alert)),
        "changes": "\n".join([*message_changes(message), *changes_of(alert)]),
        "sources": "\n".join(f"{desc} {url or ''}".strip() for desc, url in source_lines(alert)),
    }
    if isinstance(alert, Alert):
        notes["url"] = alert.url or ""
        notes["revision"] = str(alert.revision)
    return {k: v[:_ANNOTATION_LIMIT] for k, v in notes.items() if v}


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AlertmanagerChannel:
    type = "alertmanager"

    def __init__(self, url: str, http: httpx.AsyncClient, *, resolve_after: float = 3600.0,
                 labels: Mapping[str, str] | None = None, name: str | None = None,
                 clock: Callable[[], float] = time.time):
        self._endpoint = url.rstrip("/") + "/api/v2/alerts"
        self._http = http
        self._resolve_after = resolve_after
        self._labels = dict(labels or {})
        self._clock = clock
        self.name = name or f"alertmanager:{httpx.URL(url).host}"

    def __repr__(self) -> str:
        return f"<AlertmanagerChannel {self.name}>"

    async def send(self, message: Message) -> DeliveryResult:
        body = postable_alerts(message, now=self._clock(), resolve_after=self._resolve_after, static_labels=self._labels)
        return await post(self._http, self._endpoint, json=body, clock=self._clock)

    async def aclose(self) -> None:
        """The HTTP client is shared and owned by whoever built the channels."""
