"""The metrics ops graph: known series exist at zero, signals are counted on bounded labels."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from oreradar.consumer_lag import compute_lag
from oreradar.metrics import LatencyMetrics, PipelineMetrics, SignalMetrics, initialise_stage, register_build_info
from oreradar.records import Signal


def test_known_series_start_at_zero() -> None:
    reg = CollectorRegistry()
    initialise_stage(PipelineMetrics(reg), "classify")
    assert reg.get_sample_value("oreradar_items_total", {"stage": "classify", "outcome": "not_relevant"}) == 0.0
    assert reg.get_sample_value("oreradar_dropped_total", {"stage": "classify", "reason": "invalid_record"}) == 0.0
    signals = SignalMetrics(["KZ", "CN"], ["tungsten"], registry=reg)
    assert reg.get_sample_value("oreradar_signals_total", {"signal_type": "geopolitics"}) == 0.0
    assert reg.get_sample_value("oreradar_signal_countries_total", {"country": "KZ"}) == 0.0
    assert signals is not None


def test_signals_counted_with_unknown_ids_bounded_to_other() -> None:
    reg = CollectorRegistry()
    signals = SignalMetrics(["KZ"], ["tungsten"], registry=reg)
    signals.count(Signal(id="a", relevant=True, severity="high", signal_types=["trade_deal"], countries=["KZ", "XX"],
                         commodities=["tungsten", "unobtainium"]))
    signals.count(Signal(id="b", relevant=False))
    assert reg.get_sample_value("oreradar_signals_total", {"signal_type": "trade_deal"}) == 1.0
    assert reg.get_sample_value("oreradar_signal_countries_total", {"country": "KZ"}) == 1.0
    assert reg.get_sample_value("oreradar_signal_countries_total", {"country": "other"}) == 1.0
    assert reg.get_sample_value("oreradar_signal_commodities_total", {"commodity": "other"}) == 1.0
    assert reg.get_sample_value("oreradar_signal_severity_total", {"severity": "high"}) == 1.0
    assert reg.get_sample_value("oreradar_signal_countries_total", {"country": "XX"}) is None


def test_negative_latency_counts_as_zero() -> None:
    reg = CollectorRegistry()
    LatencyMetrics(reg).observe("classify", -3.0)
    assert reg.get_sample_value("oreradar_record_latency_seconds_bucket", {"stage": "classify", "le": "0.01"}) == 1.0


def test_build_info() -> None:
    reg = CollectorRegistry()
    register_build_info("worker", reg)
    samples = [s for m in reg.collect() for s in m.samples if s.name == "oreradar_build_info"]
    assert samples and samples[0].labels["process"] == "worker" and samples[0].value == 1


def test_lag_is_end_minus_committed_or_log_start() -> None:
    lag = compute_lag({"p0": 7, "p1": None}, {"p0": 0, "p1": 4, "p2": 2}, {"p0": 10, "p1": 9, "p2": 2})
    assert lag == {"p0": 3, "p1": 5, "p2": 0}


def test_admin_calls_retry_a_node_that_refused_the_connection() -> None:
    import pytest
    from kafka.errors import KafkaConnectionError

    from oreradar.kafka_admin import _retry_on_dead_node

    answers: list[object] = [KafkaConnectionError("refused"), KafkaConnectionError("refused"), ["news.raw"]]

    def call() -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert _retry_on_dead_node(call, pause=0) == ["news.raw"]
    with pytest.raises(KafkaConnectionError):
        _retry_on_dead_node(lambda: (_ for _ in ()).throw(KafkaConnectionError("down")), attempts=2, pause=0)
