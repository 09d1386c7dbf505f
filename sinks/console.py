"""One human line per alert: severity, types, countries, commodities, title."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from oreradar.records import Alert

__all__ = ["ConsoleSink", "summary_line"]

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}


def summary_line(alert: Alert) -> str:
    parts = [
        (alert.severity or "-").upper(),
        ",".join(alert.signal_types) or "-",
        ",".join(alert.countries) or "-",
        ",".join(alert.commodities) or "-",
        alert.title.strip() or alert.id,
    ]
    return " | ".join(parts)


class ConsoleSink:
    name = "console"

    def __init__(self, console: Console | None = None):
        self.console = console or Console(highlight=False, soft_wrap=True)

    def add(self, alert: Alert) -> None:
        style = _STYLE.get(alert.severity or "", "")
        self.console.print(f"[{style}]ALERT[/] {escape(summary_line(alert))}" if style else escape(summary_line(alert)))

    def flush(self) -> None:
        """Printed on add; nothing is buffered."""
