"""Routing one alert: which subscriptions get it, and which are held back and why.

    >>> routes = route(subs, facts, silences, last_view, now)          # doctest: +SKIP
    >>> [(r.subscription, r.outcome) for r in routes]
    [('kz-desk', 'deliver'), ('prices', 'inhibited')]

Order of the checks, for every matching subscription: this revision or a later one was
routed to them already (``duplicate``: a re-read after a crash, or a late revision), a silence (``silenced``), then an
inhibition (``inhibited``), then the story-update rule (``unchanged`` when nothing the
subscriber filters on changed since the revision they last got). Subscriptions that do
not match are not listed. Pure: the silences, the last views and the clock are handed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .diff import View, describe_changes, view
from .match import AlertFacts, match
from .model import InhibitRule, Subscriptions
from .silences import SilenceStore

__all__ = ["Route", "route"]

Outcome = Literal["deliver", "silenced", "inhibited", "unchanged", "duplicate"]
# What a subscriber last got of a story: (revision, view), or None.
LastView = Callable[[str, str], "tuple[int, View] | None"]


@dataclass(frozen=True)
class Route:
    subscription: str
    outcome: Outcome
    reasons: tuple[str, ...]  # why the subscription matched
    view: View
    changes: tuple[str, ...] = ()  # since the last revision this subscriber got
    held_by: str | None = None  # silence id, or the inhibition's
    detail: str = ""


def route(
    subs: Subscriptions,
    facts: AlertFacts,
    silences: SilenceStore,
    last_view: LastView,
    now: datetime,
) -> list[Route]:
    rules = {rule.name: rule for rule in subs.inhibit}
    routes: list[Route] = []
    for sub in subs.subscriptions:
        result = match(sub.match, facts)
        if not result:
            continue
        seen = view(sub.match, facts)
        before = last_view(sub.name, facts.story)
        if before is not None and before[0] >= facts.revision:
            # This revision, or a later one, was routed to them already: a re-read, or a stale revision.
            routes.append(Route(sub.name, "duplicate", result.reasons, seen, detail=f"revision {before[0]} routed already"))
            continue
        silence = silences.silencing(facts, sub.name, now, kind="silence")
        if silence is not None:
            routes.append(Route(sub.name, "silenced", result.reasons, seen, held_by=silence.id,
                                detail=f"silence {silence.id} by {silence.author}: {silence.reason}"))
            continue
        inhibition = _inhibition(silences, facts, sub.name, now, rules)
        if inhibition is not None:
            routes.append(Route(sub.name, "inhibited", result.reasons, seen, held_by=inhibition[0], detail=inhibition[1]))
            continue
        changes = describe_changes(before[1] if before else None, seen)
        if before is not None and (sub.updates == "none" or (sub.updates == "changes" and not changes)):
            routes.append(Route(sub.name, "unchanged", result.reasons, seen,
                                detail="nothing this subscription filters on changed since the revision it got"))
            continue
        routes.append(Route(sub.name, "deliver", result.reasons, seen, tuple(changes)))
    return routes


def _inhibition(silences: SilenceStore, facts: AlertFacts, subscription: str, now: datetime,
                rules: dict[str, InhibitRule]) -> tuple[str, str] | None:
    for silence in silences.all():
        if silence.kind != "inhibition" or not silence.holds(facts, subscription, now):
            continue
        rule = rules.get(silence.rule or "")
        # An alert that is itself a source of the rule is news, not noise: never held back by it.
        if rule is not None and match(rule.source, facts):
            continue
        return silence.id, silence.reason
    return None
