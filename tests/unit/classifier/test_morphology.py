"""Inflected forms fall together: every case form of a name is one concept."""

from __future__ import annotations

import pytest

from oreradar.records import NewsItem
from processors.classifier.morphology import stem_en

KAZAKHSTAN_FORMS = [
    "Казахстан", "Казахстана", "Казахстану", "Казахстаном", "Казахстане",
    "казахстанский", "казахстанская", "казахстанского", "казахстанским", "казахстанских",
]
RARE_EARTH_FORMS = [
    "редкоземельные металлы", "редкоземельных металлов", "редкоземельным металлам",
    "редкоземельными металлами", "редкоземельных металлах", "редкоземельный металл",
]


def _classify(clf, body: str):
    return clf.classify(NewsItem.create(source="t", title="", body=body))


@pytest.mark.parametrize("form", KAZAKHSTAN_FORMS)
def test_every_form_of_kazakhstan_is_kz(clf, form: str) -> None:
    signal = _classify(clf, f"Речь идет о том, что {form} и рынок")
    assert signal.countries == ["KZ"]
    ev = [e for e in signal.evidence if e.kind == "country"]
    assert ev and ev[0].text == form


@pytest.mark.parametrize("form", RARE_EARTH_FORMS)
def test_every_form_of_rare_earth_metals_is_rare_earths(clf, form: str) -> None:
    signal = _classify(clf, f"Поставки и {form} в этом году")
    assert "rare_earths" in signal.commodities
    ev = [e for e in signal.evidence if e.concept == "rare_earths"]
    assert ev[0].text == form


@pytest.mark.parametrize(
    ("text", "code"),
    [("Пекина", "CN"), ("Вашингтоном", "US"), ("Ташкенте", "UZ"), ("Астаны", "KZ"), ("Бишкеку", "KG"),
     ("Chinese", "CN"), ("Kazakh", "KZ"), ("the White House", "US"), ("Oʻzbekiston", "UZ"), ("哈萨克斯坦", "KZ")],
)
def test_capitals_adjectives_and_other_scripts(clf, text: str, code: str) -> None:
    assert code in _classify(clf, f"Новость: {text} .").countries


def test_english_inflections_match_one_term(clf) -> None:
    for form in ("exports were banned", "bans exports", "banning the export"):
        signal = clf.classify(NewsItem.create(source="t", title=f"China {form} of gallium"))
        assert "export_control" in signal.signal_types, form


def test_stemmer_is_consistent() -> None:
    assert stem_en("mines") == stem_en("mining") == stem_en("mined") == stem_en("mine")
    assert stem_en("refineries") == stem_en("refinery")
    assert stem_en("China's") == "china"


def test_short_uppercase_alias_needs_its_case(clf) -> None:
    assert "US" in _classify(clf, "The US imposed tariffs.").countries
    assert "US" not in _classify(clf, "Let us see what happens with prices.").countries


@pytest.mark.parametrize(
    "forms",
    [("agreed", "agree", "agrees", "agreeing"), ("delays", "delay", "delayed", "delaying"), ("buys", "buy", "buying"),
     ("supplied", "supply", "supplies"), ("exceeded", "exceed", "exceeds")],
)
def test_stemmer_folds_inflections_news_uses(forms: tuple[str, ...]) -> None:
    assert len({stem_en(f) for f in forms}) == 1, {f: stem_en(f) for f in forms}


@pytest.mark.parametrize(("word", "other"), [("news", "new"), ("mining", "min"), ("mined", "min"), ("rated", "rat"),
                                             ("seeds", "see"), ("bans", "bane")])
def test_stemmer_keeps_apart_what_differs(word: str, other: str) -> None:
    assert stem_en(word) != stem_en(other)


def test_agreed_matches_an_agree_cue(clf) -> None:
    signal = clf.classify(NewsItem.create(source="t", title="Kazakhstan and a US miner agreed to develop a tungsten deposit"))
    assert "investment" in signal.signal_types
