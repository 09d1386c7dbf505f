"""Stopping processes: the children a command or a test started, or this one at once.

    >>> stop_processes([worker, dispatcher])          # doctest: +SKIP

All get the signal first, so they shut down side by side; one that has not exited after
``timeout`` seconds is killed, so a stuck child never outlives its parent.
:func:`exit_at_once` ends this process with no cleanup, for a stage that must not run
the commit a clean stop makes.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from collections.abc import Iterable
from typing import NoReturn

__all__ = ["stop_processes", "exit_at_once"]


def exit_at_once(status: int) -> NoReturn:
    """``os._exit(status)`` once the log handlers have written what they hold (no cleanup,
    no ``await``: nothing acks or commits on the way out)."""
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except (OSError, ValueError):  # a closed stream must not keep the process alive
            pass
    os._exit(status)


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
