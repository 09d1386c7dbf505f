"""The dispatcher's batch step with its seams injected: offsets, dead letters, duplicates, inhibitions."""

from __future__ import annotations

from collections import namedtuple

from prometheus_client import CollectorRegistry

from oreradar.metrics import DeliveryMetrics, PipelineMetrics
from oreradar.records import Alert
from sinks.dispatch_alerts import Dispatcher
from sinks.outbox.engine import Outbox
from sinks.routing.model import parse_subscriptions
from sinks.routing.silences import Silence, SilenceStore
from tests.unit.routing.helpers import Clock, MemoryJournal, RecordingChannel, story_alert

TP = namedtuple("TP", "topic partition")
Record = namedtuple("Record", "topic partition offset key value")

SUBS = parse_subscriptions("""
subscriptions:
  - name: desk
    match: {countries: [KZ]}
    channels: [{type: webhook, url: "http://127.0.0.1:1/"}]
  - name: prices
    match: {signal_types: [price]}
    channels: [{type: console}]
inhibit:
  - name: ban-holds-price
    source: {signal_types: [export_control], min_severity: critical}
    target: {signal_types: [price]}
    equal: [commodities]
""")


class Journal(MemoryJournal):
    def __init__(self) -> None:
        super().__init__()
        self.silences: list[Silence] = []

    async def silence(self, silence: Silence) -> None:
        self.silences.append(silence)


def rig():  # type: ignore[no-untyped-def]
    registry = CollectorRegistry()
    journal = Journal()
    clock = Clock()
    channels = {"desk/0:webhook": RecordingChannel("desk/0:webhook"), "prices/0:console": RecordingChannel("prices/0:console", "console")}
    outbox = Outbox(SUBS, dict(channels), journal, DeliveryMetrics(registry), clock=clock)
    outbox.adopt(0, [])
    silences = SilenceStore()
    dispatcher = Dispatcher(SUBS, outbox, silences, journal, DeliveryMetrics(CollectorRegistry()),
                            PipelineMetrics(registry), clock=clock)
    return dispatcher, journal, registry, silences


def rec(alert: Alert | bytes, offset: int, partition: int = 0) -> Record:
    value = alert if isinstance(alert, bytes) else alert.to_json()
    return Record("alerts", partition, offset, b"k", value)


async def test_offsets_to_commit_follow_the_records_and_bad_ones_are_dead_lettered() -> None:
    dispatcher, journal, registry, _ = rig()
    offsets = await dispatcher.handle_batch({TP("alerts", 0): [rec(story_alert(), 4), rec(b"{not json", 5)]})
    assert offsets == {TP("alerts", 0): 6}
    assert [(r.kind, r.state, r.channel) for _, r in journal.records] == [("entry", "waiting", "desk/0:webhook")]
    (dead,) = journal.dead
    assert dead.stage == "dispatch" and dead.offset == 5 and "not valid JSON" in dead.reason
    assert registry.get_sample_value("oreradar_dropped_total", {"stage": "dispatch", "reason": "invalid_record"}) == 1


async def test_a_revoked_partition_is_skipped_and_not_committed() -> None:
    dispatcher, journal, _, _ = rig()
    assert await dispatcher.handle_batch({TP("alerts", 1): [rec(story_alert(), 0, partition=1)]}) == {}
    assert journal.records == []


async def test_an_alert_read_twice_adds_nothing_the_second_time() -> None:
    dispatcher, journal, _, _ = rig()
    alert = story_alert()
    await dispatcher.handle_batch({TP("alerts", 0): [rec(alert, 0)]})
    written = len(journal.records)
    await dispatcher.handle_batch({TP("alerts", 0): [rec(alert, 0)]})
    assert len(journal.records) == written == 1


async def test_two_revisions_in_one_batch_see_each_other() -> None:
    dispatcher, journal, _, _ = rig()
    rev1 = story_alert(countries=("KZ",))
    rev2 = story_alert(revision=2, countries=("KZ", "CN"))  # the desk filters on KZ only: unchanged for it
    await dispatcher.handle_batch({TP("alerts", 0): [rec(rev1, 0), rec(rev2, 1)]})
    assert [(r.kind, r.state) for _, r in journal.records] == [("entry", "waiting"), ("log", "unchanged")]


async def test_an_inhibition_is_written_and_applies_within_the_same_batch() -> None:
    dispatcher, journal, _, silences = rig()
    ban = story_alert(story="ban", countries=("CN",), commodities=("gallium",), severity="critical")
    price = story_alert(story="px", countries=("CN",), commodities=("gallium",), types=("price",))
    await dispatcher.handle_batch({TP("alerts", 0): [rec(ban, 0), rec(price, 1)]})
    assert [s.rule for s in journal.silences] == ["ban-holds-price"]
    assert [(r.kind, r.state, r.subscription) for _, r in journal.records] == [("log", "inhibited", "prices")]
    assert silences.get(journal.silences[0].id) is not None


async def test_a_trend_alert_is_routed_on_its_single_values() -> None:
    from datetime import datetime, timezone

    from oreradar.records import TrendAlert

    dispatcher, journal, _, _ = rig()
    trend = TrendAlert(alert_id="t-1", country="KZ", commodity="uranium", signal_type="disruption",
                       bucket_start=datetime(2026, 12, 5, tzinfo=timezone.utc), count=9, baseline=1.0, p_value=0.001)
    await dispatcher.handle_batch({TP("alerts", 0): [Record("alerts", 0, 0, b"t", trend.to_json())]})
    (record,) = [r for _, r in journal.records]
    assert (record.kind, record.channel, record.story_id) == ("entry", "desk/0:webhook", "t-1")
    assert record.title == "trend: disruption KZ uranium"
