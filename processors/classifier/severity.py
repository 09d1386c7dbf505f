"""Severity from what is at stake (SIGNALS.md), given a relevant decision.

- ``critical``: an export control or sanctions on a critical mineral whose actor (the
  first country of the title) is a major producer (``severity.major_producers`` in
  cues.yaml); or a halt (``disruption`` in the title) marked as major ("the world's
  biggest mine", "крупнейший").
- ``high``: investments or deals worth >= ``severity.high_usd`` (converted with the rough
  rates of currencies.yaml); deals, summits and rivalry between states (two countries
  in the title); laws, taxes and licensing in Central Asia or by a major producer on a
  critical mineral; sanctions and export controls involving Central Asia, and disruptions
  there whose title names a company or a cross-border flow (two countries): a protest, a
  flood or a strike at one local mine is routine (``medium``); other export controls on
  critical minerals.
- ``medium``: any other reported signal type;
- ``low``: relevant with no signal type (a passing mention), or a headline that reports talks ("discuss",
  "обсудили") with no money, no measure and no halt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SeverityRules", "Facts", "grade"]


@dataclass
class SeverityRules:
    major_producers: frozenset[str] = field(default_factory=frozenset)
    high_usd: float = 1e9


@dataclass
class Facts:
    types: set[str]
    title_types: set[str]
    critical_commodity: bool
    countries: list[str]
    title_countries: list[str]
    central_asia: bool
    title_orgs: int
    major_marker: bool  # "biggest", "крупнейший"... in the title or the lead
    max_usd: float
    passing: bool = False  # relevant only through a mention outside the title, summary and lead (not graded yet:
    # "Central Asia" in a headline names the region, not a country, so too many real stories look passing)
    talks: bool = False  # the title reports talks, not an outcome


_MEASURES = frozenset({"export_control", "sanctions", "disruption", "policy"})


def grade(rules: SeverityRules, f: Facts) -> str:
    types = f.types
    if f.talks and not f.max_usd and not types & _MEASURES:
        return "low"
    actor = f.title_countries[0] if f.title_countries else (f.countries[0] if f.countries else None)
    by_major = actor in rules.major_producers
    if f.critical_commodity and by_major and types & {"export_control", "sanctions"} & (f.title_types or types):
        return "critical"
    if "disruption" in f.title_types and f.major_marker:
        return "critical"
    if f.max_usd >= rules.high_usd and types & {"investment", "trade_deal", "policy", "export_control"}:
        return "high"
    if f.central_asia and (
        types & {"policy", "sanctions", "export_control"}
        or ("disruption" in types and (f.title_orgs or len(set(f.title_countries)) >= 2))
    ):
        return "high"
    if "policy" in types and f.critical_commodity and by_major:
        return "high"
    if types & {"export_control", "sanctions"} and f.critical_commodity:
        return "high"
    if types & {"trade_deal", "geopolitics"} and len(set(f.title_countries)) >= 2 and not f.title_orgs:
        return "high"
    if types:
        return "medium"
    return "low"
