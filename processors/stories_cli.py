"""``oreradar stories``: recent stories, their sources, lead times and join evidence.

    $ oreradar stories            # a block per story, newest first
    $ oreradar stories --json     # one JSON object per story (the table entry plus lead times)

It reads the state where it lives: the changelog topic of the worker's ``stories``
table (``<ORERADAR_CONSUMER_GROUP>-stories-stories-changelog``: the stories stage's app is
``<ORERADAR_CONSUMER_GROUP>-stories``), from the beginning to
its current end, keeping the last value of each story (a tombstone removes an expired
one). No consumer group, nothing committed; the worker need not be running.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import click

from oreradar.errors import BrokerError
from oreradar.settings import Settings

__all__ = ["stories", "read_topic", "story_state", "lead_times", "eval_stories"]


def read_topic(settings: Settings, topic: str, *, timeout: float = 30.0) -> list[Any]:
    """Every record of ``topic`` from the beginning up to its end as of now ([] if it does not exist)."""
    from kafka import KafkaConsumer, TopicPartition

    from oreradar.kafka_admin import kafka_client_config

    consumer = KafkaConsumer(enable_auto_commit=False, **kafka_client_config(settings))
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                raise BrokerError(f"reading {topic} timed out after {timeout:.0f}s")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def story_state(settings: Settings, *, include_latent: bool = False, keep_expired: bool = False
                ) -> dict[str, dict[str, Any]]:
    """Story id -> the story (``Story.to_dict()``) from the worker's table, as of the changelog's end.

    ``keep_expired``: ignore tombstones, so expired stories keep their last entry (golden runs).
    """
    from processors.cluster_stories import changelog_topic_name, stories_app_id
    from processors.stories.book import assemble

    state: dict[str, Any] = {}  # table key -> entry
    for record in read_topic(settings, changelog_topic_name(stories_app_id(settings))):
        try:
            key = json.loads(record.key)
        except (TypeError, ValueError):
            continue
        if record.value is None:
            if not keep_expired:
                state.pop(key, None)
            continue
        try:
            value = json.loads(record.value)
        except ValueError:
            continue
        if isinstance(value, dict):
            state[key] = value
    stories, _ = assemble(state.items())
    if not include_latent:
        stories = {k: v for k, v in stories.items() if v.get("relevant", 1)}
    return stories


def lead_times(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Each source with how long after the story's first report it came (seconds)."""
    sources = [s for s in entry.get("sources") or [] if s.get("published")]
    if not sources:
        return []
    first = min(datetime.fromisoformat(s["published"]) for s in sources)
    return [{**s, "lead_seconds": (datetime.fromisoformat(s["published"]) - first).total_seconds()} for s in sources]


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"+{minutes}m"
    hours, minutes = divmod(minutes, 60)
    return f"+{hours}h{minutes:02d}m" if hours < 48 else f"+{hours // 24}d{hours % 24:02d}h"


def _evidence(join: dict[str, Any] | None) -> str:
    if not join:
        return "first report"
    if join.get("method") == "copy":
        return f"copy of {join.get('joined_to')} (MinHash {join.get('score')})"
    parts = [f"event, score {join.get('score')} vs {join.get('joined_to')}"]
    for key in ("commodities", "countries", "organizations", "signal_types", "amounts"):
        if join.get(key):
            parts.append(f"{key} {','.join(join[key])}")
    if join.get("terms"):
        parts.append("terms " + ",".join(join["terms"][:8]))
    return "; ".join(parts)


@click.command("stories")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per story")
@click.option("--limit", default=20, show_default=True, help="how many stories (newest first)")
@click.pass_context
def stories(ctx: click.Context, as_json: bool, limit: int) -> None:
    """Recent stories (inside the joining window): sources, lead times, join evidence."""
    settings: Settings = ctx.obj["settings"]
    state = story_state(settings)
    ordered = sorted(state.values(), key=lambda e: e.get("opened", ""), reverse=True)[:limit]
    if as_json:
        for entry in ordered:
            entry = {k: v for k, v in entry.items() if k != "reports"}  # features: bulky, internal
            entry["sources"] = lead_times(entry)
            click.echo(json.dumps(entry, ensure_ascii=False))
        return
    if not ordered:
        click.echo("no open stories (is the worker running, and ORERADAR_CONSUMER_GROUP the same?)")
        return
    for entry in ordered:
        titles = {r["id"]: r.get("title", "") for r in entry.get("reports") or []}
        click.echo(
            f"{entry['story_id']}  rev {entry.get('revision')}  {str(entry.get('severity')).upper()}  "
            f"{','.join(entry.get('signal_types') or []) or '-'}  {','.join(entry.get('countries') or []) or '-'}  "
            f"{','.join(entry.get('commodities') or []) or '-'}"
        )
        for source in lead_times(entry):
            click.echo(
                f"  {_span(source['lead_seconds']):>8}  {source.get('lang') or '?':<3} {source.get('source') or '?'}: "
                f"{titles.get(source['id'], source['id'])[:90]}"
            )
            click.echo(f"            {_evidence(source.get('join'))}")


def eval_stories(paths: list[Any], *, as_json: bool = False) -> None:
    """``oreradar eval --stories``: classify each line as the worker does, assign stories, score pairs."""
    from oreradar.records import NewsItem, Signal
    from processors.classifier import Classifier
    from processors.handle_raw import handle_raw
    from processors.stories.evaluate import evaluate_stories, read_story_set
    from producers.replay import expand_paths

    files = [p for p in expand_paths(paths) if p.suffix == ".jsonl"]
    cases = read_story_set(files)
    if not cases:
        raise click.ClickException("no story evaluation lines found (JSONL NewsItems with `event`)")
    classifier = Classifier.default()

    def prepare(item: NewsItem, _signal: Signal) -> Signal:
        outcome = handle_raw(item.to_json(), lambda _: _signal)  # the worker's own step: source, published, lead
        assert outcome.signal is not None
        return outcome.signal

    report = evaluate_stories(classifier.classify, cases, prepare=prepare)
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.render())
