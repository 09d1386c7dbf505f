"""Building a :class:`~oreradar.records.DeadLetter`: shared by every stage that dead-letters.

    >>> dead_letter(b"{}", "field 'id': missing", stage="dispatch", topic="alerts", offset=7).offset
    7

The worker dead-letters records it cannot classify, the dispatcher records that are not
alerts and deliveries that could not be made; all of them land on ``news.deadletter``
with the original bytes, so nothing is lost.
"""

from __future__ import annotations

import base64

from oreradar.records import DeadLetter

__all__ = ["dead_letter", "MAX_DEAD_ORIGINAL"]

# Bytes of the original record a dead letter keeps (twice: text and base64), well under
# the 1 MB a Kafka topic takes by default.
MAX_DEAD_ORIGINAL = 256 * 1024


def dead_letter(
    raw: bytes | None,
    reason: str,
    *,
    stage: str,
    topic: str,
    partition: int | None = None,
    offset: int | None = None,
    key: bytes | None = None,
    item_id: str | None = None,
    field: str | None = None,
) -> DeadLetter:
    raw = raw or b""
    if len(raw) > MAX_DEAD_ORIGINAL:
        # The letter carries the original twice (text and base64): cut it so the letter
        # itself fits on the topic; the reason says how much there was.
        reason = f"{reason} (original cut to the first {MAX_DEAD_ORIGINAL} of {len(raw)} bytes)"
        raw = raw[:MAX_DEAD_ORIGINAL]
    return DeadLetter(
        stage=stage,
        reason=reason,
        topic=topic,
        partition=partition,
        offset=offset,
        key=key.decode("utf-8", "replace") if key else None,
        item_id=item_id,
        field=field,
        original=raw.decode("utf-8", "replace"),
        original_b64=base64.b64encode(raw).decode("ascii"),
    )
