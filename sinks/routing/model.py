"""The subscriptions file (``ORERADAR_SUBSCRIPTIONS_FILE``): who wants which alerts, where, how grouped.

    >>> subs = load_subscriptions(Path("seeds/subscriptions.yaml"))        # doctest: +SKIP
    >>> [s.name for s in subs.subscriptions]
    ['all-to-console', 'kz-desk']

Loading is all or nothing: every problem is collected with its line number and raised
together as one :class:`SubscriptionsError`, so a half-valid file never half-loads.

Channel specs stay loose dicts here (a ``type`` among the known ones plus that channel's
own keys): the channels package validates its own options when it builds the channel.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from oreradar.errors import ConfigError
from oreradar.records import SIGNAL_TYPES
from oreradar.settings import PACKAGE_ROOT

from .yaml_lines import load_with_lines

__all__ = [
    "CHANNEL_TYPES",
    "MATCH_FIELDS",
    "Match",
    "Group",
    "Subscription",
    "InhibitRule",
    "DeliveryPolicy",
    "Subscriptions",
    "Problem",
    "SubscriptionsError",
    "parse_duration",
    "load_subscriptions",
    "parse_subscriptions",
]

CHANNEL_TYPES: tuple[str, ...] = ("webhook", "slack", "telegram", "email", "alertmanager", "apprise", "jsonl", "console")
# The list fields of a Match, in the order explanations name them.
MATCH_FIELDS: tuple[str, ...] = ("countries", "commodities", "signal_types", "scope", "languages", "organizations", "keywords")
GROUP_BY_FIELDS: tuple[str, ...] = ("story", "countries", "commodities", "signal_types", "severity", "scope", "kind")

COMMODITIES_FILE = PACKAGE_ROOT / "processors" / "classifier" / "data" / "commodities.yaml"


@functools.cache
def known_commodities() -> frozenset[str]:
    """The commodity ids the classifier emits (empty when its data file is absent: then anything goes)."""
    try:
        entries = yaml.safe_load(COMMODITIES_FILE.read_text(encoding="utf-8")) or []
    except OSError:
        return frozenset()
    return frozenset(str(e["id"]) for e in entries if isinstance(e, dict) and "id" in e)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(value: Any) -> float:
    """Seconds from ``30s``, ``10m``, ``1.5h``, ``2d`` or a bare number of seconds."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like 30s, 10m or 1h, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        found = _DURATION.match(str(value))
        if not found:
            raise ValueError(f"expected a duration like 30s, 10m or 1h, got {value!r}")
        seconds = float(found.group(1)) * _UNIT_SECONDS[found.group(2)]
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


class _Strict(BaseModel):
    # extra="forbid": a misspelt key (`countrys:`) is an error, not a silently ignored line.
    model_config = ConfigDict(frozen=True, extra="forbid")


def _as_list(v: Any) -> Any:
    """``countries: KZ`` means ``countries: [KZ]``."""
    return [v] if isinstance(v, str | int | float) and not isinstance(v, bool) else v


