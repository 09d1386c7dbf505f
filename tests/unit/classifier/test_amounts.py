"""Money figures: value and ISO 4217 code from the way news writes them."""

from __future__ import annotations

import re

import pytest

from processors.classifier.amounts import DEFAULT_DATA, AmountFinder

TABLE = [
    ("сделка на 12,4 миллиарда долларов", 12.4e9, "USD"),
    ("a $35bn plan", 35e9, "USD"),
    ("raised US$1.2 billion", 1.2e9, "USD"),
    ("a €1.2 billion fund", 1.2e9, "EUR"),
    ("an A$500 million loan", 500e6, "AUD"),
    ("более 100 миллиардов долларов", 100e9, "USD"),
    ("почти 35 млрд долларов", 35e9, "USD"),
    ("350 млрд тенге", 350e9, "KZT"),
    ("2 трлн сумов", 2e12, "UZS"),
    ("15 млн рублей", 15e6, "RUB"),
    ("10 млрд юаней", 10e9, "CNY"),
    ("300 млн сомов", 300e6, "KGS"),
    ("50 млн сомони", 50e6, "TJS"),
    ("1 млрд манатов", 1e9, "TMT"),
    ("¥40 billion", 40e9, "CNY"),
    ("$12,000 a tonne", 12000, "USD"),
    ("1.5 trillion tenge", 1.5e12, "KZT"),
    ("$1-2 billion", 1e9, "USD"),
    ("от 10 до 15 млрд долларов", 10e9, "USD"),
    ("1,5–2 млрд долларов", 1.5e9, "USD"),
    ("400亿美元", 40e9, "USD"),
    ("2,3 млрд долл. США", 2.3e9, "USD"),
    ("about $500m", 500e6, "USD"),
    ("over 3tn yen", 3e12, "JPY"),
    ("20 млн евро", 20e6, "EUR"),
    ("1 500 000 тенге", 1.5e6, "KZT"),
    ("the $950-million mine", 950e6, "USD"),
    ("до $11 104,5 за тонну", 11104.5, "USD"),
    ("cost 3.69 cents to make", 0.0369, "USD"),
    ("10 млрд норвежских крон", 10e9, "NOK"),
    ("R$125 million", 125e6, "BRL"),
]


@pytest.fixture(scope="module")
def finder() -> AmountFinder:
    return AmountFinder.load(DEFAULT_DATA / "currencies.yaml")


@pytest.mark.parametrize(("text", "value", "currency"), TABLE, ids=[t for t, _, _ in TABLE])
def test_amount(finder: AmountFinder, text: str, value: float, currency: str) -> None:
    found = finder.find(text, "body")
    assert [(a.currency) for a in found] == [currency]
    assert found[0].value == pytest.approx(value, rel=1e-9)
    assert text[found[0].start : found[0].end] == found[0].text


@pytest.mark.parametrize("text", ["35 percent", "5 000 тонн", "в 2025 году", "25–26,5 тыс. тонн урана", "C5+1"])
def test_not_money(finder: AmountFinder, text: str) -> None:
    assert finder.find(text, "body") == []


def test_yen_sign_is_yen_when_the_story_is_japanese(finder: AmountFinder) -> None:
    assert finder.find("Japan's JOGMEC will invest ¥40 billion", "body")[0].currency == "JPY"


def test_first_char_guard_lists_every_start_or_gives_up() -> None:
    from processors.classifier.amounts import _first_char_guard, _top_level_alternatives

    assert _top_level_alternatives(r"долл\.|доллар\w*|(?:US)?x|[Uu]\.S\.") == [r"долл\.", r"доллар\w*", "(?:US)?x", r"[Uu]\.S\."]
    assert _top_level_alternatives(r"a(?:b|c)|d") == ["a(?:b|c)", "d"]
    guard = _first_char_guard([r"\$", "dollars?|доллар\\w*", "юан\\w*"])
    assert re.fullmatch(guard + r"\w*", "") is None
    assert [bool(re.match(guard, s)) for s in ("$5", "dollar", "доллар", "юань", "tonnes")] == [True, True, True, True, False]
    # a form that opens with a group or a class cannot be read: no guard at all
    assert _first_char_guard(["dollars", "(?:US)?\\$"]) == ""
    assert _first_char_guard(["[Uu]\\.S\\. dollars"]) == ""


def test_japan_and_china_lookaheads_list_the_first_letter_of_every_word() -> None:
    # the lookahead after \b only spares the engine the words: a character it turns away
    # must open none of them (case-insensitively, as the regex reads them)
    from processors.classifier.amounts import _CHINA_RE, _JAPAN_RE

    for rx in (_JAPAN_RE, _CHINA_RE):
        lookahead, _, rest = rx.pattern.partition("(?=[")[2].partition("])(?:")
        words = rest.partition(")")[0].split("|")
        letters = re.compile(f"[{lookahead}]", re.I)
        firsts = [re.compile(re.escape(w[0]), re.I) for w in words]
        differ = [
            hex(cp) for cp in range(0x10000)
            if bool(letters.fullmatch(chr(cp))) != any(f.fullmatch(chr(cp)) for f in firsts)
        ]
        assert differ == []
