"""Small helpers for tests that talk to the real local broker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from oreradar.kafka_admin import kafka_client_config, producer_config
from oreradar.settings import Settings

__all__ = ["free_port", "consume_topic", "send_raw", "settings_env", "start_oreradar"]


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
