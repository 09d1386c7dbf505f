"""``oreradar monitor``: a local Prometheus and Alertmanager (Debian's packages) watching oreradar.

    >>> mon = Monitor(settings)                 # doctest: +SKIP
    >>> mon.start()                             # returns once both answer /-/ready
    >>> mon.urls()
    {'prometheus': 'http://127.0.0.1:9090', 'alertmanager': 'http://127.0.0.1:9093'}

Prometheus runs with ``deploy/prometheus/prometheus.yml`` and its rules, its scrape targets
rewritten to this machine's metrics ports (ORERADAR_METRICS_PORT only ever names one
process's port, so the per-command defaults are used unless ``targets`` says otherwise);
Alertmanager with ``deploy/alertmanager/alertmanager.yml``. Both keep their data in
``$ORERADAR_STATE_DIR/monitor`` and run in their own session, so they outlive the command.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import yaml

from oreradar.errors import OreradarError
from oreradar.settings import DEFAULT_METRICS_PORTS, PACKAGE_ROOT, Settings

__all__ = ["Monitor", "MonitorError", "render_prometheus_config", "PROMETHEUS_DIR", "ALERTMANAGER_CONFIG", "JOBS",
           "PROCESS_JOBS"]

PROMETHEUS_DIR = PACKAGE_ROOT / "deploy" / "prometheus"
ALERTMANAGER_CONFIG = PACKAGE_ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
# Prometheus job of each long-running command (the dashboards' `job` variable lists these).
JOBS = {"worker": "oreradar-worker", "alerts": "oreradar-alerts", "feeds": "oreradar-feeds"}
# The stories stage runs in a process of its own that `oreradar worker` starts: a second
# target of the worker's job, so dashboards and rules see the whole worker under one job.
PROCESS_JOBS = {**JOBS, "stories": JOBS["worker"]}


class MonitorError(OreradarError):
    """Prometheus or Alertmanager is missing, or did not come up."""


def render_prometheus_config(
    targets: Mapping[str, list[str]],
    *,
    alertmanager: str | None,
    scrape_interval: str | None = None,
    base: Path = PROMETHEUS_DIR / "prometheus.yml",
) -> dict[str, Any]:
    """The shipped config with absolute rule paths and ``targets`` (job → host:port list) in place."""
    config = yaml.safe_load(base.read_text(encoding="utf-8"))
    config["rule_files"] = [str((base.parent / path).resolve()) for path in config.get("rule_files", [])]
    if scrape_interval:
        config["global"]["scrape_interval"] = scrape_interval
        config["global"]["evaluation_interval"] = scrape_interval
    if alertmanager:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    else:
        config.pop("alerting", None)
    for job in config["scrape_configs"]:
        if job["job_name"] in targets:
            job["static_configs"] = [{"targets": list(targets[job["job_name"]])}]
    return config


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise MonitorError(f"{name} is not installed; run scripts/setup.sh (or: apt-get install prometheus prometheus-alertmanager)")
    return path


class Monitor:
    def __init__(self, settings: Settings, targets: Mapping[str, list[str]] | None = None, scrape_interval: str | None = None):
        self.settings = settings
        self.dir = settings.state_dir / "monitor"
        defaults: dict[str, list[str]] = {}
        for process, port in DEFAULT_METRICS_PORTS.items():
            defaults.setdefault(PROCESS_JOBS[process], []).append(f"127.0.0.1:{port}")
        self.targets = dict(targets) if targets is not None else defaults
        self.scrape_interval = scrape_interval

    def urls(self) -> dict[str, str]:
        return {
            "prometheus": f"http://127.0.0.1:{self.settings.prometheus_port}",
            "alertmanager": f"http://127.0.0.1:{self.settings.alertmanager_port}",
        }

    def _commands(self) -> dict[str, list[str]]:
        s = self.settings
        return {
            "alertmanager": [
                _binary("prometheus-alertmanager"),
                f"--config.file={ALERTMANAGER_CONFIG}",
                f"--storage.path={self.dir / 'alertmanager'}",
                f"--web.listen-address=127.0.0.1:{s.alertmanager_port}",
                "--cluster.listen-address=",  # one instance: no gossip port to collide with
            ],
            "prometheus": [
                _binary("prometheus"),
                f"--config.file={self.dir / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.dir / 'prometheus'}",
                f"--web.listen-address=127.0.0.1:{s.prometheus_port}",
                "--storage.tsdb.retention.time=7d",
            ],
        }

    def _pidfile(self, name: str) -> Path:
        return self.dir / f"{name}.pid"

    def pid(self, name: str) -> int | None:
        try:
            pid = int(self._pidfile(name).read_text())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        try:  # our own child that exited is a zombie until reaped: reap it, it is gone
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return None
        except ChildProcessError:
            pass
        return pid

    def start(self, timeout: float = 60.0) -> dict[str, str]:
        self.dir.mkdir(parents=True, exist_ok=True)
        config = render_prometheus_config(
            self.targets, alertmanager=f"127.0.0.1:{self.settings.alertmanager_port}", scrape_interval=self.scrape_interval
        )
        (self.dir / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        urls = self.urls()
        for name, command in self._commands().items():
            if self.pid(name) is not None:
                continue
            with (self.dir / f"{name}.log").open("ab") as out:
                proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            self._pidfile(name).write_text(str(proc.pid))
        for name, url in urls.items():
            self._wait_ready(name, url, timeout)
        return urls

    def _wait_ready(self, name: str, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pid(name) is None:
                raise MonitorError(f"{name} exited at start; see {self.dir / (name + '.log')}")
            try:
                if httpx.get(f"{url}/-/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise MonitorError(f"{name} did not become ready at {url} within {timeout:.0f}s; see {self.dir / (name + '.log')}")

    def stop(self, timeout: float = 20.0) -> list[str]:
        stopped = []
        for name in ("prometheus", "alertmanager"):
            pid = self.pid(name)
            if pid is None:
                continue
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.pid(name) is not None:
                time.sleep(0.2)
            if self.pid(name) is not None:
                os.kill(pid, signal.SIGKILL)
            self._pidfile(name).unlink(missing_ok=True)
            stopped.append(name)
        return stopped

    def status(self) -> dict[str, int | None]:
        return {name: self.pid(name) for name in ("prometheus", "alertmanager")}
