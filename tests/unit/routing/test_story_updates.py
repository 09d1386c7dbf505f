"""Story updates per subscriber: later revisions go out only when what they filter on changed."""

from __future__ import annotations

from sinks.routing.diff import describe_changes, view
from sinks.routing.match import AlertFacts
from sinks.routing.model import Match, parse_subscriptions
from sinks.routing.router import route
from sinks.routing.silences import SilenceStore
from tests.unit.routing.helpers import T0, story_alert

SPEC = Match(countries=["KZ", "UZ"], min_severity="medium")


def test_view_keeps_only_what_the_subscriber_filters_on() -> None:
    seen = view(SPEC, AlertFacts.of(story_alert(countries=("KZ", "CN"), severity="high")))
    assert seen == {"countries": ["KZ"], "severity": ["high"]}


def test_changes_are_described_field_by_field() -> None:
    before = view(SPEC, AlertFacts.of(story_alert(countries=("KZ",), severity="medium")))
    after = view(SPEC, AlertFacts.of(story_alert(countries=("KZ", "UZ"), severity="critical")))
    assert describe_changes(before, after) == ["countries: +UZ", "severity raised: medium → critical"]
    assert describe_changes(after, after) == []
    assert describe_changes(None, after) == []


def _routes(subs_yaml: str, alert, last):  # type: ignore[no-untyped-def]
    return route(parse_subscriptions(subs_yaml), AlertFacts.of(alert), SilenceStore(), last, T0)


SUBS = """
subscriptions:
  - name: desk
    match: {countries: [KZ, UZ], min_severity: medium}
    channels: [{type: console}]
  - name: firehose
    updates: all
    channels: [{type: console}]
  - name: first-only
    updates: none
    channels: [{type: console}]
"""


def test_a_revision_that_changes_nothing_they_filter_on_is_unchanged_for_them() -> None:
    rev1 = story_alert(countries=("KZ",), severity="high")
    rev2 = story_alert(revision=2, countries=("KZ", "CN"), severity="high")  # CN: not what the desk filters on
    rev3 = story_alert(revision=3, countries=("KZ", "UZ", "CN"), severity="high")
    views = {r.subscription: r.view for r in _routes(SUBS, rev1, lambda s, story: None)}

    outcomes = {r.subscription: r.outcome for r in _routes(SUBS, rev2, lambda s, story: (1, views[s]))}
    assert outcomes == {"desk": "unchanged", "firehose": "deliver", "first-only": "unchanged"}

    third = {r.subscription: r for r in _routes(SUBS, rev3, lambda s, story: (1, views[s]))}
    assert third["desk"].outcome == "deliver" and third["desk"].changes == ("countries: +UZ",)


def test_the_first_revision_they_match_is_delivered_even_if_it_is_not_revision_one() -> None:
    rev2 = story_alert(revision=2, severity="high")
    assert {r.subscription: r.outcome for r in _routes(SUBS, rev2, lambda s, story: None)}["desk"] == "deliver"


def test_a_revision_routed_already_or_older_than_the_last_one_is_a_duplicate() -> None:
    rev2 = story_alert(revision=2, countries=("KZ", "UZ"), severity="critical")
    last = {"countries": ["KZ"], "severity": ["high"]}
    outcomes = {r.subscription: r.outcome for r in _routes(SUBS, rev2, lambda s, story: (2, last))}
    assert outcomes == {"desk": "duplicate", "firehose": "duplicate", "first-only": "duplicate"}
    assert _routes(SUBS, rev2, lambda s, story: (3, last))[0].outcome == "duplicate"
