"""Stops a stage whose consumer group has records to read and no longer commits.

Around a rebalance faust can lose track of records it has fetched (see
``processors/kafka_transport.py`` for the ways found and fixed); what is left shows as a
partition with records behind the group's committed offset that the offset never
passes. The stage is then alive and idle. A new start makes faust seek back to the
committed offsets and read those records again, so the watchdog ends the process and
whoever runs it starts it again: the worker's supervisor (``processors/stage_process.py``)
or the service manager. It ends it at once, without the clean stop's final commit:
faust's bookkeeping is what went wrong, and a record it counted as done without handing
it over would be committed (suspected, not shown, in a run where a signal was never
forwarded and its offset was committed). What the last commit missed is read again; the
stage is idempotent on it (duplicates by item id, alerts under stable ids).

It reads the offsets the lag exporter reads (:class:`oreradar.consumer_lag.ConsumerLagExporter`
calls :meth:`StallWatchdog.observe`), and waits ``stall_after`` seconds of no commit on a
partition that has records to read, while no rebalance is going on (a table recovery
may take long and commits nothing: it is not a stall). A rebalance that is still not
over after ``BUSY_LIMIT`` times that, with records to read, is one: faust's table
recovery can wait for ever for changelog records its paused fetcher never brings (seen
in the cluster test: more than 4 minutes waiting for 75 records; faust-streaming #74 is
that class), and a new start recovers afresh.

    >>> watchdog = StallWatchdog("stories", stall_after=60, busy=lambda: app.rebalancing)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from typing import Any

from oreradar.processes import exit_at_once
from processors.unchanged import UnchangedFor

__all__ = ["StallWatchdog", "EXIT_STALLED", "BUSY_LIMIT"]

log = logging.getLogger(__name__)

# How many stall times a rebalance (and the table recovery after it) may take.
BUSY_LIMIT = 3


# The exit status of a stage the watchdog ended (sysexits' EX_TEMPFAIL: start it again).
EXIT_STALLED = 75


class StallWatchdog:
    def __init__(self, stage: str, *, stall_after: float, busy: Callable[[], bool] = lambda: False,
                 owned: Callable[[], Collection[Any]] | None = None, on_stall: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stage = stage
        self.stall_after = stall_after
        self._busy = busy
        # The readings are the group's, every member's partitions: only this process's own
        # count, or every member would restart for one member's stall (seen in CI).
        self._owned = owned
        self._on_stall = on_stall or (lambda: exit_at_once(EXIT_STALLED))
        self._clock = clock
        self._unchanged = UnchangedFor()  # partition -> its committed offset, while it has records to read
        self._busy_since: float | None = None
        self.fired = False

    def observe(self, committed: dict[Any, int | None], end: dict[Any, int]) -> list[Any]:
        """Take one reading (partition -> committed offset or None; partition -> end
        offset); returns the stalled partitions, and stops the stage once if there are."""
        now = self._clock()
        if self._owned is not None:
            mine = {(tp[0], tp[1]) for tp in self._owned()}
            end = {tp: offset for tp, offset in end.items() if (tp[0], tp[1]) in mine}
        behind = [tp for tp, end_offset in end.items() if (committed.get(tp) or 0) < end_offset]
        if self._busy():
            self._unchanged.clear()  # a rebalance: start counting afresh once it is over
            if self._busy_since is None:
                self._busy_since = now
            if now - self._busy_since < BUSY_LIMIT * self.stall_after or not behind:
                return []
            self._stop(f"rebalance not over after {now - self._busy_since:.0f}s", behind, committed, end)
            return behind
        self._busy_since = None
        self._unchanged.keep_only(behind)
        stalled = [tp for tp in behind if self._unchanged.seconds(tp, committed.get(tp), now) >= self.stall_after]
        if stalled:
            self._stop(f"no commit for {self.stall_after:.0f}s", stalled, committed, end)
        return stalled

    def _stop(self, why: str, partitions: list[Any], committed: dict[Any, int | None], end: dict[Any, int]) -> None:
        if self.fired or self.stall_after <= 0:
            return
        self.fired = True
        log.error("%s: %s on %s with records to read (committed, end: %s); stopping so that a new start "
                  "reads them again", self.stage, why, ", ".join(f"{tp.topic}[{tp.partition}]" for tp in partitions),
                  ", ".join(f"{committed.get(tp)}/{end[tp]}" for tp in partitions))
        self._on_stall()
