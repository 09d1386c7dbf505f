"""The issue's targets on the labelled corpus (one evaluation per corpus for the module).

The targets hold on the Russian and English corpus (``corpus_ru``, ``corpus_en``), where
they were set; the corpora in Kazakh, Kyrgyz, Tajik, Uzbek and Chinese are scored on
their own, per language, with floors of their own (``test_local_language_floors``), so
that a new language neither hides nor borrows from the ru/en figures.
"""

from __future__ import annotations

import pytest

from oreradar.corpus import LABELLED_DIR, load_labelled
from processors.classifier.evaluate import EvalReport, evaluate, evaluate_by_language

RU_EN = ("corpus_ru.jsonl", "corpus_en.jsonl")


@pytest.fixture(scope="module")
def report(clf) -> EvalReport:
    items = load_labelled([LABELLED_DIR / name for name in RU_EN if (LABELLED_DIR / name).exists()])
    if len(items) < 50:
        pytest.skip("labelled corpus not there yet")
    return evaluate(clf, items)


@pytest.fixture(scope="module")
def local_reports(clf) -> dict[str, EvalReport]:
    paths = [p for p in sorted(LABELLED_DIR.glob("corpus_*.jsonl")) if p.name not in RU_EN]
    if not paths:
        pytest.skip("no local-language corpus yet")
    return evaluate_by_language(clf, load_labelled(paths))


def test_relevance_f1(report: EvalReport) -> None:
    assert report.relevance.f1 >= 0.95, report.to_dict()["relevance"]


def test_countries_and_commodities_micro_f1(report: EvalReport) -> None:
    assert report.countries.micro.f1 >= 0.92
    assert report.commodities.micro.f1 >= 0.92


def test_amounts_f1(report: EvalReport) -> None:
    assert report.amounts.f1 >= 0.90


def test_signal_types_micro_f1_target(report: EvalReport) -> None:
    assert report.signal_types.micro.f1 >= 0.85, report.to_dict()["signal_types"]["micro"]


# Floors for kk, ky, tg, uz, zh (each language with at least 30 items), below the
# figures measured when the lexicons were written (see the README's classifier
# section): they catch a regression, they are not the targets for blind sets.
LOCAL_RELEVANCE_F1 = 0.85
LOCAL_RELEVANT_RECALL = 0.80
LOCAL_TYPES_F1 = 0.65


def test_local_language_floors(local_reports: dict[str, EvalReport]) -> None:
    scored = {name: r for name, r in local_reports.items() if "-" not in name and r.items >= 30}
    assert scored, "no local language with 30 labelled items"
    low = {
        name: (round(r.relevance.f1, 3), round(r.relevance.recall, 3), round(r.signal_types.micro.f1, 3))
        for name, r in scored.items()
        if r.relevance.f1 < LOCAL_RELEVANCE_F1 or r.relevance.recall < LOCAL_RELEVANT_RECALL
        or r.signal_types.micro.f1 < LOCAL_TYPES_F1
    }
    assert not low, f"below the floors (relevance F1, relevant recall, types F1): {low}"


def test_report_shape(report: EvalReport) -> None:
    d = report.to_dict()
    assert set(d) >= {"relevance", "signal_types", "countries", "commodities", "organizations", "amounts",
                      "severity", "items"}
    assert {"precision", "recall", "f1", "support"} <= set(d["relevance"])
    assert {"micro", "macro", "labels"} <= set(d["signal_types"])
    assert report.render().row_count > 10
