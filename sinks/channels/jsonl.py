"""JSONL channel: each alert of the message as one JSON line, appended and fsynced.

The lines are the alert records themselves (what ``alerts`` carries), as the JSONL sink
wrote them before channels existed, so files and tools reading them keep working. A
write that fails (disk full, permissions) is ``RetryLater``: it may work once fixed.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from sinks.channels.base import Delivered, DeliveryResult, Message, RetryLater

__all__ = ["JsonlChannel"]


class JsonlChannel:
    type = "jsonl"

    def __init__(self, path: Path, *, name: str | None = None):
        self.path = path
        self.name = name or f"jsonl:{path.name}"
        # Two deliveries to one file must not interleave their lines.
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<JsonlChannel {self.path}>"

    async def send(self, message: Message) -> DeliveryResult:
        lines = b"".join(alert.to_json() + b"\n" for alert in message.alerts)
        async with self._lock:
            try:
                await asyncio.to_thread(self._append, lines)
            except OSError as exc:
                return RetryLater(f"cannot append to {self.path}: {exc}")
        return Delivered(f"{len(message.alerts)} line(s) to {self.path}")

    def _append(self, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    async def aclose(self) -> None:
        """Nothing is kept open between deliveries."""
