"""The stories agents under Faust's test harness (memory broker and tables), no Kafka."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from unittest.mock import AsyncMock

import pytest
from prometheus_client import CollectorRegistry

from oreradar.metrics import PipelineMetrics, StoryMetrics
from oreradar.records import Signal, parse_alert
from oreradar.settings import Settings
from processors import batches, cluster_stories
from processors.app import build_app

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)


def lemmas(words: list[str]) -> list[str]:
    return [w.lower() for w in words]


def signal(item_id: str, *, title: str, lang: str = "en", hour: int = 8, severity: str = "high",
           relevant: bool = True, **fields: object) -> bytes:
    data = dict(id=item_id, relevant=relevant, severity=severity if relevant else None, title=title, lang=lang,
                source=f"outlet-{item_id}", published=f"2025-03-10T{hour:02d}:00:00Z",
                signal_types=["export_control"], countries=["CN"], commodities=["gallium"])
    data.update(fields)
    return json.dumps(data).encode()


def acknowledged(**kwargs: object) -> asyncio.Future[None]:
    """What Topic.send gives back: a future the broker's acknowledgement resolves (here at once)."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


@pytest.fixture
def harness(monkeypatch):  # type: ignore[no-untyped-def]
    registry = CollectorRegistry()
    pipeline, metrics = PipelineMetrics(registry), StoryMetrics(registry)
    app, topics = build_app(Settings(metrics_port=0, partitions=2))
    forward, cluster = cluster_stories.register(app, topics, metrics, pipeline, clock=lambda: NOW, lemmatize=lemmas)
    sends = {name: AsyncMock(side_effect=acknowledged) for name in ("alerts", "deadletter")}
    for name, mock in sends.items():
        object.__setattr__(getattr(topics, name), "send", mock)
    # No broker here: faust's test harness never sends the producer's buffer, so a batch
    # would wait for its table writes until the agent is stopped.
    monkeypatch.setattr(cluster_stories, "_tables_written", AsyncMock())
    # A batch that fails would end the process (whole_batch_or_exit): here it fails the test.
    exits: list[int] = []
    monkeypatch.setattr(batches, "exit_process", exits.append)
    yield app, forward, cluster, sends, registry
    assert not exits, "an agent gave up a batch half done (see the log)"


def sent(mock: AsyncMock) -> list[dict]:
    return [json.loads(call.kwargs["value"]) for call in mock.await_args_list]


async def test_reports_of_one_event_make_one_story_with_revisions(harness) -> None:  # type: ignore[no-untyped-def]
    app, _forward, cluster, sends, registry = harness
    async with cluster.test_context() as agent:
        await agent.put(key=b"stories", value=signal("a", title="China curbs gallium exports from August", hour=8))
        await agent.put(key=b"stories", value=signal("a", title="China curbs gallium exports from August", hour=8))
        await agent.put(key=b"stories", value=signal("b", title="Китай ограничил экспорт галлия", lang="ru", hour=10,
                                                      severity="critical"))
        await agent.put(key=b"stories", value=signal("c", title="China curbs gallium exports from August", hour=11,
                                                     source="wire"))
    alerts = [parse_alert(json.dumps(a)) for a in sent(sends["alerts"])]
    assert [a.revision for a in alerts if a.kind == "story"] == [1, 2]
    second = alerts[1]
    assert second.kind == "story" and second.severity == "critical" and "language +ru" in second.changes
    assert [s.id for s in second.sources] == ["a", "b"] and second.sources[1].join is not None
    assert len({a.story_id for a in alerts if a.kind == "story"}) == 1
    get = registry.get_sample_value
    assert get("oreradar_stories_total", {"outcome": "new_story"}) == 1
    assert get("oreradar_stories_total", {"outcome": "duplicate"}) == 1
    assert get("oreradar_stories_total", {"outcome": "revision"}) == 1
    assert get("oreradar_stories_total", {"outcome": "copy"}) == 1
    assert get("oreradar_story_lead_time_seconds_count", {"first_lang": "en", "later_lang": "ru"}) == 1
    assert get("oreradar_story_lead_time_seconds_sum", {"first_lang": "en", "later_lang": "ru"}) == 7200
    assert get("oreradar_stories_open") == 1
    # The state is in the table, as plain JSON-able dicts that the changelog carries.
    table = app.tables["stories"]
    assert sorted(table.keys()) == sorted([second.story_id, "r:a", "r:b", "r:c"])
    assert table["r:c"]["source"]["copy_of"] == "a" and table["r:c"]["report"] is None  # a copy keeps no features
    assert table[second.story_id]["revision"] == 2 and table[second.story_id]["size"] == 3


