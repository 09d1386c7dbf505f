"""What the worker does with one record from ``news.raw``, as a pure function.

    >>> outcome = handle_raw(b'{"id": "x1", "title": "China bans gallium exports"}', classify)
    >>> outcome.signal.relevant, outcome.signal.source            # doctest: +SKIP
    (True, '')

The Faust agent (``processors/classify_news.py``) is a shell around this: it reads,
calls, sends what comes back, counts. Keeping the decision here means it is tested
without a broker and the agent loop stays a screen long.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from oreradar.deadletter import dead_letter  # moved to oreradar/; re-exported here for old imports
from oreradar.errors import OreradarError, RecordError
from oreradar.records import SEVERITIES, DeadLetter, NewsItem, Signal

__all__ = [
    "Outcome", "handle_raw", "dead_letter", "passes_severity", "INVALID_RECORD", "CLASSIFIER_REFUSED", "CLASSIFIER_ERROR",
    "LEAD_CHARS",
]

log = logging.getLogger(__name__)

# How much of the summary or body travels on the signal for the stories stage: the lead
# paragraph is what copies share and what rewordings paraphrase.
LEAD_CHARS = 600


# Why a record was dead-lettered, as the bounded ``reason`` label of oreradar_dropped_total.
INVALID_RECORD = "invalid_record"  # not JSON, not a NewsItem
CLASSIFIER_REFUSED = "classifier_refused"  # the classifier said why it cannot take the item
CLASSIFIER_ERROR = "classifier_error"  # the classifier crashed: a bug, counted and kept for replay


@dataclass(frozen=True)
class Outcome:
    """Exactly one of ``signal`` or ``dead`` is set (alerts come from the stories stage);
    ``drop_reason`` (one of the labels above) with ``dead``."""

    signal: Signal | None = None
    dead: DeadLetter | None = None
    drop_reason: str | None = None


def passes_severity(signal: Signal, min_severity: str) -> bool:
    return signal.relevant and SEVERITIES.index(signal.severity or "low") >= SEVERITIES.index(min_severity)


def handle_raw(
    raw: bytes | None,
    classify: Callable[[NewsItem], Signal],
    *,
    topic: str = "news.raw",
    partition: int | None = None,
    offset: int | None = None,
    key: bytes | None = None,
) -> Outcome:
    """Parse, classify and route one raw record; bad input becomes a dead letter, never an exception."""
    def dead(label: str, reason: str, item_id: str | None = None, field: str | None = None) -> Outcome:
        letter = dead_letter(
            raw, reason, stage="classify", topic=topic, partition=partition, offset=offset, key=key,
            item_id=item_id, field=field,
        )
        return Outcome(dead=letter, drop_reason=label)

    if raw is None:
        return dead(INVALID_RECORD, "empty record (null value)")
    try:
        item = NewsItem.from_json(raw)
    except RecordError as exc:
        return dead(INVALID_RECORD, str(exc), exc.item_id, exc.field)
    try:
        signal = classify(item)
    except OreradarError as exc:
        return dead(CLASSIFIER_REFUSED, f"classifier refused item {item.id}: {exc}", item.id)
    except Exception as exc:  # a classifier bug must cost one item, not the worker
        log.exception("classifier crashed", extra={"item_id": item.id})
        return dead(CLASSIFIER_ERROR, f"classifier error on item {item.id}: {type(exc).__name__}: {exc}", item.id)
    lead = (item.summary.strip() or item.body.strip())[:LEAD_CHARS]
    signal = signal.model_copy(update={"source": item.source, "published": item.published, "lead": lead or None})
    return Outcome(signal=signal)
