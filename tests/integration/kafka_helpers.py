"""Small helpers for tests that talk to the real local broker."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from oreradar.kafka_admin import kafka_client_config, producer_config
from oreradar.records import NewsItem
from oreradar.settings import PACKAGE_ROOT, Settings
from oreradar.processes import stop_processes

__all__ = [
    "free_port", "consume_topic", "send_raw", "settings_env", "start_oreradar", "keys_on", "scrape", "stop_process",
    "start_module", "free_port_block", "count_keys", "group_members", "wait_for_members", "write_items", "group_progress",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def consume_topic(
    settings: Settings,
    topic: str,
    *,
    min_records: int = 1,
    timeout: float = 60.0,
    predicate: Callable[[Any], bool] | None = None,
) -> list[Any]:
    """Records of ``topic`` from the beginning that satisfy ``predicate``; waits for ``min_records``."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic, auto_offset_reset="earliest", enable_auto_commit=False, **kafka_client_config(settings))
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and len(found) < min_records:
            for batch in consumer.poll(timeout_ms=500).values():
                found.extend(r for r in batch if predicate is None or predicate(r))
    finally:
        consumer.close()
    return found


def send_raw(settings: Settings, topic: str, value: bytes | None, key: bytes | None = None) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(**producer_config(settings))
    try:
        producer.send(topic, value=value, key=key).get(timeout=30)
    finally:
        producer.close()


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a child `oreradar` process needs to see the same settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORERADAR_")}
    env.update(
        ORERADAR_BROKER_PORT=str(settings.broker_port),
        ORERADAR_STATE_DIR=str(settings.state_dir),
        ORERADAR_CONSUMER_GROUP=settings.consumer_group,
        ORERADAR_PARTITIONS=str(settings.partitions),
        ORERADAR_METRICS_PORT="0",
        ORERADAR_SESSION_TIMEOUT=str(settings.session_timeout),
    )
    if settings.kafka_bootstrap:
        env["ORERADAR_KAFKA_BOOTSTRAP"] = settings.kafka_bootstrap
    if settings.alerts_file:
        env["ORERADAR_ALERTS_FILE"] = str(settings.alerts_file)
    env.update(extra)
    return env


def start_oreradar(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("wb")
    return subprocess.Popen([sys.executable, "-m", "oreradar", *args], env=env, stdout=log, stderr=subprocess.STDOUT)


def keys_on(settings: Settings, topic: str, wanted: set[str], *, timeout: float = 120.0) -> dict[str, Any]:
    """The first record of each wanted key on ``topic`` (from the beginning); returns what came in time."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic, auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_bytes=32 * 1024 * 1024,
        **kafka_client_config(settings),
    )
    found: dict[str, Any] = {}
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not wanted.issubset(found):
            for batch in consumer.poll(timeout_ms=500).values():
                for record in batch:
                    key = record.key.decode("utf-8", "replace") if record.key else ""
                    if key in wanted:
                        found.setdefault(key, record)
    finally:
        consumer.close()
    return found


def scrape(port: int, timeout: float = 10.0) -> str:
    """The /metrics text of a process (empty when it does not answer in time)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as resp:
                return resp.read().decode()
        except OSError:
            time.sleep(0.3)
    return ""


def stop_process(proc: subprocess.Popen[bytes], sig: int = 15, timeout: float = 30.0) -> None:
    stop_processes([proc], sig, timeout)


def start_module(module: str, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("wb")
    return subprocess.Popen([sys.executable, "-m", module], env=env, stdout=log, stderr=subprocess.STDOUT)


def free_port_block(size: int) -> int:
    """A base port with ``size`` consecutive free ports (a broker needs 2 per node: clients
    and controller), below the kernel's range for outgoing connections: a port in that range
    free now may be taken by a client's connection before the last node binds it (seen: a
    node's controller port taken while the first two nodes started)."""
    import random

    try:
        ephemeral_low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768  # Linux's default
    for _ in range(200):
        base = random.randrange(10000, max(ephemeral_low, 10000 + 2 * size) - size)
        socks: list[socket.socket] = []
        try:
            for port in range(base, base + size):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError(f"no block of {size} free ports")


def count_keys(settings: Settings, topic: str, prefix: str, at_least: int, *, timeout: float = 120.0) -> int:
    """Wait until ``topic`` holds ``at_least`` distinct keys starting with ``prefix``; return how many."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic, auto_offset_reset="earliest", enable_auto_commit=False,
                             **kafka_client_config(settings))
    seen: set[bytes] = set()
    wanted = prefix.encode()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and len(seen) < at_least:
            for batch in consumer.poll(timeout_ms=300).values():
                seen.update(r.key for r in batch if r.key and r.key.startswith(wanted))
    finally:
        consumer.close()
    return len(seen)


def group_members(settings: Settings, group: str) -> int:
    """Members of a consumer group right now (0 when it does not exist)."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(**kafka_client_config(settings))
    try:
        described = admin.describe_groups([group])
        info = described.get(group) or {}
        return len(info.get("members") or [])
    except Exception:
        return 0
    finally:
        admin.close()


def wait_for_members(settings: Settings, group: str, count: int, *, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if group_members(settings, group) == count:
            return
        time.sleep(0.5)
    raise AssertionError(f"group {group} never had {count} members")


def write_items(path: Path, count: int, tag: str) -> list[str]:
    """``count`` distinct NewsItems (the English labelled corpus, cycled, titles tagged) as JSONL."""
    corpus = PACKAGE_ROOT / "seeds" / "labelled" / "corpus_en.jsonl"
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids: list[str] = []
    with path.open("wb") as out:
        for i in range(count):
            row = rows[i % len(rows)]
            item = NewsItem.create(
                source="test", title=f"{row['title']} [{tag} {i}]", body=row.get("body", ""), lang="en"
            )
            ids.append(item.id)
            out.write(item.to_json() + b"\n")
    return ids


def group_progress(settings: Settings, group: str, *also: str) -> dict[str, dict[int, tuple[int | None, int]]]:
    """topic -> partition -> (the group's committed offset or None, the log end offset), for
    the topics the group has committed on and the topics ``also`` names."""
    from kafka import KafkaConsumer, TopicPartition

    from oreradar.kafka_admin import _admin

    admin = _admin(settings)
    try:
        committed = {tp: meta.offset for tp, meta in admin.list_group_offsets(group)[group].items()}
    finally:
        admin.close()
    consumer = KafkaConsumer(enable_auto_commit=False, **kafka_client_config(settings))
    try:
        topics = {tp.topic for tp in committed} | set(also)
        parts = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        ends = consumer.end_offsets(parts)
    finally:
        consumer.close()
    report: dict[str, dict[int, tuple[int | None, int]]] = {}
    for tp in parts:
        report.setdefault(tp.topic, {})[tp.partition] = (committed.get(tp), ends[tp])
    return report
