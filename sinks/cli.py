"""``oreradar alerts [log]``, ``oreradar subscriptions check|test``, ``oreradar silence add|list|expire``.

Registered by oreradar.cli with ``cli.add_command``; every command takes the frozen
Settings from ``ctx.obj["settings"]``. Secrets never reach the output: channels are shown
by type and name, and secret-bearing options by the *name* of their variable.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from oreradar.errors import OreradarError, RecordError
from oreradar.records import Alert, AnyAlert, Signal, parse_alert, utc_now
from oreradar.settings import Settings

from .routing.inhibit import inhibitions_from
from .routing.match import AlertFacts, match
from .routing.model import MATCH_FIELDS, Match, Subscriptions, SubscriptionsError, load_subscriptions, parse_duration

__all__ = ["alerts", "subscriptions", "silence"]


def _settings() -> Settings:
    return click.get_current_context().obj["settings"]


def _run(coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    except OreradarError:
        raise
    except Exception as exc:  # Kafka unreachable and the like: one clear line, not a trace
        raise click.ClickException(f"{type(exc).__name__}: {exc}; is Kafka at {_settings().bootstrap} running?") from exc


# --- alerts -----------------------------------------------------------------------------


@click.group(invoke_without_command=True)
@click.option("--quiet", is_flag=True, help="no console channel when no subscriptions file is set")
@click.option("--subscriptions", "subscriptions_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the subscriptions file (default: ORERADAR_SUBSCRIPTIONS_FILE)")
@click.pass_context
def alerts(ctx: click.Context, quiet: bool, subscriptions_file: Path | None) -> None:
    """Run the alert dispatcher: alerts topic -> subscriptions -> outbox -> channels.

    Subscriptions come from ORERADAR_SUBSCRIPTIONS_FILE; without one every alert goes to
    the JSONL file (ORERADAR_ALERTS_FILE) and, unless --quiet, to stdout. `oreradar alerts
    log` shows what was delivered, held back or dead-lettered.
    """
    if ctx.invoked_subcommand is None:
        from .run_dispatcher import run_dispatcher

        settings = _settings()
        if subscriptions_file is not None:
            settings = settings.model_copy(update={"subscriptions_file": subscriptions_file})
        run_dispatcher(settings, print_alerts=not quiet)


@alerts.command("log")
@click.option("--subscription", "-s", help="only this subscription")
@click.option("--state", help="only this state: pending, waiting, delivered, dead_lettered, silenced, inhibited, unchanged")
@click.option("--alert", "alert_id", help="only this alert id")
@click.option("--limit", default=50, show_default=True, help="the newest N records")
@click.option("--json", "as_json", is_flag=True, help="one JSON record per line")
@click.option("--group", help="the dispatchers' consumer group (default: <ORERADAR_CONSUMER_GROUP>-alerts)")
def alerts_log(subscription: str | None, state: str | None, alert_id: str | None, limit: int, as_json: bool,
               group: str | None) -> None:
    """The delivery log: every delivery and every alert held back, latest state first.

    Read from the compacted topic oreradar.deliveries, which every dispatcher shares.
    """
    group = group or f"{_settings().consumer_group}-alerts"
    from oreradar.topics import DELIVERIES

    from .outbox.records import OutboxRecord
    from .state_topics import read_topic

    latest: dict[str, OutboxRecord] = {}
    for value in _run(read_topic(_settings(), DELIVERIES)):
        record = OutboxRecord.from_json(value)
        latest[record.key] = record
    rows = [r for r in latest.values() if r.group == group and (r.kind != "entry" or r.state == "waiting")]
    rows = [r for r in rows if (subscription is None or r.subscription == subscription)
            and (state is None or r.state == state) and (alert_id is None or alert_id in r.alert_ids)]
    rows.sort(key=lambda r: r.updated, reverse=True)
    for r in rows[:limit]:
        if as_json:
            shown = r.to_dict()
            shown.pop("alerts", None)  # the log says what happened; the alerts themselves are on `alerts`
            click.echo(json.dumps(shown, ensure_ascii=False))
            continue
        where = r.channel or r.subscription
        extra = r.last_error or r.detail
        tries = f" after {r.attempts} attempt{'s' if r.attempts != 1 else ''}" if r.attempts else ""
        click.echo(f"{r.updated:%Y-%m-%d %H:%M:%S} {r.state:<13} {where:<28} {','.join(a[:10] for a in r.alert_ids)} "
                   f"{r.title[:60]!r}{tries}" + (f" — {extra}" if extra else ""))
    if not rows:
        click.echo("no deliveries recorded" + (" matching the filters" if subscription or state or alert_id else ""))


# --- subscriptions ----------------------------------------------------------------------


@click.group()
def subscriptions() -> None:
    """Validate a subscriptions file, or see what an alert would match."""


def _load_or_exit(path: Path) -> Subscriptions:
    try:
        return load_subscriptions(path)
    except SubscriptionsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


@subscriptions.command("check")
@click.argument("file", type=click.Path(path_type=Path))
def subscriptions_check(file: Path) -> None:
    """Validate FILE: every problem with its line number; exit 1 if there is any."""
    subs = _load_or_exit(file)
    for sub in subs.subscriptions:
        channels = ", ".join(_channel_label(spec) for spec in sub.channels)
        grouped = f"; grouped by {','.join(sub.group.by)} (wait {sub.group.wait:g}s, interval {sub.group.interval:g}s)" if sub.group else ""
        click.echo(f"{sub.name}: {_describe_match(sub.match)} -> {channels}{grouped}")
    for rule in subs.inhibit:
        click.echo(f"inhibit {rule.name}: {_describe_match(rule.source)} holds back {_describe_match(rule.target)}"
                   f" sharing {','.join(rule.equal) or 'nothing'} for {rule.for_:g}s")
    # Only the names are looked at; the values are never read into the output.
    unset = sorted({str(v) for s in subs.subscriptions for c in s.channels for k, v in c.items()
                    if k.endswith("_env") and str(v) not in os.environ})
    for name in unset:
        click.echo(f"warning: {name} is not set in this environment; the dispatcher needs it", err=True)
    click.echo(f"{file}: OK, {len(subs.subscriptions)} subscriptions, {len(subs.inhibit)} inhibition rules")


def _channel_label(spec: dict[str, Any]) -> str:
    # Only the type, the name and the names of secret variables: never a URL (Slack's carries its token).
    label = str(spec["type"]) + (f" {spec['name']}" if spec.get("name") else "")
    names = [f"{k}={v}" for k, v in spec.items() if k.endswith("_env")]
    return label + (f" ({', '.join(names)})" if names else "")


def _describe_match(spec: Match) -> str:
    parts = [f"{f}={','.join(getattr(spec, f))}" for f in MATCH_FIELDS if getattr(spec, f)]
    if spec.min_severity:
        parts.append(f"severity>={spec.min_severity}")
    return " ".join(parts) or "every alert"


def _read_alerts(path: Path) -> list[AnyAlert]:
    """An alert (or a Signal, taken as revision 1 of its story) per JSON object; a file of JSONL too."""
    text = path.read_text(encoding="utf-8").strip()
    chunks = [text] if text.startswith("{") and "\n{" not in text else [ln for ln in text.splitlines() if ln.strip()]
    out: list[AnyAlert] = []
    for number, chunk in enumerate(chunks, start=1):
        try:
            data = json.loads(chunk)
            out.append(parse_alert(chunk) if "alert_id" in data else Alert.from_signal(Signal.from_dict(data)))
        except (json.JSONDecodeError, RecordError) as exc:
            raise click.ClickException(f"{path}:{number}: not an alert or a signal: {exc}") from exc
    return out


@subscriptions.command("test")
@click.argument("file", type=click.Path(path_type=Path))
@click.argument("alert_file", metavar="ALERT.json", type=click.Path(exists=True, path_type=Path))
def subscriptions_test(file: Path, alert_file: Path) -> None:
    """Which subscriptions of FILE match the alert(s) in ALERT.json, and why (no Kafka needed).

    Silences live on Kafka and are not consulted; inhibition rules the alert would start are shown.
    """
    subs = _load_or_exit(file)
    for alert in _read_alerts(alert_file):
        facts = AlertFacts.of(alert)
        title = alert.title if isinstance(alert, Alert) else f"trend {alert.signal_type}"
        click.echo(f"alert {alert.alert_id} (story {facts.story} rev {facts.revision}): {title}")
        for sub in subs.subscriptions:
            result = match(sub.match, facts)
            mark = "MATCH   " if result else "no match"
            click.echo(f"  {mark} {sub.name}: {'; '.join(result.reasons)}")
        for inhibition in inhibitions_from(subs.inhibit, facts, utc_now()):
            click.echo(f"  starts inhibition {inhibition.rule}: holds back {_describe_match(inhibition.matchers)} "
                       f"until {inhibition.ends:%Y-%m-%d %H:%M}Z")


# --- silences ---------------------------------------------------------------------------


@click.group()
def silence() -> None:
    """Silences, as Alertmanager users know them: hold back matching alerts for a while."""


_OPTION_OF = {"countries": "--country", "commodities": "--commodity", "signal_types": "--signal-type",
              "languages": "--language", "organizations": "--organization", "keywords": "--keyword", "scope": "--scope"}


@silence.command("add")
@click.option("--country", "countries", multiple=True, help="ISO code; repeat for several (any of them)")
@click.option("--commodity", "commodities", multiple=True)
@click.option("--signal-type", "signal_types", multiple=True)
@click.option("--scope", multiple=True, type=click.Choice(["A", "B"]))
@click.option("--language", "languages", multiple=True)
@click.option("--organization", "organizations", multiple=True)
@click.option("--keyword", "keywords", multiple=True)
@click.option("--min-severity", type=click.Choice(["low", "medium", "high", "critical"]))
@click.option("--subscription", "subscriptions_", multiple=True, help="only for this subscription (default: all)")
@click.option("--duration", default="2h", show_default=True, help="how long: 30m, 2h, 1d")
@click.option("--author", required=True, help="who silences (shown in the log)")
@click.option("--reason", required=True, help="why (shown in the log)")
def silence_add(countries: tuple[str, ...], commodities: tuple[str, ...], signal_types: tuple[str, ...],
                scope: tuple[str, ...], languages: tuple[str, ...], organizations: tuple[str, ...],
                keywords: tuple[str, ...], min_severity: str | None, subscriptions_: tuple[str, ...], duration: str,
                author: str, reason: str) -> None:
    """Silence alerts matching every given matcher (any value within one) for --duration."""
    from pydantic import ValidationError

    from .routing.silences import Silence
    from .state_topics import publish_silence

    try:
        matchers = Match.model_validate({k: list(v) for k, v in dict(
            countries=countries, commodities=commodities, signal_types=signal_types, scope=scope, languages=languages,
            organizations=organizations, keywords=keywords).items() if v} | ({"min_severity": min_severity} if min_severity else {}))
        seconds = parse_duration(duration)
    except (ValidationError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            option = _OPTION_OF.get(str(first["loc"][0]), str(first["loc"][0]))
            message = f"{option}: {first['msg'].removeprefix('Value error, ')}"
        else:
            message = f"--duration: {exc}"
        raise click.BadParameter(message) from exc
    if seconds <= 0:
        raise click.BadParameter("--duration must be positive")
    new = Silence.create(matchers, duration=timedelta(seconds=seconds), author=author, reason=reason,
                         subscriptions=list(subscriptions_))
    _run(publish_silence(_settings(), new))
    click.echo(f"{new.id}  {new.describe()}  until {new.ends:%Y-%m-%d %H:%M:%S}Z")


@silence.command("list")
@click.option("--all", "show_all", is_flag=True, help="expired silences and inhibitions too")
@click.option("--json", "as_json", is_flag=True)
def silence_list(show_all: bool, as_json: bool) -> None:
    """Active silences (and inhibitions made by rules), newest first."""
    from .state_topics import load_silences

    now = utc_now()
    store = _run(load_silences(_settings()))
    shown = [s for s in reversed(store.all()) if show_all or s.active(now) or s.starts > now]
    for s in shown:
        if as_json:
            click.echo(s.to_json().decode())
        else:
            status = "active" if s.active(now) else "expired" if s.ends <= now else "pending"
            click.echo(f"{s.id:<18} {s.kind:<10} {status:<8} until {s.ends:%Y-%m-%d %H:%M}Z  {s.describe()}  "
                       f"by {s.author}: {s.reason}")
    if not shown and not as_json:
        click.echo("no active silences" + ("" if show_all else " (--all shows expired ones)"))


@silence.command("expire")
@click.argument("silence_id")
def silence_expire(silence_id: str) -> None:
    """End a silence now (an id prefix is enough when it is unambiguous)."""
    from .state_topics import load_silences, publish_silence

    async def expire() -> str:
        store = await load_silences(_settings())
        found = store.find_prefix(silence_id)
        if len(found) != 1:
            raise click.ClickException(f"no silence {silence_id!r}" if not found else
                                       f"{silence_id!r} matches {len(found)} silences; give more of the id")
        ended = found[0].expired(utc_now())
        await publish_silence(_settings(), ended)
        return ended.id

    click.echo(f"expired {_run(expire())}")

