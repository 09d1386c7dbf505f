"""``oreradar replay --golden FILE``: replay a golden file through the real broker and diff the alerts.

    $ oreradar replay --golden seeds/golden/gallium.yaml
    golden gallium.yaml: 7 items, 5 alerts, 0 differences

Each file runs in its own namespace on the cluster: topics named
``golden-<run>.news.raw`` … (``ORERADAR_TOPIC_PREFIX``), one partition each so the
order is the file's, and a worker of its own (a child ``oreradar worker`` with a fresh
consumer group, hence fresh story tables). Once the worker has committed past every
record, the run's ``alerts`` topic and the stories changelog are read and compared with
the file's expectations (processors/stories/golden.py); the namespace's topics are
deleted afterwards.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from oreradar.errors import BrokerError, RecordError
from oreradar.kafka_admin import ensure_topics
from oreradar.records import AnyAlert, parse_alert
from oreradar.settings import Settings
from oreradar.topics import ALERTS, NEWS_RAW, NEWS_SIGNALS
from processors.app import app_id
from processors.cluster_stories import changelog_topic_name, inbox_topic_name, stories_app_id
from processors.stories.golden import GoldenFile, compare_golden
from processors.stories_cli import read_topic, story_state
from oreradar.kafka_admin import kafka_client_config
from oreradar.processes import stop_processes
from producers.publisher import NewsPublisher

__all__ = ["GoldenRun", "run_golden", "golden_command"]

log = logging.getLogger(__name__)


@dataclass
class GoldenRun:
    path: Path
    items: int = 0
    alerts: list[AnyAlert] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"golden {self.path.name}: {self.items} items, {len(self.alerts)} alerts, "
                f"{len(self.differences)} differences")


def _env(settings: Settings, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORERADAR_")}
    env.update(
        ORERADAR_KAFKA_BOOTSTRAP=settings.bootstrap, ORERADAR_STATE_DIR=str(settings.state_dir),
        ORERADAR_CONSUMER_GROUP=settings.consumer_group, ORERADAR_PARTITIONS=str(settings.partitions),
        ORERADAR_TOPIC_PREFIX=settings.topic_prefix, ORERADAR_METRICS_PORT="0",
        ORERADAR_ALERT_MIN_SEVERITY=settings.alert_min_severity, ORERADAR_LOG_LEVEL="WARNING",
    )
    env.update({"ORERADAR_" + k.upper(): v for k, v in extra.items()})
    return env


def _caught_up(settings: Settings, group: str, topics: list[str]) -> bool:
    """True once ``group`` has committed to the end of every partition of ``topics``."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(group_id=group, enable_auto_commit=False, **kafka_client_config(settings))
    try:
        for topic in topics:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            if not partitions:
                return False
            for tp, end in consumer.end_offsets(partitions).items():
                if end and (consumer.committed(tp) or 0) < end:
                    return False
        return True
    finally:
        consumer.close()


def _delete_topics(settings: Settings, prefix: str, group: str) -> None:
    from kafka.admin import KafkaAdminClient

    try:
        admin = KafkaAdminClient(client_id="oreradar-golden", **kafka_client_config(settings))
        try:
            names = [t for t in admin.list_topics() if t.startswith(prefix) or t.startswith(group + "-")]
            if names:
                admin.delete_topics(names)
        finally:
            admin.close()
    except Exception as exc:  # clean-up is best effort: say so, do not hide the run's result
        log.warning("golden: could not delete the run's topics (%s)", exc)


def run_golden(settings: Settings, path: Path, *, timeout: float = 120.0, log_dir: Path | None = None) -> GoldenRun:
    golden = GoldenFile.load(path)
    run = GoldenRun(path, items=len(golden.items))
    tag = uuid.uuid4().hex[:10]
    prefix = f"golden-{tag}."
    overrides = {k: v for k, v in golden.settings.items() if k in ("alert_min_severity",)}
    gs = settings.model_copy(update={
        "topic_prefix": prefix, "consumer_group": f"golden-{tag}", "partitions": 1,
        "kafka_bootstrap": settings.bootstrap, **overrides,
    })
    classify_id, stories_id = app_id(gs), stories_app_id(gs)  # the worker's two consumer groups
    ensure_topics(gs)
    log_dir = log_dir or settings.state_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"golden-{path.stem}-{tag}.log"
    with log_path.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "oreradar", "worker"], env=_env(gs, {}), stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        publisher = NewsPublisher.connect(gs, topic=gs.topic(NEWS_RAW))
        try:
            for item in golden.items:
                publisher.publish(item)
            result = publisher.flush()
        finally:
            publisher.close()
        if result.failed:
            raise BrokerError(f"golden {path}: {result.failed} items not published: {result.errors[:3]}")
        watched = {classify_id: [gs.topic(NEWS_RAW)], stories_id: [gs.topic(NEWS_SIGNALS), inbox_topic_name(stories_id)]}
        deadline = time.monotonic() + timeout
        signals = 0
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise BrokerError(f"golden {path}: the worker exited (code {worker.returncode}); see {log_path}")
            signals = len(read_topic(gs, gs.topic(NEWS_SIGNALS)))
            if signals >= len(golden.items) and all(_caught_up(gs, group, topics) for group, topics in watched.items()):
                break
            time.sleep(1.0)
        else:
            raise BrokerError(f"golden {path}: the worker did not finish within {timeout:.0f}s "
                              f"({signals}/{len(golden.items)} decisions); see {log_path}")
        # Offsets are committed once a record is handled; its sends (alerts, and table
        # changelog entries, which Faust sends from a buffer of its own) may trail by a
        # moment: read until two reads a second apart agree.
        changelog = changelog_topic_name(stories_id)
        records, entries = read_topic(gs, gs.topic(ALERTS)), len(read_topic(gs, changelog))
        while True:
            time.sleep(1.0)
            again, entries_again = read_topic(gs, gs.topic(ALERTS)), len(read_topic(gs, changelog))
            if (len(again), entries_again) == (len(records), entries):
                break
            records, entries = again, entries_again
        for record in records:
            try:
                run.alerts.append(parse_alert(record.value))
            except RecordError as exc:
                run.differences.append(f"unreadable alert record: {exc}")
        run.differences.extend(compare_golden(golden, run.alerts, story_state(gs, include_latent=True, keep_expired=True)))
        return run
    finally:
        stop_processes([worker])
        _delete_topics(gs, prefix, gs.consumer_group)


def golden_command(settings: Settings, paths: list[Path]) -> int:
    """Run every golden file of ``paths`` (files or folders of .yaml); print differences; 0 when none."""
    import click

    files = [p for path in paths for p in (sorted(path.glob("*.yaml")) if path.is_dir() else [path])]
    if not files:
        raise click.ClickException("no golden files given")
    failed = 0
    for path in files:
        run = run_golden(settings, path)
        click.echo(run.line())
        for difference in run.differences:
            click.echo(f"  DIFF {difference}")
        failed += bool(run.differences)
    return 1 if failed else 0
