"""Pairwise scoring of story assignment, on a tiny hand-made set."""

from __future__ import annotations

import json
from pathlib import Path

from oreradar.records import NewsItem, Signal
from processors.stories import JoinRules
from processors.stories.evaluate import evaluate_stories, read_story_set


def classify(item: NewsItem) -> Signal:
    """Gallium items are one export-control event; the antimony ones another, in a family with it."""
    commodity = "gallium" if "gallium" in item.title.lower() or "галл" in item.title.lower() else "antimony"
    return Signal(id=item.id, relevant=True, severity="high", signal_types=["export_control"], countries=["CN"],
                  commodities=[commodity], lang=item.lang, title=item.title, lead=item.body, published=item.published)


def test_pairs_are_scored_by_language_and_look_alike_merges_counted(tmp_path: Path) -> None:
    lines = [
        dict(id="g1", lang="en", title="China curbs gallium exports", event="ga", family="cn"),
        dict(id="g2", lang="ru", title="Китай ограничил экспорт галлия", event="ga", family="cn"),
        dict(id="g3", lang="en", title="Beijing restricts gallium shipments", event="ga", family="cn"),
        dict(id="s1", lang="en", title="China curbs antimony exports", event="sb", family="cn"),
        dict(id="s2", lang="en", title="China limits antimony shipments", event="sb2", family="cn"),
    ]
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps({**d, "body": d["title"], "published": "2025-01-01T00:00:00Z"})
                              for d in lines), encoding="utf-8")
    cases = read_story_set([path])
    report = evaluate_stories(classify, cases, rules=JoinRules.load())
    # ga: 3 reports, one story -> 1 same-language pair (g1,g3) and 2 cross pairs, all found.
    assert (report.same_language_relevant.tp, report.cross_language.tp) == (1, 2)
    # s1 and s2 are different events of one family, joined by the fake's identical entities: a look-alike merge.
    assert report.lookalike_merges == 1 and report.same_language.fp == 1
    assert report.same_language.precision == 0.5 and report.cross_language.f1 == 1.0
    assert "look-alike merges" in report.render() and report.to_dict()["lookalike_merges"] == 1
