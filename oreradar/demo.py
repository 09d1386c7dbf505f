"""``oreradar demo``: the embedded default end to end, then everything it started is stopped.

Order matters: watchers on ``news.signals`` and ``alerts`` are positioned at the end of
each partition before the replay, so the demo reports exactly this run's decisions even
when the topics hold earlier ones.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from oreradar.errors import BrokerError
from oreradar.kafka_admin import ensure_topics, kafka_client_config, wait_for_cluster
from oreradar.records import Alert, Evidence, Signal, TrendAlert, parse_alert
from oreradar.settings import SEEDS_DIR, Settings
from oreradar.topics import ALERTS, NEWS_SIGNALS
from oreradar.processes import stop_processes
from producers.replay_cli import replay_paths
from sinks.console import summary_line
from sinks.routing import AlertFacts, Subscriptions, load_subscriptions, match

__all__ = ["run_demo", "TopicWatcher"]

log = logging.getLogger(__name__)
console = Console(highlight=False, soft_wrap=True)


class TopicWatcher:
    """Reads a topic from 'now' on, without a consumer group (nothing is committed)."""

    def __init__(self, settings: Settings, topic: str):
        from kafka import KafkaConsumer, TopicPartition

        self._consumer = KafkaConsumer(enable_auto_commit=False, **kafka_client_config(settings))
        partitions = self._consumer.partitions_for_topic(topic) or set()
        if not partitions:
            raise BrokerError(f"topic {topic} has no partitions; was it created?")
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        self._consumer.assign(assigned)
        self._consumer.seek_to_end(*assigned)
        for tp in assigned:
            self._consumer.position(tp)  # resolve the lazy seek now, before anything is replayed

    def poll(self, timeout_ms: int = 500) -> list[bytes]:
        batches = self._consumer.poll(timeout_ms=timeout_ms)
        return [record.value for batch in batches.values() for record in batch]

    def close(self) -> None:
        self._consumer.close()


@contextmanager
def _process(name: str, args: list[str], log_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A child `oreradar` process whose output goes to a log file; stopped on exit."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"demo-{name}.log"
    with log_path.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "oreradar", *args], stdout=out, stderr=subprocess.STDOUT)
        console.print(f"[dim]started {name} (pid {proc.pid}, log {log_path})[/]")
        try:
            yield proc
        finally:
            stop_processes([proc])
            console.print(f"[dim]stopped {name} (exit {proc.returncode})[/]")


def demo_subscriptions_file(settings: Settings) -> Path:
    """ORERADAR_SUBSCRIPTIONS_FILE when set, else the sample that delivers to the console and the JSONL file."""
    return settings.subscriptions_file or SEEDS_DIR / "subscriptions.yaml"


def _print_matches(alert: Alert, subs: Subscriptions) -> None:
    facts = AlertFacts.of(alert)
    matched = [(sub.name, match(sub.match, facts)) for sub in subs.subscriptions]
    shown = [f"{escape(name)} ({escape('; '.join(result.reasons))})" for name, result in matched if result]
    console.print("      [dim]matched:[/] " + (", ".join(shown) if shown else "[dim]no subscription[/]"))


def _print_alert(alert: Alert, subs: Subscriptions | None = None) -> None:
    style = {"critical": "bold red", "high": "red", "medium": "yellow"}.get(alert.severity or "", "cyan")
    console.print(f"[{style}]ALERT[/] {escape(summary_line(alert))}")
    console.print(f"      [dim]story {alert.story_id} revision {alert.revision}:[/] {escape('; '.join(alert.changes))}")
    for source in alert.sources:
        how = "first report" if source.join is None else (
            f"copy of {source.join.joined_to}" if source.join.method == "copy"
            else f"joined {source.join.joined_to} (score {source.join.score}: "
                 + ", ".join(source.join.commodities + source.join.organizations + source.join.countries) + ")")
        console.print(f"      [dim]source:[/] {escape(source.source or source.id)} [{source.lang or '?'}] {escape(how)}")
    if subs is not None:
        _print_matches(alert, subs)
    first_of: dict[tuple[str, str], Evidence] = {}
    for ev in alert.evidence:
        first_of.setdefault((ev.kind, ev.concept), ev)
    for kind in ("signal_type", "country", "commodity", "organization"):
        parts = [
            f"{escape(ev.text)}→{escape(ev.concept)} ({ev.field} {ev.start}-{ev.end})"
            for (k, _), ev in first_of.items() if k == kind
        ]
        if parts:
            console.print(f"      [dim]{kind}:[/] " + "; ".join(parts[:8]) + (f" (+{len(parts) - 8})" if len(parts) > 8 else ""))
    if alert.amounts:
        console.print("      [dim]amounts:[/] " + "; ".join(f"{a.value:,.0f} {a.currency}" for a in alert.amounts))


def _dispatcher_caught_up(settings: Settings) -> bool:
    """True once the dispatcher's committed offsets reach the end of ``alerts``."""
    return _caught_up(settings, f"{settings.consumer_group}-alerts", [ALERTS])


def _stories_caught_up(settings: Settings) -> bool:
    """True once the worker's stories stage (its own process and group) has read
    ``news.signals`` and its inbox to their ends: every alert they make is then sent."""
    from processors.cluster_stories import inbox_topic_name, stories_app_id

    group = stories_app_id(settings)
    return _caught_up(settings, group, [NEWS_SIGNALS, inbox_topic_name(group)])