class Match(_Strict):
    """Any listed value within a field, all listed fields together; an empty match takes everything."""

    countries: list[str] = Field(default_factory=list)
    commodities: list[str] = Field(default_factory=list)
    signal_types: list[str] = Field(default_factory=list)
    scope: list[Literal["A", "B"]] = Field(default_factory=list)
    min_severity: Literal["low", "medium", "high", "critical"] | None = None
    languages: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)

    _lists = field_validator(*MATCH_FIELDS, mode="before")(classmethod(lambda cls, v: _as_list(v)))

    @field_validator("countries")
    @classmethod
    def _country_codes(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if not re.fullmatch(r"[A-Za-z]{2}", str(c))]
        if bad:
            raise ValueError(f"countries are ISO 3166 two-letter codes (KZ, UZ, CN...), got {bad}")
        return [c.upper() for c in v]

    @field_validator("signal_types")
    @classmethod
    def _signal_types(cls, v: list[str]) -> list[str]:
        unknown = [t for t in v if t not in SIGNAL_TYPES]
        if unknown:
            raise ValueError(f"unknown signal types {unknown}; known: {', '.join(SIGNAL_TYPES)}")
        return v

    @field_validator("languages")
    @classmethod
    def _languages(cls, v: list[str]) -> list[str]:
        return [lang.lower() for lang in v]

    @field_validator("commodities")
    @classmethod
    def _commodities(cls, v: list[str]) -> list[str]:
        v = [str(c).lower() for c in v]
        known = known_commodities()
        unknown = [c for c in v if known and c not in known]
        if unknown:
            # A misspelt commodity would silently never match; say so instead.
            raise ValueError(f"unknown commodities {unknown}; the classifier's ids are in {COMMODITIES_FILE.name} "
                             f"(e.g. {', '.join(sorted(known)[:6])}...)")
        return v

    def filtered_fields(self) -> tuple[str, ...]:
        """The fields this match actually constrains (what a subscriber 'filters on')."""
        named = tuple(f for f in MATCH_FIELDS if getattr(self, f))
        return named + (("severity",) if self.min_severity else ())


class Group(_Strict):
    """Alertmanager's group_by / group_wait / group_interval, plus a cap on messages per hour."""

    by: list[str] = Field(default_factory=lambda: ["story"])
    wait: float = 30.0
    interval: float = 600.0
    max_per_hour: int | None = Field(None, ge=1)

    _durations = field_validator("wait", "interval", mode="before")(classmethod(lambda cls, v: parse_duration(v)))

    @field_validator("by", mode="before")
    @classmethod
    def _by(cls, v: Any) -> Any:
        v = _as_list(v)
        if isinstance(v, list):
            unknown = [f for f in v if f not in GROUP_BY_FIELDS]
            if unknown:
                raise ValueError(f"cannot group by {unknown}; choose from {', '.join(GROUP_BY_FIELDS)}")
        return v


def _check_channel(spec: dict[str, Any]) -> dict[str, Any]:
    kind = spec.get("type")
    if kind is None:
        raise ValueError(f"a channel needs a `type`; choose from {', '.join(CHANNEL_TYPES)}")
    if kind not in CHANNEL_TYPES:
        raise ValueError(f"unknown channel type {kind!r}; choose from {', '.join(CHANNEL_TYPES)}")
    for key, value in spec.items():
        # Secrets are named, never written: `secret_env: NAME`, not the secret itself.
        if key in ("secret", "password", "token", "bot_token") and isinstance(value, str):
            raise ValueError(
                f"a literal {key!r} in the file; put it in an environment variable and write "
                f"`{key}_env: VARIABLE_NAME` instead"
            )
    # Each type's own options (url, to, chat_id...) are the channels package's to check.
    from sinks.channels.specs import parse_channel_spec

    try:
        parse_channel_spec(spec)
    except ConfigError as exc:
        raise ValueError(str(exc).replace("Value error, ", "")) from exc
    return spec


