"""Matching: any value within a field, all fields together, with the reasons spelled out."""

from __future__ import annotations

from datetime import datetime, timezone

from oreradar.records import TrendAlert
from sinks.routing.match import AlertFacts, match
from sinks.routing.model import Match
from tests.unit.routing.helpers import story_alert


def facts(**kw):  # type: ignore[no-untyped-def]
    return AlertFacts.of(story_alert(**kw))


def test_any_value_within_a_field_all_fields_together() -> None:
    spec = Match(countries=["KZ", "UZ"], commodities=["tungsten", "uranium"], min_severity="medium")
    assert match(spec, facts(countries=("UZ", "CN"), commodities=("tungsten",)))
    assert not match(spec, facts(countries=("CN",), commodities=("tungsten",)))
    assert not match(spec, facts(countries=("KZ",), commodities=("copper",)))
    assert not match(spec, facts(severity="low"))


def test_reasons_say_which_values_matched_and_why_not() -> None:
    result = match(Match(countries=["KZ", "UZ"], min_severity="high"), facts(countries=("KZ", "RU"), severity="critical"))
    assert result.reasons == ("countries: KZ", "severity: critical >= high")
    miss = match(Match(countries=["UZ"]), facts(countries=("KZ", "RU")))
    assert miss.reasons == ("countries: the alert has KZ, RU; wanted any of UZ",)


def test_every_field() -> None:
    alert = facts(types=("price",), lang="ru", organizations=("Kazatomprom",), title="Цены на вольфрам выросли")
    assert match(Match(signal_types=["price"], scope=["A"], languages=["ru"], organizations=["Kazatomprom"],
                       keywords=["ВОЛЬФРАМ"]), alert)
    assert not match(Match(scope=["B"]), alert)
    assert not match(Match(languages=["en"]), alert)
    assert not match(Match(keywords=["uranium"]), alert)


def test_empty_match_takes_everything() -> None:
    assert match(Match(), facts()).reasons == ("matches every alert (empty match)",)


def test_trend_alerts_match_on_their_single_values() -> None:
    trend = TrendAlert(alert_id="t1", country="KZ", commodity="uranium", signal_type="disruption",
                       bucket_start=datetime(2026, 12, 5, tzinfo=timezone.utc), count=9, baseline=1.0, p_value=0.001,
                       severity="high")
    assert match(Match(countries=["KZ"], commodities=["uranium"], min_severity="medium"), AlertFacts.of(trend))
    assert not match(Match(organizations=["Kazatomprom"]), AlertFacts.of(trend))
