"""One signal through the whole stories stage, as a pure step: what the agent then writes and sends.

    >>> stage = StoryStage(JoinRules.load(), TrendRules(), min_severity="low")
    >>> step = stage.process(signal, received=record_time, now=wall_clock)     # doctest: +SKIP
    >>> step.alerts, step.story_writes, step.story_deletes                    # doctest: +SKIP

The Faust agent (``processors/cluster_stories.py``) and the in-process golden and
evaluation runs call this same step, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from oreradar.records import SEVERITIES, AnyAlert, Signal
from processors.stories.book import Decision, StoryBook, report_key
from processors.stories.config import JoinRules, TrendRules
from processors.stories.features import Lemmatize, default_lemmatize
from processors.stories.trends import TrendBook

__all__ = ["StoryStage", "Step", "wanted", "EXPIRY_STEP"]

EXPIRY_STEP = timedelta(minutes=15)


def wanted(signal: Signal) -> bool:
    """Signals the stage reads: relevant ones, and others that name a commodity or organisation."""
    return signal.relevant or bool(signal.commodities or signal.organizations)


@dataclass
class Step:
    decision: Decision
    alerts: list[AnyAlert] = field(default_factory=list)  # story revision and trend alerts, in order
    story_writes: dict[str, dict[str, Any]] = field(default_factory=dict)  # stories table: key -> entry
    story_deletes: list[str] = field(default_factory=list)  # stories table keys
    trend_writes: dict[str, dict[str, Any]] = field(default_factory=dict)
    trend_deletes: list[str] = field(default_factory=list)
    trends_fired: int = 0


class StoryStage:
    def __init__(self, rules: JoinRules, trend_rules: TrendRules, *, min_severity: str = "low",
                 lemmatize: Lemmatize = default_lemmatize):
        self.book = StoryBook(rules, min_severity=min_severity, lemmatize=lemmatize)
        self.trends = TrendBook(trend_rules)
        self.min_severity = min_severity
        self._expired_at = datetime.min.replace(tzinfo=timezone.utc)

    def load(self, stories: Iterable[tuple[str, Any]], trends: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
        """Rebuild from table entries; returns (key, reason) of every entry that could not be read."""
        return self.book.load(stories) + self.trends.load(trends)

    @property
    def open_stories(self) -> int:
        return sum(1 for story in self.book.stories.values() if not story.latent)

    def process(self, signal: Signal, *, received: datetime, now: datetime) -> Step:
        decision = self.book.add(signal, received=received, now=now)
        step = Step(decision)
        if decision.story_id is not None and decision.story_id in self.book.stories and decision.outcome != "duplicate":
            step.story_writes.update(self.book.stories[decision.story_id].table_entries(only_last=True))
        if decision.alert is not None:
            step.alerts.append(decision.alert)
        if decision.report is not None and signal.relevant and decision.outcome not in ("copy", "duplicate", "ignored"):
            fired, changed = self.trends.observe(decision.report, decision.story_id or "", now=now)
            step.trend_writes.update({key: self.trends.series[key].to_dict() for key in changed})
            for trend in fired:
                if SEVERITIES.index(trend.severity) >= SEVERITIES.index(self.min_severity):
                    step.alerts.append(trend)
                    step.trends_fired += 1
        watermark = self.book.watermark
        if watermark is not None and watermark - self._expired_at >= EXPIRY_STEP:
            # Expiry walks every story and series: every quarter hour of report time is plenty.
            self._expired_at = watermark
            for story in self.book.expire():
                keys = [story.story_id] + [report_key(source.id) for source in story.sources]
                step.story_deletes.extend(keys)
                for key in keys:
                    step.story_writes.pop(key, None)
            step.trend_deletes = self.trends.expire(watermark)
            for key in step.trend_deletes:
                step.trend_writes.pop(key, None)
        return step
