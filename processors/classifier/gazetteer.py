"""The gazetteers: countries, commodities and organisations read from YAML data files.

The files' schema is documented at the top of each file in ``data/``. This module
only reads them into plain values and registers every alias with the matcher;
matching itself is :mod:`processors.classifier.matcher`.

An alias matches case-insensitively unless it is listed under ``case_sensitive`` or is
a short all-capitals abbreviation (at most 4 letters, such as "US", "EU", "РК"), which
would otherwise collide with ordinary words ("us").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from oreradar.errors import ConfigError
from processors.classifier.chinese import traditional_variants
from processors.classifier.datafile import read_yaml
from processors.classifier.matcher import ENTITY, ORG, Matcher, Term

__all__ = ["Commodity", "Organization", "Gazetteer", "load_yaml"]

log = logging.getLogger(__name__)

NON_CRITICAL = frozenset({"oil", "gas", "coal", "gold", "silver", "aluminium"})


@dataclass(frozen=True)
class Commodity:
    id: str
    critical: bool
    group: str | None = None


@dataclass(frozen=True)
class Organization:
    name: str
    country: str | None
    kind: str


@dataclass
class Gazetteer:
    """What the entity files say, keyed by concept."""

    countries: dict[str, str] = field(default_factory=dict)  # code -> English name
    central_asia: set[str] = field(default_factory=set)
    commodities: dict[str, Commodity] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    aliases: int = 0

    @classmethod
    def load(cls, data_dir: Path, matcher: Matcher) -> Gazetteer:
        gaz = cls()
        for row in load_yaml(data_dir / "countries.yaml", required=True):
            code = _required(row, "code", "countries.yaml")
            gaz.countries[code] = row.get("name", code)
            if row.get("central_asia"):
                gaz.central_asia.add(code)
            gaz.aliases += _register(matcher, row, Term("country", code), "countries.yaml")
        for row in load_yaml(data_dir / "commodities.yaml", required=True):
            cid = _required(row, "id", "commodities.yaml")
            critical = bool(row.get("critical", cid not in NON_CRITICAL))
            gaz.commodities[cid] = Commodity(cid, critical, row.get("group"))
            gaz.aliases += _register(matcher, row, Term("commodity", cid), "commodities.yaml")
        for row in load_yaml(data_dir / "organizations.yaml", required=False):
            name = _required(row, "name", "organizations.yaml")
            gaz.organizations[name] = Organization(name, row.get("country"), row.get("kind", "company"))
            gaz.aliases += _register(matcher, row, Term("organization", name), "organizations.yaml")
            # The canonical name is always an alias of itself.
            _add_alias(matcher, name, Term("organization", name), set(row.get("case_sensitive") or []))
            # an organisation whose name says what it carries and where ("CPC": oil, KZ, RU)
            implied = row.get("implies") or {}
            countries = implied.get("countries")
            if countries is None and row.get("country") in gaz.central_asia and row.get("kind") not in _GENERIC_KINDS:
                # local outlets name the combine, the bank or the fund, not the state: a Central
                # Asian organisation names its state unless it says otherwise. Ministries and
                # agencies say so themselves (`implies`): "Энергетика министрлігі" is the name of
                # the Kazakh and the Kyrgyz ministry alike.
                countries = [row["country"]]
            gaz._imply(matcher, row, countries, implied.get("commodities"), f"organizations.yaml {name}")
        for row in load_yaml(data_dir / "sites.yaml", required=False):
            name = _required(row, "name", "sites.yaml")
            gaz.aliases += gaz._imply(matcher, row, row.get("countries"), row.get("commodities"), f"sites.yaml {name}")
        return gaz

    def _imply(
        self, matcher: Matcher, row: dict[str, Any], countries: Any, commodities: Any, where: str
    ) -> int:
        """Register the aliases of ``row`` (a site, or an organisation's ``implies``) as
        aliases of each of its countries and commodities: the mention is the evidence."""
        n = 0
        for code in countries or []:
            if code not in self.countries:
                raise ConfigError(f"{where}: unknown country {code!r}")
            n += _register(matcher, row, Term("country", code), where)
        for cid in commodities or []:
            if cid not in self.commodities:
                raise ConfigError(f"{where}: unknown commodity {cid!r}")
            n += _register(matcher, row, Term("commodity", cid), where)
        return n


# organisation kinds whose local names are the same in every state ("Ministry of Energy")
_GENERIC_KINDS = frozenset({"ministry", "agency"})


def load_yaml(path: Path, *, required: bool) -> list[dict[str, Any]]:
    if not path.exists():
        if required:
            raise ConfigError(f"classifier data file {path} is missing; restore it or pass data_dir=")
        log.warning("classifier data file %s is missing; going on without it", path)
        return []
    data = read_yaml(path)
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ConfigError(f"{path} must be a YAML list of mappings (see the schema at its top)")
    return data


def _required(row: dict[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: an entry has no {key!r}: {row!r:.120}")
    return value


def _register(matcher: Matcher, row: dict[str, Any], term: Term, where: str) -> int:
    aliases = row.get("aliases") or {}
    if not isinstance(aliases, dict):
        raise ConfigError(f"{where}: aliases of {term.concept} must map a language to a list")
    case_sensitive = {str(a) for a in (row.get("case_sensitive") or [])}
    n = 0
    for lang, forms in aliases.items():
        for alias in forms or []:
            n += _add_alias(matcher, str(alias), term, case_sensitive, str(lang))
            if lang == "zh":  # the same name as Taipei and Hong Kong write it
                for variant in traditional_variants(str(alias)):
                    n += _add_alias(matcher, variant, term, case_sensitive, "zh")
    for alias in case_sensitive:  # listed only there: still an alias
        n += _add_alias(matcher, alias, term, case_sensitive)
    return n


def _add_alias(matcher: Matcher, alias: str, term: Term, case_sensitive: set[str], lang: str | None = None) -> int:
    letters = [c for c in alias if c.isalpha()]
    abbreviation = 0 < len(letters) <= 4 and all(c.isupper() for c in letters)
    strict = alias in case_sensitive or abbreviation
    group = ORG if term.kind == "organization" else ENTITY
    return int(matcher.add(alias, Term(term.kind, term.concept, group=group), case_sensitive=strict, lang=lang))
