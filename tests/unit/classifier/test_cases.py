"""Walk cases/*.yaml: each file is an item with its own expectation (see cases/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from oreradar.records import NewsItem

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def _item(case: dict) -> NewsItem:
    return NewsItem.create(
        source="case",
        title=case.get("title", ""),
        summary=case.get("summary", ""),
        body=case.get("body", ""),
        lang=case.get("lang"),
    )


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(clf, path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    item = _item(case)
    expect = case["expect"]
    signal = clf.classify(item)
    why = f"{path.name}: got {signal.model_dump(exclude={'evidence', 'title'})}"
    if "relevant" in expect:
        assert signal.relevant is expect["relevant"], why
    if "scope" in expect:
        assert sorted(signal.scope) == sorted(expect["scope"]), why
    for key in ("signal_types", "countries", "commodities", "organizations"):
        if key in expect:
            if expect[key] == []:
                assert getattr(signal, key) == [], why
            missing = set(expect[key]) - set(getattr(signal, key))
            assert not missing, f"missing {key} {sorted(missing)}; {why}"
        if f"not_{key}" in expect:
            extra = set(expect[f"not_{key}"]) & set(getattr(signal, key))
            assert not extra, f"unexpected {key} {sorted(extra)}; {why}"
    for value, currency in expect.get("amounts", []):
        assert any(
            a.currency == currency and abs(a.value - value) <= 0.01 * value for a in signal.amounts
        ), f"amount {value} {currency} not found; {why}"
    if "severity" in expect:
        allowed = expect["severity"] if isinstance(expect["severity"], list) else [expect["severity"]]
        assert signal.severity in allowed, why
    for ev in signal.evidence:
        assert getattr(item, ev.field)[ev.start : ev.end] == ev.text
