"""Stops a stage whose consumer group has records to read and no longer commits.

Around a rebalance faust can lose track of records it has fetched (see
``processors/kafka_transport.py`` for the ways found and fixed); what is left shows as a
partition with records behind the group's committed offset that the offset never
passes. The stage is then alive and idle. A new start makes faust seek back to the
committed offsets and read those records again, so the watchdog stops the process
cleanly (SIGTERM: what was done is committed) and whoever runs it starts it again: the
worker's supervisor (``processors/stage_process.py``) or the service manager.

It reads the offsets the lag exporter reads (:class:`oreradar.consumer_lag.ConsumerLagExporter`
calls :meth:`StallWatchdog.observe`), and waits ``stall_after`` seconds of no commit on a
partition that has records to read, while no rebalance is going on (a table recovery
may take long and commits nothing: it is not a stall).

    >>> watchdog = StallWatchdog("stories", stall_after=60, busy=lambda: app.rebalancing)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from typing import Any

__all__ = ["StallWatchdog"]

log = logging.getLogger(__name__)


class StallWatchdog:
    def __init__(self, stage: str, *, stall_after: float, busy: Callable[[], bool] = lambda: False,
                 on_stall: Callable[[], None] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.stage = stage
        self.stall_after = stall_after
        self._busy = busy
        self._on_stall = on_stall or (lambda: os.kill(os.getpid(), signal.SIGTERM))
        self._clock = clock
        self._since: dict[Any, tuple[int | None, float]] = {}  # partition -> (committed, since when)
        self.fired = False

    def observe(self, committed: dict[Any, int | None], end: dict[Any, int]) -> list[Any]:
        """Take one reading (partition -> committed offset or None; partition -> end
        offset); returns the stalled partitions, and stops the stage once if there are."""
        now = self._clock()
        if self._busy():
            self._since.clear()  # a rebalance: start counting afresh once it is over
            return []
        stalled = []
        for tp, end_offset in end.items():
            done = committed.get(tp)
            if (done or 0) >= end_offset:
                self._since.pop(tp, None)
                continue
            previous = self._since.get(tp)
            if previous is None or previous[0] != done:
                self._since[tp] = (done, now)
            elif now - previous[1] >= self.stall_after:
                stalled.append(tp)
        if stalled and not self.fired and self.stall_after > 0:
            self.fired = True
            log.error("%s: no commit for %.0fs on %s with records to read (committed, end: %s); stopping so "
                      "that a new start reads them again", self.stage, self.stall_after,
                      ", ".join(f"{tp.topic}[{tp.partition}]" for tp in stalled),
                      ", ".join(f"{committed.get(tp)}/{end[tp]}" for tp in stalled))
            self._on_stall()
        return stalled
