"""A stage of ``oreradar worker`` in an OS process of its own, started and watched by the worker.

    >>> child = StageProcess(["worker", "--stage", "stories", "--child"], on_give_up=stop_me)  # doctest: +SKIP
    >>> child.start()               # `python -m oreradar worker --stage stories --child`
    >>> child.signal(SIGTERM)       # the worker is stopping: the child stops beside it
    >>> child.stop()                # on the worker's way out: SIGTERM, wait, kill if stuck

``oreradar worker`` runs the classify stage itself and the stories stage in a child, so
each has its own consumer group, event loop and core (classification never waits for the
recovery of the story tables). The two are supervised this way:

* **The child dies** (a crash, the OOM killer): it is logged and started again after a
  back-off of 1, 2, 4… seconds (at most :data:`BACKOFF_MAX`). Classification goes on
  meanwhile, and the stories stage loses nothing: its state is in changelog topics and
  its input offsets are committed only once handled. Restarting only the child keeps the
  classify group out of it: exiting the whole worker would rebalance that group too.
* **It keeps dying** (:data:`RESTART_LIMIT` exits within :data:`RESTART_WINDOW`
  seconds): it is not started again; ``on_give_up`` runs (the worker stops itself and
  exits non-zero), so systemd, Kubernetes or compose sees a failing worker instead of one
  that silently raises no alerts.
* **The worker dies**, even by SIGKILL: the child's stdin is a pipe from the worker,
  which the kernel closes; the child reads end-of-file and stops itself
  (:func:`stop_when_parent_exits`), so no orphan keeps the stage's partitions.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from oreradar.processes import stop_processes

__all__ = ["StageProcess", "stop_when_parent_exits", "RESTART_LIMIT", "RESTART_WINDOW", "BACKOFF_MAX", "STOP_TIMEOUT",
           "ORPHAN_GRACE"]

log = logging.getLogger(__name__)

RESTART_LIMIT = 5
RESTART_WINDOW = 300.0
BACKOFF_MAX = 30.0
# How long the worker waits for its child to stop before killing it: less than the 30 s
# that stop_processes (demo, tests, benchmarks) gives the worker itself, so that the
# worker is never killed while it still waits, leaving the child behind.
STOP_TIMEOUT = 15.0
# How long an orphaned child may take to stop cleanly before it exits at once.
ORPHAN_GRACE = 30.0

Spawn = Callable[[list[str]], "subprocess.Popen[bytes]"]


def _spawn(command: list[str]) -> subprocess.Popen[bytes]:
    # The environment is inherited as it is: the child reads the same ORERADAR_* settings.
    return subprocess.Popen(command, stdin=subprocess.PIPE)


class StageProcess:
    """One child ``oreradar`` process, restarted when it dies (see the module doc)."""

    def __init__(
        self,
        args: list[str],
        *,
        on_give_up: Callable[[], None],
        spawn: Spawn = _spawn,
        restart_limit: int = RESTART_LIMIT,
        restart_window: float = RESTART_WINDOW,
        backoff_max: float = BACKOFF_MAX,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.command = [sys.executable, "-m", "oreradar", *args]
        self.name = " ".join(args)
        self._on_give_up = on_give_up
        self._spawn = spawn
        self._limit = restart_limit
        self._window = restart_window
        self._backoff_max = backoff_max
        self._clock = clock
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self.exits: list[tuple[float, int]] = []  # (when, exit code) of every unexpected exit
        self.gave_up = False

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        with self._lock:
            self._proc = self._spawn(self.command)
        log.info("worker: started `oreradar %s` (pid %s)", self.name, self._proc.pid)
        self._thread = threading.Thread(target=self._watch, name=f"watch {self.name}", daemon=True)
        self._thread.start()

    def signal(self, sig: int) -> None:
        """Pass a signal on (the worker is stopping); the child will not be restarted after it."""
        self._stopping.set()
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.send_signal(sig)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the child (SIGTERM, then SIGKILL after ``timeout``) and the watching."""
        self._stopping.set()
        with self._lock:
            proc = self._proc
        if proc is not None:
            stop_processes([proc], timeout=timeout)
            if proc.stdin is not None:
                proc.stdin.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        while True:
            proc = self._proc
            assert proc is not None
            code = proc.wait()
            if self._stopping.is_set():
                return
            now = self._clock()
            self.exits.append((now, code))
            recent = [t for t, _ in self.exits if now - t <= self._window]
            if len(recent) >= self._limit:
                log.critical("worker: `oreradar %s` exited %d times within %.0fs (last exit code %s); "
                             "not starting it again, stopping the worker", self.name, len(recent), self._window, code)
                self.gave_up = True
                self._on_give_up()
                return
            pause = min(self._backoff_max, 2.0 ** (len(recent) - 1))
            log.error("worker: `oreradar %s` (pid %s) exited with code %s; starting it again in %.0fs",
                      self.name, proc.pid, code, pause)
            if self._stopping.wait(pause):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                if proc.stdin is not None:
                    proc.stdin.close()
                self._proc = self._spawn(self.command)
            log.info("worker: started `oreradar %s` again (pid %s)", self.name, self._proc.pid)


def stop_when_parent_exits(fd: int = 0, sig: int = signal.SIGTERM, grace: float = ORPHAN_GRACE) -> threading.Thread:
    """In the child: a daemon thread that reads ``fd`` (stdin, a pipe from the parent)
    until end-of-file, which comes when the parent exits however it exits, then sends this
    process ``sig`` so that it stops as it would on ``kill``; if it has not exited
    ``grace`` seconds later (a clean stop can hang on a broker that went away with the
    parent), it exits at once. (os.read, not sys.stdin: a daemon thread blocked inside a
    buffered reader aborts the interpreter's shutdown.)"""

    def watch() -> None:
        try:
            while os.read(fd, 4096):
                pass
        except OSError:
            pass
        log.warning("stories: the worker that started this process is gone; stopping")
        os.kill(os.getpid(), sig)
        time.sleep(grace)
        log.error("stories: still not stopped %.0fs after the worker went; exiting now", grace)
        os._exit(1)

    thread = threading.Thread(target=watch, name="parent watch", daemon=True)
    thread.start()
    return thread
