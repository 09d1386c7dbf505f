"""The worker's supervision of its stories process: restarts, giving up, stopping, orphans.

Real (tiny) child processes stand in for `oreradar worker --stage stories`: the spawn seam
of StageProcess starts a Python one-liner instead.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest

from oreradar.errors import ConfigError
from oreradar.settings import Settings
from processors.stage_process import StageProcess
from processors.worker import run_worker, stories_metrics_port

SLEEPS = "import time; time.sleep(60)"


class Spawner:
    """Starts the given one-liners in turn (the last one again when they run out)."""

    def __init__(self, *scripts: str):
        self.scripts = list(scripts)
        self.started: list[subprocess.Popen[bytes]] = []

    def __call__(self, command: list[str]) -> subprocess.Popen[bytes]:
        script = self.scripts[min(len(self.started), len(self.scripts) - 1)]
        proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE)
        self.started.append(proc)
        return proc


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_child_that_dies_is_started_again() -> None:
    spawn = Spawner("import sys; sys.exit(3)", SLEEPS)
    gave_up = threading.Event()
    child = StageProcess(["worker", "--stage", "stories"], on_give_up=gave_up.set, spawn=spawn, backoff_max=0.05)
    child.start()
    try:
        assert wait_until(lambda: len(spawn.started) == 2), "the dead child was not started again"
        assert [code for _, code in child.exits] == [3]
        assert spawn.started[1].poll() is None and child.pid == spawn.started[1].pid
    finally:
        child.stop(timeout=5)
    assert spawn.started[1].returncode == -signal.SIGTERM
    assert not gave_up.is_set() and not child.gave_up


def test_a_child_that_keeps_dying_makes_the_worker_give_up() -> None:
    spawn = Spawner("import sys; sys.exit(1)")
    gave_up = threading.Event()
    child = StageProcess(["worker"], on_give_up=gave_up.set, spawn=spawn, restart_limit=3, backoff_max=0.05)
    child.start()
    try:
        assert gave_up.wait(20), "never gave up on a child that exits at once"
        time.sleep(0.3)
        assert len(spawn.started) == 3 and child.gave_up  # started, restarted twice, then no more
    finally:
        child.stop(timeout=5)


def test_exits_spread_over_more_than_the_window_do_not_add_up() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 100.0  # each exit 100 s after the one before
        return now[0]

    spawn = Spawner(*["import sys; sys.exit(1)"] * 4, SLEEPS)
    gave_up = threading.Event()
    child = StageProcess(["worker"], on_give_up=gave_up.set, spawn=spawn, restart_limit=3, restart_window=150.0,
                         backoff_max=0.05, clock=clock)
    child.start()
    try:
        assert wait_until(lambda: len(spawn.started) == 5)
        assert not gave_up.is_set()  # at most two exits inside any 150 s
    finally:
        child.stop(timeout=5)


def test_a_forwarded_signal_stops_the_child_for_good() -> None:
    spawn = Spawner(SLEEPS)
    gave_up = threading.Event()
    child = StageProcess(["worker"], on_give_up=gave_up.set, spawn=spawn, backoff_max=0.05)
    child.start()
    child.signal(signal.SIGTERM)
    assert spawn.started[0].wait(10) == -signal.SIGTERM
    time.sleep(0.3)
    child.stop(timeout=5)
    assert len(spawn.started) == 1 and not child.exits and not gave_up.is_set()


def test_the_child_stops_itself_when_the_parent_goes() -> None:
    # The stdin pipe stands for the parent: closing it is what the kernel does when the parent dies.
    script = "from processors.stage_process import stop_when_parent_exits; import time; stop_when_parent_exits(); time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE)
    try:
        time.sleep(0.5)
        assert proc.poll() is None, "it must run while the parent lives"
        assert proc.stdin is not None
        proc.stdin.close()
        assert proc.wait(20) == -signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()


def test_an_orphan_that_does_not_stop_exits_after_the_grace() -> None:
    # SIGTERM ignored stands for a clean stop that hangs (its broker went with the parent).
    script = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
              "from processors.stage_process import stop_when_parent_exits; "
              "stop_when_parent_exits(grace=0.5); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE)
    try:
        time.sleep(0.5)
        assert proc.stdin is not None
        proc.stdin.close()
        assert proc.wait(20) == 1
    finally:
        if proc.poll() is None:
            proc.kill()


def test_stories_metrics_port() -> None:
    assert stories_metrics_port(Settings(), child=True) == 9313
    assert stories_metrics_port(Settings(), child=False) == 9313
    # ORERADAR_METRICS_PORT names the worker's port: its child takes the next one.
    assert stories_metrics_port(Settings(metrics_port=9400), child=True) == 9401
    assert stories_metrics_port(Settings(metrics_port=9400), child=False) == 9400
    assert stories_metrics_port(Settings(metrics_port=0), child=True) is None
    assert stories_metrics_port(Settings(metrics_port=0), child=False) is None


def test_worker_refuses_a_stage_it_cannot_run() -> None:
    with pytest.raises(ConfigError, match="--stage"):
        run_worker(Settings(metrics_port=0), stage="trends")
    with pytest.raises(ConfigError, match="STORIES_ENABLED"):
        run_worker(Settings(metrics_port=0, stories_enabled=False), stage="stories")
