"""Pairwise precision/recall/F1 of story assignment against an evaluation set.

    >>> report = evaluate_stories(classify, items)        # doctest: +SKIP
    >>> print(report.render())                            # doctest: +SKIP

An evaluation line is a NewsItem plus ``event`` (reports of one event share it) and
``family`` (events that look alike and must stay apart share it; may be null). Items are
fed to a fresh :class:`StoryBook` in published order, as the stream would. Every pair of
items is a positive when they share an event, and predicted positive when they ended in
the same story; an item the classifier finds not relevant is in no story, so its pairs
count as missed unless it follows a story (close match, see StoryBook.add). Pairs are scored apart for same-language and cross-language pairs;
look-alike merges are pairs of different events of one family put in one story.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import combinations
from pathlib import Path
from typing import Any

from oreradar.errors import RecordError
from oreradar.records import NewsItem, Signal
from processors.classifier.evaluate import PRF
from processors.stories.book import StoryBook
from processors.stories.config import JoinRules

__all__ = ["StoryCase", "PairScore", "StoryEvalReport", "read_story_set", "evaluate_stories"]


@dataclass(frozen=True)
class StoryCase:
    item: NewsItem
    event: str
    family: str | None


def read_story_set(paths: Iterable[Path]) -> list[StoryCase]:
    cases: list[StoryCase] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                event, family = data.pop("event"), data.pop("family", None)
                cases.append(StoryCase(NewsItem.from_dict(data), str(event), family))
            except (json.JSONDecodeError, KeyError, RecordError) as exc:
                raise RecordError(f"{path}:{number}: not a story evaluation line ({exc})") from exc
    return cases


@dataclass
class PairScore(PRF):
    """Pairwise counts; recall and F1 as the classifier's evaluation computes them."""

    @property
    def precision(self) -> float:
        # No pair predicted is no false merge: precision 1, what recall does not cover.
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class StoryEvalReport:
    items: int = 0
    events: int = 0
    not_relevant: int = 0
    stories: int = 0
    same_language: PairScore = field(default_factory=PairScore)
    cross_language: PairScore = field(default_factory=PairScore)
    # The same, over pairs of items the classifier found relevant: the stage's own share.
    same_language_relevant: PairScore = field(default_factory=PairScore)
    cross_language_relevant: PairScore = field(default_factory=PairScore)
    lookalike_merges: int = 0
    lookalike_pairs: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # wrong pairs, for tuning by eye

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": self.items, "events": self.events, "not_relevant": self.not_relevant, "stories": self.stories,
            "same_language": self.same_language.to_dict(), "cross_language": self.cross_language.to_dict(),
            "same_language_relevant": self.same_language_relevant.to_dict(),
            "cross_language_relevant": self.cross_language_relevant.to_dict(),
            "lookalike_merges": self.lookalike_merges,
            "lookalike_pairs": [list(p) for p in self.lookalike_pairs],
        }

    def render(self) -> str:
        lines = [f"story evaluation: {self.items} items, {self.events} events, {self.stories} stories predicted, "
                 f"{self.not_relevant} items the classifier found not relevant (they can only follow a story)",
                 f"{'pairs':<16}{'tp':>6}{'fp':>6}{'fn':>6}{'precision':>11}{'recall':>9}{'F1':>8}"]
        for name, score in (("same language", self.same_language), ("cross language", self.cross_language),
                            ("same, relevant", self.same_language_relevant),
                            ("cross, relevant", self.cross_language_relevant)):
            lines.append(f"{name:<16}{score.tp:>6}{score.fp:>6}{score.fn:>6}{score.precision:>11.3f}"
                         f"{score.recall:>9.3f}{score.f1:>8.3f}")
        lines.append(f"look-alike merges (different events of one family in one story): {self.lookalike_merges}")
        lines.extend(f"  merged look-alikes: {a} + {b}" for a, b in self.lookalike_pairs)
        return "\n".join(lines)


def evaluate_stories(
    classify: Callable[[NewsItem], Signal],
    cases: list[StoryCase],
    *,
    rules: JoinRules | None = None,
    prepare: Callable[[NewsItem, Signal], Signal] | None = None,
) -> StoryEvalReport:
    """``prepare`` turns the classifier's signal into what the stream carries (the worker's handle_raw step)."""
    book = StoryBook(rules or JoinRules.load(), min_severity="low")
    far_past = datetime(1970, 1, 1, tzinfo=timezone.utc)
    ordered = sorted(cases, key=lambda c: (c.item.published or far_past, c.item.id))
    story_of: dict[str, str] = {}
    relevant: set[str] = set()
    report = StoryEvalReport(items=len(cases), events=len({c.event for c in cases}))
    for case in ordered:
        signal = classify(case.item)
        if prepare is not None:
            signal = prepare(case.item, signal)
        if not signal.relevant:
            report.not_relevant += 1
        else:
            relevant.add(case.item.id)
        when = case.item.published or case.item.fetched
        decision = book.add(signal, received=when, now=when)
        if decision.story_id is not None:
            story_of[case.item.id] = decision.story_id
    report.stories = len({sid for sid in story_of.values() if sid in book.stories and not book.stories[sid].latent})
    for a, b in combinations(ordered, 2):
        same_event = a.event == b.event
        predicted = a.item.id in story_of and story_of.get(a.item.id) == story_of.get(b.item.id)
        same_lang = (a.item.lang or "") == (b.item.lang or "")
        scores = [report.same_language if same_lang else report.cross_language]
        if a.item.id in relevant and b.item.id in relevant:
            scores.append(report.same_language_relevant if same_lang else report.cross_language_relevant)
        if same_event and predicted:
            for score in scores:
                score.tp += 1
        elif predicted:
            for score in scores:
                score.fp += 1
            report.errors.append(f"FP {a.item.id} ~ {b.item.id}")
            if a.family is not None and a.family == b.family:
                report.lookalike_merges += 1
                report.lookalike_pairs.append((a.item.id, b.item.id))
        elif same_event:
            for score in scores:
                score.fn += 1
            report.errors.append(f"FN {a.item.id} ~ {b.item.id}")
    return report
