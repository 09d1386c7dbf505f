"""The stream's throughput and latency through a real Apache Kafka, beside the classifier alone.

    python -m bench.pipeline [--items 10000] [--latency-seconds 15] [--rate 200] [--workers 1,2]
                             [--stories on|off|both] [--json]

Everything in one run, so the ratio compares like with like on a shared machine:

1. **classifier alone**: items/s of ``Classifier.classify`` in this process on the same
   items (after a warm-up pass), the baseline;
2. **sustained, one worker**: the items are published to ``news.raw`` as fast as the
   producer goes; the rate is items / (last decision on ``news.signals`` − first publish);
   decision times are the signal records' own timestamps (set by the worker's producer),
   so the bench's consumer lagging behind costs nothing; the bench publishes with aiokafka
   (see :func:`publish`), so the producer is not what sets the rate;
   before that, a **backlog** run: the items are on ``news.raw`` before the first worker
   starts, and the rate is items / (last − first decision): the worker's own capacity,
   with no producer beside it;
3. **latency at a fixed load**: items published at ``--rate`` per second for
   ``--latency-seconds``; p50/p99/max of (signal timestamp − publish time);
4. the same sustained run with **two workers** in the consumer group.

``--stories off`` runs the workers classify only (``ORERADAR_STORIES_ENABLED=false``), the
stage issue 12's targets are about; ``both`` measures with and without, one after the other,
each on topics of its own (``ORERADAR_TOPIC_PREFIX``) and with a consumer group of its own.

Without ORERADAR_KAFKA_BOOTSTRAP the bench starts its own local broker (the project's
script) on a free port with a temporary state folder, and stops it at the end. Workers
are real ``oreradar worker`` processes. The last line says PASS or FAIL against the
targets of issue 12: one worker ≥ 1,000 items/s and ≥ 0.5× the classifier alone, p99 <
250 ms at 200 items/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.classify.run import build_articles
from oreradar.kafka_admin import PRODUCER_BATCH_BYTES, PRODUCER_LINGER_MS, ensure_topics, kafka_client_config, producer_config, wait_for_cluster
from oreradar.local_broker import broker_command
from oreradar.records import NewsItem
from oreradar.settings import Settings
from oreradar.topics import NEWS_RAW, NEWS_SIGNALS
from oreradar.processes import stop_processes

TARGET_ITEMS_PER_S = 1000.0
TARGET_RATIO = 0.5
TARGET_P99_MS = 250.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _items(articles: list[NewsItem], n: int, tag: str) -> list[NewsItem]:
    """``n`` items cycling over the articles, each with an id of its own for this run."""
    return [articles[i % len(articles)].model_copy(update={"id": f"{tag}-{i}"}) for i in range(n)]


def _partitions(settings: Settings, topic: str) -> list[int]:
    """The topic's partitions (aiokafka's consumer knows only the topics it subscribed to)."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(**kafka_client_config(settings))
    try:
        parts = sorted(consumer.partitions_for_topic(topic) or ())
    finally:
        consumer.close()
    if not parts:
        raise LookupError(f"topic {topic} has no partitions (not created?)")
    return parts


class Decisions:
    """Reads ``news.signals`` from its end in a thread; keeps each id's record timestamp (ms).

    aiokafka (record batches parsed in C) in an event loop of its own: the bench reads every
    decision of the run, and kafka-python's pure-Python parsing took CPU the worker needed."""

    def __init__(self, settings: Settings):
        self.seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=asyncio.run, args=(self._run(settings),), daemon=True)
        self._thread.start()
        if not self._ready.wait(60):
            raise SystemExit(f"cannot read {settings.topic(NEWS_SIGNALS)} at {settings.bootstrap}: {self._error}")

    async def _run(self, settings: Settings) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap, enable_auto_commit=False,
                                    fetch_max_bytes=64 * 1024 * 1024, max_partition_fetch_bytes=16 * 1024 * 1024)
        try:
            await consumer.start()
            topic = settings.topic(NEWS_SIGNALS)
            parts = [TopicPartition(topic, p) for p in _partitions(settings, topic)]
            consumer.assign(parts)
            await consumer.seek_to_end(*parts)
            for tp in parts:
                await consumer.position(tp)  # resolve "end" now, before anything is published
        except Exception as exc:  # reported by __init__
            self._error = exc
            await consumer.stop()
            return
        self._ready.set()
        try:
            while not self._stop.is_set():
                for batch in (await consumer.getmany(timeout_ms=200)).values():
                    with self._lock:
                        for record in batch:
                            self.seen.setdefault(record.key.decode() if record.key else "", record.timestamp)
        finally:
            await consumer.stop()

    def wait_for(self, ids: set[str], timeout: float) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if ids.issubset(self.seen.keys()):
                    return {i: self.seen[i] for i in ids}
            time.sleep(0.1)
        with self._lock:
            return {i: self.seen[i] for i in ids if i in self.seen}

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _producer(settings: Settings):  # type: ignore[no-untyped-def]
    from kafka import KafkaProducer

    return KafkaProducer(**producer_config(settings))


