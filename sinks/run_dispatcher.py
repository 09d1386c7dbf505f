"""``oreradar alerts``: wire Kafka, the subscriptions, the outbox and the channels, then run until a signal.

Kafka is the only copy of the state: on every partition assignment the dispatcher reads
that partition of ``oreradar.deliveries`` from the beginning (its outbox, delivery log,
group and story state) before routing new alerts from it; on revocation it finishes and
writes down the sends in flight first. Two dispatchers in one consumer group therefore
split the partitions and never both own one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from typing import Any

import httpx

from oreradar.consumer_lag import ConsumerLagExporter
from oreradar.errors import BrokerError
from oreradar.kafka_admin import ensure_topics, wait_for_cluster
from oreradar.metrics import DeliveryMetrics, PipelineMetrics, initialise_stage, register_build_info, serve_metrics
from oreradar.settings import Settings
from oreradar.topics import ALERTS, DELIVERIES

from .channel_wiring import build_channels, default_subscriptions
from .dispatch_alerts import STAGE, Dispatcher
from .outbox.engine import Outbox
from .outbox.records import OutboxRecord
from .routing.model import Subscriptions, load_subscriptions
from .routing.silences import SilenceStore
from .state_topics import KafkaJournal, SilenceFollower, aio_config, ensure_state_topics, read_partition

__all__ = ["run_dispatcher", "load_configured_subscriptions"]

log = logging.getLogger(__name__)


def load_configured_subscriptions(settings: Settings, *, console: bool = True) -> Subscriptions:
    if settings.subscriptions_file is None:
        return default_subscriptions(settings, console=console)
    return load_subscriptions(settings.subscriptions_file)


def run_dispatcher(settings: Settings, *, print_alerts: bool = True, stop: threading.Event | None = None) -> None:
    # Load (and fail on) the subscriptions before touching Kafka: a bad file is a clear error, not a half-start.
    subs = load_configured_subscriptions(settings, console=print_alerts)
    wait_for_cluster(settings)
    ensure_topics(settings)
    ensure_state_topics(settings)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    register_build_info("alerts")
    serve_metrics(settings.metrics_port_for("alerts"))
    if settings.metrics_port_for("alerts") is not None:
        ConsumerLagExporter(settings, f"{settings.consumer_group}-alerts", (ALERTS,)).start()
    asyncio.run(_run(settings, subs, stop))


async def _run(settings: Settings, subs: Subscriptions, stop: threading.Event) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
    from aiokafka.errors import CommitFailedError, KafkaError

    metrics = DeliveryMetrics()
    metrics.initialise(sorted({str(c["type"]) for sub in subs.subscriptions for c in sub.channels}))
    pipeline = PipelineMetrics()
    initialise_stage(pipeline, STAGE)
    # linger 0: the outbox awaits each state write in turn, so batching delay would be pure latency.
    producer = AIOKafkaProducer(acks="all", enable_idempotence=True, linger_ms=0, **aio_config(settings))
    await producer.start()
    journal = KafkaJournal(producer)
    silences = SilenceStore()
    follower = SilenceFollower(settings, silences)
    await follower.start()
    http = httpx.AsyncClient(timeout=httpx.Timeout(30.0), follow_redirects=False)
    group = f"{settings.consumer_group}-alerts"
    # The one read of the environment outside Settings: the secrets the subscriptions file names
    # by variable (secret_env, url_env, token_env), handed to the channels and never logged.
    channels = build_channels(subs, settings, http=http, env=dict(os.environ))
    outbox = Outbox(subs, channels, journal, metrics, group=group)
    dispatcher = Dispatcher(subs, outbox, silences, journal, metrics, pipeline)

    class Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
        async def on_partitions_revoked(self, revoked: Any) -> None:
            async with dispatcher.lock:
                for tp in revoked:
                    await outbox.release(tp.partition)
                    log.info("released partition %d", tp.partition)

        async def on_partitions_assigned(self, assigned: Any) -> None:
            async with dispatcher.lock:
                for tp in sorted(assigned, key=lambda t: t.partition):
                    values = await read_partition(settings, DELIVERIES, tp.partition)
                    outbox.adopt(tp.partition, [OutboxRecord.from_json(v) for v in values])
                    log.info("adopted partition %d (%d outbox records)", tp.partition, len(values))

    consumer = AIOKafkaConsumer(
        group_id=group, enable_auto_commit=False, auto_offset_reset="earliest",
        max_poll_interval_ms=300_000, **aio_config(settings),
    )
    consumer.subscribe([ALERTS], listener=Rebalance())
    await consumer.start()
    outbox.start()
    log.info("dispatcher: %d subscriptions, %d channels", len(subs.subscriptions), len(outbox.channels))
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=500, max_records=200)
            await follower.poll(0)
            if not batches:
                continue
            try:
                offsets = await dispatcher.handle_batch(batches)
            except KafkaError as exc:
                # The consumer is past records whose deliveries are not recorded: stop without
                # committing, so a restart (or the group's next member) reads them again.
                raise BrokerError(f"could not record deliveries on Kafka ({exc}); stopping so that the "
                                  "uncommitted alerts are read again on restart") from exc
            if offsets:
                try:
                    await consumer.commit(offsets)
                except (CommitFailedError, KafkaError) as exc:
                    # The partitions moved: their new owner re-reads these alerts and finds them recorded.
                    log.warning("commit after a rebalance failed (%s); the records are re-read, not resent", exc)
    finally:
        await outbox.stop()
        await consumer.stop()
        await follower.stop()
        await producer.stop()
        await http.aclose()
