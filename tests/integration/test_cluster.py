"""Scale-out against a real 3-node KRaft cluster on this machine, started by the project's
own script (`oreradar broker start --nodes 3`): two workers share news.raw and one of them
dies (SIGTERM, then SIGKILL), or a broker node dies; every item is still decided, and every
relevant item still reaches a story, each story alerted.

Each `oreradar worker` runs its stories stage in a child process with a consumer group of
its own, so two workers are two classify members and two stories members; stopping a
worker stops its child, and both groups rebalance.

The cluster is started once for this module, on six free consecutive ports and in its own
state folder (it never meets the session's single broker or a developer's own).
Items are checked by id on news.signals: at-least-once may decide an item twice, never
zero times. Tests run in file order and share one worker group; the SIGKILL test comes last
because the killed member stays in the group until its session times out.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from oreradar.kafka_admin import _admin, ensure_topics
from oreradar.local_broker import running_broker
from oreradar.records import Alert, parse_alert
from oreradar.settings import Settings
from oreradar.topics import ALERTS, NEWS_RAW, NEWS_SIGNALS
from processors.stories_cli import read_topic, story_state
from tests.integration.kafka_helpers import (free_port_block, group_progress, settings_env, start_oreradar,
                                             stop_process, write_items)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NODES = 3
GROUP_PREFIX = "itc"
WORKER_GROUP = f"{GROUP_PREFIX}-worker"
STORIES_GROUP = f"{GROUP_PREFIX}-stories"
DECIDE_TIMEOUT = 300.0  # generous: after a SIGKILL the group first waits out the dead member's session


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = Settings(
        kafka_bootstrap=None,
        broker_port=free_port_block(2 * NODES),
        broker_nodes=NODES,
        state_dir=tmp_path_factory.mktemp("oreradar-cluster"),
        partitions=6,
        broker_heap="256m",
        consumer_group=GROUP_PREFIX,
        metrics_port=0,
        session_timeout=10.0,  # a SIGKILLed worker's partitions move after 10 s, not the default 30
    )
    with running_broker(settings, nodes=NODES, timeout=120):
        ensure_topics(settings)
        yield settings


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    for log in sorted(tmp_path.glob("*.log")):
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-12:])
        print(f"--- {log.name} (tail)\n{tail}")


# --- helpers --------------------------------------------------------------------------------


def replay(settings: Settings, path: Path, log: Path) -> subprocess.Popen[bytes]:
    return start_oreradar(["replay", "--no-progress", str(path)], settings_env(settings), log)


def finish_replay(proc: subprocess.Popen[bytes], log: Path, count: int) -> None:
    """`oreradar replay` published every item and says so: exit 0, none failed."""
    proc.wait(timeout=180)
    out = log.read_text(errors="replace")
    assert proc.returncode == 0, f"replay failed (exit {proc.returncode}):\n{out[-2000:]}"
    assert f"replay: published {count}, skipped 0, failed 0" in out


def decided(settings: Settings, ids: set[str], *, at_least: int | None = None, timeout: float = DECIDE_TIMEOUT) -> set[str]:
    """The ids of ``ids`` with a decision on news.signals, read from the beginning; returns as
    soon as ``at_least`` (default: all) are there, or at the timeout with what came."""
    from kafka import KafkaConsumer

    from oreradar.kafka_admin import kafka_client_config

    want = len(ids) if at_least is None else at_least
    consumer = KafkaConsumer(
        NEWS_SIGNALS, auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_bytes=32 * 1024 * 1024,
        **kafka_client_config(settings),
    )
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and len(seen) < want:
            for batch in consumer.poll(timeout_ms=500).values():
                seen.update(key for r in batch if r.key and (key := r.key.decode()) in ids)
    finally:
        consumer.close()
    return seen


def raw_assignment(settings: Settings, group_id: str = WORKER_GROUP, topic: str = NEWS_RAW) -> list[set[int]]:
    """The ``topic`` partitions of each member of a group (default: news.raw, the worker
    group; empty list: no stable group yet)."""
    from kafka.errors import KafkaError

    admin = _admin(settings)
    try:
        group = admin.describe_groups([group_id])[group_id]
    except KafkaError:
        return []  # no coordinator for a group that never met yet
    finally:
        admin.close()
    if group.get("error") or group.get("group_state") != "Stable":
        return []
    shares: list[set[int]] = []
    for member in group["members"]:
        assignment = member.get("member_assignment") or {}
        parts = {p for a in assignment.get("assigned_partitions", []) if a["topic"] == topic for p in a["partitions"]}
        shares.append(parts)
    return shares


def wait_for_assignment(settings: Settings, members: int, timeout: float = DECIDE_TIMEOUT, *,
                        group: str = WORKER_GROUP, topic: str = NEWS_RAW) -> list[set[int]]:
    """Wait until a group (default: the worker group) is stable with ``members`` members
    that split ``topic`` (default: news.raw) between them."""
    deadline = time.monotonic() + timeout
    shares: list[set[int]] = []
    while time.monotonic() < deadline:
        shares = raw_assignment(settings, group, topic)
        if len(shares) == members and all(shares) and set().union(*shares) == set(range(settings.partitions)):
            return shares
        time.sleep(1)
    raise AssertionError(f"{group} never settled on {members} member(s) sharing {topic}: {shares}")


def relevant_ids(settings: Settings, ids: set[str]) -> set[str]:
    """The ids of ``ids`` the classifier found relevant (their decisions on news.signals)."""
    from oreradar.records import Signal

    return {
        signal.id for record in read_topic(settings, NEWS_SIGNALS)
        if record.key and record.key.decode() in ids and (signal := Signal.from_json(record.value)).relevant
    }


def storied(settings: Settings, relevant: set[str], timeout: float = DECIDE_TIMEOUT) -> dict[str, set[str]]:
    """Story id -> the ids of ``relevant`` it holds, from the stories table's changelog,
    once every one of them is in a story (or at the timeout, with what is there)."""
    deadline = time.monotonic() + timeout
    while True:
        state = story_state(settings, include_latent=True, keep_expired=True)
        stories = {sid: held for sid, entry in state.items()
                   if (held := {s["id"] for s in entry.get("sources") or []} & relevant)}
        if set().union(*stories.values()) >= relevant or time.monotonic() > deadline:
            return stories
        time.sleep(5)


def alerted_stories(settings: Settings) -> set[str]:
    """The story ids of every story revision on the alerts topic."""
    return {alert.story_id for record in read_topic(settings, ALERTS)
            if isinstance(alert := parse_alert(record.value), Alert)}


def stall_report(settings: Settings, missing: set[str]) -> str:
    """Where the items that never reached a story stopped: forwarded to the stories inbox
    or not, and how far the stories group got on each partition."""
    from processors.cluster_stories import inbox_topic_name

    inbox = inbox_topic_name(STORIES_GROUP)
    forwarded = {key for record in read_topic(settings, inbox) if record.key
                 and (key := json.loads(record.value).get("id")) in missing}
    lines = [f"stall: {len(missing)} missing, {len(forwarded)} of them on {inbox}"]
    for topic, parts in sorted(group_progress(settings, STORIES_GROUP, NEWS_SIGNALS).items()):
        for partition, (done, end) in sorted(parts.items()):
            lines.append(f"  {topic}[{partition}] committed {done} end {end}" + ("  <- behind" if (done or 0) != end else ""))
    return "\n".join(lines)


def check_stories(settings: Settings, ids: set[str], phase: Phases) -> None:
    """Every relevant item of ``ids`` reached a story (the stories stage caught up after
    the rebalance), and every one of those stories raised at least one alert."""
    relevant = relevant_ids(settings, ids)
    assert len(relevant) >= len(ids) // 4, f"only {len(relevant)} of {len(ids)} items relevant: not a test of stories"
    stories = storied(settings, relevant)
    missing = relevant - set().union(*stories.values())
    # Where the group stood is in the message: the partitions it had not committed to the
    # end, and whether the missing items reached the stories inbox.
    assert not missing, (f"{len(missing)} of {len(relevant)} relevant items never reached a story after the "
                         f"rebalance, e.g. {sorted(missing)[:5]}\n{stall_report(settings, missing)}")
    phase(f"all {len(relevant)} relevant items are in {len(stories)} stories")
    silent = set(stories) - alerted_stories(settings)
    assert not silent, f"{len(silent)} of {len(stories)} stories never alerted, e.g. {sorted(silent)[:5]}"
    phase("every story alerted")


def java_string_hash(text: str) -> int:
    h = 0
    for ch in text:
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def coordinator_node(settings: Settings, group: str) -> int:
    """The broker that coordinates ``group``: the leader of its __consumer_offsets partition
    (Kafka's own rule: abs(group.hashCode) % partitions; broker.sh makes 6 of them)."""
    admin = _admin(settings)
    try:
        (offsets,) = admin.describe_topics(["__consumer_offsets"])
    finally:
        admin.close()
    partition = (java_string_hash(group) & 0x7FFFFFFF) % len(offsets["partitions"])
    return next(p["leader_id"] for p in offsets["partitions"] if p["partition_index"] == partition)


class Phases:
    """Prints where a test's time goes (seconds since it began), for the -s output."""

    def __init__(self) -> None:
        self.began = time.monotonic()

    def __call__(self, name: str) -> None:
        print(f"[{time.monotonic() - self.began:6.1f}s] {name}")


def start_workers(settings: Settings, logs: Path, count: int) -> list[subprocess.Popen[bytes]]:
    """``count`` whole workers (`oreradar worker`: classify, and stories in a child)."""
    return [start_oreradar(["worker"], settings_env(settings), logs / f"worker{i + 1}.log") for i in range(count)]


def replay_around(settings: Settings, logs: Path, first: list[str], second: list[str],
                  disrupt: Callable[[], str], phase: Phases) -> None:
    """Replay ``first``; once 100 of it are decided call ``disrupt`` (it says what it did);
    replay ``second`` with a new producer: every item of both must be decided."""
    proc = replay(settings, logs / "first.jsonl", logs / "replay-first.log")
    early = decided(settings, set(first), at_least=100)
    assert len(early) >= 100, "the workers did not start deciding"
    phase(f"{len(early)} decided; {disrupt()}")
    finish_replay(proc, logs / "replay-first.log", len(first))
    # A new producer bootstraps from what is left.
    proc = replay(settings, logs / "second.jsonl", logs / "replay-second.log")
    finish_replay(proc, logs / "replay-second.log", len(second))
    phase("both halves published")

    everything = set(first) | set(second)
    missing = everything - decided(settings, everything)
    assert not missing, f"{len(missing)} of {len(everything)} items never decided, e.g. {sorted(missing)[:5]}"
    phase("every item decided")
    check_stories(settings, everything, phase)


STORY_STAGE_READY = "trend series loaded"  # what cluster_stories logs when it (re)builds its stage


def clustering_worker(logs: Path, count: int, timeout: float = 120.0) -> int:
    """Which of the ``count`` workers (0-based) has the stories process that clusters: the
    one that owns the inbox's one busy partition, hence the tables. Only that process
    builds its stage (it logs STORY_STAGE_READY), and Kafka's group metadata cannot tell
    two members on one host apart, so its log is what says."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = [i for i in range(count) if STORY_STAGE_READY in (logs / f"worker{i + 1}.log").read_text(errors="replace")]
        if len(ready) == 1:
            return ready[0]
        time.sleep(0.5)
    raise AssertionError("no single worker's stories process started clustering")


def child_pids(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def two_workers_lose_one(settings: Settings, logs: Path, sig: int) -> None:
    """Two workers share news.raw; the first half of the items is replayed, the worker whose
    stories process holds the story tables gets ``sig`` while they work on it (SIGKILL
    kills its stories process too, as a crashed host would), the second half follows:
    every item is decided, and the survivor's stories process recovers the tables and
    puts every relevant item in a story, every story alerted."""
    tag = uuid.uuid4().hex[:8]
    first = write_items(logs / "first.jsonl", 1000, f"{tag}-a")
    second = write_items(logs / "second.jsonl", 1000, f"{tag}-b")
    workers = start_workers(settings, logs, 2)
    phase = Phases()
    try:
        shares = wait_for_assignment(settings, members=2)
        phase(f"two workers share news.raw: {shares}")
        assert len(shares) == 2 and not shares[0] & shares[1], f"two workers should split news.raw: {shares}"
        # ... and their stories processes news.signals, in a group of their own.
        stories = wait_for_assignment(settings, members=2, group=STORIES_GROUP, topic=NEWS_SIGNALS)
        phase(f"two stories processes share news.signals: {stories}")

        victim = workers[0]

        def stop_one() -> str:
            nonlocal victim
            index = clustering_worker(logs, len(workers))
            victim = workers[index]
            doomed = [victim.pid] + (child_pids(victim.pid) if sig == signal.SIGKILL else [])
            for pid in doomed:
                os.kill(pid, sig)
            return f"worker {index + 1} (its stories process clusters) sent signal {sig}: pids {doomed}"

        replay_around(settings, logs, first, second, stop_one, phase)
        victim.wait(timeout=60)
        phase(f"the stopped worker exited with {victim.returncode}")
        # The survivor holds every partition of news.raw now, its stories process every one
        # of news.signals (the first worker's child stopped with it).
        assert wait_for_assignment(settings, members=1) == [set(range(settings.partitions))]
        assert wait_for_assignment(settings, members=1, group=STORIES_GROUP, topic=NEWS_SIGNALS) == [
            set(range(settings.partitions))]
    finally:
        for worker in workers:
            stop_process(worker)


# --- tests ----------------------------------------------------------------------------------


def test_topics_are_replicated_on_every_node(cluster: Settings) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType

    assert cluster.bootstrap.count(",") == NODES - 1, "the bootstrap lists every node"
    admin = _admin(cluster)
    try:
        assert len(admin.describe_cluster()["brokers"]) == NODES
        # Each node learns new topics from the controller on its own time: the node this
        # client asks may not have caught up with the one that confirmed the creation.
        admin.wait_for_topics([NEWS_RAW, NEWS_SIGNALS], timeout_ms=30000)
        for topic in admin.describe_topics([NEWS_RAW, NEWS_SIGNALS]):
            assert len(topic["partitions"]) == cluster.partitions
            assert all(sorted(p["replica_nodes"]) == [1, 2, 3] for p in topic["partitions"])
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, NEWS_RAW)])
        assert configs["topic"][NEWS_RAW]["min.insync.replicas"]["value"] == "2"
    finally:
        admin.close()
    status = subprocess.run(
        [sys.executable, "-m", "oreradar", "broker", "status"], env=settings_env(cluster), capture_output=True, text=True
    )
    assert status.returncode == 0
    assert all(f"node {n}: running" in status.stderr for n in range(1, NODES + 1)), status.stderr


def test_a_worker_stopped_by_sigterm_hands_its_partitions_over(cluster: Settings, logs: Path) -> None:
    two_workers_lose_one(cluster, logs, signal.SIGTERM)


def test_a_broker_node_killed_mid_replay_loses_nothing(cluster: Settings, logs: Path) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType

    tag = uuid.uuid4().hex[:8]
    first = write_items(logs / "first.jsonl", 2000, f"{tag}-a")
    second = write_items(logs / "second.jsonl", 1000, f"{tag}-b")
    workers = start_workers(cluster, logs, 2)
    phase = Phases()
    try:
        wait_for_assignment(cluster, members=2)
        phase("two workers share news.raw")
        # Faust created its own topics with the cluster's replication too.
        admin = _admin(cluster)
        try:
            leader_topic = next(t for t in admin.list_topics() if t.startswith(f"{WORKER_GROUP}-__assignor"))
            (described,) = admin.describe_topics([leader_topic])
            assert all(len(p["replica_nodes"]) == NODES for p in described["partitions"])
            configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, leader_topic)])
            assert configs["topic"][leader_topic]["min.insync.replicas"]["value"] == "2"
        finally:
            admin.close()

        # The hardest node to lose: the one coordinating the worker group.
        victim = coordinator_node(cluster, WORKER_GROUP)
        pid = int((cluster.state_dir / "kafka" / f"node{victim}" / "broker.pid").read_text())
        def kill_node() -> str:
            subprocess.run(["kill", "-KILL", str(pid)], check=True)
            return f"node {victim} (coordinator of {WORKER_GROUP}) SIGKILLed"

        replay_around(cluster, logs, first, second, kill_node, phase)
        assert all(worker.poll() is None for worker in workers), "a worker died with the broker node"
    finally:
        for worker in workers:
            stop_process(worker)
    # The node comes back with `oreradar broker start --node N` and rejoins.
    env = settings_env(cluster)
    started = subprocess.run([sys.executable, "-m", "oreradar", "broker", "start", "--node", str(victim)], env=env)
    assert started.returncode == 0
    status = subprocess.run([sys.executable, "-m", "oreradar", "broker", "status"], env=env)
    assert status.returncode == 0
    phase(f"node {victim} back")


def test_a_worker_killed_by_sigkill_loses_nothing(cluster: Settings, logs: Path) -> None:
    two_workers_lose_one(cluster, logs, signal.SIGKILL)
