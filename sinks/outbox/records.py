"""What the outbox and the delivery log hold: one record per key on ``oreradar.deliveries``.

The topic is compacted and keyed, so the latest record per key *is* the state, and any
dispatcher rebuilds a partition by reading it from the beginning. Three kinds share it:

    entry     one alert for one channel of one subscription   waiting → batched
    delivery  one message (one or more entries) to a channel  pending → delivered | dead_lettered
    log       an alert held back for a subscription           silenced | inhibited | unchanged

Records in a final state drop the alerts they carried (the ``alerts`` topic and, for a
dead letter, ``news.deadletter`` keep them), so the state a dispatcher rebuilds stays small.
An entry becomes part of a delivery (grouping) by the delivery record naming it in
``entries``; the delivery is written first, so a crash between the two writes leaves an
entry that the rebuilt state already knows is carried.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from oreradar.records import _Record, utc_now

__all__ = ["OutboxRecord", "entry_key", "log_key", "delivery_key", "FINAL_STATES"]

Kind = Literal["entry", "delivery", "log"]
FINAL_STATES = frozenset({"delivered", "dead_lettered", "silenced", "inhibited", "unchanged", "batched"})


# Keys carry the dispatcher's consumer group: two groups are two independent pipelines
# (a staging dispatcher next to production), sharing the topic but never each other's state.


def entry_key(group: str, alert_id: str, channel: str) -> str:
    return f"e:{group}:{alert_id}:{channel}"


def log_key(group: str, alert_id: str, subscription: str) -> str:
    return f"l:{group}:{alert_id}:{subscription}"


def delivery_key(group: str, alert_ids: list[str], channel: str) -> str:
    """Stable for (group, alert ids, channel): the Idempotency-Key a receiver sees on every retry."""
    basis = group + "|" + channel + "|" + ",".join(sorted(alert_ids))
    return "d:" + hashlib.sha256(basis.encode()).hexdigest()[:24]


class OutboxRecord(_Record):
    key: str
    group: str = ""  # the consumer group of the dispatchers that own it
    kind: Kind
    state: str
    subscription: str
    channel: str = ""  # "<subscription>/<index or name>:<type>"; empty on log records
    channel_type: str = ""
    story_id: str = ""
    revision: int = 1
    alert_ids: list[str] = Field(default_factory=list)
    alerts: list[dict[str, Any]] = Field(default_factory=list, description="the alerts as published (entries, deliveries)")
    title: str = ""
    group_key: str = ""
    view: dict[str, list[str]] = Field(default_factory=dict, description="what the subscriber filters on, as of this alert")
    changes: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description="why the subscription matched")
    detail: str = ""  # the silence, inhibition or rule that held it back
    batch: str | None = None  # entry → key of the delivery that carries it
    entries: list[str] = Field(default_factory=list)  # delivery → keys of the entries it carries
    attempts: int = 0
    next_attempt: datetime | None = None
    last_error: str = ""
    alert_created: datetime | None = None  # earliest alert creation, for the latency histogram
    created: datetime = Field(default_factory=utc_now)
    updated: datetime = Field(default_factory=utc_now)

    @property
    def delivery_id(self) -> str:
        return self.key.removeprefix("d:")