def _start_worker(env: dict[str, str], log_dir: Path, name: str) -> subprocess.Popen[bytes]:
    log = (log_dir / f"worker-{name}.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "oreradar", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_ready(settings: Settings, decisions: Decisions, article: NewsItem, timeout: float = 120.0) -> None:
    """A worker is ready when an item published now comes out decided."""
    producer = _producer(settings)
    probe = article.model_copy(update={"id": f"probe-{uuid.uuid4().hex[:8]}"})
    producer.send(settings.topic(NEWS_RAW), value=probe.to_json(), key=probe.id.encode()).get(timeout=30)
    producer.close()
    if not decisions.wait_for({probe.id}, timeout):
        raise SystemExit(f"no worker decided a probe item within {timeout:.0f}s; see the worker logs")


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (Linux /proc)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def publish(settings: Settings, items: list[NewsItem]) -> tuple[float, float]:
    """Publish every item to ``news.raw`` as fast as aiokafka goes (acks from all in-sync
    replicas, idempotent, as every producer of oreradar); returns (first send, last ack)
    wall times. aiokafka builds record batches in C: about 40,000 items/s here, where
    kafka-python's pure-Python producer manages about 2,300 on its own and under 1,000
    beside this process's consumer thread, so it, not the worker, set the sustained rate."""
    from aiokafka import AIOKafkaProducer

    payloads = [(item.id.encode(), item.to_json()) for item in items]
    raw = settings.topic(NEWS_RAW)

    async def run() -> tuple[float, float]:
        producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap, acks="all", enable_idempotence=True,
                                    linger_ms=PRODUCER_LINGER_MS, max_batch_size=PRODUCER_BATCH_BYTES)
        await producer.start()
        try:
            first = time.time()
            acks = [await producer.send(raw, value=value, key=key) for key, value in payloads]
            await asyncio.gather(*acks)
            return first, time.time()
        finally:
            await producer.stop()

    return asyncio.run(run())


def sustained(
    settings: Settings, decisions: Decisions, items: list[NewsItem], timeout: float, pids: list[int]
) -> dict[str, float]:
    cpu_before = _cpu_seconds(pids)
    first, published = publish(settings, items)
    got = decisions.wait_for({i.id for i in items}, timeout)
    if len(got) < len(items):
        raise SystemExit(f"only {len(got)} of {len(items)} items were decided within {timeout:.0f}s")
    last = max(got.values()) / 1000.0
    cpu = _cpu_seconds(pids) - cpu_before
    return {
        "items": len(items),
        "worker_items_per_cpu_s": len(items) / max(cpu, 1e-9),
        "publish_items_per_s": len(items) / max(published - first, 1e-9),
        "items_per_s": len(items) / max(last - first, 1e-9),
        "seconds": last - first,
    }


def drain(settings: Settings, decisions: Decisions, items: list[NewsItem], start: Callable[[], object],
          timeout: float) -> dict[str, float]:
    """The worker's own capacity: the items are on ``news.raw`` before the worker starts, so
    no producer competes with it for the cores; items / (last decision − first decision)."""
    publish(settings, items)
    start()
    got = decisions.wait_for({i.id for i in items}, timeout)
    if len(got) < len(items):
        raise SystemExit(f"only {len(got)} of {len(items)} pre-published items were decided within {timeout:.0f}s")
    seconds = (max(got.values()) - min(got.values())) / 1000.0
    return {"items": len(items), "items_per_s": (len(items) - 1) / max(seconds, 1e-9), "seconds": seconds}


