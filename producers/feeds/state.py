"""Per-feed HTTP state, health and the seen item ids, kept in SQLite in the state folder.

    >>> store = FeedStateStore.open(settings.state_dir / "feeds.sqlite3")   # doctest: +SKIP
    >>> state = store.get("tass-ru"); state.etag                            # doctest: +SKIP
    '"5f1c"'

The seen table is what makes "no duplicates across polls, feeds and restarts" hold: an
id is written only after the sink confirmed the item, so a failed publish is retried.
``clone_in_memory`` gives ``--dry-run`` a copy whose writes vanish, so a dry run never
hides items from the next real poll.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

__all__ = ["FeedState", "FeedStateStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feed_state (
    name TEXT PRIMARY KEY,
    url TEXT,
    etag TEXT,
    last_modified TEXT,
    last_fetch_at REAL,
    last_success_at REAL,
    last_error TEXT,
    last_error_at REAL,
    last_error_kind TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failure_score REAL NOT NULL DEFAULT 0,
    next_poll_at REAL,
    last_new_item_at REAL,
    items_total INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    operator_enabled INTEGER,
    hub TEXT,
    self_url TEXT,
    websub_lease_until REAL
);
CREATE TABLE IF NOT EXISTS seen (
    id TEXT PRIMARY KEY,
    feed TEXT NOT NULL,
    first_seen REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_first_seen ON seen(first_seen);
"""


@dataclass
class FeedState:
    """Everything remembered about one feed between polls (times are Unix seconds)."""

    name: str
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_fetch_at: float | None = None
    last_success_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    last_error_kind: str | None = None
    consecutive_failures: int = 0
    failure_score: float = 0.0
    next_poll_at: float | None = None
    last_new_item_at: float | None = None
    items_total: int = 0
    disabled_reason: str | None = None  # set by auto-disable or `feeds disable`
    operator_enabled: int | None = None  # 1 = `feeds enable` overrode the catalogue's enabled: false
    hub: str | None = None
    self_url: str | None = None
    websub_lease_until: float | None = None


_COLUMNS = [f.name for f in fields(FeedState)]


class FeedStateStore:
    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self._conn.executescript(_SCHEMA)

    @classmethod
    def open(cls, path: Path) -> FeedStateStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")  # `feeds list` may read while the poller writes
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=5000")
        return cls(conn)

    @classmethod
    def in_memory(cls) -> FeedStateStore:
        return cls(sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False))

    def clone_in_memory(self) -> FeedStateStore:
        memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self._conn.backup(memory)
        return FeedStateStore(memory)

    def close(self) -> None:
        self._conn.close()

    def get(self, name: str) -> FeedState:
        row = self._conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM feed_state WHERE name = ?", (name,)).fetchone()
        return FeedState(**dict(zip(_COLUMNS, row))) if row else FeedState(name=name)

    def all(self) -> dict[str, FeedState]:
        rows = self._conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM feed_state").fetchall()
        return {row[0]: FeedState(**dict(zip(_COLUMNS, row))) for row in rows}

    def put(self, state: FeedState) -> None:
        values = asdict(state)
        self._conn.execute(
            f"INSERT OR REPLACE INTO feed_state ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
            [values[c] for c in _COLUMNS],
        )

    def seen(self, ids: Iterable[str]) -> set[str]:
        """The subset of ``ids`` already published."""
        ids = list(ids)
        found: set[str] = set()
        for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = ids[start : start + 500]
            rows = self._conn.execute(f"SELECT id FROM seen WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
            found.update(r[0] for r in rows)
        return found

    def mark_seen(self, ids: Iterable[str], feed: str, at: float) -> None:
        self._conn.executemany("INSERT OR IGNORE INTO seen (id, feed, first_seen) VALUES (?, ?, ?)", [(i, feed, at) for i in ids])

    def seen_count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM seen").fetchone()[0])

    def forget_seen_before(self, cutoff: float) -> int:
        """Drop ids older than ``cutoff`` so the table stays bounded; feeds rarely resurface year-old items."""
        return self._conn.execute("DELETE FROM seen WHERE first_seen < ?", (cutoff,)).rowcount

    def transaction(self) -> sqlite3.Connection:
        """``with store.transaction(): ...`` groups a poll cycle's writes into one commit."""
        return _Transaction(self._conn)  # type: ignore[return-value]


class _Transaction:
    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self._conn.execute("BEGIN")
        return self._conn

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._conn.execute("ROLLBACK" if exc_type else "COMMIT")
