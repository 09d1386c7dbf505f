"""``oreradar alerts``: wire the Kafka consumer, the sinks and the ledger, then run until a signal."""

from __future__ import annotations

import logging
import signal
import threading

from oreradar.consumer_lag import ConsumerLagExporter
from oreradar.kafka_admin import ensure_topics, kafka_client_config, producer_config, wait_for_cluster
from oreradar.metrics import PipelineMetrics, initialise_stage, register_build_info, serve_metrics
from oreradar.records import DeadLetter
from oreradar.settings import Settings
from oreradar.topics import ALERTS, NEWS_DEADLETTER
from sinks.base import AlertSink
from sinks.console import ConsoleSink
from sinks.delivered import DeliveryLedger
from sinks.dispatch_alerts import STAGE, AlertDispatcher
from sinks.jsonl_file import JsonlFileSink

__all__ = ["run_dispatcher"]

log = logging.getLogger(__name__)


def run_dispatcher(settings: Settings, *, print_alerts: bool = True, stop: threading.Event | None = None) -> None:
    from kafka import KafkaConsumer, KafkaProducer

    wait_for_cluster(settings)
    ensure_topics(settings)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    config = kafka_client_config(settings)
    consumer = KafkaConsumer(
        ALERTS,
        group_id=f"{settings.consumer_group}-alerts",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **config,
    )
    producer = KafkaProducer(**producer_config(settings))

    def send_dead_letter(dead: DeadLetter) -> None:
        producer.send(NEWS_DEADLETTER, value=dead.to_json(), key=(dead.key or "").encode()).get(timeout=15)

    sinks: list[AlertSink] = [JsonlFileSink(settings.alerts_path)]
    if print_alerts:
        sinks.append(ConsoleSink())
    # One ledger per consumer group: two dispatchers in different groups deliver independently.
    ledger = DeliveryLedger(settings.state_dir / f"delivered-{settings.consumer_group}-alerts.sqlite")
    metrics = PipelineMetrics()
    initialise_stage(metrics, STAGE)
    register_build_info("alerts")
    serve_metrics(settings.metrics_port_for("alerts"))
    if settings.metrics_port_for("alerts") is not None:
        ConsumerLagExporter(settings, f"{settings.consumer_group}-alerts", (ALERTS,)).start()
    log.info("dispatcher: delivering %s to %s", ALERTS, settings.alerts_path)
    try:
        AlertDispatcher(consumer, sinks, ledger, metrics, send_dead_letter=send_dead_letter).run(stop)
    finally:
        consumer.close()
        producer.close(timeout=5)
        ledger.close()
