"""The whole flow through the real broker: replay → worker → news.signals / alerts → dispatcher.

One worker and one dispatcher (real `oreradar` processes) serve every test in this module.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from oreradar.records import Alert, DeadLetter, NewsItem, Signal
from oreradar.settings import SEEDS_DIR, Settings
from oreradar.topics import ALERTS, NEWS_DEADLETTER, NEWS_RAW, NEWS_SIGNALS
from oreradar.processes import stop_processes
from producers.replay import read_text_article
from producers.replay_cli import replay_paths
from tests.integration.kafka_helpers import consume_topic, send_raw, settings_env, start_oreradar

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEED = SEEDS_DIR / "000_dd2d12cf7e77ac73.txt"


@pytest.fixture(scope="module")
def pipeline(kafka_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Starts `oreradar worker` and `oreradar alerts`; yields the alerts file path."""
    logs = tmp_path_factory.mktemp("pipeline-logs")
    alerts_file = logs / "alerts.jsonl"
    env = settings_env(kafka_settings, ORERADAR_ALERTS_FILE=str(alerts_file))
    procs = [
        start_oreradar(["worker"], env, logs / "worker.log"),
        start_oreradar(["alerts", "--quiet"], env, logs / "alerts.log"),
    ]
    try:
        yield alerts_file
    finally:
        stop_processes(procs)
        for name in ("worker.log", "alerts.log"):
            print(f"--- {name} (tail)\n" + "\n".join((logs / name).read_text(errors="replace").splitlines()[-15:]))


def _wait_for_file_line(path: Path, needle: str, timeout: float = 60.0) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if needle in line:
                    return line
        time.sleep(0.5)
    return None


def test_seed_article_becomes_an_explained_alert(kafka_settings: Settings, pipeline: Path) -> None:
    item = read_text_article(SEED)
    summary = replay_paths(kafka_settings, [SEED], progress=False)
    assert summary.published == 1 and summary.failed == 0 and summary.ids == [item.id]

    records = consume_topic(kafka_settings, ALERTS, timeout=120, predicate=lambda r: json.loads(r.value).get("id") == item.id)
    assert records, "no alert for the seed article on the alerts topic"
    alert = Alert.from_json(records[0].value)
    # A story alert raised by the seed report (other tests of the session may have put
    # reports of the same event on news.raw before it: then it is a later revision).
    assert alert.kind == "story" and alert.revision >= 1 and records[0].key == alert.story_id.encode()
    assert any(s.id == item.id and s.source == str(SEED) for s in alert.sources)
    assert alert.relevant and alert.severity in ("high", "critical")
    assert {"KZ", "UZ", "US", "CN"} <= set(alert.countries)
    assert {"rare_earths", "tungsten"} <= set(alert.commodities)
    assert alert.signal_types, "a relevant alert names at least one signal type"
    assert any(a.currency == "USD" and abs(a.value - 12.4e9) < 1e7 for a in alert.amounts)
    # Evidence points at the very characters of the article that was published.
    assert alert.evidence
    for ev in alert.evidence:
        assert item.field_text(ev.field)[ev.start : ev.end] == ev.text
    kinds = {ev.kind for ev in alert.evidence}
    assert {"country", "commodity"} <= kinds

    decisions = consume_topic(kafka_settings, NEWS_SIGNALS, timeout=30, predicate=lambda r: r.key == item.id.encode())
    assert Signal.from_json(decisions[0].value).relevant

    line = _wait_for_file_line(pipeline, alert.alert_id)
    assert line is not None, "the dispatcher did not append the alert to the JSONL file"
    assert json.loads(line)["id"] == item.id


def test_bad_records_are_dead_lettered_and_the_stream_goes_on(kafka_settings: Settings, pipeline: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    not_json = b"\x00\xff this is not json {" + tag.encode()
    not_an_item = json.dumps({"id": f"empty-{tag}", "title": "", "body": ""}).encode()
    good = NewsItem.create(source="test", title=f"China tightens gallium export licences {tag}",
                           body="Beijing's commerce ministry said exporters of gallium need a licence.")

    send_raw(kafka_settings, NEWS_RAW, not_json, key=f"bad-{tag}".encode())
    send_raw(kafka_settings, NEWS_RAW, not_an_item, key=f"empty-{tag}".encode())
    send_raw(kafka_settings, NEWS_RAW, good.to_json(), key=good.id.encode())

    dead = consume_topic(
        kafka_settings, NEWS_DEADLETTER, min_records=2, timeout=120,
        predicate=lambda r: r.key in (f"bad-{tag}".encode(), f"empty-{tag}".encode()),
    )
    by_key = {r.key.decode(): DeadLetter.from_json(r.value) for r in dead}
    assert set(by_key) == {f"bad-{tag}", f"empty-{tag}"}
    first = by_key[f"bad-{tag}"]
    assert "not valid JSON" in first.reason and first.stage == "classify" and first.topic == NEWS_RAW
    assert base64.b64decode(first.original_b64) == not_json, "the original bytes are kept byte for byte"
    assert first.offset is not None and first.partition is not None
    second = by_key[f"empty-{tag}"]
    assert second.item_id == f"empty-{tag}" and "title, summary or body" in second.reason

    after = consume_topic(kafka_settings, NEWS_SIGNALS, timeout=60, predicate=lambda r: r.key == good.id.encode())
    assert after, "the worker stopped after the bad records"
    signal_ = Signal.from_json(after[0].value)
    assert signal_.relevant and "gallium" in signal_.commodities and "CN" in signal_.countries
