"""Sentence ends that are not: abbreviations, initials and wire datelines (sentences.py)."""

from __future__ import annotations

import pytest

from processors.classifier.classifier import DEFAULT_DATA_DIR
from processors.classifier.sentences import SentenceRules


@pytest.fixture(scope="module")
def rules() -> SentenceRules:
    return SentenceRules.load(DEFAULT_DATA_DIR / "sentences.yaml")


def _sentences(rules: SentenceRules, text: str, dateline: bool = True) -> list[str]:
    out, prev = [], 0
    for b in rules.bounds(text, dateline=dateline):
        if text[prev:b].strip():
            out.append(text[prev:b].strip())
        prev = b
    if text[prev:].strip():
        out.append(text[prev:].strip())
    return out


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The U.S. Treasury acted. It said so.", ["The U.S. Treasury acted.", "It said so."]),
        ("ASTANA, Dec. 19 (Reuters) - Japan signed. Then more.", ["ASTANA, Dec. 19 (Reuters) - Japan signed.", "Then more."]),
        ("Metal trades at $40 тыс. за тонну. Далее.", ["Metal trades at $40 тыс. за тонну.", "Далее."]),
        ("Ore moves through St. Petersburg. Then by rail.", ["Ore moves through St. Petersburg.", "Then by rail."]),
        ("Президент Н. Назарбаев сказал. Потом.", ["Президент Н. Назарбаев сказал.", "Потом."]),
        # a month before a capital, a unit before a capital: real ends
        ("Output fell in Dec. The mine reopened.", ["Output fell in Dec.", "The mine reopened."]),
        ("Батарея на 5500 мА·ч. Это много.", ["Батарея на 5500 мА·ч.", "Это много."]),
        # a line break ends a sentence whatever stands before it
        ("Sanctions by the U.S.\nA new paragraph.", ["Sanctions by the U.S.", "A new paragraph."]),
    ],
)
def test_false_ends_dropped(rules: SentenceRules, text: str, expected: list[str]) -> None:
    assert _sentences(rules, text) == expected


@pytest.mark.parametrize(
    "text, dateline",
    [
        ("ТАШКЕНТ, 7 октября. /ТАСС/. Президенты дали старт поставкам. Потом.", "ТАШКЕНТ, 7 октября. /ТАСС/."),
        ("ПЕКИН, 22 дек. /ТАСС/. Минкоммерции внесло технологии в список. Далее.", "ПЕКИН, 22 дек. /ТАСС/."),
        ("АСТАНА, 3 июл — ИНТЕРФАКС. Президент подписал закон. Далее.", "АСТАНА, 3 июл — ИНТЕРФАКС."),
        ("ЭР-РИЯД, 2 июн — РИА Новости. Страны ОПЕК+ договорились. Далее.", "ЭР-РИЯД, 2 июн — РИА Новости."),
        ("Москва. 18 февраля. INTERFAX.RU - КТК снизил прокачку. Далее.", "Москва. 18 февраля. INTERFAX.RU -"),
        ("БИШКЕК. 12 апреля. — 24.kg. Жители перекрыли дорогу. Далее.", "БИШКЕК. 12 апреля. — 24.kg."),
    ],
)
def test_dateline_is_one_sentence(rules: SentenceRules, text: str, dateline: str) -> None:
    sentences = _sentences(rules, text)
    assert sentences[0] == dateline
    assert len(sentences) == 3  # the dateline, the news, the rest


def test_no_dateline_in_an_ordinary_opening(rules: SentenceRules) -> None:
    # a sentence that names a place and a date is no dateline: its full stop stays an end
    text = "Алматы, 3 июля — Казахстан ввел запрет. Далее."
    assert rules.dateline_end(text) == 0
    assert len(_sentences(rules, text)) == 2
