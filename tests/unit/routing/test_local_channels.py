"""The stand-in channels of channel_wiring (used until the channels package provides its factory)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from rich.console import Console

from oreradar.settings import Settings
from sinks.channel_wiring import ConsoleChannel, JsonlChannel, PlainWebhookChannel, default_subscriptions, result_of_status
from sinks.channels.base import Delivered, Message, Rejected, RetryLater
from tests.unit.routing.helpers import story_alert


@pytest.mark.parametrize("status,retry_after,expected", [
    (200, None, Delivered("HTTP 200")), (204, None, Delivered("HTTP 204")),
    (429, "7", RetryLater("HTTP 429", 7.0)), (503, None, RetryLater("HTTP 503")), (408, None, RetryLater("HTTP 408")),
    (404, None, Rejected("HTTP 404")), (400, "5", Rejected("HTTP 400")),
])
def test_status_codes_map_to_results(status: int, retry_after: str | None, expected: object) -> None:
    assert result_of_status(status, retry_after) == expected


async def test_plain_webhook_posts_with_the_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503, headers={"Retry-After": "3"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        channel = PlainWebhookChannel("s/0:webhook", "http://receiver.test/hook", http)
        result = await channel.send(Message("d-1", "s", (story_alert(),), ("countries: +UZ",)))
    assert result == RetryLater("HTTP 503", 3.0)
    assert seen[0].headers["Idempotency-Key"] == "d-1" and b'"countries: +UZ"' in seen[0].content


async def test_jsonl_appends_and_an_unwritable_path_is_retried(tmp_path: Path) -> None:
    path = tmp_path / "out" / "alerts.jsonl"
    channel = JsonlChannel("s/0:jsonl", path)
    assert isinstance(await channel.send(Message("d-1", "s", (story_alert(), story_alert(revision=2)))), Delivered)
    assert len(path.read_text().splitlines()) == 2
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert isinstance(await JsonlChannel("x", blocked / "a.jsonl").send(Message("d", "s", (story_alert(),))), RetryLater)


async def test_console_names_the_subscription_and_the_changes() -> None:
    console = Console(record=True, width=200)
    await ConsoleChannel("s/1:console", console).send(Message("d", "kz-desk", (story_alert(revision=2),), ("countries: +UZ",)))
    text = console.export_text()
    assert "(rev 2)" in text and "→ kz-desk" in text and "countries: +UZ" in text


def test_without_a_file_every_alert_goes_to_the_alerts_file(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path)
    subs = default_subscriptions(settings, console=False)
    assert [(s.name, s.channels) for s in subs.subscriptions] == [
        ("default", [{"type": "jsonl", "path": str(tmp_path / "alerts.jsonl")}])]