class Subscription(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    match: Match = Field(default_factory=Match)
    channels: list[Annotated[dict[str, Any], AfterValidator(_check_channel)]] = Field(min_length=1)
    group: Group | None = None
    # Story updates: deliver later revisions only when what this subscriber filters on changed.
    updates: Literal["changes", "all", "none"] = "changes"

    def channel_name(self, index: int) -> str:
        """Stable per (subscription, channel): it keys outbox entries and the delivery log."""
        spec = self.channels[index]
        return f"{self.name}/{spec.get('name') or index}:{spec['type']}"


class InhibitRule(_Strict):
    """An alert matching ``source`` holds back alerts matching ``target`` that share ``equal`` values, for ``for_``."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    source: Match
    target: Match
    equal: list[Literal["countries", "commodities", "organizations", "signal_types", "languages"]] = Field(default_factory=list)
    for_: float = Field(21600.0, alias="for")

    _for = field_validator("for_", mode="before")(classmethod(lambda cls, v: parse_duration(v)))
    _equal = field_validator("equal", mode="before")(classmethod(lambda cls, v: _as_list(v)))


class DeliveryPolicy(_Strict):
    """How the outbox retries: exponential back-off with jitter, then the dead-letter topic."""

    max_attempts: int = Field(8, ge=1)
    backoff: float = 2.0
    max_backoff: float = 600.0

    _durations = field_validator("backoff", "max_backoff", mode="before")(classmethod(lambda cls, v: parse_duration(v)))


class Subscriptions(_Strict):
    subscriptions: list[Subscription] = Field(default_factory=list)
    inhibit: list[InhibitRule] = Field(default_factory=list)
    delivery: DeliveryPolicy = Field(default_factory=lambda: DeliveryPolicy.model_validate({}))

    def by_name(self, name: str) -> Subscription | None:
        return next((s for s in self.subscriptions if s.name == name), None)


@dataclass(frozen=True)
class Problem:
    line: int
    where: str
    message: str

    def render(self, source: str) -> str:
        return f"{source}:{self.line}: {self.where}: {self.message}" if self.where else f"{source}:{self.line}: {self.message}"


class SubscriptionsError(ConfigError):
    """Every problem of a subscriptions file, each with its line; str() lists them one per line."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = sorted(problems, key=lambda p: p.line)
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{source}: {count}, nothing loaded:\n" + "\n".join("  " + p.render(source) for p in self.problems))


def _where(loc: tuple[Any, ...], data: Any) -> str:
    """A path a person can find: ``subscriptions[0] (kz-desk).match.countries[1]``."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            label = f"[{step}]"
            if isinstance(node, list) and step < len(node) and isinstance(node[step], dict) and node[step].get("name"):
                label += f" ({node[step]['name']})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(step))
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
    return "".join(parts)


def parse_subscriptions(text: str, source: str = "<subscriptions>") -> Subscriptions:
    """Validate a subscriptions document; raise SubscriptionsError listing every problem."""
    try:
        doc = load_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise SubscriptionsError(source, [Problem(line, "", f"not valid YAML: {getattr(exc, 'problem', None) or exc}")]) from exc
    problems = [Problem(line, _where(path, doc.data), "this key appears twice; the second would silently win")
                for path, line in doc.duplicates]
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        problems.append(Problem(1, "", "the file must be a mapping with a `subscriptions:` list"))
        raise SubscriptionsError(source, problems)
    problems += _duplicate_names(data, doc)
    try:
        result = Subscriptions.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"unknown key {loc[-1]!r}" + _known_keys_hint(loc)
            problems.append(Problem(doc.line_of(loc), _where(loc, data), message))
        raise SubscriptionsError(source, problems) from exc
    if problems:
        raise SubscriptionsError(source, problems)
    return result


def _duplicate_names(data: dict[str, Any], doc: Any) -> list[Problem]:
    found: list[Problem] = []
    for section in ("subscriptions", "inhibit"):
        entries = data.get(section)
        if not isinstance(entries, list):
            continue
        seen: set[Any] = set()
        for index, entry in enumerate(entries):
            name = entry.get("name") if isinstance(entry, dict) else None
            if name is not None and name in seen:
                found.append(Problem(doc.line_of((section, index, "name")), _where((section, index, "name"), data),
                                     f"the name {name!r} is used twice; names must be unique"))
            seen.add(name)
    return found


def _known_keys_hint(loc: tuple[Any, ...]) -> str:
    parent = [p for p in loc[:-1] if isinstance(p, str)]
    models: dict[str, type[BaseModel]] = {
        "match": Match, "source": Match, "target": Match, "group": Group, "delivery": DeliveryPolicy,
    }
    model = models.get(parent[-1] if parent else "")
    if model is None:
        model = Subscription if parent == ["subscriptions"] else InhibitRule if parent == ["inhibit"] else Subscriptions
    names = [f.alias or n for n, f in model.model_fields.items()]
    return f"; expected one of: {', '.join(names)}"


def load_subscriptions(path: Path) -> Subscriptions:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SubscriptionsError(str(path), [Problem(1, "", f"cannot read the file: {exc.strerror or exc}")]) from exc
    return parse_subscriptions(text, str(path))