def _caught_up(settings: Settings, group: str, topics: list[str]) -> bool:
    """True once ``group``'s committed offsets reach the end of every partition of ``topics``."""
    from kafka import KafkaConsumer, TopicPartition

    # A consumer in the group that never subscribes: it only reads commits.
    consumer = KafkaConsumer(group_id=group, enable_auto_commit=False, **kafka_client_config(settings))
    try:
        partitions = [TopicPartition(topic, p) for topic in topics for p in consumer.partitions_for_topic(topic) or ()]
        ends = consumer.end_offsets(partitions)
        return all(end == 0 or (consumer.committed(tp) or 0) >= end for tp, end in ends.items())
    finally:
        consumer.close()


def _wait(predicate, timeout: float, step: float = 0.5) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def run_demo(settings: Settings, paths: list[Path], *, timeout: float = 120.0, keep_broker: bool = False) -> int:
    from oreradar.local_broker import broker_command, broker_running

    started_broker = False
    if settings.local_broker:
        if not broker_running(settings):
            broker_command(settings, "start")
            started_broker = not keep_broker
    else:
        console.print(f"using the Kafka cluster at {settings.bootstrap}")
    try:
        wait_for_cluster(settings)
        ensure_topics(settings)
        return _run_pipeline(settings, paths, timeout)
    finally:
        if started_broker:
            broker_command(settings, "stop", check=False)


def _run_pipeline(settings: Settings, paths: list[Path], timeout: float) -> int:
    log_dir = settings.state_dir / "logs"
    subs_file = demo_subscriptions_file(settings)
    subs = load_subscriptions(subs_file)  # a bad file stops the demo here, with every problem and its line
    console.print(f"[dim]subscriptions: {subs_file} ({', '.join(s.name for s in subs.subscriptions)})[/]")
    with ExitStack() as stack:
        signals_watch = TopicWatcher(settings, NEWS_SIGNALS)
        stack.callback(signals_watch.close)
        alerts_watch = TopicWatcher(settings, ALERTS)
        stack.callback(alerts_watch.close)
        worker = stack.enter_context(_process("worker", ["worker"], log_dir))
        dispatcher = stack.enter_context(
            _process("alerts", ["alerts", "--quiet", "--subscriptions", str(subs_file)], log_dir)
        )

        summary = replay_paths(settings, paths, progress=True)
        console.print(summary.line())
        replayed = set(summary.ids)
        pending = set(replayed)
        decided: dict[str, Signal] = {}
        shown: set[str] = set()
        deadline = time.monotonic() + timeout
        with console.status(f"waiting for {len(pending)} decisions…") as status:
            while pending and time.monotonic() < deadline:
                for raw in signals_watch.poll(300):
                    sig = Signal.from_json(raw)
                    if sig.id in pending:
                        pending.discard(sig.id)
                        decided[sig.id] = sig
                _drain_alerts(alerts_watch, replayed, shown, subs)
                status.update(f"waiting for {len(pending)} decisions…")
                for name, proc in (("worker", worker), ("alerts", dispatcher)):
                    if proc.poll() is not None:
                        console.print(f"[red]{name} exited early (code {proc.returncode}); see {log_dir}/demo-{name}.log[/]")
                        return 1
        # Alerts may trail their decisions by a moment (and reports that join a story raise
        # an alert only when they add something, so there may be fewer alerts than relevant items).
        relevant = {s.id for s in decided.values() if s.relevant}
        if settings.stories_enabled:
            # The stories stage runs in a process and group of its own and may still be
            # working through what news.signals held before this run: wait for it (within
            # the demo's timeout), then for its last alerts to reach us.
            _wait(lambda: _drain_alerts(alerts_watch, replayed, shown, subs) >= len(relevant)
                  or _stories_caught_up(settings), timeout=max(10.0, deadline - time.monotonic()))
        _wait(lambda: _drain_alerts(alerts_watch, replayed, shown, subs) >= len(relevant), timeout=10)
        delivered = _wait(lambda: _dispatcher_caught_up(settings), timeout=30)

    console.print(
        f"demo: {len(decided)} decisions ({len(relevant)} relevant), {len(shown)} alerts shown; "
        f"alerts file {settings.alerts_path}" + ("" if delivered else " [yellow](dispatcher had not caught up)[/]")
    )
    if pending:
        console.print(f"[red]demo: no decision within {timeout:.0f}s for {len(pending)} items; see {log_dir}[/]")
        return 1
    if relevant and not shown:
        # A second run over the same state: every report is a duplicate by item id.
        console.print("[yellow]demo: no new alerts: the stories stage already holds these reports (a report it "
                      "has seen raises nothing). `oreradar stories` lists their stories; a new "
                      "ORERADAR_STATE_DIR starts afresh.[/]")
    return 0


def _drain_alerts(watch: TopicWatcher, ids: set[str], shown: set[str], subs: Subscriptions | None = None) -> int:
    """Print the alerts of this run not shown yet, with the subscriptions each matched; return how many in all."""
    for raw in watch.poll(200):
        alert = parse_alert(raw)
        if isinstance(alert, TrendAlert):
            if alert.alert_id not in shown:
                shown.add(alert.alert_id)
                console.print(f"[magenta]TREND[/] {alert.country}/{alert.commodity}/{alert.signal_type}: "
                              f"{alert.count} reports in the hour from {alert.bucket_start:%Y-%m-%d %H:00}, "
                              f"baseline {alert.baseline}/h, p={alert.p_value:.1e}, stories {', '.join(alert.story_ids)}")
        elif alert.id in ids and alert.alert_id not in shown:
            shown.add(alert.alert_id)
            _print_alert(alert, subs)
    return len(shown)
