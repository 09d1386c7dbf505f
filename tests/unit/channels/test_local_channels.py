"""The JSONL and console channels: today's sinks behind the channel interface."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from oreradar.records import parse_alert
from sinks.channels.base import Delivered, RetryLater
from sinks.channels.console import ConsoleChannel
from sinks.channels.jsonl import JsonlChannel
from tests.channel_samples import TITLE, message, story_alert, trend_alert


async def test_jsonl_appends_one_alert_record_per_line(tmp_path: Path) -> None:
    path = tmp_path / "out" / "alerts.jsonl"
    channel = JsonlChannel(path)
    assert isinstance(await channel.send(message(story_alert(), trend_alert())), Delivered)
    assert isinstance(await channel.send(message(story_alert(revision=2))), Delivered)
    lines = path.read_bytes().splitlines()
    assert [parse_alert(line) for line in lines] == [story_alert(), trend_alert(), story_alert(revision=2)]


async def test_jsonl_that_cannot_write_says_retry_later(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    result = await JsonlChannel(blocked / "alerts.jsonl").send(message())
    assert isinstance(result, RetryLater) and "a-file" in result.error


async def test_console_prints_the_demo_line_per_alert_and_the_subscription() -> None:
    out = io.StringIO()
    channel = ConsoleChannel(Console(file=out, highlight=False, soft_wrap=True, color_system=None))
    await channel.send(message(story_alert(), trend_alert()))
    await channel.send(message(story_alert(revision=2), changes=("new country UZ",)))
    lines = out.getvalue().splitlines()
    assert lines[0] == f"ALERT HIGH | export_control | CN,KZ | tungsten | {TITLE}  → kz-desk"
    assert lines[1].startswith("ALERT HIGH | disruption | KZ | uranium | Trend:") and lines[1].endswith("→ kz-desk")
    assert lines[2] == f"ALERT HIGH | export_control | CN,KZ | tungsten | {TITLE} (rev 2)  → kz-desk"
    assert lines[3] == "      changed since the last one: new country UZ"


async def test_jsonl_without_a_path_writes_the_alerts_file(tmp_path: Path) -> None:
    import httpx

    from oreradar.settings import Settings
    from sinks.channels import build_channel, parse_channel_spec

    settings = Settings(state_dir=tmp_path)
    async with httpx.AsyncClient() as http:
        channel = build_channel(parse_channel_spec({"type": "jsonl"}), settings, {}, http)
    await channel.send(message())
    assert parse_alert(settings.alerts_path.read_bytes().splitlines()[0]) == story_alert()
