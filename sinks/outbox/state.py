"""The outbox state of one ``oreradar.deliveries`` partition, rebuilt from its records.

    >>> state = PartitionState(0)
    >>> for record in records_read_from_the_beginning:                # doctest: +SKIP
    ...     state.apply(record)
    >>> state.pending("kz-desk/0:webhook")                            # doctest: +SKIP

Latest record per key wins (what compaction keeps). Indexes answer what the dispatcher
asks: the last view a subscriber got of a story, the waiting entries per group, the
pending deliveries per channel, when each group and channel last sent.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from .records import OutboxRecord

__all__ = ["PartitionState"]


class PartitionState:
    def __init__(self, partition: int, group: str = ""):
        self.partition = partition
        self.group = group
        self.records: dict[str, OutboxRecord] = {}
        self._views: dict[tuple[str, str], tuple[int, dict[str, list[str]]]] = {}
        self._carried: set[str] = set()  # entry keys some delivery already carries
        self._waiting: dict[str, dict[str, OutboxRecord]] = defaultdict(dict)  # channel → entry key → entry
        self._pending: dict[str, dict[str, OutboxRecord]] = defaultdict(dict)  # channel → delivery key → delivery
        self._last_flush: dict[str, datetime] = {}  # group key → when its last message was formed
        self._flushes: dict[str, list[datetime]] = defaultdict(list)  # channel → message times (for max_per_hour)

    def has(self, key: str) -> bool:
        return key in self.records

    def apply(self, record: OutboxRecord) -> None:
        if record.group != self.group:
            return  # another consumer group's pipeline shares the topic, not the state
        previous = self.records.get(record.key)
        self.records[record.key] = record
        if record.kind == "entry":
            self._index_entry(record)
        elif record.kind == "delivery":
            self._index_delivery(record, is_new=previous is None)

    def _index_entry(self, entry: OutboxRecord) -> None:
        # A subscriber's view of a story moves with every revision routed to them.
        slot = (entry.subscription, entry.story_id)
        known = self._views.get(slot)
        if known is None or entry.revision >= known[0]:
            self._views[slot] = (entry.revision, entry.view)
        if entry.state == "waiting" and entry.key not in self._carried:
            self._waiting[entry.channel][entry.key] = entry
        else:
            self._waiting[entry.channel].pop(entry.key, None)

    def _index_delivery(self, delivery: OutboxRecord, *, is_new: bool) -> None:
        for key in delivery.entries:
            self._carried.add(key)
            self._waiting[delivery.channel].pop(key, None)
        if is_new:
            self._last_flush[delivery.group_key] = max(delivery.created, self._last_flush.get(delivery.group_key, delivery.created))
            self._flushes[delivery.channel].append(delivery.created)
        if delivery.state == "pending":
            self._pending[delivery.channel][delivery.key] = delivery
        else:
            self._pending[delivery.channel].pop(delivery.key, None)

    # --- questions -----------------------------------------------------------------------

    def last_view(self, subscription: str, story_id: str) -> tuple[int, dict[str, list[str]]] | None:
        """(revision, view) of the latest revision of the story routed to the subscription."""
        return self._views.get((subscription, story_id))

    def waiting_groups(self, channel: str) -> dict[str, list[OutboxRecord]]:
        groups: dict[str, list[OutboxRecord]] = defaultdict(list)
        for entry in self._waiting.get(channel, {}).values():
            groups[entry.group_key].append(entry)
        return groups

    def pending(self, channel: str) -> list[OutboxRecord]:
        return sorted(self._pending.get(channel, {}).values(), key=lambda d: (d.next_attempt or d.created, d.key))

    def last_flush(self, group_key: str) -> datetime | None:
        return self._last_flush.get(group_key)

    def flushes(self, channel: str) -> list[datetime]:
        return self._flushes.get(channel, [])

    def backlog(self, channel: str) -> int:
        """Deliveries not made yet: pending messages plus alerts waiting for their group."""
        return len(self._pending.get(channel, {})) + len(self._waiting.get(channel, {}))

    def channels(self) -> set[str]:
        return set(self._pending) | set(self._waiting)
