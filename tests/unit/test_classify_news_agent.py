"""The agent run by Faust's own test harness (memory broker), no Kafka needed."""

from __future__ import annotations

import json
from unittest.mock import AsyncMock

import pytest
from prometheus_client import CollectorRegistry

from oreradar.metrics import PipelineMetrics
from oreradar.records import NewsItem, Signal
from oreradar.settings import Settings
from processors import classify_news
from processors.app import build_app


def classify(item: NewsItem) -> Signal:
    relevant = "rare earth" in item.title
    return Signal(id=item.id, relevant=relevant, severity="critical" if relevant else None)


@pytest.fixture
def harness():  # type: ignore[no-untyped-def]
    registry = CollectorRegistry()
    metrics = PipelineMetrics(registry)
    app, topics = build_app(Settings(metrics_port=0))  # test_context never connects
    agent = classify_news.register(app, topics, classify, metrics)
    sends = {name: AsyncMock() for name in ("signals", "alerts", "deadletter")}
    for name, mock in sends.items():
        object.__setattr__(getattr(topics, name), "send", mock)
    return agent, sends, registry


async def test_agent_sends_decisions_and_dead_letters_only(harness) -> None:  # type: ignore[no-untyped-def]
    agent, sends, registry = harness
    async with agent.test_context() as agent_ctx:
        await agent_ctx.put(key=b"a", value=json.dumps({"id": "a", "title": "China curbs rare earth exports"}).encode())
        await agent_ctx.put(key=b"b", value=json.dumps({"id": "b", "title": "Astana football derby"}).encode())
        await agent_ctx.put(key=b"c", value=b"not json at all")
        await agent_ctx.put(key=b"d", value=json.dumps({"id": "d", "title": "rare earth prices jump"}).encode())

    signal_ids = [json.loads(call.kwargs["value"])["id"] for call in sends["signals"].await_args_list]
    alert_ids = [json.loads(call.kwargs["value"])["id"] for call in sends["alerts"].await_args_list]
    dead = [json.loads(call.kwargs["value"]) for call in sends["deadletter"].await_args_list]
    assert signal_ids == ["a", "b", "d"]
    assert alert_ids == [], "alerts come from the stories agent, not from classification"
    assert len(dead) == 1 and dead[0]["key"] == "c" and "not valid JSON" in dead[0]["reason"]
    get = registry.get_sample_value
    assert get("oreradar_items_total", {"stage": "classify", "outcome": "relevant"}) == 2
    assert get("oreradar_items_total", {"stage": "classify", "outcome": "not_relevant"}) == 1
    assert get("oreradar_dropped_total", {"stage": "classify", "reason": "invalid_record"}) == 1
