"""The joining rules of the stories stage, read from ``data/joining.yaml``.

    >>> rules = JoinRules.load()
    >>> rules.window.total_seconds()
    259200.0
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from oreradar.errors import ConfigError

__all__ = ["JoinRules", "TrendRules", "DEFAULT_RULES_FILE"]

DEFAULT_RULES_FILE = Path(__file__).resolve().parent / "data" / "joining.yaml"


@dataclass(frozen=True)
class JoinRules:
    window: timedelta = timedelta(hours=72)
    copy_threshold: float = 0.6
    num_perm: int = 64
    weights: dict[str, float] = field(default_factory=dict)
    join_threshold: float = 0.42
    join_threshold_cross: float = 0.40
    follow_threshold: float = 0.6
    amount_conflict_penalty: float = 0.25
    amount_tolerance: float = 0.03
    term_saturation: float = 0.3
    term_anchor: float = 0.8
    compatible_types: frozenset[frozenset[str]] = frozenset()
    generic_commodities: frozenset[str] = frozenset()
    weak_types: frozenset[str] = frozenset()
    stopwords: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path = DEFAULT_RULES_FILE, **overrides: Any) -> JoinRules:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            rules = cls(
                window=timedelta(hours=float(data["window_hours"])),
                copy_threshold=float(data["copy_threshold"]),
                num_perm=int(data["num_perm"]),
                weights={str(k): float(v) for k, v in data["weights"].items()},
                join_threshold=float(data["join_threshold"]),
                join_threshold_cross=float(data["join_threshold_cross"]),
                follow_threshold=float(data["follow_threshold"]),
                amount_conflict_penalty=float(data["amount_conflict_penalty"]),
                amount_tolerance=float(data["amount_tolerance"]),
                term_saturation=float(data["term_saturation"]),
                term_anchor=float(data["term_anchor"]),
                compatible_types=frozenset(frozenset(pair) for pair in data.get("compatible_types") or []),
                generic_commodities=frozenset(data.get("generic_commodities") or []),
                weak_types=frozenset(data.get("weak_types") or []),
                stopwords=frozenset(w for words in (data.get("stopwords") or {}).values() for w in words),
            )
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{path}: cannot read the story joining rules ({type(exc).__name__}: {exc})") from exc
        return replace(rules, **overrides) if overrides else rules

    def types_compatible(self, a: set[str], b: set[str]) -> bool:
        """True when either side has no type, or some type of one goes with some type of the other."""
        if not a or not b or a & b:
            return True
        return any(frozenset((x, y)) in self.compatible_types for x in a for y in b)


@dataclass(frozen=True)
class TrendRules:
    """Spike detection per (country, commodity, signal type) over hourly buckets."""

    baseline: timedelta = timedelta(days=14)
    min_count: int = 4          # a spike needs at least this many reports in the hour
    min_stories: int = 2        # ... from at least this many stories (one hot story is not a trend)
    p_value: float = 1e-3       # Poisson tail P(X >= count | baseline) below which it fires
    floor_rate: float = 0.05    # least baseline rate per hour: a silent series is not infinitely surprising
    refractory: timedelta = timedelta(hours=6)