async def test_a_batch_sends_its_alerts_before_it_writes_the_table(harness) -> None:  # type: ignore[no-untyped-def]
    """The table decides what is new (a report it holds raises nothing again): were it written
    first, a stop before the alerts went out would lose them for good."""
    app, _forward, cluster, sends, _registry = harness
    table = app.tables["stories"]
    in_table_at_send: list[bool] = []

    def send(**kwargs: object) -> asyncio.Future[None]:
        in_table_at_send.append("r:a" in table)
        return acknowledged()

    sends["alerts"].side_effect = send
    async with cluster.test_context() as agent:
        await agent.put(key=b"stories", value=signal("a", title="China curbs gallium exports from August"))
    assert in_table_at_send == [False]
    assert "r:a" in table  # and written once the alert was acknowledged


async def test_stale_table_entry_is_dropped_and_counted_not_a_crash(harness) -> None:  # type: ignore[no-untyped-def]
    app, _forward, cluster, sends, registry = harness
    async with cluster.test_context() as agent:
        # As recovery from the changelog would leave it: straight into the table's store.
        app.tables["stories"].data["s-old"] = {"version": 0, "story_id": "s-old"}
        await agent.put(key=b"stories", value=signal("a", title="China curbs gallium exports"))
    assert "s-old" not in app.tables["stories"]
    assert registry.get_sample_value("oreradar_dropped_total", {"stage": "stories", "reason": "stale_state"}) == 1
    assert len(sent(sends["alerts"])) == 1


async def test_clock_jump_is_counted_and_the_report_redated(harness) -> None:  # type: ignore[no-untyped-def]
    _app, _forward, cluster, sends, registry = harness
    future = json.loads(signal("f", title="China curbs gallium exports"))
    future["published"] = "2031-01-01T00:00:00Z"
    async with cluster.test_context() as agent:
        await agent.put(key=b"stories", value=json.dumps(future).encode())
        await agent.put(key=b"stories", value=signal("g", title="Beijing limits gallium exports", hour=9))
    assert registry.get_sample_value("oreradar_dropped_total", {"stage": "stories", "reason": "clock_skew"}) == 1
    alerts = sent(sends["alerts"])
    assert alerts and not alerts[0]["sources"][0]["published"].startswith("2031")
    # The future date did not push the clock years ahead: the later report still joined the story.
    assert len({a["story_id"] for a in alerts}) == 1


async def test_forwarder_dead_letters_invalid_signals_and_drops_what_it_never_needs(harness) -> None:  # type: ignore[no-untyped-def]
    _app, forward, _cluster, sends, registry = harness
    async with forward.test_context() as agent:
        await agent.put(key=b"x", value=b"{not json")
        await agent.put(key=b"y", value=json.dumps({"id": "y", "relevant": True}).encode())  # relevant needs severity
        await agent.put(key=b"z", value=Signal(id="z", relevant=False).to_json())
    dead = sent(sends["deadletter"])
    assert [d["key"] for d in dead] == ["x", "y"] and all(d["stage"] == "stories" for d in dead)
    assert registry.get_sample_value("oreradar_dropped_total", {"stage": "stories", "reason": "invalid_record"}) == 2
