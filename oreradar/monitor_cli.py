"""``oreradar monitor start|stop|status``: the local Prometheus and Alertmanager."""

from __future__ import annotations

import sys

import click

__all__ = ["monitor"]


def _monitor():  # type: ignore[no-untyped-def]
    from oreradar.monitor import Monitor

    return Monitor(click.get_current_context().obj["settings"])


@click.group()
def monitor() -> None:
    """A local Prometheus (with oreradar's alert rules) and Alertmanager, from Debian's packages.

    Prometheus scrapes the worker (9310), the dispatcher (9311) and the feed poller (9312) on
    127.0.0.1; ports: ORERADAR_PROMETHEUS_PORT (9090), ORERADAR_ALERTMANAGER_PORT (9093).
    Data in $ORERADAR_STATE_DIR/monitor. Grafana dashboards for it are in deploy/grafana/.
    """


@monitor.command("start")
def monitor_start() -> None:
    """Start both (if not running) and print their URLs once they are ready."""
    urls = _monitor().start()
    for name, url in urls.items():
        click.echo(f"{name}: {url}")


@monitor.command("stop")
def monitor_stop() -> None:
    """Stop both."""
    stopped = _monitor().stop()
    click.echo("stopped " + (", ".join(stopped) if stopped else "nothing (not running)"))


@monitor.command("status")
def monitor_status() -> None:
    """Say what runs and where (exit 1 if either is down)."""
    mon = _monitor()
    status = mon.status()
    urls = mon.urls()
    for name, pid in status.items():
        click.echo(f"{name}: " + (f"running (pid {pid}) at {urls[name]}" if pid else "not running"))
    sys.exit(0 if all(status.values()) else 1)
