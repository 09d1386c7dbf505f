"""A batched agent (classify, stories) stopped in the middle of a batch still makes the batch's sends.

take_events acks a batch's offsets however the agent leaves it, so the sends must not be
cut short by the cancel that stops the agent (processors.batches.finish_sends).
"""

from __future__ import annotations

import asyncio

import pytest

from processors import batches
from processors.batches import finish_sends


def test_a_cancelled_batch_finishes_its_sends_then_stops() -> None:
    sent: list[int] = []

    async def sends() -> None:
        for i in range(3):
            await asyncio.sleep(0.05)
            sent.append(i)

    async def agent() -> None:
        await finish_sends(sends(), "test")
        sent.append(99)  # the agent's next step: never reached once cancelled

    async def main() -> None:
        task = asyncio.ensure_future(agent())
        await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert sent == [0, 1, 2]


def test_an_uncancelled_batch_is_awaited_as_usual() -> None:
    async def sends() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError):
        asyncio.run(finish_sends(sends(), "test"))


def test_a_batch_that_fails_half_way_ends_the_process_before_it_is_acked(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """take_events would ack the batch on the way out, and faust commit it: the process ends first."""
    exits: list[int] = []
    acked: list[str] = []

    def end(status: int) -> None:
        exits.append(status)
        raise SystemExit(status)  # as os._exit: nothing after this runs

    monkeypatch.setattr(batches, "exit_process", end)

    async def agent() -> None:
        try:
            with batches.whole_batch_or_exit("test"):
                await asyncio.sleep(0)
                raise RuntimeError("table write refused")
        finally:
            acked.append("batch")  # what take_events' finally would do

    with pytest.raises(SystemExit):
        asyncio.run(agent())
    assert exits == [batches.EXIT_BATCH_FAILED]


def test_a_stop_or_a_clean_batch_does_not_end_the_process(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    exits: list[int] = []
    monkeypatch.setattr(batches, "exit_process", exits.append)

    async def batch(fail: BaseException | None) -> None:
        with batches.whole_batch_or_exit("test"):
            await asyncio.sleep(0)
            if fail is not None:
                raise fail

    asyncio.run(batch(None))
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(batch(asyncio.CancelledError()))
    assert exits == []


def test_ending_at_once_survives_a_closed_log_stream(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The log handlers are flushed first; one whose stream is closed must not keep the process alive."""
    import io
    import logging
    import os

    from oreradar.processes import exit_at_once

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    stream.close()
    logging.getLogger().addHandler(handler)
    exits: list[int] = []

    def fake_exit(status: int) -> None:
        exits.append(status)
        raise SystemExit(status)

    monkeypatch.setattr(os, "_exit", fake_exit)
    try:
        with pytest.raises(SystemExit):
            exit_at_once(70)
    finally:
        logging.getLogger().removeHandler(handler)
    assert exits == [70]
