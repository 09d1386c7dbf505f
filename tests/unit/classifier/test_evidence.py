"""Evidence and amounts point at the text they quote, on every corpus item and the seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from oreradar.corpus import load_labelled
from oreradar.records import LabelledItem, NewsItem, Signal

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "seeds" / "000_dd2d12cf7e77ac73.txt"


def _corpus() -> list[LabelledItem]:
    return load_labelled()


def seed_item() -> NewsItem:
    head, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    title = head.strip().split(" ", 2)[-1]  # " date 2025-11-07 <title>"
    return NewsItem.create(source=str(SEED), title=title, body=body)


def _assert_spans(item: NewsItem, signal: Signal) -> None:
    for ev in signal.evidence:
        assert getattr(item, ev.field)[ev.start : ev.end] == ev.text, ev
        assert ev.text.strip(), ev
    for a in signal.amounts:
        assert getattr(item, a.field)[a.start : a.end] == a.text, a
    if signal.relevant:
        kinds = {(e.kind, e.concept) for e in signal.evidence}
        for c in signal.countries:
            assert ("country", c) in kinds
        for c in signal.commodities:
            assert ("commodity", c) in kinds
        for t in signal.signal_types:
            assert ("signal_type", t) in kinds
        for s in signal.scope:
            assert ("scope", s) in kinds


def test_spans_equal_text_on_every_corpus_item(clf) -> None:
    items = _corpus()
    if not items:
        pytest.skip("no labelled corpus yet")
    for labelled in items:
        item = labelled.to_news_item()
        _assert_spans(item, clf.classify(item))


def test_seed_article(clf) -> None:
    item = seed_item()
    signal = clf.classify(item)
    _assert_spans(item, signal)
    assert signal.relevant
    assert {"KZ", "UZ", "US", "CN"} <= set(signal.countries)
    assert {"rare_earths", "tungsten"} <= set(signal.commodities)
    got = {(round(a.value), a.currency) for a in signal.amounts}
    assert {(12_400_000_000, "USD"), (35_000_000_000, "USD"), (100_000_000_000, "USD")} <= got
    assert signal.severity in ("critical", "high")
    assert set(signal.scope) == {"A", "B"}


def test_evidence_names_concept_kind_field(clf) -> None:
    item = NewsItem.create(source="t", title="Kazakhstan signs uranium supply deal with China",
                           body="Kazatomprom will ship uranium worth $500 million.")
    signal = clf.classify(item)
    by_kind = {(e.kind, e.concept, e.field) for e in signal.evidence}
    assert ("country", "KZ", "title") in by_kind
    assert ("commodity", "uranium", "title") in by_kind
    assert ("amount", "500000000 USD", "body") in by_kind
    assert any(k == "signal_type" and c == "trade_deal" for k, c, _ in by_kind)
