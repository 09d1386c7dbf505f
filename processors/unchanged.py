"""How long a value has stayed the same over successive readings, per key: the stall
watchdog's "no commit for so long" and the transport's "a gap that lasted" both ask it."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any


class UnchangedFor:
    def __init__(self) -> None:
        self._since: dict[Hashable, tuple[Any, float]] = {}  # key -> (value, first seen at)

    def seconds(self, key: Hashable, value: Any, now: float) -> float:
        """Seconds ``key`` has had ``value`` (0 when it is new or just changed)."""
        seen = self._since.get(key)
        if seen is None or seen[0] != value:
            self._since[key] = (value, now)
            return 0.0
        return now - seen[1]

    def forget(self, key: Hashable) -> None:
        self._since.pop(key, None)

    def keep_only(self, keys: Iterable[Hashable]) -> None:
        kept = set(keys)
        for key in [key for key in self._since if key not in kept]:
            del self._since[key]

    def clear(self) -> None:
        self._since.clear()
