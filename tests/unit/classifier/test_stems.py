"""Stem rules for Kazakh, Kyrgyz, Uzbek and Tajik (data/stems.yaml): inflected forms
match one term, and short stems do not swallow other words."""

from __future__ import annotations

from pathlib import Path

import pytest

from oreradar.records import NewsItem
from processors.classifier.classifier import DEFAULT_DATA_DIR
from processors.classifier.stems import StemRule, fold_uz, load_stem_rules

RULES = load_stem_rules(DEFAULT_DATA_DIR / "stems.yaml")


def test_every_local_language_has_a_rule() -> None:
    assert {"kk", "ky", "uz", "tg"} <= set(RULES)


@pytest.mark.parametrize(
    ("lang", "term", "word"),
    [("kk", "Қазақстан", "Қазақстанның"), ("kk", "экспорт", "экспорттауға"), ("kk", "өндіру", "өндірісін"),
     ("ky", "Кыргызстан", "Кыргызстандын"), ("ky", "экспорт", "экспорттоосу"), ("tg", "истихроҷ", "истихроҷи"),
     ("tg", "бозор", "бозорҳои"), ("uz", "eksport", "eksportini"), ("uz", "eksport", "экспортини"),
     ("uz", "Oʻzbekiston", "O'zbekistonning"), ("uz", "Oʻzbekiston", "Ўзбекистонда"),
     # -лық/-лык/-lik voice their consonant before a vowel: the shortage, its shortage
     ("kk", "тапшылық", "тапшылығы"), ("ky", "тартыштык", "тартыштыгы"), ("uz", "tanqislik", "tanqisligi"),
     ("ky", "кызматташтык", "кызматташтыгын")],
)
def test_inflected_word_extends_the_term_stem(lang: str, term: str, word: str) -> None:
    rule = RULES[lang]
    stem = rule.stem_term(rule.fold(term))
    folded = rule.fold(word)
    assert folded.startswith(stem), (stem, folded)
    assert rule.rest_ok(folded[len(stem):], short=len(stem) < rule.min_stem)


def test_a_false_friend_is_not_borrowed() -> None:
    """Kyrgyz reads Kazakh stems, except those listed as false friends in stems.yaml."""
    rule = RULES["ky"]
    kazakh = {"шекте", "тапш", "экспорт"}
    assert rule.borrowed(kazakh, RULES["kk"]) == {"экспорт"}  # reduced as Kazakh reduces them


def test_a_short_stem_needs_a_real_suffix() -> None:
    rule = RULES["kk"]
    assert rule.rest_ok("тың", short=True)  # мыстың: of copper
    assert not rule.rest_ok("алы", short=True)  # мысалы: for example


@pytest.mark.parametrize("variant", ["O'zbekiston", "O‘zbekiston", "O`zbekiston", "Oʻzbekiston", "Ўзбекистон"])
def test_uzbek_spellings_fold_together(variant: str) -> None:
    assert fold_uz(variant) == "oʻzbekiston"


def test_rule_file_is_checked(tmp_path: Path) -> None:
    from oreradar.errors import ConfigError

    bad = tmp_path / "stems.yaml"
    bad.write_text("languages:\n  kk: {min_stem: 4}\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_stem_rules(bad)


def test_a_plain_local_term_stays_in_its_language(clf) -> None:
    # Kazakh "мыс" is copper; in Russian it is a cape
    kk = clf.classify(NewsItem.create(source="t", title="Қазақстан мыс өндірісін арттырды", lang="kk"))
    ru = clf.classify(NewsItem.create(source="t", title="Мыс Доброй Надежды и Казахстан", lang="ru"))
    assert "copper" in kk.commodities
    assert "copper" not in ru.commodities


def test_a_stem_rule_reads_inflected_kazakh(clf) -> None:
    signal = clf.classify(NewsItem.create(
        source="t", title="Қазақстан вольфрам экспортына тыйым салды", lang="kk"))
    assert signal.relevant and "export_control" in signal.signal_types
    assert signal.countries == ["KZ"] and "tungsten" in signal.commodities


def test_rule_from_code_reads_like_the_doc() -> None:
    rule = StemRule("kk", min_stem=4, suffixes=("ның", "ға", "лар", "ы", "н"))
    assert rule.stem_term("қазақстанның") == "қазақстан"
    assert rule.rest_ok("ларын", short=False) and not rule.rest_ok("алы", short=False)
