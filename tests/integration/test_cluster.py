"""Scale-out and node failure on a local 3-node KRaft cluster (`oreradar broker start --nodes 3`):
two workers share news.raw and one of them stops (SIGTERM, then SIGKILL); one broker node is
SIGKILLed in the middle of a replay. Every item still comes out decided on news.signals."""

from __future__ import annotations

import os
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from oreradar.kafka_admin import ensure_topics, kafka_client_config, wait_for_cluster
from oreradar.local_broker import broker_command
from oreradar.records import NewsItem
from oreradar.settings import Settings
from oreradar.topics import NEWS_RAW, NEWS_SIGNALS
from producers.replay_cli import ReplaySummary, replay_paths
from tests.integration.kafka_helpers import (
    count_keys, free_port_block, keys_on, settings_env, start_oreradar, stop_process, wait_for_members,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _replay(settings: Settings, path: Path) -> ReplaySummary:
    """`oreradar replay` as a function, its metrics in a registry of its own (several per process)."""
    from prometheus_client import CollectorRegistry

    from oreradar.metrics import PipelineMetrics

    return replay_paths(settings, [path], progress=False, metrics=PipelineMetrics(CollectorRegistry()))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = Settings(
        broker_port=free_port_block(6), state_dir=tmp_path_factory.mktemp("cluster-state"), partitions=6,
        broker_heap="256m", consumer_group="cluster", metrics_port=0, session_timeout=6.0,
    )
    broker_command(settings, "start", nodes=3)
    try:
        assert settings.local_nodes == 3, "broker start --nodes 3 records the cluster size"
        wait_for_cluster(settings, timeout=90)
        ensure_topics(settings)
        yield settings
    finally:
        broker_command(settings, "stop", check=False)


def _replay_file(tmp_path: Path, prefix: str, n: int) -> tuple[Path, set[str]]:
    items = [NewsItem(id=f"{prefix}-{i}", source="test", title=f"Kazakhstan raises tungsten output, report {i}")
             for i in range(n)]
    path = tmp_path / "items.jsonl"
    path.write_text("".join(item.to_json().decode() + "\n" for item in items), encoding="utf-8")
    return path, {item.id for item in items}


def _tail(path: Path) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-20:]) if path.exists() else ""


def test_topics_are_replicated_three_times_with_two_in_sync(cluster: Settings) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    admin = KafkaAdminClient(**kafka_client_config(cluster))
    try:
        (raw,) = admin.describe_topics([NEWS_RAW])
        assert {len(p["replica_nodes"]) for p in raw["partitions"]} == {3}
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, NEWS_RAW)])
        assert configs["topic"][NEWS_RAW]["min.insync.replicas"]["value"] == "2"
    finally:
        admin.close()


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_two_workers_share_the_stream_and_one_survives_the_other(
    cluster: Settings, tmp_path: Path, how: signal.Signals
) -> None:
    tag = f"{how.name.lower()}-{uuid.uuid4().hex[:8]}"
    path, ids = _replay_file(tmp_path, tag, 3000)
    env = settings_env(cluster, ORERADAR_CONSUMER_GROUP=tag, ORERADAR_SESSION_TIMEOUT="6")
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [start_oreradar(["worker"], env, log) for log in logs]
    try:
        wait_for_members(cluster, f"{tag}-worker", 2)  # both share the six partitions of news.raw
        summary: list[ReplaySummary] = []
        replay = threading.Thread(target=lambda: summary.append(_replay(cluster, path)))
        replay.start()
        assert count_keys(cluster, NEWS_SIGNALS, f"{tag}-", 300) >= 300, _tail(logs[0])
        workers[0].send_signal(how)
        workers[0].wait(timeout=60)
        replay.join(timeout=120)
        assert summary and summary[0].published == len(ids) and summary[0].failed == 0
        decided = keys_on(cluster, NEWS_SIGNALS, ids, timeout=180)
        assert len(decided) == len(ids), f"{len(ids) - len(decided)} never decided\n{_tail(logs[1])}"
        assert workers[1].poll() is None, _tail(logs[1])
    finally:
        for proc in workers:
            stop_process(proc)


def test_a_broker_node_sigkilled_mid_replay_loses_nothing(cluster: Settings, tmp_path: Path) -> None:
    tag = f"nodekill-{uuid.uuid4().hex[:8]}"
    path, ids = _replay_file(tmp_path, tag, 3000)
    env = settings_env(cluster, ORERADAR_CONSUMER_GROUP=tag, ORERADAR_SESSION_TIMEOUT="6")
    log = tmp_path / "worker.log"
    worker = start_oreradar(["worker"], env, log)
    victim = cluster.state_dir / "kafka" / "node-1" / "broker.pid"
    try:
        wait_for_members(cluster, f"{tag}-worker", 1)
        summary: list[ReplaySummary] = []
        replay = threading.Thread(target=lambda: summary.append(_replay(cluster, path)))
        replay.start()
        assert count_keys(cluster, NEWS_SIGNALS, f"{tag}-", 300) >= 300, _tail(log)
        os.kill(int(victim.read_text()), signal.SIGKILL)
        replay.join(timeout=180)
        assert summary and summary[0].published == len(ids) and summary[0].failed == 0
        decided = keys_on(cluster, NEWS_SIGNALS, ids, timeout=180)
        assert len(decided) == len(ids), f"{len(ids) - len(decided)} never decided\n{_tail(log)}"
    finally:
        stop_process(worker)
        broker_command(cluster, "start", node=1, check=False)  # back to three for whatever runs next
