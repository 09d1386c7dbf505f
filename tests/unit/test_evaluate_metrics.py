"""The evaluation arithmetic, against a scripted classifier whose answers are known."""

from __future__ import annotations

import pytest

from oreradar.records import Amount, LabelledItem, NewsItem, Signal
from processors.classifier.evaluate import evaluate


class Scripted:
    """Answers with the Signal prepared for each title."""

    def __init__(self, answers: dict[str, Signal]):
        self.answers = answers

    def classify(self, item: NewsItem) -> Signal:
        return self.answers[item.title].model_copy(update={"id": item.id})


def labelled(title: str, **gold: object) -> LabelledItem:
    return LabelledItem.from_dict({"title": title, "gold": gold})


def money(value: float, currency: str) -> Amount:
    return Amount(value=value, currency=currency, text="x", field="title", start=0, end=1)


def test_counts_per_label_and_micro_average() -> None:
    items = [
        labelled("a", relevant=True, signal_types=["export_control", "price"], countries=["CN"], severity="critical",
                 amounts=[{"value": 12.4e9, "currency": "USD"}, {"value": 5, "currency": "KZT"}]),
        labelled("b", relevant=False, countries=["KZ"]),
        labelled("c", relevant=True, signal_types=["logistics"], countries=["KZ", "CN"], severity="medium"),
    ]
    answers = {
        "a": Signal(id="", relevant=True, severity="critical", signal_types=["export_control"], countries=["CN", "US"],
                    amounts=[money(12.45e9, "USD"), money(5, "UZS")]),
        "b": Signal(id="", relevant=True, severity="low", signal_types=["price"], countries=["KZ"]),
        "c": Signal(id="", relevant=False, countries=["KZ"]),
    }
    report = evaluate(Scripted(answers), items)
    assert report.items == 3
    assert (report.relevance.tp, report.relevance.fp, report.relevance.fn) == (1, 1, 1)
    types = report.signal_types
    assert (types.micro.tp, types.micro.fp, types.micro.fn) == (1, 1, 2)
    assert types.labels["price"].fp == 1 and types.labels["price"].fn == 1
    assert types.micro.precision == pytest.approx(0.5) and types.micro.recall == pytest.approx(1 / 3)
    assert (report.countries.micro.tp, report.countries.micro.fp, report.countries.micro.fn) == (3, 1, 1)
    # 12.45e9 is within 1% of 12.4e9; 5 UZS is not 5 KZT.
    assert (report.amounts.tp, report.amounts.fp, report.amounts.fn) == (1, 1, 1)
    assert report.severity.labels["critical"].tp == 1 and report.severity.labels["medium"].fn == 1
    assert [m["id"] for m in report.mistakes] == [item.to_news_item().id for item in items]


def test_a_perfect_classifier_scores_one() -> None:
    items = [labelled("x", relevant=True, signal_types=["sanctions"], countries=["KG"], severity="high")]
    perfect = Scripted({"x": Signal(id="", relevant=True, severity="high", signal_types=["sanctions"], countries=["KG"])})
    d = evaluate(perfect, items).to_dict()
    assert d["relevance"]["f1"] == 1.0 and d["signal_types"]["micro"]["f1"] == 1.0
    assert d["countries"]["micro"]["f1"] == 1.0 and d["severity"]["micro"]["f1"] == 1.0
