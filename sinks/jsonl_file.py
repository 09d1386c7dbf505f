"""The JSONL alert sink: one alert per line, appended, fsynced on flush."""

from __future__ import annotations

import os
from pathlib import Path

from oreradar.errors import DeliveryError
from oreradar.records import Alert

__all__ = ["JsonlFileSink"]


class JsonlFileSink:
    name = "jsonl"

    def __init__(self, path: Path):
        self.path = path
        self._pending: list[bytes] = []

    def add(self, alert: Alert) -> None:
        self._pending.append(alert.to_json() + b"\n")

    def flush(self) -> None:
        if not self._pending:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as handle:
                handle.writelines(self._pending)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise DeliveryError(f"cannot append alerts to {self.path}: {exc}; check ORERADAR_ALERTS_FILE") from exc
        self._pending.clear()
