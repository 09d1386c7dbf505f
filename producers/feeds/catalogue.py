"""The feeds catalogue: a YAML file listing the feeds to poll, read once per command.

    >>> cat = load_catalogue(Path("producers/feeds/catalogue.yaml"))   # doctest: +SKIP
    >>> cat.feed("tass-ru").interval                                   # seconds  # doctest: +SKIP
    600

File shape (``feeds:`` stays the last key so ``feeds import`` can append to it)::

    defaults: {interval: 15m}         # optional, applied to feeds that omit the key
    limits: {max_body_bytes: 5000000} # optional, overrides of FetchLimits
    feeds:
      - {name: tass-ru, url: "https://tass.ru/rss/v2.xml", lang: ru, interval: 10m, tags: [russia]}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from oreradar.errors import ConfigError

__all__ = ["FeedSpec", "Catalogue", "load_catalogue", "parse_interval", "append_feeds"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(value: Any) -> float:
    """``600``, ``"10m"``, ``"1.5h"`` → seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"interval {value!r} is not a duration such as 600, '10m' or '1h'")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


class FeedSpec(BaseModel):
    """One catalogue entry. ``lang`` is a hint used when the feed does not declare one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    url: str
    lang: str | None = None
    interval: float = Field(900.0, gt=0, description="seconds between polls")
    enabled: bool = True
    tags: tuple[str, ...] = ()

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError(f"name {v!r} must be a lower-case slug (a-z, 0-9, '.', '_', '-'), at most 64 characters")
        return v

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        v = v.strip()
        if not re.match(r"^https?://[^/\s]+", v, re.IGNORECASE):
            raise ValueError(f"url {v!r} must be an absolute http:// or https:// URL")
        return v

    @field_validator("lang")
    @classmethod
    def _lang(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip().lower()
        if not re.match(r"^[a-z]{2,3}$", v):
            raise ValueError(f"lang {v!r} must be an ISO 639-1 code such as 'ru' or 'en'")
        return v

    @field_validator("interval", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> float:
        return parse_interval(v)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, v: Any) -> Any:
        return () if v is None else v


@dataclass(frozen=True)
class Catalogue:
    """The parsed catalogue: feeds in file order, plus the file's ``limits`` overrides."""

    path: Path
    feeds: tuple[FeedSpec, ...]
    limits: dict[str, Any] = field(default_factory=dict)

    def feed(self, name: str) -> FeedSpec:
        for spec in self.feeds:
            if spec.name == name:
                return spec
        known = ", ".join(s.name for s in self.feeds[:10])
        raise ConfigError(f"no feed named {name!r} in {self.path} (known: {known}{', …' if len(self.feeds) > 10 else ''})")

    def names(self) -> set[str]:
        return {s.name for s in self.feeds}


def load_catalogue(path: Path) -> Catalogue:
    """Read and validate the catalogue; every error names the file, the entry and the key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"feeds file {path} does not exist; set ORERADAR_FEEDS_FILE to a catalogue") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"feeds file {path} is not valid YAML: {exc}") from exc
    if raw is None:
        raw = {}
    if isinstance(raw, list):  # a bare list of feeds is accepted too
        raw = {"feeds": raw}
    if not isinstance(raw, dict):
        raise ConfigError(f"feeds file {path}: expected a mapping with a 'feeds:' list")
    defaults = raw.get("defaults") or {}
    limits = raw.get("limits") or {}
    if not isinstance(defaults, dict) or not isinstance(limits, dict):
        raise ConfigError(f"feeds file {path}: 'defaults' and 'limits' must be mappings")
    entries = raw.get("feeds") or []
    if not isinstance(entries, list):
        raise ConfigError(f"feeds file {path}: 'feeds' must be a list")
    feeds: list[FeedSpec] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ConfigError(f"feeds file {path}: feed #{index + 1} must be a mapping with name and url")
        label = entry.get("name") or f"#{index + 1}"
        try:
            spec = FeedSpec.model_validate({**defaults, **entry})
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(p) for p in first["loc"]) or "(entry)"
            raise ConfigError(f"feeds file {path}: feed {label}: {key}: {first['msg']}") from exc
        if spec.name in seen:
            raise ConfigError(f"feeds file {path}: feed name {spec.name!r} appears twice; names must be unique")
        seen.add(spec.name)
        feeds.append(spec)
    return Catalogue(path=path, feeds=tuple(feeds), limits=dict(limits))


def append_feeds(path: Path, specs: list[FeedSpec]) -> None:
    """Append entries to the file's ``feeds:`` list as text, so its comments survive.

    The file is validated after writing and restored if the result does not load.
    """
    original = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = []
    if "feeds:" not in original:
        lines.append("feeds:")
    for spec in specs:
        entry: dict[str, Any] = {"name": spec.name, "url": spec.url}
        if spec.lang:
            entry["lang"] = spec.lang
        entry["interval"] = int(spec.interval)
        if not spec.enabled:
            entry["enabled"] = False
        if spec.tags:
            entry["tags"] = list(spec.tags)
        dumped = yaml.safe_dump(entry, allow_unicode=True, default_flow_style=True, width=10_000).strip()
        lines.append(f"  - {dumped}")
    text = original if original.endswith("\n") or not original else original + "\n"
    path.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
    try:
        load_catalogue(path)
    except ConfigError:
        path.write_text(original, encoding="utf-8")
        raise
