"""Pairs of reports and whether they are one event: data files in cases/, one test each."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from oreradar.records import Amount, Signal
from processors.stories import JoinRules, Report
from processors.stories.match import compare

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
T0 = datetime(2025, 6, 1, 8, 0, tzinfo=timezone.utc)
RULES = JoinRules.load()


def lemmas(words: list[str]) -> list[str]:
    return [w.lower() for w in words]


def report(fields: dict[str, Any]) -> Report:
    fields = dict(fields)
    hours = fields.pop("hours_later", 0)
    amounts = [Amount(value=v, currency=c, text=f"{v} {c}", field="title", start=0, end=1)
               for v, c in fields.pop("amounts", [])]
    signal = Signal(relevant=True, severity="high", amounts=amounts, published=T0 + timedelta(hours=hours), **fields)
    return Report.from_signal(signal, received=T0, lemmatize=lemmas, stopwords=RULES.stopwords)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    evidence = compare(report(case["second"]), report(case["first"]), RULES)
    got = "none" if evidence is None else evidence.method
    assert got == case["join"], f"{path.name}: {evidence}"
    if evidence is not None:
        assert evidence.joined_to == case["first"]["id"]
        assert evidence.commodities or evidence.organizations or evidence.method == "copy"


def test_there_are_cases_of_each_kind() -> None:
    kinds = {yaml.safe_load(p.read_text(encoding="utf-8"))["join"] for p in CASES}
    assert kinds == {"copy", "event", "none"}
