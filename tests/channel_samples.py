"""Alerts and messages the channel tests deliver (unit and integration share them)."""

from __future__ import annotations

from datetime import datetime, timezone

from oreradar.records import Alert, Amount, Evidence, JoinEvidence, StorySource, TrendAlert
from sinks.channels.base import Message

# '<' and '&' in the title: every format must escape them.
TITLE = "Beijing restricts tungsten exports to Kazakhstan <effective now> & more"


def _span(text: str, concept: str, kind: str, field: str = "title", in_text: str = TITLE) -> Evidence:
    start = in_text.index(text)
    return Evidence(concept=concept, kind=kind, field=field, start=start, end=start + len(text), text=text)  # type: ignore[arg-type]


def story_alert(revision: int = 1, severity: str = "high") -> Alert:
    story_id = "s-0123456789abcdef"
    return Alert(
        id="a1b2c3d4e5f60718",
        relevant=True,
        scope=["A"],
        signal_types=["export_control"],
        countries=["CN", "KZ"],
        commodities=["tungsten"],
        organizations=["MOFCOM"],
        amounts=[Amount(value=12_400_000.0, currency="USD", text="$12.4 million", field="body", start=10, end=23)],
        severity=severity,  # type: ignore[arg-type]
        evidence=[
            _span("restricts", "export_control", "signal_type"),
            _span("tungsten", "tungsten", "commodity"),
            _span("Kazakhstan", "KZ", "country"),
            Evidence(concept="CN", kind="country", field="body", start=0, end=7, text="Beijing"),
        ],
        lang="en",
        title=TITLE,
        url="https://news.example.org/tungsten?id=1&src=rss",
        alert_id=Alert.make_alert_id(story_id, revision),
        story_id=story_id,
        revision=revision,
        sources=[
            StorySource(id="a1b2c3d4e5f60718", source="reuters.example", url="https://news.example.org/tungsten?id=1&src=rss",
                        lang="en", published=datetime(2026, 12, 4, 8, 30, tzinfo=timezone.utc)),
            StorySource(id="9f8e7d6c5b4a3210", source="kapital.example", url="https://kapital.example/ru/1", lang="ru",
                        published=datetime(2026, 12, 4, 7, 55, tzinfo=timezone.utc),
                        join=JoinEvidence(joined_to="a1b2c3d4e5f60718", method="event", score=0.82, countries=["KZ"])),
        ],
        changes=["new source kapital.example (ru)"] if revision > 1 else [],
        created=datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc),
    )


def trend_alert() -> TrendAlert:
    return TrendAlert(
        alert_id="t-42",
        country="KZ",
        commodity="uranium",
        signal_type="disruption",
        bucket_start=datetime(2026, 12, 4, 8, 0, tzinfo=timezone.utc),
        count=9,
        baseline=1.5,
        p_value=0.0004,
        severity="high",
        story_ids=["s-1", "s-2"],
        created=datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc),
    )


def message(*alerts: Alert | TrendAlert, delivery_id: str = "d-7f3a", changes: tuple[str, ...] = ()) -> Message:
    return Message(delivery_id=delivery_id, subscription="kz-desk", alerts=alerts or (story_alert(),), changes=changes)
