"""The issue's targets on the labelled corpus (one evaluation for the whole module)."""

from __future__ import annotations

import pytest

from oreradar.corpus import load_labelled
from processors.classifier.evaluate import EvalReport, evaluate


@pytest.fixture(scope="module")
def report(clf) -> EvalReport:
    items = load_labelled()
    if len(items) < 50:
        pytest.skip("labelled corpus not there yet")
    return evaluate(clf, items)


def test_relevance_f1(report: EvalReport) -> None:
    assert report.relevance.f1 >= 0.95, report.to_dict()["relevance"]


def test_countries_and_commodities_micro_f1(report: EvalReport) -> None:
    assert report.countries.micro.f1 >= 0.92
    assert report.commodities.micro.f1 >= 0.92


def test_amounts_f1(report: EvalReport) -> None:
    assert report.amounts.f1 >= 0.90


def test_signal_types_micro_f1_target(report: EvalReport) -> None:
    assert report.signal_types.micro.f1 >= 0.85, report.to_dict()["signal_types"]["micro"]


def test_report_shape(report: EvalReport) -> None:
    d = report.to_dict()
    assert set(d) >= {"relevance", "signal_types", "countries", "commodities", "organizations", "amounts",
                      "severity", "items"}
    assert {"precision", "recall", "f1", "support"} <= set(d["relevance"])
    assert {"micro", "macro", "labels"} <= set(d["signal_types"])
    assert report.render().row_count > 10
