"""The outbox engine with an injected clock, a recording channel and an in-memory journal: no sleeps."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry

from oreradar.metrics import DeliveryMetrics
from oreradar.records import Alert
from sinks.channels.base import Delivered, Rejected, RetryLater
from sinks.outbox.admit import admit
from sinks.outbox.engine import Outbox
from sinks.routing.match import AlertFacts
from sinks.routing.model import Subscriptions, parse_subscriptions
from sinks.routing.router import route
from sinks.routing.silences import SilenceStore
from tests.unit.routing.helpers import Clock, MemoryJournal, RecordingChannel, down, story_alert

SUBS = parse_subscriptions("""
subscriptions:
  - name: desk
    match: {countries: [KZ]}
    channels:
      - {type: webhook, url: "http://127.0.0.1:1/hook"}
      - {type: jsonl, path: /tmp/x.jsonl}
  - name: digest
    match: {countries: [KZ], min_severity: low}
    channels: [{type: email, to: [a@example.org]}]
    group: {by: [story], wait: 30s, interval: 10m}
delivery: {max_attempts: 3, backoff: 2s, max_backoff: 1m}
""")
HOOK, FILE, MAIL = "desk/0:webhook", "desk/1:jsonl", "digest/0:email"


class Rig:
    def __init__(self, subs: Subscriptions = SUBS, journal: MemoryJournal | None = None):
        self.clock = Clock()
        self.journal = journal or MemoryJournal()
        self.registry = CollectorRegistry()
        self.channels = {name: RecordingChannel(name, type=name.split(":")[1]) for name in (HOOK, FILE, MAIL)}
        self.outbox = Outbox(subs, dict(self.channels), self.journal, DeliveryMetrics(self.registry), clock=self.clock,
                             rand=lambda: 0.5)
        self.outbox.adopt(0, self.journal.latest(0))

    async def publish(self, alert: Alert) -> None:
        state = self.outbox.partitions[0]
        facts = AlertFacts.of(alert)
        routes = route(SUBS, facts, SilenceStore(), state.last_view, self.clock())
        records = [r for r in admit(alert, facts, routes, SUBS, self.clock()) if not state.has(r.key)]
        for record in records:
            await self.journal.write(0, record)
        self.outbox.applied(0, records)

    async def step_all(self) -> None:
        for name in self.channels:
            await self.outbox.step(name)

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0


async def test_one_channel_down_does_not_hold_back_the_other_and_retries_keep_the_idempotency_key() -> None:
    rig = Rig()
    rig.channels[HOOK].script = [down(), down()]
    await rig.publish(story_alert())
    assert rig.metric("oreradar_outbox_pending", channel="webhook") == 1
    await rig.step_all()
    assert len(rig.channels[FILE].sent) == 1 and len(rig.channels[HOOK].sent) == 1
    rig.clock.advance(1.9)  # back-off after attempt 1: 2s ± 25% with rand=0.5 → exactly 2s
    await rig.outbox.step(HOOK)
    assert len(rig.channels[HOOK].sent) == 1
    rig.clock.advance(0.1)
    await rig.outbox.step(HOOK)
    rig.clock.advance(4)  # after attempt 2: 4s
    await rig.outbox.step(HOOK)
    sent = rig.channels[HOOK].sent
    assert len(sent) == 3 and len({m.delivery_id for m in sent}) == 1
    assert rig.metric("oreradar_deliveries_total", channel="webhook", outcome="delivered") == 1
    assert rig.metric("oreradar_delivery_retries_total", channel="webhook") == 2
    assert rig.metric("oreradar_outbox_pending", channel="webhook") == 0
    assert rig.metric("oreradar_delivery_latency_seconds_count", channel="webhook") == 1
    await rig.outbox.step(HOOK)
    assert len(rig.channels[HOOK].sent) == 3  # delivered: never again


async def test_retry_after_is_honoured() -> None:
    rig = Rig()
    rig.channels[HOOK].script = [RetryLater("429 Too Many Requests", after=90.0)]
    await rig.publish(story_alert())
    next_due = await rig.outbox.step(HOOK)
    assert next_due is not None and (next_due - rig.clock()).total_seconds() == 90.0
    rig.clock.advance(89)
    await rig.outbox.step(HOOK)
    assert len(rig.channels[HOOK].sent) == 1
    rig.clock.advance(1)
    await rig.outbox.step(HOOK)
    assert len(rig.channels[HOOK].sent) == 2


async def test_a_permanent_refusal_is_dead_lettered_with_its_error() -> None:
    rig = Rig()
    rig.channels[HOOK].script = [Rejected("HTTP 404 Not Found")]
    await rig.publish(story_alert())
    await rig.outbox.step(HOOK)
    (dead,) = rig.journal.dead
    assert dead.stage == "deliver" and "HTTP 404" in dead.reason and HOOK in dead.reason
    final = {r.key: r for r in rig.journal.latest()}
    assert any(r.state == "dead_lettered" and "HTTP 404" in r.last_error for r in final.values())
    assert rig.metric("oreradar_deliveries_total", channel="webhook", outcome="dead_lettered") == 1


async def test_out_of_attempts_is_dead_lettered() -> None:
    rig = Rig()
    rig.channels[HOOK].script = [down("timeout")] * 3
    await rig.publish(story_alert())
    for _ in range(4):
        await rig.outbox.step(HOOK)
        rig.clock.advance(60)
    assert len(rig.channels[HOOK].sent) == 3
    assert "gave up after 3 attempts: timeout" in rig.journal.dead[0].reason


async def test_revisions_of_a_story_wait_and_go_out_as_one_message() -> None:
    rig = Rig()
    await rig.publish(story_alert(revision=1))
    rig.clock.advance(10)
    await rig.publish(story_alert(revision=2, countries=("KZ", "UZ"), severity="critical"))
    await rig.outbox.step(MAIL)
    assert rig.channels[MAIL].sent == []
    rig.clock.advance(20)
    await rig.outbox.step(MAIL)
    (message,) = rig.channels[MAIL].sent
    assert [a.revision for a in message.alerts] == [1, 2]  # type: ignore[union-attr]
    assert message.changes == ("severity raised: high → critical",)
    assert rig.metric("oreradar_deliveries_total", channel="email", outcome="grouped") == 1
    # A third revision after the message waits for the group interval, not the first wait.
    rig.clock.advance(60)
    await rig.publish(story_alert(revision=3, severity="low"))
    await rig.outbox.step(MAIL)
    assert len(rig.channels[MAIL].sent) == 1
    rig.clock.advance(540)
    await rig.outbox.step(MAIL)
    assert len(rig.channels[MAIL].sent) == 2


async def test_a_restart_resumes_pending_deliveries_and_never_resends_delivered_ones() -> None:
    first = Rig()
    first.channels[HOOK].script = [down()]
    await first.publish(story_alert())
    await first.step_all()
    # "Restart": a new outbox rebuilt from what the journal holds.
    second = Rig(journal=first.journal)
    await second.step_all()
    assert second.channels[FILE].sent == [] and second.channels[MAIL].sent == []
    second.clock.advance(5)
    await second.outbox.step(HOOK)
    assert len(second.channels[HOOK].sent) == 1
    assert second.channels[HOOK].sent[0].delivery_id == first.channels[HOOK].sent[0].delivery_id
    # Routing the same alert again (offset not committed before the crash) adds nothing.
    await second.publish(story_alert())
    await second.step_all()
    assert len(second.channels[HOOK].sent) == 1 and second.channels[FILE].sent == []


async def test_a_crash_between_forming_a_group_and_marking_its_entries_sends_it_once() -> None:
    journal = MemoryJournal()
    first = Rig(journal=journal)
    await first.publish(story_alert())
    first.clock.advance(30)
    journal.fail_next = lambda record: record.kind == "entry" and record.state == "batched"
    with pytest.raises(ConnectionError):
        await first.outbox.step(MAIL)
    journal.fail_next = None
    second = Rig(journal=journal)
    second.clock.advance(30)
    await second.outbox.step(MAIL)
    await second.outbox.step(MAIL)
    assert len(second.channels[MAIL].sent) == 1


async def test_release_waits_for_the_send_in_flight_to_be_written_down() -> None:
    rig = Rig()
    gate = asyncio.Event()
    channel = rig.channels[HOOK]

    async def slow_send(message):  # type: ignore[no-untyped-def]
        channel.sent.append(message)
        await gate.wait()
        return Delivered()

    channel.send = slow_send  # type: ignore[method-assign]
    await rig.publish(story_alert())
    stepping = asyncio.create_task(rig.outbox.step(HOOK))
    await asyncio.sleep(0)
    releasing = asyncio.create_task(rig.outbox.release(0))
    await asyncio.sleep(0)
    assert not releasing.done()
    gate.set()
    await stepping
    await releasing
    assert any(r.state == "delivered" for r in rig.journal.latest())
    assert 0 not in rig.outbox.partitions


async def test_two_consumer_groups_share_the_topic_but_not_the_state() -> None:
    staging = Rig()
    await staging.publish(story_alert())
    production = Outbox(SUBS, {}, staging.journal, DeliveryMetrics(CollectorRegistry()), group="prod-alerts")
    state = production.adopt(0, staging.journal.latest(0))
    assert state.records == {} and state.last_view("desk", "s-1") is None
