"""Does an alert match a subscription (or a silence, or an inhibition rule), and why.

    >>> facts = AlertFacts.of(alert)                                    # doctest: +SKIP
    >>> result = match(Match(countries=["KZ"], min_severity="high"), facts)
    >>> result.matched, result.reasons
    (True, ['countries: KZ', 'severity: critical >= high'])

Any listed value within a field, every listed field together. Alerts are multi-valued
(one story names several countries and commodities), so a field matches when the alert
and the subscription share at least one value. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from oreradar.records import SEVERITIES, Alert, AnyAlert

from .model import Match

__all__ = ["AlertFacts", "MatchResult", "match"]


@dataclass(frozen=True)
class AlertFacts:
    """The values of one alert that matchers look at, story and trend alerts alike."""

    alert_id: str
    story: str
    kind: str
    revision: int
    countries: frozenset[str]
    commodities: frozenset[str]
    signal_types: frozenset[str]
    scope: frozenset[str]
    languages: frozenset[str]
    organizations: frozenset[str]
    severity: str
    text: str  # lower-cased title and evidence spans, for keywords

    @classmethod
    def of(cls, alert: AnyAlert) -> AlertFacts:
        if isinstance(alert, Alert):
            languages = {alert.lang} | {s.lang for s in alert.sources}
            text = " ".join([alert.title, *(ev.text for ev in alert.evidence)])
            return cls(
                alert_id=alert.alert_id, story=alert.story_id, kind="story", revision=alert.revision,
                countries=frozenset(alert.countries), commodities=frozenset(alert.commodities),
                signal_types=frozenset(alert.signal_types), scope=frozenset(alert.scope),
                languages=frozenset(lang.lower() for lang in languages if lang),
                organizations=frozenset(alert.organizations), severity=alert.severity or "low", text=text.lower(),
            )
        return cls(
            alert_id=alert.alert_id, story=alert.alert_id, kind="trend", revision=1,
            countries=frozenset([alert.country]), commodities=frozenset([alert.commodity]),
            signal_types=frozenset([alert.signal_type]), scope=frozenset(), languages=frozenset(),
            organizations=frozenset(), severity=alert.severity, text="",
        )

    def values(self, field: str) -> frozenset[str]:
        if field == "keywords":
            raise ValueError("keywords are matched against text, not a value set")
        if field == "severity":
            return frozenset([self.severity])
        if field == "story":
            return frozenset([self.story])
        if field == "kind":
            return frozenset([self.kind])
        return frozenset(getattr(self, field))


@dataclass(frozen=True)
class MatchResult:
    matched: bool
    reasons: tuple[str, ...]  # why it matched, or the first field that did not

    def __bool__(self) -> bool:
        return self.matched


def _shown(values: frozenset[str] | list[str]) -> str:
    return ", ".join(sorted(values)) or "nothing"


def match(spec: Match, facts: AlertFacts) -> MatchResult:
    reasons: list[str] = []
    for field in ("countries", "commodities", "signal_types", "scope", "languages", "organizations"):
        wanted = getattr(spec, field)
        if not wanted:
            continue
        have = facts.values(field)
        shared = have & frozenset(wanted)
        if not shared:
            return MatchResult(False, (f"{field}: the alert has {_shown(have)}; wanted any of {_shown(wanted)}",))
        reasons.append(f"{field}: {_shown(shared)}")
    if spec.keywords:
        found = [k for k in spec.keywords if k.lower() in facts.text]
        if not found:
            return MatchResult(False, (f"keywords: none of {', '.join(spec.keywords)} in the title or evidence",))
        reasons.append(f"keywords: {', '.join(found)}")
    if spec.min_severity:
        if SEVERITIES.index(facts.severity) < SEVERITIES.index(spec.min_severity):
            return MatchResult(False, (f"severity: {facts.severity} < {spec.min_severity}",))
        reasons.append(f"severity: {facts.severity} >= {spec.min_severity}")
    return MatchResult(True, tuple(reasons) or ("matches every alert (empty match)",))
