"""Story updates per subscriber: is this revision news *to them*, and what changed since their last one.

    >>> before = view(spec, AlertFacts.of(rev1))                       # doctest: +SKIP
    >>> after = view(spec, AlertFacts.of(rev2))
    >>> describe_changes(before, after)
    ['countries: +UZ', 'severity: medium → high']

A subscriber's view of an alert is what they filter on: the values the alert shares with
each listed field, the keywords found, the severity when they set ``min_severity``. A
subscriber who filters on nothing sees the main fields whole. A later revision is
delivered when that view changed since the last revision they were sent.
"""

from __future__ import annotations

from oreradar.records import SEVERITIES

from .match import AlertFacts
from .model import Match

__all__ = ["View", "view", "describe_changes"]

View = dict[str, list[str]]

_WHOLE = ("signal_types", "countries", "commodities", "organizations", "severity")


def view(spec: Match, facts: AlertFacts) -> View:
    fields = spec.filtered_fields() or _WHOLE
    out: View = {}
    for field in fields:
        if field == "keywords":
            out[field] = sorted(k for k in spec.keywords if k.lower() in facts.text)
        elif field == "severity":
            out[field] = [facts.severity]
        else:
            have = facts.values(field)
            wanted = getattr(spec, field, None)
            out[field] = sorted(have & frozenset(wanted) if wanted else have)
    return out


def describe_changes(before: View | None, after: View) -> list[str]:
    """Human lines, one per changed field; empty when nothing the subscriber filters on changed."""
    if before is None:
        return []
    lines: list[str] = []
    for field in after.keys() | before.keys():
        old, new = before.get(field, []), after.get(field, [])
        if old == new:
            continue
        if field == "severity":
            direction = "raised" if _rank(new) > _rank(old) else "lowered"
            lines.append(f"severity {direction}: {'/'.join(old) or '-'} → {'/'.join(new) or '-'}")
            continue
        added = [f"+{v}" for v in new if v not in old]
        removed = [f"-{v}" for v in old if v not in new]
        lines.append(f"{field}: {' '.join(added + removed)}")
    return sorted(lines)


def _rank(values: list[str]) -> int:
    return max((SEVERITIES.index(v) for v in values if v in SEVERITIES), default=-1)
