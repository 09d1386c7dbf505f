"""The agent run by Faust's own test harness (memory broker), no Kafka needed."""

from __future__ import annotations

import asyncio
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


def _acknowledged(**kwargs: object) -> asyncio.Future[None]:
    """What Topic.send gives back: a future the broker's acknowledgement resolves (here at once)."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


@pytest.fixture
def harness():  # type: ignore[no-untyped-def]
    registry = CollectorRegistry()
    metrics = PipelineMetrics(registry)
    app, topics = build_app(Settings(metrics_port=0))  # test_context never connects
    agent = classify_news.register(app, topics, classify, metrics, send=classify_news.topic_send)
    sends = {name: AsyncMock(side_effect=_acknowledged) for name in ("signals", "alerts", "deadletter")}
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


async def test_a_refused_send_is_sent_again_until_it_lands(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The batch's offsets are acked only after every output is on the broker."""
    monkeypatch.setattr(classify_news, "RESEND_PAUSE", 0.0)
    loop = asyncio.get_running_loop()
    attempts: list[bytes] = []

    async def flaky_send(key: bytes, value: bytes) -> asyncio.Future[None]:
        attempts.append(key)
        future: asyncio.Future[None] = loop.create_future()
        if key == b"b" and attempts.count(b"b") < 3:
            future.set_exception(TimeoutError("broker away"))
        else:
            future.set_result(None)
        return future

    class FakeTopic:
        send = staticmethod(flaky_send)

    out = [classify_news.Outgoing(FakeTopic(), k, b"v") for k in (b"a", b"b", b"c")]  # type: ignore[arg-type]
    await classify_news._send_all(out)
    assert attempts == [b"a", b"b", b"c", b"b", b"b"]


async def test_a_record_too_large_for_the_topic_is_counted_not_retried_forever() -> None:
    from aiokafka.errors import MessageSizeTooLargeError

    loop = asyncio.get_running_loop()
    registry = CollectorRegistry()
    metrics = PipelineMetrics(registry)

    async def refuse(key: bytes, value: bytes) -> asyncio.Future[None]:
        future: asyncio.Future[None] = loop.create_future()
        future.set_exception(MessageSizeTooLargeError("too big"))
        return future

    class BigTopic:
        send = staticmethod(refuse)

        @staticmethod
        def get_topic_name() -> str:
            return "news.signals"

    await classify_news._send_all([classify_news.Outgoing(BigTopic(), b"k", b"x" * 10)], metrics)  # type: ignore[arg-type]
    assert registry.get_sample_value("oreradar_dropped_total", {"stage": "classify", "reason": "send_failed"}) == 1


def test_a_huge_dead_letter_keeps_a_bounded_original() -> None:
    from oreradar.deadletter import MAX_DEAD_ORIGINAL
    from processors.handle_raw import handle_raw

    out = handle_raw(b"[" * 600_000, classify)
    assert out.dead is not None and "nested too deeply" in out.dead.reason
    assert "of 600000 bytes" in out.dead.reason and len(out.dead.original) == MAX_DEAD_ORIGINAL


async def test_an_agent_stopped_while_its_batch_awaits_acks_still_gets_them() -> None:
    """take_events acks the batch's offsets however the agent leaves it: a stop that cut
    the acknowledgement wait short (cancelling the sends) would commit unsent records."""
    loop = asyncio.get_running_loop()
    app, topics = build_app(Settings(metrics_port=0))
    sending = asyncio.Event()
    acks: list[asyncio.Future[None]] = []

    async def slow_send(out: classify_news.Outgoing) -> asyncio.Future[None]:
        ack: asyncio.Future[None] = loop.create_future()
        loop.call_later(0.3, lambda: ack.done() or ack.set_result(None))
        acks.append(ack)
        sending.set()
        return ack

    agent = classify_news.register(app, topics, classify, PipelineMetrics(CollectorRegistry()), send=slow_send)
    async with agent.test_context() as agent_ctx:
        await agent_ctx.put(key=b"a", value=json.dumps({"id": "a", "title": "China curbs rare earth exports"}).encode())
        await asyncio.wait_for(sending.wait(), 5)
    # the context stopped the agent while the acknowledgement was pending
    assert len(acks) == 1
    assert acks[0].done() and not acks[0].cancelled(), "the stop cancelled the batch's sends"
