"""Delivery end to end against the real broker and a real local HTTP receiver.

Each test has its own consumer group and a token of its own in its alerts' titles; its
subscriptions match only that token, so tests sharing the session's ``alerts`` topic never
see each other's alerts.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from oreradar.records import Alert, DeadLetter, utc_now
from oreradar.settings import Settings
from oreradar.topics import ALERTS, DELIVERIES, NEWS_DEADLETTER
from oreradar.processes import stop_processes
from sinks.outbox.records import OutboxRecord
from sinks.state_topics import read_topic
from tests.integration.kafka_helpers import consume_topic, settings_env, start_oreradar
from tests.integration.receivers import Receiver
from tests.unit.routing.helpers import story_alert

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def token() -> str:
    return "tok" + uuid.uuid4().hex[:10]


def alert(token: str, story: str, revision: int = 1, **kw: Any) -> Alert:
    return story_alert(f"{token}-{story}", revision, title=f"{token} {kw.pop('title', 'tungsten export ban')}",
                       created=utc_now(), **kw)


def publish(settings: Settings, alerts: list[Alert]) -> None:
    from kafka import KafkaProducer

    from oreradar.kafka_admin import kafka_client_config

    producer = KafkaProducer(acks="all", **kafka_client_config(settings))
    try:
        for a in alerts:
            producer.send(ALERTS, value=a.to_json(), key=a.story_id.encode())
        producer.flush(timeout=30)
    finally:
        producer.close()


class Dispatchers:
    """`oreradar alerts` processes sharing one consumer group and one subscriptions file."""

    def __init__(self, settings: Settings, tmp_path: Path, subs_yaml: str, group: str, **env: str):
        self.subs = tmp_path / "subscriptions.yaml"
        self.subs.write_text(subs_yaml)
        self.group = group
        self.env = settings_env(settings, ORERADAR_CONSUMER_GROUP=group, ORERADAR_SUBSCRIPTIONS_FILE=str(self.subs), **env)
        self.tmp = tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        proc = start_oreradar(["alerts"], self.env, self.tmp / f"alerts-{len(self.procs)}.log")
        self.procs.append(proc)
        return proc

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in sorted(self.tmp.glob("alerts-*.log")))

    def stop_all(self) -> None:
        stop_processes(self.procs)


@pytest.fixture
def dispatchers(kafka_settings: Settings, tmp_path: Path) -> Iterator[Callable[..., Dispatchers]]:
    made: list[Dispatchers] = []

    def make(subs_yaml: str, **env: str) -> Dispatchers:
        d = Dispatchers(kafka_settings, tmp_path, subs_yaml, group="it-" + uuid.uuid4().hex[:8], **env)
        made.append(d)
        return d

    yield make
    for d in made:
        d.stop_all()
        print(d.logs())


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, step: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def delivery_log(settings: Settings, token: str) -> list[OutboxRecord]:
    latest: dict[str, OutboxRecord] = {}
    for value in asyncio.run(read_topic(settings, DELIVERIES)):
        record = OutboxRecord.from_json(value)
        if token in record.title or token in record.story_id:
            latest[record.key] = record
    return list(latest.values())


def cli(settings: Settings, *args: str, group: str = "cli") -> subprocess.CompletedProcess[str]:
    env = settings_env(settings, ORERADAR_CONSUMER_GROUP=group)
    return subprocess.run([sys.executable, "-m", "oreradar", *args], env=env, capture_output=True, text=True, timeout=120)


def test_receiver_down_then_up_is_delivered_once_while_another_channel_delivers_on_time(
    kafka_settings: Settings, dispatchers: Callable[..., Dispatchers], receiver: Receiver, token: str, tmp_path: Path,
) -> None:
    state = {"up": False}
    receiver.secret = b"it-hook-secret"
    receiver.answer = lambda path: (
        (404, {}) if path == "/gone" else (200, {}) if state["up"] else (503, {"Retry-After": "1"})
    )
    out = tmp_path / "desk.jsonl"
    d = dispatchers(f"""
subscriptions:
  - name: desk-{token}
    match: {{keywords: ["{token}"], commodities: [tungsten]}}
    channels:
      - {{type: webhook, url: "{receiver.url}/hook", secret_env: IT_HOOK_SECRET}}
      - {{type: jsonl, path: "{out}"}}
  - name: gone-{token}
    match: {{keywords: ["{token}"], commodities: [uranium]}}
    channels: [{{type: webhook, url: "{receiver.url}/gone"}}]
