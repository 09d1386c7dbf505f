"""processors.stall_watchdog: a partition with records to read and no commit for the
stall time stops the stage, once; progress, a caught-up partition or a rebalance do not,
unless the rebalance never ends."""

from __future__ import annotations

from collections import namedtuple

from processors.stall_watchdog import StallWatchdog

TP = namedtuple("TP", "topic partition")
A, B = TP("news.signals", 0), TP("news.signals", 1)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def watchdog(clock: Clock, busy: list[bool] | None = None) -> tuple[StallWatchdog, list[int]]:
    stops: list[int] = []
    busy = busy if busy is not None else [False]
    return StallWatchdog("stories", stall_after=60, busy=lambda: busy[0], on_stall=lambda: stops.append(1),
                         clock=clock), stops


def test_no_commit_with_records_to_read_stops_the_stage_once() -> None:
    clock = Clock()
    dog, stops = watchdog(clock)
    for t in (0, 30, 59):
        clock.now = t
        assert dog.observe({A: 39, B: 10}, {A: 353, B: 10}) == []
    clock.now = 61
    assert dog.observe({A: 39, B: 10}, {A: 353, B: 10}) == [A]
    clock.now = 90
    dog.observe({A: 39, B: 10}, {A: 353, B: 10})
    assert stops == [1]


def test_progress_or_a_caught_up_partition_is_no_stall() -> None:
    clock = Clock()
    dog, stops = watchdog(clock)
    for t, done in ((0, 100), (50, 150), (100, 200), (150, 250)):
        clock.now = t
        assert dog.observe({A: done, B: None}, {A: 400, B: 0}) == []
    assert stops == []


def test_a_partition_never_committed_counts_from_nothing() -> None:
    clock = Clock()
    dog, stops = watchdog(clock)
    dog.observe({}, {A: 329})
    clock.now = 70
    assert dog.observe({}, {A: 329}) == [A] and stops == [1]


def test_a_rebalance_restarts_the_count() -> None:
    clock, busy = Clock(), [False]
    dog, stops = watchdog(clock, busy)
    dog.observe({A: 1}, {A: 9})
    clock.now, busy[0] = 50, True
    assert dog.observe({A: 1}, {A: 9}) == []
    clock.now, busy[0] = 70, False
    assert dog.observe({A: 1}, {A: 9}) == []
    clock.now = 125
    assert dog.observe({A: 1}, {A: 9}) == []
    clock.now = 131
    assert dog.observe({A: 1}, {A: 9}) == [A] and stops == [1]


def test_a_rebalance_that_never_ends_with_records_to_read_is_a_stall() -> None:
    clock, busy = Clock(), [True]
    dog, stops = watchdog(clock, busy)
    for t in (0, 60, 170):  # under BUSY_LIMIT x 60 s: a long table recovery
        clock.now = t
        assert dog.observe({A: 1, B: 5}, {A: 9, B: 5}) == []
    clock.now = 181
    assert dog.observe({A: 1, B: 5}, {A: 9, B: 5}) == [A] and stops == [1]


def test_a_long_rebalance_with_nothing_to_read_or_one_that_ends_is_not() -> None:
    clock, busy = Clock(), [True]
    dog, stops = watchdog(clock, busy)
    clock.now = 500
    assert dog.observe({A: 9}, {A: 9}) == []
    clock.now, busy[0] = 510, False  # over: the next rebalance counts from its own start
    dog.observe({A: 9}, {A: 9})
    clock.now, busy[0] = 520, True
    dog.observe({A: 1}, {A: 9})
    clock.now = 690
    assert dog.observe({A: 1}, {A: 9}) == [] and stops == []


def test_only_this_process_s_partitions_count() -> None:
    """The readings are the whole group's: another member's stalled partition is not ours."""
    clock, mine = Clock(), [A]
    stops: list[int] = []
    dog = StallWatchdog("stories", stall_after=60, owned=lambda: list(mine), on_stall=lambda: stops.append(1),
                        clock=clock)
    dog.observe({A: 9, B: 1}, {A: 9, B: 9})
    clock.now = 100
    assert dog.observe({A: 9, B: 1}, {A: 9, B: 9}) == [] and stops == []
    mine.append(("news.signals", 1))  # B, as another client library names it
    dog.observe({A: 9, B: 1}, {A: 9, B: 9})
    clock.now = 161
    assert dog.observe({A: 9, B: 1}, {A: 9, B: 9}) == [B] and stops == [1]
