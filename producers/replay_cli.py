"""``oreradar replay``: read items from files and publish them to ``news.raw`` with a progress bar."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from oreradar.metrics import PipelineMetrics, shared_pipeline_metrics
from oreradar.settings import Settings
from producers.publisher import NewsPublisher
from producers.replay import expand_paths, read_paths

__all__ = ["ReplaySummary", "replay_paths"]

log = logging.getLogger(__name__)
STAGE = "replay"


@dataclass
class ReplaySummary:
    published: int = 0
    skipped: int = 0
    failed: int = 0
    ids: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"replay: published {self.published}, skipped {self.skipped}, failed {self.failed}"


def _estimate(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        if path.suffix == ".jsonl" and path.is_file():
            with path.open("rb") as handle:
                total += sum(1 for line in handle if line.strip())
        else:
            total += 1
    return total


def replay_paths(
    settings: Settings,
    paths: list[Path],
    *,
    progress: bool = True,
    publisher: NewsPublisher | None = None,
    metrics: PipelineMetrics | None = None,
) -> ReplaySummary:
    """Publish every item of ``paths``; bad lines are skipped with their place named."""
    metrics = metrics or shared_pipeline_metrics()
    summary = ReplaySummary()
    files = expand_paths(paths)
    console = Console(stderr=True)
    own_publisher = publisher is None
    pub = publisher or NewsPublisher.connect(settings)
    columns = (TextColumn("replay"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console, disable=not progress, transient=True) as bar:
            task = bar.add_task("replay", total=_estimate(files))
            for entry in read_paths(files):
                bar.advance(task)
                if entry.item is None:
                    summary.skipped += 1
                    metrics.dropped.labels(stage=STAGE, reason="invalid_input").inc()
                    console.print(f"[yellow]skipped[/] {entry.where}: {entry.error}")
                    continue
                pub.publish(entry.item)
                summary.ids.append(entry.item.id)
        result = pub.flush()
    finally:
        if own_publisher:
            pub.close()
    summary.published = result.published
    summary.failed = result.failed
    for error in result.errors:
        console.print(f"[red]failed[/] {error}")
    metrics.items.labels(stage=STAGE, outcome="published").inc(result.published)
    if result.failed:
        metrics.dropped.labels(stage=STAGE, reason="publish_failed").inc(result.failed)
    return summary
