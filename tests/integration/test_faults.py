"""Faults against a real broker of this module's own (so 20,000 items do not reach the other
tests' workers): poison records, the broker stopped and started mid-replay, the worker
SIGKILLed mid-replay. Nothing is lost; what cannot be processed is a dead letter or a clear
error at the producer."""

from __future__ import annotations

import json
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from oreradar.kafka_admin import ensure_topics, kafka_client_config
from oreradar.local_broker import broker_command, running_broker
from oreradar.records import DeadLetter, NewsItem
from oreradar.settings import Settings
from oreradar.topics import NEWS_DEADLETTER, NEWS_RAW, NEWS_SIGNALS
from producers.publisher import NewsPublisher
from producers.replay_cli import ReplaySummary, replay_paths
from tests.integration.kafka_helpers import (
    count_keys, free_port_block, keys_on, send_raw, settings_env, start_oreradar, stop_process, wait_for_members,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _replay(settings: Settings, path: Path) -> ReplaySummary:
    """`oreradar replay` as a function, its metrics in a registry of its own (several per process)."""
    from prometheus_client import CollectorRegistry

    from oreradar.metrics import PipelineMetrics

    return replay_paths(settings, [path], progress=False, metrics=PipelineMetrics(CollectorRegistry()))

TOPIC_LIMIT = 600_000  # news.raw's max.message.bytes in this module: a record above it is refused


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    settings = Settings(
        broker_port=free_port_block(2), state_dir=tmp_path_factory.mktemp("faults-state"), partitions=3,
        broker_heap="384m", consumer_group="faults", metrics_port=0, session_timeout=6.0,
    )
    with running_broker(settings):
        ensure_topics(settings)
        admin = KafkaAdminClient(**kafka_client_config(settings))
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, NEWS_RAW,
                                            configs={"max.message.bytes": str(TOPIC_LIMIT)})])
        admin.close()
        yield settings


def _items(tag: str, n: int) -> list[NewsItem]:
    return [NewsItem(id=f"{tag}-{i}", source="test", title=f"Kazakhstan raises tungsten output, report {i}")
            for i in range(n)]


class Worker:
    """One `oreradar worker` of a consumer group, its log kept for the failure message."""

    def __init__(self, settings: Settings, group: str, log: Path):
        self.env = settings_env(settings, ORERADAR_CONSUMER_GROUP=group, ORERADAR_SESSION_TIMEOUT="6")
        self.log = log
        self.proc = start_oreradar(["worker"], self.env, log)

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])


def test_poison_records_are_dead_letters_or_clear_producer_errors(broker: Settings, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    group = f"poison-{tag}"
    worker = Worker(broker, group, tmp_path / "worker.log")
    try:
        # Refused at the producer, with the item named: 5 MB (over the client's request
        # size) and 700 KB (under it, over the topic's limit).
        huge = NewsItem(id=f"huge-{tag}", source="t", title="big", body="x" * 5_000_000)
        over = NewsItem(id=f"over-{tag}", source="t", title="over", body="y" * 700_000)
        big_ok = NewsItem(id=f"bigok-{tag}", source="t", title="China bans gallium exports", body="z " * 250_000)
        with NewsPublisher.connect(broker) as pub:
            for item in (huge, over, big_ok):
                pub.publish(item)
            result = pub.flush()
        assert result.published == 1 and sorted(result.failed_ids) == sorted([huge.id, over.id])
        assert all("TooLarge" in error for error in result.errors), result.errors

        poison = {
            f"types-{tag}": json.dumps({"id": 5, "title": ["not", "a", "string"]}).encode(),
            f"utf8-{tag}": b'{"id": "u", "title": "\xff\xfe bad bytes"}',
            f"deep-{tag}": b"[" * 300_000,
            f"deepfield-{tag}": b'{"id": "d", "title": "t", "extra": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        }
        for key, value in poison.items():
            send_raw(broker, NEWS_RAW, value, key=key.encode())
        after = NewsItem(id=f"after-{tag}", source="t", title="Uzbekistan signs copper offtake")
        send_raw(broker, NEWS_RAW, after.to_json(), key=after.id.encode())

        dead = keys_on(broker, NEWS_DEADLETTER, set(poison), timeout=120)
        reasons = {key: DeadLetter.from_json(record.value).reason for key, record in dead.items()}
        assert set(reasons) == set(poison), worker.tail()
        assert "field 'id'" in reasons[f"types-{tag}"]
        assert "not valid JSON" in reasons[f"utf8-{tag}"]
        assert "nested too deeply" in reasons[f"deep-{tag}"] and "cut to the first" in reasons[f"deep-{tag}"]
        assert "nested too deeply" in reasons[f"deepfield-{tag}"]
        decided = keys_on(broker, NEWS_SIGNALS, {big_ok.id, after.id}, timeout=60)
        assert set(decided) == {big_ok.id, after.id}, "the stream goes on after the poison"
        assert worker.proc.poll() is None, worker.tail()
    finally:
        stop_process(worker.proc)


def test_broker_stopped_and_started_mid_replay_loses_nothing(broker: Settings, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    items = _items(f"restart-{tag}", 3000)
    feed = tmp_path / "items.jsonl"
    feed.write_text("".join(item.to_json().decode() + "\n" for item in items), encoding="utf-8")
    worker = Worker(broker, f"restart-{tag}", tmp_path / "worker.log")
    summary: list[ReplaySummary] = []
    try:
        wait_for_members(broker, f"restart-{tag}-worker", 1)
        replay = threading.Thread(target=lambda: summary.append(_replay(broker, feed)))
        replay.start()
        assert count_keys(broker, NEWS_SIGNALS, f"restart-{tag}-", 300) >= 300, worker.tail()
        broker_command(broker, "stop")
        broker_command(broker, "start")
        replay.join(timeout=240)
        assert summary and summary[0].failed == 0 and summary[0].published == len(items)
        decided = keys_on(broker, NEWS_SIGNALS, {i.id for i in items}, timeout=180)
        assert len(decided) == len(items), f"{len(items) - len(decided)} items never decided\n{worker.tail()}"
    finally:
        stop_process(worker.proc)


def test_worker_sigkilled_mid_replay_of_20000_items_then_restarted(broker: Settings, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    group = f"kill-{tag}"
    items = _items(f"kill-{tag}", 20_000)
    first = Worker(broker, group, tmp_path / "worker-1.log")
    second: Worker | None = None
    try:
        wait_for_members(broker, f"{group}-worker", 1)
        with NewsPublisher.connect(broker) as pub:
            for item in items:
                pub.publish(item)
            assert pub.flush(timeout=120).published == len(items)
        assert count_keys(broker, NEWS_SIGNALS, f"kill-{tag}-", 2000) >= 2000, first.tail()
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(timeout=30)
        second = Worker(broker, group, tmp_path / "worker-2.log")
        decided = keys_on(broker, NEWS_SIGNALS, {i.id for i in items}, timeout=300)
        assert len(decided) == len(items), f"{len(items) - len(decided)} items never decided\n{second.tail()}"
    finally:
        stop_process(first.proc)
        if second is not None:
            stop_process(second.proc)
