"""What every batched agent needs when it leaves a batch before the end.

``stream.take_events`` acks a batch's offsets when the agent leaves the batch, however
it leaves (a ``finally`` in faust), and Faust commits them. So:

* a batch whose sends are cut short by the cancel that stops the agent would be
  committed without its records sent, and lost (the cluster test saw a SIGTERM during a
  forwarder batch drop 39 relevant signals): the sends of the batch in hand run to the
  end first (:func:`finish_sends`);
* a batch that fails half-way (a table write refused, a bug outside the per-record
  handling, which dead-letters) would be committed with part of its work never done: the
  process ends on the spot instead, before anything acks it (:func:`whole_batch_or_exit`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

from oreradar.processes import exit_at_once

__all__ = ["finish_sends", "whole_batch_or_exit", "STOP_GRACE", "EXIT_BATCH_FAILED"]

log = logging.getLogger(__name__)

# How long a stopping agent still waits for the sends of the batch it is in.
STOP_GRACE = 20.0
# The exit status of a stage that gave up a batch half done (sysexits' EX_SOFTWARE).
EXIT_BATCH_FAILED = 70
# Tests of the agents replace it, to fail the test where a batch failed.
exit_process: Callable[[int], NoReturn] = exit_at_once


@contextmanager
def whole_batch_or_exit(what: str) -> Iterator[None]:
    """Run one batch; on an error it does not handle, end the process at once.

    Ending it without an ``await`` leaves no chance for the ack and commit that leaving the
    batch would bring, so its offsets stay uncommitted; the stage's supervisor (``oreradar
    worker``) or the orchestrator starts it again, and it reads the batch again. A stop
    (``CancelledError``) is not an error: :func:`finish_sends` handles it.
    """
    try:
        yield
    except Exception:
        log.critical("%s: a batch failed part-way; exiting (status %d) without acking it, so that the "
                     "restarted stage reads it again", what, EXIT_BATCH_FAILED, exc_info=True)
        exit_process(EXIT_BATCH_FAILED)


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
