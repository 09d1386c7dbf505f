"""The dispatcher with its seams injected: a scripted consumer, list and failing sinks."""

from __future__ import annotations

import threading
from collections import namedtuple
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from oreradar.errors import DeliveryError
from oreradar.metrics import PipelineMetrics
from oreradar.records import Alert, DeadLetter, Signal
from sinks.base import ListSink
from sinks.delivered import DeliveryLedger
from sinks.dispatch_alerts import AlertDispatcher
from sinks.jsonl_file import JsonlFileSink

Record = namedtuple("Record", "topic partition offset key value")


class ScriptedConsumer:
    """Hands out the given batches, one per poll; counts commits."""

    def __init__(self, batches: list[list[Record]]):
        self.batches = list(batches)
        self.commits = 0

    def poll(self, timeout_ms: int, max_records: int) -> dict:
        return {("alerts", 0): self.batches.pop(0)} if self.batches else {}

    def commit(self) -> None:
        self.commits += 1


def alert_record(item_id: str, offset: int) -> Record:
    alert = Alert.from_signal(Signal(id=item_id, relevant=True, severity="high", title=item_id))
    return Record("alerts", 0, offset, item_id.encode(), alert.to_json())


class FlakySink(ListSink):
    name = "flaky"

    def __init__(self, failures: int):
        super().__init__()
        self.failures = failures

    def flush(self) -> None:
        if self.failures:
            self.failures -= 1
            raise DeliveryError("webhook down")
        super().flush()


def make(batches, sinks, ledger=None):  # type: ignore[no-untyped-def]
    registry = CollectorRegistry()
    dead: list[DeadLetter] = []
    consumer = ScriptedConsumer(batches)
    dispatcher = AlertDispatcher(
        consumer, sinks, ledger or DeliveryLedger(None), PipelineMetrics(registry),
        send_dead_letter=dead.append, sleep=lambda s: None,
    )
    return dispatcher, consumer, dead, registry


def test_each_alert_is_delivered_once_even_when_redelivered() -> None:
    sink = ListSink()
    first = [alert_record("a", 0), alert_record("b", 1), alert_record("a", 2)]
    dispatcher, consumer, _, registry = make([first, [alert_record("b", 3)]], [sink])
    assert dispatcher.poll_once() == 2
    assert dispatcher.poll_once() == 0
    assert [a.id for a in sink.alerts] == ["a", "b"]
    assert consumer.commits == 2
    assert registry.get_sample_value("oreradar_alert_deliveries_total", {"channel": "all", "outcome": "duplicate"}) == 2


def test_ledger_survives_a_restart(tmp_path: Path) -> None:
    ledger_path = tmp_path / "delivered.sqlite"
    make([[alert_record("a", 0)]], [ListSink()], DeliveryLedger(ledger_path))[0].poll_once()
    sink = ListSink()
    make([[alert_record("a", 0)]], [sink], DeliveryLedger(ledger_path))[0].poll_once()
    assert sink.alerts == []


def test_a_failing_sink_is_retried_not_dropped() -> None:
    sink = FlakySink(failures=2)
    dispatcher, consumer, _, registry = make([[alert_record("a", 0)]], [sink])
    dispatcher.poll_once()
    assert [a.id for a in sink.alerts] == ["a"] and consumer.commits == 1
    assert registry.get_sample_value("oreradar_alert_deliveries_total", {"channel": "flaky", "outcome": "failed"}) == 2


def test_stop_during_outage_leaves_offsets_uncommitted() -> None:
    stop = threading.Event()
    stop.set()
    dispatcher, consumer, _, _ = make([[alert_record("a", 0)]], [FlakySink(failures=5)])
    with pytest.raises(DeliveryError):
        dispatcher.poll_once(stop)
    assert consumer.commits == 0


def test_a_record_that_is_not_an_alert_is_dead_lettered() -> None:
    sink = ListSink()
    dispatcher, _, dead, registry = make([[Record("alerts", 0, 7, b"k", b"{}"), alert_record("a", 8)]], [sink])
    dispatcher.poll_once()
    assert [a.id for a in sink.alerts] == ["a"]
    assert len(dead) == 1 and dead[0].stage == "dispatch" and dead[0].offset == 7
    assert registry.get_sample_value("oreradar_dropped_total", {"stage": "dispatch", "reason": "invalid_record"}) == 1


def test_jsonl_sink_appends_lines_and_reports_unwritable_paths(tmp_path: Path) -> None:
    path = tmp_path / "out" / "alerts.jsonl"
    sink = JsonlFileSink(path)
    for item_id in ("a", "b"):
        sink.add(Alert.from_json(alert_record(item_id, 0).value))
    sink.flush()
    sink.flush()
    assert [Alert.from_json(line).id for line in path.read_text().splitlines()] == ["a", "b"]
    blocked = tmp_path / "file"
    blocked.write_text("")
    bad = JsonlFileSink(blocked / "alerts.jsonl")
    bad.add(Alert.from_json(alert_record("c", 0).value))
    with pytest.raises(DeliveryError, match="ORERADAR_ALERTS_FILE"):
        bad.flush()
