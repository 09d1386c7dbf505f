"""Golden alert files: items at virtual times, and the alerts they must raise.

    >>> golden = GoldenFile.load(Path("seeds/golden/gallium.yaml"))         # doctest: +SKIP
    >>> differences = compare_golden(golden, alerts, stories)                # doctest: +SKIP

The format (YAML)::

    name: gallium controls spread
    settings: {alert_min_severity: low}          # optional ORERADAR_* overrides for the run
    items:                                        # published in this order
      - {id: g1, at: 2025-07-03T08:00:00Z, source: Reuters, lang: en, title: ..., body: ...}
    expect:
      stories:
        - name: gallium                           # a label for messages and trends
          items: [g1, g2, g3]                     # every report the story holds (copies and followers too)
          copies: [g3]                            # optional: the reports recorded as copies
          alerts:                                 # its revisions, in order
            - item: g1                            # the report that raised it
              severity: high                      # each field below is checked only when given
              signal_types: [export_control]      # as sets
              countries: [CN]
              commodities: [gallium]
              organizations: [MOFCOM]
              amounts: ["12400000000 USD"]
              changes: ["language +ru"]           # each must be among the revision's changes
      trends:
        - {country: CN, commodity: gallium, signal_type: export_control, stories: [gallium, germanium]}
      unassigned: [g9]                            # optional: items in no alerted story

``at`` sets both ``published`` and ``fetched``: the stories stage reads only report
times, so a replay decides the same whenever it runs. Anything not in ``expect`` is a
difference too: an alert, a story or a trend nobody expected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from oreradar.errors import ConfigError, RecordError
from oreradar.records import Alert, NewsItem, Signal, TrendAlert
from processors.stories.book import assemble
from processors.stories.config import JoinRules, TrendRules
from processors.stories.match import format_amount

__all__ = ["GoldenFile", "ExpectedStory", "ExpectedAlert", "ExpectedTrend", "compare_golden", "simulate_golden",
           "draft_expectations"]

_ALERT_FIELDS = ("severity", "signal_types", "countries", "commodities", "organizations", "amounts")


@dataclass(frozen=True)
class ExpectedAlert:
    item: str
    fields: dict[str, Any]
    changes: list[str]


@dataclass(frozen=True)
class ExpectedStory:
    name: str
    items: list[str]
    copies: list[str] | None
    alerts: list[ExpectedAlert]


@dataclass(frozen=True)
class ExpectedTrend:
    country: str
    commodity: str
    signal_type: str
    stories: list[str]


@dataclass
class GoldenFile:
    path: Path
    name: str
    items: list[NewsItem]
    stories: list[ExpectedStory]
    trends: list[ExpectedTrend]
    unassigned: list[str] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> GoldenFile:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls._parse(path, data)
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read the golden file ({exc})") from exc
        except (KeyError, TypeError, ValueError, AttributeError, RecordError) as exc:
            raise ConfigError(f"{path}: not a golden file: {type(exc).__name__}: {exc}") from exc

    @classmethod
    def _parse(cls, path: Path, data: dict[str, Any]) -> GoldenFile:
        items = []
        for entry in data["items"]:
            entry = dict(entry)
            at = entry.pop("at")
            if "file" in entry:  # a plain-text article (title line, body), e.g. the seed article
                from producers.replay import item_from_text

                text_path = (path.parent / entry.pop("file")).resolve()
                article = item_from_text(text_path.read_text(encoding="utf-8"), source=str(entry.get("source", "golden")))
                entry = {"title": article.title, "body": article.body, **entry}
            when = at if isinstance(at, datetime) else datetime.fromisoformat(str(at).replace("Z", "+00:00"))
            when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when
            items.append(NewsItem.from_dict({"source": "golden", **entry, "published": when.isoformat(),
                                             "fetched": when.isoformat()}))
        ids = [item.id for item in items]  # an id may repeat: an exact duplicate, dropped and counted
        expect = data.get("expect") or {}
        stories = [
            ExpectedStory(
                name=str(s["name"]), items=[str(i) for i in s["items"]],
                copies=None if s.get("copies") is None else [str(i) for i in s["copies"]],
                alerts=[ExpectedAlert(item=str(a["item"]),
                                      fields={k: a[k] for k in _ALERT_FIELDS if k in a},
                                      changes=[str(c) for c in a.get("changes") or []])
                        for a in s.get("alerts") or []],
            )
            for s in expect.get("stories") or []
        ]
        unknown = {i for s in stories for i in s.items} - set(ids)
        if unknown:
            raise ValueError(f"expected stories name items not in the file: {sorted(unknown)}")
        trends = [ExpectedTrend(str(t["country"]), str(t["commodity"]), str(t["signal_type"]),
                                [str(n) for n in t.get("stories") or []]) for t in expect.get("trends") or []]
        return cls(path=path, name=str(data.get("name") or path.stem), items=items, stories=stories, trends=trends,
                   unassigned=[str(i) for i in expect.get("unassigned") or []],
                   settings={str(k): str(v) for k, v in (data.get("settings") or {}).items()})


def _as_set(value: Any) -> set[str]:
    return {str(v) for v in value} if isinstance(value, list) else {str(value)}


def _alert_value(alert: Alert, name: str) -> Any:
    if name == "amounts":
        return [format_amount(a.value, a.currency) for a in alert.amounts]
    return getattr(alert, name)


def compare_golden(
    golden: GoldenFile, alerts: list[Alert | TrendAlert], stories: dict[str, dict[str, Any]]
) -> list[str]:
    """Every difference between what ``golden`` expects and what the run produced.

    ``alerts`` are the records of the run's ``alerts`` topic in order; ``stories`` the
    last entry the stories table held for each story (``Story.to_dict()``), latent and
    expired stories included.
    """
    out: list[str] = []
    story_alerts: dict[str, list[Alert]] = {}
    trend_alerts: list[TrendAlert] = []
    for record in alerts:
        if isinstance(record, TrendAlert):
            trend_alerts.append(record)
        else:
            story_alerts.setdefault(record.story_id, []).append(record)
    # The stories that alerted, with every report they hold (the table knows the copies too).
    members: dict[str, list[str]] = {}
    copies: dict[str, set[str]] = {}
    for sid, revisions in story_alerts.items():
        table_entry = stories.get(sid) or {}
        sources = table_entry.get("sources") or [s.model_dump(mode="json") for s in revisions[-1].sources]
        members[sid] = [s["id"] for s in sources]
        copies[sid] = {s["id"] for s in sources if s.get("copy_of")}
    story_of = {item: sid for sid, items in members.items() for item in items}
    matched: dict[str, str] = {}  # expected name -> story id

    for expected in golden.stories:
        first = expected.items[0]
        found = story_of.get(first)
        if found is None:
            out.append(f"story {expected.name}: no alerted story holds its first item {first}")
            continue
        sid = found
        if sid in matched.values():
            other = next(n for n, s in matched.items() if s == sid)
            out.append(f"story {expected.name}: merged with story {other} (both in {sid})")
        matched[expected.name] = sid
        for item in expected.items:
            if item not in members[sid]:
                where = story_of.get(item)
                out.append(f"story {expected.name}: item {item} expected in it, found "
                           + (f"in another story {where}" if where else "in no alerted story"))
        for item in members[sid]:
            if item not in expected.items:
                out.append(f"story {expected.name}: item {item} joined it unexpectedly")
        if expected.copies is not None and set(expected.copies) != copies[sid]:
            out.append(f"story {expected.name}: copies {sorted(copies[sid])}, expected {sorted(expected.copies)}")
        revisions = sorted(story_alerts[sid], key=lambda a: a.revision)
        if [a.revision for a in revisions] != list(range(1, len(revisions) + 1)):
            out.append(f"story {expected.name}: revisions {[a.revision for a in revisions]} are not 1..n")
        if len(revisions) != len(expected.alerts):
            out.append(f"story {expected.name}: {len(revisions)} alerts (raised by "
                       f"{[a.id for a in revisions]}), expected {len(expected.alerts)} "
                       f"(raised by {[a.item for a in expected.alerts]})")
        for number, (want, got) in enumerate(zip(expected.alerts, revisions), start=1):
            where = f"story {expected.name} revision {number}"
            if got.id != want.item:
                out.append(f"{where}: raised by {got.id}, expected {want.item}")
            for name, value in want.fields.items():
                actual = _alert_value(got, name)
                same = _as_set(value) == _as_set(actual) if name != "severity" else str(value) == str(actual)
                if not same:
                    out.append(f"{where}: {name} {actual}, expected {value}")
            for change in want.changes:
                if change not in got.changes:
                    out.append(f"{where}: change {change!r} missing (changes: {got.changes})")

    for sid, items in members.items():
        if sid not in matched.values():
            out.append(f"unexpected story {sid} with items {items}")
    for item in golden.unassigned:
        if item in story_of:
            out.append(f"item {item}: expected in no alerted story, found in {story_of[item]}")

    name_of = {sid: name for name, sid in matched.items()}
    remaining = list(trend_alerts)
    for wanted_trend in golden.trends:
        hit = next((t for t in remaining if (t.country, t.commodity, t.signal_type)
                    == (wanted_trend.country, wanted_trend.commodity, wanted_trend.signal_type)), None)
        label = f"trend {wanted_trend.country}/{wanted_trend.commodity}/{wanted_trend.signal_type}"
        if hit is None:
            out.append(f"{label}: expected, not raised")
            continue
        remaining.remove(hit)
        got_names = sorted(name_of.get(s, s) for s in hit.story_ids)
        if wanted_trend.stories and got_names != sorted(wanted_trend.stories):
            out.append(f"{label}: stories {got_names}, expected {sorted(wanted_trend.stories)}")
    for trend in remaining:
        out.append(f"unexpected trend {trend.country}/{trend.commodity}/{trend.signal_type} "
                   f"({trend.count} reports at {trend.bucket_start.isoformat()})")
    return out


def simulate_golden(
    golden: GoldenFile,
    classify: Callable[[NewsItem], Signal],
    *,
    rules: JoinRules | None = None,
    trend_rules: TrendRules | None = None,
    min_severity: str | None = None,
) -> tuple[list[Alert | TrendAlert], dict[str, dict[str, Any]]]:
    """The file's run without a broker: the worker's own steps in order (for unit tests and drafting).

    ``oreradar replay --golden`` is the real thing; this is the same logic minus Kafka.
    """
    from processors.handle_raw import handle_raw
    from processors.stories.stage import StoryStage, wanted

    stage = StoryStage(rules or JoinRules.load(), trend_rules or TrendRules(),
                       min_severity=min_severity or golden.settings.get("alert_min_severity", "low"))
    alerts: list[Alert | TrendAlert] = []
    entries: dict[str, dict[str, Any]] = {}
    for item in golden.items:
        signal = handle_raw(item.to_json(), classify).signal
        if signal is None or not wanted(signal):
            continue
        when = item.published or item.fetched
        step = stage.process(signal, received=when, now=when)
        alerts.extend(step.alerts)
        entries.update(step.story_writes)  # expired stories stay: the file is judged on all it did
    stories, _ = assemble(entries.items())
    return alerts, stories


def draft_expectations(alerts: list[Alert | TrendAlert], stories: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """An ``expect`` section describing what a run did, for a person to check before it becomes golden."""
    out: dict[str, Any] = {"stories": [], "trends": []}
    names: dict[str, str] = {}
    by_story: dict[str, list[Alert]] = {}
    for record in alerts:
        if isinstance(record, Alert):
            by_story.setdefault(record.story_id, []).append(record)
    for number, (sid, revisions) in enumerate(by_story.items(), start=1):
        names[sid] = f"story{number}"
        sources = (stories.get(sid) or {}).get("sources") or []
        out["stories"].append({
            "name": names[sid], "items": [s["id"] for s in sources],
            "copies": [s["id"] for s in sources if s.get("copy_of")],
            "alerts": [{"item": a.id, "severity": a.severity, "signal_types": a.signal_types,
                        "countries": a.countries, "commodities": a.commodities,
                        "amounts": [format_amount(x.value, x.currency) for x in a.amounts],
                        "changes": a.changes} for a in revisions],
        })
    for record in alerts:
        if isinstance(record, TrendAlert):
            out["trends"].append({"country": record.country, "commodity": record.commodity,
                                  "signal_type": record.signal_type,
                                  "stories": [names.get(s, s) for s in record.story_ids]})
    return out
