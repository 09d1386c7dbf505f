"""What a delivery channel is: two methods, ``add`` and ``flush``.

``add`` takes one alert (it may buffer); ``flush`` makes everything added so far
durable or delivered, and raises DeliveryError when it cannot. ``ListSink`` keeps
alerts in memory, for tests.
"""

from __future__ import annotations

from typing import Protocol

from oreradar.records import Alert

__all__ = ["AlertSink", "ListSink"]


class AlertSink(Protocol):
    name: str

    def add(self, alert: Alert) -> None: ...
    def flush(self) -> None: ...


class ListSink:
    name = "list"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []
        self._pending: list[Alert] = []

    def add(self, alert: Alert) -> None:
        self._pending.append(alert)

    def flush(self) -> None:
        self.alerts.extend(self._pending)
        self._pending.clear()
