"""`oreradar eval --stories` on the shipped evaluation set, and `oreradar stories`'s listing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from oreradar.cli import cli
from processors import stories_cli


def test_story_evaluation_meets_the_targets() -> None:
    result = CliRunner().invoke(cli, ["eval", "--stories", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output[result.output.index("{"):])
    assert figures["events"] >= 60
    assert figures["same_language"]["f1"] >= 0.9
    assert figures["cross_language"]["f1"] >= 0.75
    assert figures["lookalike_merges"] == 0


def test_stories_listing_shows_sources_lead_times_and_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    story: dict[str, Any] = {
        "story_id": "s-1", "opened": "2025-03-03T08:00:00+00:00", "revision": 2, "severity": "critical",
        "signal_types": ["export_control"], "countries": ["CN"], "commodities": ["gallium"], "relevant": 2,
        "reports": [{"id": "a", "title": "China curbs gallium exports"}, {"id": "b", "title": "Китай ограничил экспорт галлия"}],
        "sources": [
            {"id": "a", "source": "Reuters", "lang": "en", "published": "2025-03-03T08:00:00+00:00", "join": None},
            {"id": "b", "source": "Интерфакс", "lang": "ru", "published": "2025-03-03T11:30:00+00:00",
             "join": {"joined_to": "a", "method": "event", "score": 0.71, "commodities": ["gallium"],
                      "countries": ["CN"], "organizations": [], "signal_types": ["export_control"], "amounts": [],
                      "terms": []}},
        ],
    }
    monkeypatch.setattr(stories_cli, "story_state", lambda settings, **kw: {"s-1": story})
    out = CliRunner().invoke(cli, ["stories"]).output
    assert "s-1  rev 2  CRITICAL  export_control  CN  gallium" in out
    assert "+3h30m  ru  Интерфакс: Китай ограничил экспорт галлия" in out
    assert "event, score 0.71 vs a; commodities gallium; countries CN" in out
    as_json = json.loads(CliRunner().invoke(cli, ["stories", "--json"]).output)
    assert [s["lead_seconds"] for s in as_json["sources"]] == [0, 12600] and "reports" not in as_json