delivery: {{max_attempts: 30, backoff: 200ms, max_backoff: 1s}}
""", IT_HOOK_SECRET="it-hook-secret")
    d.start()
    first = alert(token, "a")
    publish(kafka_settings, [first, alert(token, "u", commodities=("uranium",))])
    # The file channel delivers while the webhook is still refused.
    wait_until(lambda: out.exists() and first.alert_id in out.read_text(), 60, "the JSONL delivery")
    wait_until(lambda: len(receiver.all("/hook")) >= 2, 30, "retries of the webhook")
    assert not receiver.ok("/hook")
    state["up"] = True
    wait_until(lambda: receiver.ok("/hook"), 30, "the webhook delivery after the receiver came back")
    time.sleep(2)  # anything extra would arrive now
    hooks = receiver.all("/hook")
    assert len(receiver.ok("/hook")) == 1, "delivered once"
    assert len({r.idempotency_key for r in hooks}) == 1, "the same Idempotency-Key on every retry"
    assert all(r.signature_ok for r in hooks), "every attempt signed with the subscription's secret"
    assert "it-hook-secret" not in d.logs()
    assert receiver.ok("/hook")[0].body["alerts"][0]["alert_id"] == first.alert_id
    assert out.read_text().count(first.alert_id) == 1
    # The permanent 404 went to the dead-letter topic with its error, and the log says so.
    dead = consume_topic(kafka_settings, NEWS_DEADLETTER, predicate=lambda r: token.encode() in r.value, timeout=30)
    letter = DeadLetter.from_json(dead[0].value)
    assert letter.stage == "deliver" and "HTTP 404" in letter.reason
    assert len(receiver.all("/gone")) == 1
    states = {(r.channel, r.state) for r in delivery_log(kafka_settings, token) if r.kind == "delivery"}
    assert states == {(f"desk-{token}/0:webhook", "delivered"), (f"desk-{token}/1:jsonl", "delivered"),
                      (f"gone-{token}/0:webhook", "dead_lettered")}
    shown = cli(kafka_settings, "alerts", "log", "--state", "dead_lettered", "--subscription", f"gone-{token}", group=d.group)
    assert "HTTP 404" in shown.stdout, shown.stdout + shown.stderr


def test_sigkill_mid_batch_then_restart_loses_nothing_and_resends_nothing(
    kafka_settings: Settings, dispatchers: Callable[..., Dispatchers], receiver: Receiver, token: str,
) -> None:
    receiver.delay = 0.15
    d = dispatchers(f"""
subscriptions:
  - name: hook-{token}
    match: {{keywords: ["{token}"]}}
    channels: [{{type: webhook, url: "{receiver.url}/hook"}}]
""")
    alerts = [alert(token, f"s{i}") for i in range(24)]
    first = d.start()
    publish(kafka_settings, alerts)
    wait_until(lambda: len(receiver.ok()) >= 5, 60, "the first deliveries")
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = len(receiver.ok())
    assert killed_at < len(alerts), "the kill came too late to test anything"
    d.start()
    wait_until(lambda: len({r.idempotency_key for r in receiver.ok()}) >= len(alerts), 90, "every alert delivered")
    time.sleep(2)
    got = [r.body["alerts"][0]["alert_id"] for r in receiver.ok()]
    assert set(got) == {a.alert_id for a in alerts}, "nothing lost"
    # At most the one send in flight at the kill repeats, and then with the same Idempotency-Key.
    repeats = len(got) - len(set(got))
    assert repeats <= 1, got
    keys = {}
    for r in receiver.ok():
        keys.setdefault(r.body["alerts"][0]["alert_id"], set()).add(r.idempotency_key)
    assert all(len(k) == 1 for k in keys.values())
    log = delivery_log(kafka_settings, token)
    assert sorted(r.state for r in log if r.kind == "delivery") == ["delivered"] * len(alerts)


def test_two_dispatchers_in_one_group_neither_lose_nor_repeat(
    kafka_settings: Settings, dispatchers: Callable[..., Dispatchers], receiver: Receiver, token: str,
) -> None:
    d = dispatchers(f"""
subscriptions:
  - name: hook-{token}
    match: {{keywords: ["{token}"]}}
    channels: [{{type: webhook, url: "{receiver.url}/hook"}}]
