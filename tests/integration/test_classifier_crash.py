"""A classifier crash in the middle of a stream: the item is dead-lettered with the reason and
counted, every other item is decided, the worker carries on (real broker, real worker)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from oreradar.records import DeadLetter, NewsItem, Signal
from oreradar.settings import Settings
from oreradar.topics import NEWS_DEADLETTER, NEWS_RAW, NEWS_SIGNALS
from producers.publisher import NewsPublisher
from tests.integration.kafka_helpers import free_port, keys_on, scrape, settings_env, start_module, stop_process

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_crash_is_a_counted_dead_letter_and_the_stream_goes_on(kafka_settings: Settings, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    items = [
        NewsItem(id=f"crash-{tag}-{n}", source="test",
                 title=("EXPLODE " if n == 10 else "") + f"Kazakhstan raises tungsten output {n}")
        for n in range(21)
    ]
    port = free_port()
    env = settings_env(kafka_settings, ORERADAR_CONSUMER_GROUP=f"crash-{tag}", ORERADAR_METRICS_PORT=str(port))
    worker = start_module("tests.integration.faulty_worker", env, tmp_path / "worker.log")
    try:
        with NewsPublisher.connect(kafka_settings) as pub:
            for item in items:
                pub.publish(item)
            assert pub.flush().published == len(items)

        bad = items[10].id
        good = {i.id for i in items} - {bad}
        decided = keys_on(kafka_settings, NEWS_SIGNALS, good, timeout=120)
        assert set(decided) == good, "every other item is decided"
        assert all(Signal.from_json(r.value).relevant for r in decided.values())
        dead = keys_on(kafka_settings, NEWS_DEADLETTER, {bad}, timeout=60)
        assert bad in dead, "the crashed item is dead-lettered"
        assert not keys_on(kafka_settings, NEWS_SIGNALS, {bad}, timeout=2), "a crash is not published as a decision"
        letter = DeadLetter.from_json(dead[bad].value)
        assert letter.item_id == bad and letter.topic == NEWS_RAW and letter.offset is not None
        assert "classifier error" in letter.reason and "RuntimeError" in letter.reason

        metrics = scrape(port)
        counted = [line for line in metrics.splitlines() if line.startswith("oreradar_dropped_total{")
                   and 'reason="classifier_error"' in line and 'stage="classify"' in line]
        assert counted and float(counted[0].split()[-1]) == 1.0, metrics[-2000:]
        assert worker.poll() is None, "the worker is still running"
    finally:
        stop_process(worker)
        print((tmp_path / "worker.log").read_text(errors="replace")[-3000:])
