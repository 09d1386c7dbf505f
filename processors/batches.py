"""What every batched agent needs when it is stopped in the middle of a batch.

``stream.take_events`` acks a batch's offsets when the agent leaves the batch, however
it leaves (a ``finally`` in faust), and Faust commits them on its way out. A batch whose
sends are cut short by the cancel that stops the agent would be committed without its
records sent, and lost (the cluster test saw a SIGTERM during a forwarder batch drop 39
relevant signals). So the sends of the batch in hand run to the end first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

__all__ = ["finish_sends", "STOP_GRACE"]

log = logging.getLogger(__name__)

# How long a stopping agent still waits for the sends of the batch it is in.
STOP_GRACE = 20.0


async def finish_sends(work: Awaitable[None], what: str) -> None:
    """Await ``work`` even when the agent is cancelled meanwhile (a stop), then let the cancel go on."""
    task = asyncio.ensure_future(work)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        done, _ = await asyncio.wait([task], timeout=STOP_GRACE)
        if not done:
            log.error("%s: stopping with the sends of a batch still pending after %.0fs", what, STOP_GRACE)
        raise
