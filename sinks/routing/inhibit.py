"""Inhibition: an alert matching a rule's ``source`` holds back alerts matching its ``target``.

    inhibit:
      - name: export-ban-holds-price
        source: {signal_types: [export_control], min_severity: critical}
        target: {signal_types: [price]}
        equal: [commodities]          # only price alerts about a commodity the ban names
        for: 6h

An inhibition is a silence made by the source alert: the target matchers narrowed to the
source's values in every ``equal`` field, active for ``for`` from the source's creation.
Writing it to the silences topic means every dispatcher sees it, and ``silence list``
shows it with the rule that made it. Alerts that match the source themselves are never
held back by the same rule (a second export ban is news, not noise).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .match import AlertFacts, match
from .model import InhibitRule
from .silences import Silence

__all__ = ["inhibitions_from"]


def inhibitions_from(rules: list[InhibitRule], facts: AlertFacts, created: datetime,
                     now: datetime | None = None) -> list[Silence]:
    """The inhibition silences this alert starts (none when it matches no rule's source).

    One per (rule, story): a later revision of the source story extends the same inhibition.
    It runs from the source's creation (never later than ``now``, so a clock ahead of ours
    cannot postpone it) for the rule's ``for``.
    """
    starts = min(created, now) if now is not None else created
    made: list[Silence] = []
    for rule in rules:
        if not match(rule.source, facts):
            continue
        narrowed: dict[str, list[str]] = {}
        for field in rule.equal:
            source_values = facts.values(field)
            wanted = getattr(rule.target, field)
            values = sorted(source_values & frozenset(wanted)) if wanted else sorted(source_values)
            if not values:
                break  # the source names nothing the target could share: the rule cannot apply
            narrowed[field] = values
        else:
            matchers = rule.target.model_copy(update=narrowed)
            made.append(Silence(
                id=Silence.inhibition_id(rule.name, facts.story), kind="inhibition", matchers=matchers,
                starts=starts, ends=created + timedelta(seconds=rule.for_), author=f"inhibit:{rule.name}",
                reason=f"held back by story {facts.story} (alert {facts.alert_id}, rule {rule.name})", created=starts,
                exempt=[facts.story], rule=rule.name,
            ))
    return made
