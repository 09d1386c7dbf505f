"""Which alert ids were delivered already, kept in SQLite so restarts do not re-deliver.

The worker runs at-least-once, so an alert can arrive twice; its ``alert_id`` is
stable per item, and this ledger turns the second arrival into a counted duplicate.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["DeliveryLedger"]


class DeliveryLedger:
    def __init__(self, path: Path | None):
        """``path=None`` keeps the ledger in memory (tests, one-off runs)."""
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS delivered (alert_id TEXT PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP)")
        self._db.commit()

    def seen(self, alert_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM delivered WHERE alert_id = ?", (alert_id,)).fetchone() is not None

    def mark(self, alert_ids: list[str]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO delivered (alert_id) VALUES (?)", [(a,) for a in alert_ids])
        self._db.commit()

    def close(self) -> None:
        self._db.close()
