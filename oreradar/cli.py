"""``oreradar``: the command line that wires the stages together.

Settings are read once here (``Settings.load()``) and handed to every command through
the click context; no other module reads the environment.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from oreradar.errors import OreradarError
from oreradar.logs import configure_logging
from oreradar.settings import SEEDS_DIR, Settings

__all__ = ["cli", "main"]

log = logging.getLogger("oreradar")


def _settings() -> Settings:
    return click.get_current_context().obj["settings"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--log-level", default=None, help="DEBUG, INFO, WARNING... (default: ORERADAR_LOG_LEVEL or INFO)")
@click.pass_context
def cli(ctx: click.Context, log_level: str | None) -> None:
    """oreradar: news in, typed and explained supply-chain signals out.

    Reads news about rare earths, critical minerals and Central Asia's minerals, energy
    and trade routes, classifies each item (types, countries, commodities, organisations,
    amounts, severity, evidence) and routes alerts. Every setting is an ORERADAR_*
    environment variable; see the README.
    """
    settings = Settings.load(**({"log_level": log_level} if log_level else {}))
    configure_logging(settings.log_level, settings.log_format)
    log.debug("settings: %s", settings.as_dict())
    ctx.obj = {"settings": settings}


# --- broker ---------------------------------------------------------------------------


@cli.group()
def broker() -> None:
    """The local Apache Kafka (KRaft) of the embedded default: start, stop, status.

    One node by default (port ORERADAR_BROKER_PORT, controller on the next port); with
    --nodes 3 a 3-node cluster on this machine: node i serves clients on
    ORERADAR_BROKER_PORT + 2(i-1) and its controller on the port after. Jars come from
    Maven Central via deploy/kafka/pom.xml (needs Java 17+ and Maven); data lives in
    $ORERADAR_STATE_DIR/kafka (one folder per node) and survives restarts.
    """


_NODE = click.option("--node", type=click.IntRange(1, 9), default=None, help="act on this node (1-based) only")


@broker.command("start")
@click.option("--nodes", type=click.IntRange(1, 9), default=None,
              help="cluster size on first start (default 1); later starts keep the size the state dir holds")
@_NODE
def broker_start(nodes: int | None, node: int | None) -> None:
    """Start the local broker (or cluster, or one node of it); returns once it accepts connections."""
    from oreradar.kafka_admin import ensure_topics, wait_for_cluster
    from oreradar.local_broker import broker_command

    settings = _settings()
    broker_command(settings, "start", nodes=nodes, node=node)
    if nodes is not None:
        # The size is recorded now: the bootstrap of what follows lists every node.
        settings = settings.model_copy(update={"broker_nodes": nodes})
    wait_for_cluster(settings)
    ensure_topics(settings)


@broker.command("stop")
@_NODE
def broker_stop(node: int | None) -> None:
    """Stop the local broker cleanly: every node, or --node N only."""
    from oreradar.local_broker import broker_command

    broker_command(_settings(), "stop", node=node)


@broker.command("status")
def broker_status() -> None:
    """Say which nodes of the local broker run (exit 1 unless all do)."""
    from oreradar.local_broker import broker_command

    sys.exit(broker_command(_settings(), "status", check=False))


# --- producers ------------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--no-progress", is_flag=True, help="no progress bar (logs only)")
@click.option("--golden", is_flag=True, help="PATHS are golden alert files: replay each in its own namespace "
              "with its own worker and print every difference from the expected alerts (exit 1 on any)")
def replay(paths: tuple[Path, ...], no_progress: bool, golden: bool) -> None:
    """Publish seed .txt articles, NewsItem .jsonl files and folders of them to news.raw.

    A .txt file is one article (title = first line, body = the rest); a .jsonl file has
    one NewsItem per line. Prints a summary: published, skipped, failed.
    """
    from oreradar.kafka_admin import ensure_topics
    from producers.replay_cli import replay_paths

    settings = _settings()
    if golden:
        from producers.golden_cli import golden_command

        sys.exit(golden_command(settings, list(paths)))
    ensure_topics(settings)
    summary = replay_paths(settings, list(paths), progress=not no_progress)
    click.echo(summary.line())
    if summary.failed:
        sys.exit(1)


# --- processors -----------------------------------------------------------------------


@cli.command()
@click.option("--stage", type=click.Choice(["all", "classify", "stories"]), default="all", show_default=True,
              help="all: classify here and the stories stage in a child process; or one stage only")
@click.option("--child", is_flag=True, hidden=True, help="started by `oreradar worker` (stops when it goes)")
def worker(stage: str, child: bool) -> None:
    """Run the Faust worker: news.raw -> classify -> news.signals -> stories -> alerts (dead letters aside)."""
    from processors.worker import run_worker

    run_worker(_settings(), stage=stage, child=child)


@cli.command()
@click.argument("source", default="-", type=click.Path(path_type=Path, allow_dash=True))
@click.option("--relevant-only", is_flag=True, help="print only relevant decisions")
def classify(source: Path, relevant_only: bool) -> None:
    """Classify NewsItem JSONL (or a plain .txt article) into Signal JSONL on stdout. No Kafka.

    SOURCE is a .jsonl file, a .txt article, a folder of them, or - for JSONL on stdin.
    Lines that are not NewsItems are reported on stderr with their line number.
    """
    from processors.classifier import Classifier
    from producers.replay import read_paths

    clf = Classifier.default()
    if str(source) == "-":
        entries = _read_stdin()
    else:
        entries = read_paths([source])
    bad = 0
    for entry in entries:
        if entry.item is None:
            bad += 1
            click.echo(f"oreradar classify: {entry.where}: {entry.error}", err=True)
            continue
        signal = clf.classify(entry.item)
        if signal.relevant or not relevant_only:
            click.echo(signal.to_json().decode())
    if bad:
        sys.exit(1)


def _read_stdin():  # type: ignore[no-untyped-def]
    """Stdin is JSONL when its first non-blank character is '{', else one plain-text article."""
    from producers.replay import ReadEntry, item_from_text, read_jsonl

    data = sys.stdin.read()
    if data.lstrip().startswith("{"):
        yield from read_jsonl(data.splitlines(), source="<stdin>")
        return
    try:
        yield ReadEntry("<stdin>", item=item_from_text(data, source="<stdin>"))
    except OreradarError as exc:
        yield ReadEntry("<stdin>", error=str(exc))


@cli.command("eval")
@click.argument("corpus", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print the figures as JSON")
@click.option("--stories", "stories_", is_flag=True, help="score story assignment instead (default corpus: seeds/stories)")
def eval_(corpus: tuple[Path, ...], as_json: bool, stories_: bool) -> None:
    """Precision, recall and F1 per label against a labelled corpus (JSONL with `gold`).

    CORPUS is one or more .jsonl files or folders (default: seeds/labelled). The figures
    follow for each language (and script: uz-latn/uz-cyrl, zh-hans/zh-hant). With
    --stories: pairwise precision/recall/F1 of story assignment against lines with
    `event` and `family`, same-language and cross-language pairs apart.
    """
    if stories_:
        from processors.stories_cli import eval_stories

        eval_stories(list(corpus) or [SEEDS_DIR / "stories"], as_json=as_json)
        return
    from rich.console import Console

    from oreradar.corpus import load_labelled
    from processors.classifier import Classifier
    from processors.classifier.evaluate import evaluate, evaluate_by_language, render_by_language

    try:
        items = load_labelled(list(corpus) or None)
    except OreradarError as exc:
        raise click.ClickException(str(exc)) from exc
    if not items:
        raise click.ClickException("no labelled items found; pass a .jsonl corpus with `gold` labels")
    clf = Classifier.default()
    report = evaluate(clf, items)
    by_language = evaluate_by_language(clf, items)
    if as_json:
        figures = report.to_dict()
        figures["by_language"] = {name: r.to_dict() for name, r in by_language.items()}
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        console = Console()
        console.print(report.render())
        console.print(render_by_language(by_language))


# --- the embedded default ------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--timeout", default=120.0, show_default=True, help="seconds to wait for the decisions")
@click.option("--keep-broker", is_flag=True, help="leave the local broker running afterwards")
@click.option("--monitor", "with_monitor", is_flag=True, help="start Prometheus and Alertmanager too, and leave them running")
def demo(paths: tuple[Path, ...], timeout: float, keep_broker: bool, with_monitor: bool) -> None:
    """The embedded default, end to end, then exit.

    Starts the local Kafka (unless ORERADAR_KAFKA_BOOTSTRAP is set), creates the topics,
    starts the worker and the alert dispatcher, replays the seed articles (default: the
    top-level files of seeds/), prints each alert as it arrives, and stops everything it
    started.
    """
    from oreradar.demo import run_demo

    default = sorted(p for p in SEEDS_DIR.iterdir() if p.suffix in (".txt", ".jsonl"))
    if with_monitor:
        from oreradar.monitor import Monitor

        for name, url in Monitor(_settings()).start().items():
            click.echo(f"{name}: {url} (left running; `oreradar monitor stop` stops it)")
    code = run_demo(_settings(), list(paths) or default, timeout=timeout, keep_broker=keep_broker)
    sys.exit(code)


# The feed commands live with the feed poller; importing them here (not behind a guard)
# means a broken feeds package fails loudly instead of silently losing `oreradar feeds`.
from producers.feeds.cli import feeds  # noqa: E402

cli.add_command(feeds)

from processors.stories_cli import stories  # noqa: E402

cli.add_command(stories)
# The dispatcher's commands live with the dispatcher (sinks/cli.py).
from sinks.cli import alerts, silence, subscriptions  # noqa: E402

for _group in (alerts, subscriptions, silence):
    cli.add_command(_group)

from oreradar.monitor_cli import monitor  # noqa: E402

cli.add_command(monitor)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except OreradarError as exc:
        click.echo(f"oreradar: {exc}", err=True)
        sys.exit(2)
