"""The gazetteer files an analyst edits stay consistent: one canonical owner per alias."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from processors.classifier import DEFAULT_DATA_DIR

ALLOWED_COMMODITIES = {
    "rare_earths", "critical_minerals", "scandium", "yttrium", "lanthanum", "cerium", "praseodymium", "neodymium",
    "promethium", "samarium", "europium", "gadolinium", "terbium", "dysprosium", "holmium", "erbium", "thulium",
    "ytterbium", "lutetium", "tungsten", "lithium", "uranium", "gallium", "germanium", "antimony", "graphite", "cobalt",
    "nickel", "copper", "molybdenum", "titanium", "vanadium", "chromium", "manganese", "beryllium", "tantalum",
    "niobium", "magnesium", "zinc", "oil", "gas", "coal", "gold", "silver", "aluminium",
}


def entries(name: str) -> list[dict]:
    data = yaml.safe_load((DEFAULT_DATA_DIR / name).read_text(encoding="utf-8"))
    return data if isinstance(data, list) else next(v for v in data.values() if isinstance(v, list))


@pytest.mark.parametrize("name, key", [("organizations.yaml", "name"), ("countries.yaml", "code"),
                                       ("commodities.yaml", "id")])
def test_no_alias_belongs_to_two_entries(name: str, key: str) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in entries(name):
        for aliases in (entry.get("aliases") or {}).values():
            for alias in aliases:
                owners[alias.casefold()].add(str(entry[key]))
    shared = {alias: sorted(keys) for alias, keys in owners.items() if len(keys) > 1}
    assert shared == {}


def test_commodity_ids_are_the_contract_s() -> None:
    ids = {e["id"] for e in entries("commodities.yaml")}
    assert ids == ALLOWED_COMMODITIES
    assert sum(1 for e in entries("commodities.yaml") if e.get("group") == "rare_earths") == 17


def test_counts_the_issue_asks_for() -> None:
    countries = entries("countries.yaml")
    assert len(countries) >= 60 and sum(1 for c in countries if c.get("central_asia")) == 5
    names = [o["name"] for o in entries("organizations.yaml")]
    assert len(names) >= 150 and len(names) == len(set(names))
