"""Silences, as Alertmanager users know them: matchers, a start, an end, an author and a reason.

    >>> store = SilenceStore()
    >>> store.put(Silence.create(Match(countries=["KZ"]), duration=timedelta(hours=2), author="ana", reason="works"))  # doctest: +SKIP
    >>> store.silencing(facts, "kz-desk", now)                          # doctest: +SKIP
    Silence(id='3f9c…', ...)

The store is the latest record per silence id, exactly what the compacted topic
``oreradar.silences`` holds, so any dispatcher rebuilds it by reading that topic. Expiring a
silence writes it again with ``ends`` = now. Inhibitions (see inhibit.py) are silences too,
made by a source alert, with ``kind="inhibition"``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from pydantic import Field

from oreradar.records import _Record, utc_now

from .match import AlertFacts, match
from .model import Match

__all__ = ["Silence", "SilenceStore"]


class Silence(_Record):
    id: str
    kind: str = "silence"  # "silence" (a person made it) or "inhibition" (a rule did)
    matchers: Match = Field(default_factory=Match)
    subscriptions: list[str] = Field(default_factory=list, description="only these subscriptions; empty = all")
    starts: datetime
    ends: datetime
    author: str = ""
    reason: str = ""
    created: datetime = Field(default_factory=utc_now)
    exempt: list[str] = Field(default_factory=list, description="alert or story ids never held back (an inhibition's own source story)")
    rule: str | None = None  # the inhibition rule that made it

    @classmethod
    def create(cls, matchers: Match, *, duration: timedelta, author: str, reason: str,
               subscriptions: list[str] | None = None, now: datetime | None = None) -> Silence:
        now = now or utc_now()
        return cls(id=secrets.token_hex(6), matchers=matchers, subscriptions=subscriptions or [], starts=now,
                   ends=now + duration, author=author, reason=reason, created=now)

    @staticmethod
    def inhibition_id(rule: str, story: str) -> str:
        """Deterministic per (rule, source story): a replay rewrites it, a later revision extends it."""
        return "inh-" + hashlib.sha256(f"{rule}:{story}".encode()).hexdigest()[:12]

    def active(self, now: datetime) -> bool:
        return self.starts <= now < self.ends

    def expired(self, now: datetime) -> Silence:
        return self.model_copy(update={"ends": min(self.ends, now)})

    def holds(self, facts: AlertFacts, subscription: str, now: datetime) -> bool:
        if not self.active(now) or facts.alert_id in self.exempt or facts.story in self.exempt:
            return False
        if self.subscriptions and subscription not in self.subscriptions:
            return False
        return match(self.matchers, facts).matched

    def describe(self) -> str:
        parts = [f"{f}={','.join(getattr(self.matchers, f))}" for f in ("countries", "commodities", "signal_types",
                 "scope", "languages", "organizations", "keywords") if getattr(self.matchers, f)]
        if self.matchers.min_severity:
            parts.append(f"min_severity={self.matchers.min_severity}")
        if self.subscriptions:
            parts.append(f"subscriptions={','.join(self.subscriptions)}")
        return " ".join(parts) or "(every alert)"


class SilenceStore:
    def __init__(self) -> None:
        self._by_id: dict[str, Silence] = {}

    def put(self, silence: Silence) -> None:
        self._by_id[silence.id] = silence

    def get(self, silence_id: str) -> Silence | None:
        return self._by_id.get(silence_id)

    def find_prefix(self, prefix: str) -> list[Silence]:
        return [s for sid, s in self._by_id.items() if sid.startswith(prefix)]

    def all(self) -> list[Silence]:
        return sorted(self._by_id.values(), key=lambda s: s.created)

    def silencing(self, facts: AlertFacts, subscription: str, now: datetime, kind: str | None = None) -> Silence | None:
        """The first active silence (or inhibition) that holds this alert back for this subscription."""
        for silence in self._by_id.values():
            if (kind is None or silence.kind == kind) and silence.holds(facts, subscription, now):
                return silence
        return None
