"""Console channel: one human line per alert, the line ``oreradar demo`` prints, and the subscription.

    ALERT HIGH | export_control | CN,KZ | tungsten | Beijing restricts tungsten exports  → kz-desk
    ALERT HIGH | export_control | CN,KZ,UZ | tungsten | ... (rev 2)  → kz-desk
          changed since the last one: new country UZ

(``ALERT`` is coloured by severity on a terminal.) Output goes through a rich Console,
injected so tests can record it.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from sinks.channels.base import Delivered, DeliveryResult, Message
from oreradar.records import Alert
from sinks.channels.render import summary_line

__all__ = ["ConsoleChannel", "console_line"]

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}


def console_line(alert_line: str, severity: str | None) -> str:
    """Rich markup for one line: the ``ALERT`` tag styled by severity, the rest escaped."""
    style = _STYLE.get(severity or "", "")
    return f"[{style}]ALERT[/] {escape(alert_line)}" if style else f"ALERT {escape(alert_line)}"


class ConsoleChannel:
    type = "console"

    def __init__(self, console: Console | None = None, *, name: str | None = None):
        self.console = console or Console(highlight=False, soft_wrap=True)
        self.name = name or "console"

    def __repr__(self) -> str:
        return "<ConsoleChannel>"

    async def send(self, message: Message) -> DeliveryResult:
        for alert in message.alerts:
            line = summary_line(alert)
            if isinstance(alert, Alert) and alert.revision > 1:
                line += f" (rev {alert.revision})"
            self.console.print(console_line(line, alert.severity) + f"  [dim]→ {escape(message.subscription)}[/]")
        if message.changes:
            self.console.print(f"      [dim]changed since the last one:[/] {escape('; '.join(message.changes))}")
        return Delivered()

    async def aclose(self) -> None:
        """Nothing to close."""
