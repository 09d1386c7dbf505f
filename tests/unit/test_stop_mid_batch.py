"""A batched agent (classify, stories) stopped in the middle of a batch still makes the batch's sends.

take_events acks a batch's offsets however the agent leaves it, so the sends must not be
cut short by the cancel that stops the agent (processors.batches.finish_sends).
"""

from __future__ import annotations

import asyncio

import pytest

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
