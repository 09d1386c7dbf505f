"""``oreradar feeds …``: poll, list, import, enable, disable, push.

Registered by oreradar.cli with ``cli.add_command(feeds)``; every command takes the frozen
Settings from ``ctx.obj["settings"]``. Output for people goes to stdout; with ``--dry-run``
stdout carries only NewsItem JSONL and the summary goes to stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

import click

from oreradar.errors import OreradarError
from oreradar.metrics import REGISTRY, CollectorRegistry, FeedMetrics, register_build_info, serve_metrics
from oreradar.settings import DEFAULT_FEEDS_FILE, Settings

from .address_guard import AddressPolicy
from .catalogue import Catalogue, append_feeds, load_catalogue
from .fetch import Fetcher, FetchLimits
from .normalise import default_language_detector
from .opml import feeds_from_opml
from .poller import FeedPoller, PollSummary
from .sinks import ItemSink, JsonlSink, KafkaSink
from .state import FeedState, FeedStateStore

__all__ = ["feeds", "state_path", "open_poller", "poll_command"]

log = logging.getLogger(__name__)


_METRICS: dict[int, FeedMetrics] = {}


def metrics_for(registry: CollectorRegistry) -> FeedMetrics:
    """One FeedMetrics per registry: prometheus refuses to register the same names twice."""
    if id(registry) not in _METRICS:
        from producers.feeds.fetch import OUTCOMES

        metrics = _METRICS[id(registry)] = FeedMetrics(registry)
        metrics.initialise(OUTCOMES)
        register_build_info("feeds", registry)
    return _METRICS[id(registry)]


def state_path(settings: Settings) -> Path:
    return settings.state_dir / "feeds.sqlite3"


def _settings() -> Settings:
    ctx = click.get_current_context()
    return ctx.obj["settings"]  # type: ignore[no-any-return]


@contextlib.asynccontextmanager
async def open_poller(
    settings: Settings,
    sink: ItemSink,
    *,
    dry_run: bool = False,
    registry: CollectorRegistry = REGISTRY,
    catalogue: Catalogue | None = None,
) -> AsyncIterator[FeedPoller]:
    """A ready poller on the catalogue and state of ``settings`` (state copied in memory for a dry run)."""
    catalogue = catalogue or load_catalogue(settings.feeds_file)
    store = FeedStateStore.open(state_path(settings))
    if dry_run:
        disk, store = store, store.clone_in_memory()
        disk.close()
    fetcher = Fetcher.create(AddressPolicy.parse(settings.feeds_allow_hosts), FetchLimits.from_mapping(catalogue.limits))
    try:
        yield FeedPoller(
            catalogue.feeds, store, sink, fetcher,
            metrics=metrics_for(registry), detect_language=default_language_detector(),
            blocking_flush=isinstance(sink, KafkaSink),
        )
    finally:
        await fetcher.aclose()
        store.close()


async def poll_command(settings: Settings, *, once: bool, dry_run: bool, out: IO[str], err: IO[str],
                       registry: CollectorRegistry = REGISTRY) -> PollSummary | None:
    """What ``feeds poll`` does, callable from tests and the benchmark."""
    if dry_run:
        sink: ItemSink = JsonlSink(out)
    else:
        from producers.publisher import NewsPublisher

        sink = KafkaSink(NewsPublisher.connect(settings))
    report = err if dry_run else out
    try:
        async with open_poller(settings, sink, dry_run=dry_run, registry=registry) as poller:
            if once:
                summary = await poller.poll_once()
                print(summary.line(), file=report, flush=True)
                return summary
            serve_metrics(settings.metrics_port_for("feeds"), registry)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, stop.set)
            await poller.run(stop, on_cycle=lambda s: print(s.line(), file=report, flush=True))
            return None
    finally:
        if isinstance(sink, KafkaSink):
            sink.close()


@click.group("feeds")
def feeds() -> None:
    """Poll RSS/Atom feeds into news.raw and manage the feeds catalogue."""


@feeds.command("poll")
@click.option("--once", is_flag=True, help="poll every due feed once, print a summary and exit")
@click.option("--dry-run", is_flag=True, help="write NewsItem JSONL to stdout instead of publishing; state is left untouched")
def poll(once: bool, dry_run: bool) -> None:
    """Poll the configured feeds into news.raw (runs until interrupted unless --once)."""
    try:
        asyncio.run(poll_command(_settings(), once=once, dry_run=dry_run, out=sys.stdout, err=sys.stderr))
    except OreradarError as exc:
        raise click.ClickException(str(exc)) from exc


def _when(ts: float | None, now: float) -> str:
    if ts is None:
        return "-"
    delta = ts - now
    stamp = datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M")
    if abs(delta) < 86400 * 2:
        ago = f"in {delta / 60:.0f} min" if delta >= 0 else f"{-delta / 60:.0f} min ago"
        return f"{stamp} ({ago})"
    return stamp


def _status(enabled: bool, state: FeedState) -> str:
    if state.disabled_reason:
        return "disabled"
    if not enabled:
        return "off (catalogue)"
    if state.consecutive_failures:
        return f"failing ×{state.consecutive_failures}"
    return "ok" if state.last_success_at else "new"


@feeds.command("list")
def list_feeds() -> None:
    """Every feed with its state: last success, last error, items, next poll."""
    from rich.console import Console
    from rich.table import Table

    settings = _settings()
    try:
        catalogue = load_catalogue(settings.feeds_file)
    except OreradarError as exc:
        raise click.ClickException(str(exc)) from exc
    store = FeedStateStore.open(state_path(settings))
    states = store.all()
    store.close()
    now = datetime.now(timezone.utc).timestamp()
    table = Table(title=f"feeds in {catalogue.path}", show_lines=False)
    for column in ("name", "lang", "status", "last success", "last error", "items", "next poll"):
        table.add_column(column, overflow="fold")
    for spec in catalogue.feeds:
        state = states.get(spec.name) or FeedState(name=spec.name)
        enabled = spec.enabled or state.operator_enabled == 1
        error = state.disabled_reason or (state.last_error if state.consecutive_failures else "") or ""
        next_poll = "-" if not enabled or state.disabled_reason else ("now" if state.next_poll_at is None else _when(state.next_poll_at, now))
        table.add_row(spec.name, spec.lang or "?", _status(enabled, state), _when(state.last_success_at, now),
                      error, str(state.items_total), next_poll)
    Console(width=200).print(table)


@feeds.command("import")
@click.argument("opml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_opml(opml_file: Path) -> None:
    """Add the feeds of an OPML file to the catalogue (ORERADAR_FEEDS_FILE)."""
    settings = _settings()
    try:
        catalogue = load_catalogue(settings.feeds_file) if settings.feeds_file.exists() else None
        specs = feeds_from_opml(
            opml_file.read_bytes(), source=str(opml_file),
            taken=catalogue.names() if catalogue else set(),
            known_urls={f.url for f in catalogue.feeds} if catalogue else set(),
        )
        if not specs:
            click.echo(f"no new feeds in {opml_file} (all already in {settings.feeds_file})")
            return
        if settings.feeds_file.resolve() == DEFAULT_FEEDS_FILE.resolve():
            click.echo(f"note: adding to the shipped catalogue {settings.feeds_file}; set ORERADAR_FEEDS_FILE to keep your own", err=True)
        append_feeds(settings.feeds_file, specs)
    except OreradarError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"imported {len(specs)} feeds from {opml_file} into {settings.feeds_file}: {', '.join(s.name for s in specs)}")


def _change_state(name: str, enable: bool) -> None:
    settings = _settings()
    try:
        load_catalogue(settings.feeds_file).feed(name)
    except OreradarError as exc:
        raise click.ClickException(str(exc)) from exc
    store = FeedStateStore.open(state_path(settings))
    state = store.get(name)
    if enable:
        state.disabled_reason = None
        state.operator_enabled = 1
        state.consecutive_failures = 0
        state.failure_score = 0.0
        state.next_poll_at = None  # poll it on the next cycle
    else:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        state.disabled_reason = f"disabled by the operator at {stamp}; `oreradar feeds enable {name}` resumes it"
        state.operator_enabled = None
    store.put(state)
    store.close()
    click.echo(f"feed {name} {'enabled' if enable else 'disabled'}")


@feeds.command("enable")
@click.argument("name")
def enable(name: str) -> None:
    """Re-enable a feed disabled by hand or by its failures (also overrides enabled: false)."""
    _change_state(name, True)


@feeds.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    """Stop polling a feed until `feeds enable NAME`."""
    _change_state(name, False)


@feeds.command("push")
@click.option("--listen", default="0.0.0.0:8765", show_default=True, help="HOST:PORT the callback server binds")
@click.option("--callback-url", required=True, help="public base URL hubs reach the callback at, e.g. https://radar.example.org")
def push(listen: str, callback_url: str) -> None:
    """Subscribe to WebSub hubs the feeds advertise and receive pushes, polling slowly as a fallback."""
    host, _, port = listen.rpartition(":")
    try:
        asyncio.run(_push(_settings(), host or "0.0.0.0", int(port), callback_url))
    except OreradarError as exc:
        raise click.ClickException(str(exc)) from exc


async def _push(settings: Settings, host: str, port: int, callback_url: str) -> None:
    from producers.publisher import NewsPublisher

    from .websub import WebSubCallback

    sink = KafkaSink(NewsPublisher.connect(settings))
    try:
        async with open_poller(settings, sink) as poller:
            serve_metrics(settings.metrics_port_for("feeds"), REGISTRY)
            websub = WebSubCallback(poller, callback_base=callback_url, policy=AddressPolicy.parse(settings.feeds_allow_hosts))
            bound = await websub.start(host, port)
            click.echo(f"websub callback listening on {host}:{bound}, public at {callback_url}")
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, stop.set)
            # The first poll cycle discovers the hubs; then subscribe, and renew leases every 10 minutes.
            click.echo((await poller.poll_once()).line())
            poll_task = asyncio.create_task(poller.run(stop, on_cycle=lambda s: click.echo(s.line())))
            try:
                while not stop.is_set():
                    for result in await websub.subscribe_known(renew_only=True):
                        click.echo(f"websub {result.feed}: {result.message}")
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=600)
            finally:
                stop.set()
                await poll_task
                await websub.stop()
    finally:
        sink.close()
