"""Silences hold back what they match while active; inhibition rules make silences from source alerts."""

from __future__ import annotations

from datetime import timedelta

from sinks.routing.inhibit import inhibitions_from
from sinks.routing.match import AlertFacts
from sinks.routing.model import Match, parse_subscriptions
from sinks.routing.router import route
from sinks.routing.silences import Silence, SilenceStore
from tests.unit.routing.helpers import T0, story_alert

SUBS = parse_subscriptions("""
subscriptions:
  - name: kz-desk
    match: {countries: [KZ]}
    channels: [{type: console}]
  - name: prices
    match: {signal_types: [price]}
    channels: [{type: console}]
inhibit:
  - name: ban-holds-price
    source: {signal_types: [export_control], min_severity: critical}
    target: {signal_types: [price]}
    equal: [commodities]
    for: 6h
""")


def outcomes(alert, store, now=T0):  # type: ignore[no-untyped-def]
    return {r.subscription: r.outcome for r in route(SUBS, AlertFacts.of(alert), store, lambda s, story: None, now)}


def test_a_silence_holds_back_what_it_matches_until_it_ends_or_is_expired() -> None:
    store = SilenceStore()
    silence = Silence.create(Match(countries=["KZ"], signal_types=["export_control"]), duration=timedelta(hours=2),
                             author="ana", reason="known story", now=T0)
    store.put(silence)
    alert = story_alert(countries=("KZ",))
    assert outcomes(alert, store) == {"kz-desk": "silenced"}
    assert outcomes(story_alert(countries=("KZ",), types=("investment",)), store) == {"kz-desk": "deliver"}
    assert outcomes(alert, store, now=T0 + timedelta(hours=2)) == {"kz-desk": "deliver"}
    store.put(silence.expired(T0 + timedelta(minutes=5)))
    assert outcomes(alert, store, now=T0 + timedelta(minutes=6)) == {"kz-desk": "deliver"}


def test_a_silence_can_name_subscriptions() -> None:
    store = SilenceStore()
    store.put(Silence.create(Match(), duration=timedelta(hours=1), author="ana", reason="r", subscriptions=["prices"], now=T0))
    alert = story_alert(countries=("KZ",), types=("price",))
    assert outcomes(alert, store) == {"kz-desk": "deliver", "prices": "silenced"}


def test_critical_export_control_holds_back_price_alerts_on_the_same_commodity_for_the_window() -> None:
    ban = story_alert(story="ban", countries=("CN",), commodities=("gallium", "germanium"), severity="critical")
    made = inhibitions_from(SUBS.inhibit, AlertFacts.of(ban), ban.created)
    assert len(made) == 1 and made[0].matchers.commodities == ["gallium", "germanium"]
    store = SilenceStore()
    store.put(made[0])
    gallium_price = story_alert(story="p1", countries=("CN",), commodities=("gallium",), types=("price",))
    copper_price = story_alert(story="p2", countries=("CN",), commodities=("copper",), types=("price",))
    assert outcomes(gallium_price, store) == {"prices": "inhibited"}
    assert outcomes(copper_price, store) == {"prices": "deliver"}
    assert outcomes(gallium_price, store, now=T0 + timedelta(hours=6)) == {"prices": "deliver"}
    # The ban itself (and another ban that is also a price story) is never held back by its own rule.
    both = story_alert(story="b2", countries=("CN",), commodities=("gallium",), types=("export_control", "price"),
                       severity="critical")
    assert outcomes(both, store)["prices"] == "deliver"


def test_a_non_critical_ban_starts_no_inhibition_and_ids_are_stable() -> None:
    soft = story_alert(countries=("CN",), severity="high")
    assert inhibitions_from(SUBS.inhibit, AlertFacts.of(soft), soft.created) == []
    ban = story_alert(severity="critical")
    first = inhibitions_from(SUBS.inhibit, AlertFacts.of(ban), ban.created)
    again = inhibitions_from(SUBS.inhibit, AlertFacts.of(ban), ban.created)
    assert first[0].id == again[0].id
