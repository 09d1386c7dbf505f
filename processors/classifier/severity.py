"""Severity from what is at stake (SIGNALS.md), given a relevant decision.

- ``critical``: export controls or sanctions on a critical mineral where a major
  producer (``severity.major_producers`` in cues.yaml) is named, or a halt
  (``disruption``) of a critical mineral announced in the title;
- ``high``: investments or deals worth >= ``severity.high_usd`` (converted with the rough
  rates of currencies.yaml), deals between states, new laws/taxes/licensing in Central
  Asia, sanctions involving Central Asia;
- ``medium``: any other reported signal type;
- ``low``: relevant with no signal type (a passing mention).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SeverityRules", "grade"]


@dataclass
class SeverityRules:
    major_producers: frozenset[str] = field(default_factory=frozenset)
    high_usd: float = 1e9


def grade(
    rules: SeverityRules,
    *,
    types: set[str],
    title_types: set[str],
    scope: list[str],
    critical_commodity: bool,
    countries: list[str],
    central_asia: bool,
    max_usd: float,
) -> str:
    major = any(c in rules.major_producers for c in countries)
    if critical_commodity and major and types & {"export_control", "sanctions"}:
        return "critical"
    if critical_commodity and "disruption" in title_types:
        return "critical"
    if max_usd >= rules.high_usd and types & {"investment", "trade_deal", "policy", "export_control"}:
        return "high"
    if central_asia and types & {"policy", "sanctions", "export_control"}:
        return "high"
    if "trade_deal" in types and len(set(countries)) >= 2:
        return "high"
    if types:
        return "medium"
    return "low"