""")
    d.start()
    second = d.start()
    time.sleep(6)  # both joined the group
    batch1 = [alert(token, f"a{i}") for i in range(15)]
    publish(kafka_settings, batch1)
    wait_until(lambda: len(receiver.ok()) >= len(batch1), 60, "the first batch")
    # One leaves: its partitions move to the other, which rebuilds their state from Kafka.
    second.send_signal(signal.SIGTERM)
    second.wait(timeout=30)
    batch2 = [alert(token, f"b{i}") for i in range(15)]
    publish(kafka_settings, batch2)
    wait_until(lambda: len(receiver.ok()) >= len(batch1) + len(batch2), 60, "the second batch")
    time.sleep(2)
    got = [r.body["alerts"][0]["alert_id"] for r in receiver.ok()]
    assert sorted(got) == sorted(a.alert_id for a in batch1 + batch2)


def test_silence_and_inhibition_end_to_end(
    kafka_settings: Settings, dispatchers: Callable[..., Dispatchers], token: str, tmp_path: Path,
) -> None:
    out = tmp_path / "out.jsonl"
    d = dispatchers(f"""
subscriptions:
  - name: all-{token}
    match: {{keywords: ["{token}"]}}
    channels: [{{type: jsonl, path: "{out}"}}]
inhibit:
  - name: ban-holds-price-{token}
    source: {{signal_types: [export_control], min_severity: critical, keywords: ["{token}"]}}
    target: {{signal_types: [price]}}
    equal: [commodities]
    for: 1h
""")
    added = cli(kafka_settings, "silence", "add", "--keyword", token, "--country", "UZ", "--author", "ana",
                "--reason", "known story", "--duration", "1h")
    assert added.returncode == 0, added.stderr
    silence_id = added.stdout.split()[0]
    d.start()
    silenced = alert(token, "uz", countries=("UZ",))
    ban = alert(token, "ban", commodities=("gallium",), severity="critical")
    publish(kafka_settings, [silenced, ban])
    wait_until(lambda: out.exists() and ban.alert_id in out.read_text(), 60, "the ban delivered")
    gallium_price = alert(token, "p-ga", commodities=("gallium",), types=("price",))
    copper_price = alert(token, "p-cu", commodities=("copper",), types=("price",))
    publish(kafka_settings, [gallium_price, copper_price])
    wait_until(lambda: copper_price.alert_id in out.read_text(), 60, "the copper price delivered")
    time.sleep(1)
    text = out.read_text()
    assert silenced.alert_id not in text and gallium_price.alert_id not in text
    outcomes = {r.alert_ids[0]: r.state for r in delivery_log(kafka_settings, token) if r.kind == "log"}
    assert outcomes == {silenced.alert_id: "silenced", gallium_price.alert_id: "inhibited"}
    listed = cli(kafka_settings, "silence", "list")
    assert silence_id in listed.stdout and f"inhibit:ban-holds-price-{token}" in listed.stdout
    shown = cli(kafka_settings, "alerts", "log", "--subscription", f"all-{token}", group=d.group)
    # Another consumer group's log does not show this group's deliveries.
    assert "no deliveries" in cli(kafka_settings, "alerts", "log", "--subscription", f"all-{token}").stdout
    assert "silenced" in shown.stdout and "inhibited" in shown.stdout and "known story" in shown.stdout
    # Expired, the silence no longer holds a new alert back.
    assert cli(kafka_settings, "silence", "expire", silence_id).returncode == 0
    time.sleep(1.5)  # the dispatcher tails the silences topic
    later = alert(token, "uz2", countries=("UZ",))
    publish(kafka_settings, [later])
    wait_until(lambda: later.alert_id in out.read_text(), 60, "the alert after the silence expired")


def test_a_subscriptions_file_with_errors_stops_the_dispatcher_with_the_line(
    kafka_settings: Settings, tmp_path: Path,
) -> None:
    bad = tmp_path / "subs.yaml"
    bad.write_text("subscriptions:\n  - name: desk\n    match: {countries: [KZ], min_severity: huge}\n"
                   "    channels: [{type: pager}]\n")
    env = settings_env(kafka_settings, ORERADAR_SUBSCRIPTIONS_FILE=str(bad))
    proc = subprocess.run([sys.executable, "-m", "oreradar", "alerts"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert f"{bad}:3: subscriptions[0] (desk).match.min_severity" in proc.stderr
    assert f"{bad}:4: subscriptions[0] (desk).channels[0]: unknown channel type 'pager'" in proc.stderr
    assert "Traceback" not in proc.stderr
