"""Without a subscriptions file, the dispatcher keeps today's behaviour: the JSONL file (and the console)."""

from __future__ import annotations

from pathlib import Path

from oreradar.settings import Settings
from sinks.channel_wiring import default_subscriptions


def test_without_a_file_every_alert_goes_to_the_alerts_file(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path)
    subs = default_subscriptions(settings, console=False)
    assert [(s.name, s.channels) for s in subs.subscriptions] == [
        ("default", [{"type": "jsonl", "path": str(tmp_path / "alerts.jsonl")}])]
