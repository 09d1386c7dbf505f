"""`oreradar worker` items/s through a real broker, with and without the stories stage, in one run.

    python -m bench.stories.kafka [--items 3000] [--partitions 3]

Starts a local Kafka (deploy/kafka/broker.sh) on a free port in a temporary state
folder, then twice: fresh topics (ORERADAR_TOPIC_PREFIX) and a fresh consumer group,
N items published to news.raw before the worker starts, `oreradar worker` started
(ORERADAR_STORIES_ENABLED=false, then true), and the time from the worker's first
committed offset to the moment its group has committed to the end of every topic it
reads (news.raw; with stories also news.signals and the stories inbox, read by the
stories stage's own group in its own process), and when the classify stage alone is
through news.raw. Items are
the bench.stories mix (labelled corpus and story set, fresh ids, one a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stories.run import corpus, records
from oreradar.kafka_admin import ensure_topics
from oreradar.local_broker import running_broker
from oreradar.settings import Settings
from oreradar.topics import NEWS_RAW, NEWS_SIGNALS
from processors.app import app_id
from processors.cluster_stories import inbox_topic_name, stories_app_id
from oreradar.kafka_admin import kafka_client_config


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _committed(settings: Settings, group: str, topics: list[str]) -> tuple[int, int]:
    """(committed, end) summed over every partition of ``topics`` for ``group``."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(group_id=group, enable_auto_commit=False, **kafka_client_config(settings))
    try:
        done = total = 0
        for topic in topics:
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            if not parts:
                return 0, 1
            for tp, end in consumer.end_offsets(parts).items():
                done += min(end, consumer.committed(tp) or 0)
                total += end
        return done, total
    finally:
        consumer.close()


def run_once(settings: Settings, raw: list[bytes], stories: bool, tag: str) -> tuple[float, float]:
    """(items/s of the whole worker, items/s of its classify stage alone) for one run."""
    from kafka import KafkaProducer

    run = settings.model_copy(update={"topic_prefix": f"bench-{tag}.", "consumer_group": f"bench-{tag}"})
    ensure_topics(run)
    producer = KafkaProducer(acks="all", linger_ms=20, **kafka_client_config(run))
    for value in raw:
        producer.send(run.topic(NEWS_RAW), value=value, key=json.loads(value)["id"].encode())
    producer.flush()
    producer.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORERADAR_")}
    env.update(ORERADAR_KAFKA_BOOTSTRAP=run.bootstrap, ORERADAR_TOPIC_PREFIX=run.topic_prefix,
               ORERADAR_CONSUMER_GROUP=run.consumer_group, ORERADAR_PARTITIONS=str(run.partitions),
               ORERADAR_METRICS_PORT="0", ORERADAR_LOG_LEVEL="WARNING",
               ORERADAR_STORIES_ENABLED="true" if stories else "false", ORERADAR_STATE_DIR=str(run.state_dir))
    # The classify stage's group on news.raw; with stories, the stories stage's own group
    # (its own process) on news.signals and its inbox.
    groups = {app_id(run): [run.topic(NEWS_RAW)]}
    if stories:
        groups[stories_app_id(run)] = [run.topic(NEWS_SIGNALS), inbox_topic_name(stories_app_id(run))]
    log = open(run.state_dir / f"worker-{tag}.log", "wb")
    worker = subprocess.Popen([sys.executable, "-m", "oreradar", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        started = classified = None
        while True:
            if worker.poll() is not None:
                raise SystemExit(f"worker exited early; see {log.name}")
            counts = [_committed(run, group, topics) for group, topics in groups.items()]
            done, total = sum(d for d, _ in counts), sum(t for _, t in counts)
            now = time.monotonic()
            if started is None and done > 0:
                started, first_done, first_classified = now, done, counts[0][0]
            if started is not None and classified is None and counts[0][0] >= counts[0][1]:
                classified = now  # the classify stage is through news.raw (the stories stage may still work)
            if started is not None and done >= total and (not stories or total > 2 * len(raw) - 1):
                assert classified is not None
                whole = (len(raw) - first_done * len(raw) / max(total, 1)) / (now - started)
                return whole, (len(raw) - first_classified) / max(classified - started, 1e-3)
            time.sleep(0.25)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--partitions", type=int, default=3)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="oreradar-bench-"))
    settings = Settings(broker_port=_free_port(), state_dir=state, partitions=args.partitions, broker_heap="384m",
                        metrics_port=0)
    with running_broker(settings, timeout=60):
        raw = records(corpus(), args.items, 0)
        without, _ = run_once(settings, raw, stories=False, tag=f"off{os.getpid()}")
        with_, classify_beside = run_once(settings, raw, stories=True, tag=f"on{os.getpid()}")
        print(f"oreradar worker, {args.items} items, {args.partitions} partitions "
              "(with stories: the stage in its own process):")
        print(f"  classify only                   : {without:8.0f} items/s")
        print(f"  with stories, classify stage    : {classify_beside:8.0f} items/s  (ratio {classify_beside / without:.2f})")
        print(f"  with stories, through to stories: {with_:8.0f} items/s  (ratio {with_ / without:.2f})")


if __name__ == "__main__":
    main()
