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


async def test_console_prints_the_demo_line_per_alert() -> None:
    out = io.StringIO()
    channel = ConsoleChannel(Console(file=out, highlight=False, soft_wrap=True, color_system=None))
    await channel.send(message(story_alert(), trend_alert()))
    lines = out.getvalue().splitlines()
    assert lines[0] == f"ALERT HIGH | export_control | CN,KZ | tungsten | {TITLE}"
    assert lines[1].startswith("ALERT HIGH | disruption | KZ | uranium | Trend:")