def latency(
    settings: Settings, decisions: Decisions, items: list[NewsItem], rate: float, timeout: float, pids: list[int]
) -> dict[str, float]:
    producer, raw = _producer(settings), settings.topic(NEWS_RAW)
    sent: dict[str, float] = {}
    cpu_before = _cpu_seconds(pids)
    start = time.monotonic()
    for n, item in enumerate(items):
        due = start + n / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        sent[item.id] = time.time()
        producer.send(raw, value=item.to_json(), key=item.id.encode())
    producer.flush()
    producer.close()
    got = decisions.wait_for(set(sent), timeout)
    if len(got) < len(items):
        raise SystemExit(f"only {len(got)} of {len(items)} items were decided within {timeout:.0f}s")
    # The share of one core the worker used: near rate/(items per CPU second) when it keeps
    # up; when it falls behind with a share well below 1, other processes had the CPU.
    cpu_share = (_cpu_seconds(pids) - cpu_before) / max(time.monotonic() - start, 1e-9)
    lat = sorted(max(0.0, got[i] - sent[i] * 1000.0) for i in sent)
    return {
        "worker_cpu_share": cpu_share,
        "items": len(items),
        "rate": rate,
        "p50_ms": lat[len(lat) // 2],
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
        "max_ms": lat[-1],
    }


def classifier_alone(items: list[NewsItem]) -> tuple[float, float]:
    """Items/s and items per CPU second of Classifier.classify in this process."""
    from processors.classifier import Classifier

    clf = Classifier.default()
    for item in items[:400]:
        clf.classify(item)  # warm-up: the lemma cache holds the vocabulary
    started, cpu = time.perf_counter(), time.process_time()
    for item in items:
        clf.classify(item)
    return len(items) / (time.perf_counter() - started), len(items) / (time.process_time() - cpu)


def verdict(worker_rate: float, ratio: float, p99: float) -> tuple[bool, str]:
    checks = [
        (worker_rate >= TARGET_ITEMS_PER_S, f"one worker {worker_rate:,.0f} items/s (target >= {TARGET_ITEMS_PER_S:,.0f})"),
        (ratio >= TARGET_RATIO, f"{ratio:.2f}x the classifier alone (target >= {TARGET_RATIO})"),
        (p99 < TARGET_P99_MS, f"p99 {p99:.0f} ms at the fixed load (target < {TARGET_P99_MS:.0f})"),
    ]
    ok = all(passed for passed, _ in checks)
    return ok, ("PASS" if ok else "FAIL") + "  " + "; ".join(text for _, text in checks)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    stop_processes(procs)


def measure(
    settings: Settings, env: dict[str, str], state: Path, articles: list[NewsItem], counts: list[int],
    args: argparse.Namespace, tag: str,
) -> dict[str, dict[str, float]]:
    """The sustained runs (and the latency run with the first worker count) of one set of
    workers started with ``env``; the workers are stopped before it returns."""
    procs: list[subprocess.Popen[bytes]] = []
    decisions = Decisions(settings)
    runs: dict[str, dict[str, float]] = {}
    try:
        def start_first() -> None:
            procs.append(_start_worker(env, state, f"{tag}-1"))

        runs["drain_1_workers"] = drain(settings, decisions, _items(articles, args.items, f"{tag}-d"), start_first,
                                        timeout=600)
        for count in counts:
            while len(procs) < count:
                procs.append(_start_worker(env, state, f"{tag}-{len(procs) + 1}"))
            _wait_ready(settings, decisions, articles[0])
            time.sleep(3 if count > 1 else 0)  # the group settles after the last join
            _wait_ready(settings, decisions, articles[0])
            runs[f"sustained_{count}_workers"] = sustained(
                settings, decisions, _items(articles, args.items, f"{tag}-s{count}"), timeout=600,
                pids=[p.pid for p in procs],
            )
            if count == counts[0]:
                n = int(args.rate * args.latency_seconds)
                runs[f"latency_{count}_workers"] = latency(
                    settings, decisions, _items(articles, n, f"{tag}-l{count}"), args.rate, timeout=120,
                    pids=[p.pid for p in procs],
                )
    finally:
        decisions.close()
        _stop(procs)
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10000, help="items of each sustained run (default 10000)")
    parser.add_argument("--rate", type=float, default=200.0, help="offered load of the latency run, items/s (default 200)")
    parser.add_argument("--latency-seconds", type=float, default=15.0, help="length of the latency run (default 15)")
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, comma-separated (default 1,2)")
    parser.add_argument("--partitions", type=int, default=6, help="partitions of the topics (default 6)")
    parser.add_argument("--stories", choices=("on", "off", "both"), default="on",
                        help="run the workers with the stories stage (on, as `oreradar worker` does by default), "
                             "classify only (off: ORERADAR_STORIES_ENABLED=false), or one after the other (both)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the worker logs and print where")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.workers.split(",") if c.strip()]
    modes = ["on", "off"] if args.stories == "both" else [args.stories]

    state = Path(tempfile.mkdtemp(prefix="oreradar-bench-"))
    own_broker = not os.environ.get("ORERADAR_KAFKA_BOOTSTRAP")
    tag = uuid.uuid4().hex[:8]
    settings = Settings.load(
        state_dir=state, partitions=args.partitions, consumer_group=f"bench-{tag}", metrics_port=0,
        **({"broker_port": _free_port()} if own_broker else {}),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORERADAR_")}
    env.update(
        ORERADAR_BROKER_PORT=str(settings.broker_port), ORERADAR_STATE_DIR=str(state),
        ORERADAR_PARTITIONS=str(args.partitions), ORERADAR_METRICS_PORT="0", ORERADAR_LOG_LEVEL="WARNING",
    )
    if settings.kafka_bootstrap:
        env["ORERADAR_KAFKA_BOOTSTRAP"] = settings.kafka_bootstrap
    figures: dict[str, object] = {"items": args.items}
    by_mode: dict[str, dict[str, dict[str, float]]] = {}
    try:
        if own_broker:
            broker_command(settings, "start")
        wait_for_cluster(settings, timeout=90)
        ensure_topics(settings)
        articles = build_articles(400)
        alone_rate, alone_cpu = classifier_alone(_items(articles, args.items, "alone"))
        figures["classifier_alone_items_per_s"] = alone_rate
        figures["classifier_alone_items_per_cpu_s"] = alone_cpu
        for mode in modes:
            # A consumer group of its own per mode: each set of workers reads news.raw afresh.
            # Topics of its own too (a prefix), so that its workers start on an empty news.raw.
            mode_settings = settings.model_copy(update={"topic_prefix": f"stories-{mode}."})
            ensure_topics(mode_settings)
            mode_env = {**env, "ORERADAR_CONSUMER_GROUP": f"{settings.consumer_group}-stories-{mode}",
                        "ORERADAR_TOPIC_PREFIX": mode_settings.topic_prefix,
                        "ORERADAR_STORIES_ENABLED": "true" if mode == "on" else "false"}
            by_mode[mode] = measure(mode_settings, mode_env, state, articles, counts, args, f"{tag}-{mode}")
    finally:
        if own_broker:
            broker_command(settings, "stop", check=False)
        if args.keep_logs:
            print(f"worker logs and broker data in {state}", file=sys.stderr)
        else:
            shutil.rmtree(state, ignore_errors=True)

    passed_all = True
    lines = [f"classifier alone    {alone_rate:,.0f} items/s (in-process, same items, {args.items} of them); "
             f"{alone_cpu:,.0f} per CPU second"]
    for mode, runs in by_mode.items():
        one = runs[f"sustained_{counts[0]}_workers"]
        lat = runs[f"latency_{counts[0]}_workers"]
        ratio = one["items_per_s"] / alone_rate
        cpu_ratio = one["worker_items_per_cpu_s"] / alone_cpu
        passed, line = verdict(one["items_per_s"], ratio, lat["p99_ms"])
        passed_all = passed_all and passed
        runs["summary"] = {"ratio_worker_over_classifier": ratio, "cpu_ratio_worker_over_classifier": cpu_ratio,
                           "passed": passed}
        figures[f"stories_{mode}"] = runs
        lines.append(f"-- stories stage {mode}" + (" (classify only)" if mode == "off" else ""))
        for count in counts:
            run = runs[f"sustained_{count}_workers"]
            lines.append(f"{count} worker(s)         {run['items_per_s']:,.0f} items/s sustained, publish to last decision "
                         f"({run['items']} items in {run['seconds']:.1f} s; producer alone {run['publish_items_per_s']:,.0f}/s); "
                         f"{run['worker_items_per_cpu_s']:,.0f} items per worker CPU second")
        pre = runs["drain_1_workers"]
        lines.append(f"1 worker, backlog   {pre['items_per_s']:,.0f} items/s first to last decision, {pre['items']} items "
                     f"published before it started (no producer beside it: the worker's own capacity)")
        lines.append(f"ratio               {ratio:.2f}x the classifier alone (one worker); per CPU second {cpu_ratio:.2f}x")
        lines.append(f"latency             p50 {lat['p50_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms, max {lat['max_ms']:.0f} ms "
                     f"at {lat['rate']:.0f} items/s ({lat['items']} items, one worker, "
                     f"{lat['worker_cpu_share']:.0%} of a core used)")
        lines.append(line)
    figures["passed"] = passed_all
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
