"""Stopping the child processes a command or a test started: signal all, then wait for each.

    >>> stop_processes([worker, dispatcher])          # doctest: +SKIP

All get the signal first, so they shut down side by side; one that has not exited after
``timeout`` seconds is killed, so a stuck child never outlives its parent.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterable

__all__ = ["stop_processes"]


def stop_processes(procs: Iterable[subprocess.Popen[bytes]], sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
    procs = list(procs)
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(sig)
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
