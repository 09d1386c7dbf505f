"""`oreradar eval` figures per language, and per script for Uzbek and Chinese."""

from __future__ import annotations

from oreradar.records import LabelledItem
from processors.classifier import Classifier
from processors.classifier.evaluate import evaluate_by_language, language_group, render_by_language


def _item(title: str, lang: str | None, relevant: bool = True) -> LabelledItem:
    return LabelledItem.from_dict({"title": title, "lang": lang, "gold": {"relevant": relevant}})


def test_groups_tell_scripts_apart() -> None:
    assert language_group(_item("Oʻzbekiston mis eksportini taqiqladi", "uz")) == "uz-latn"
    assert language_group(_item("Ўзбекистон мис экспортини тақиқлади", "uz")) == "uz-cyrl"
    assert language_group(_item("北京限制鎵出口", "zh")) == "zh-hant"
    assert language_group(_item("北京限制镓出口", "zh-CN")) == "zh-hans"
    assert language_group(_item("Кыргызстан алтын казып алууну быйыл көбөйтөт", None)) == "ky"
    assert language_group(_item("Kazakhstan bans tungsten exports", "en")) == "en"


def test_every_group_is_scored_and_rendered(clf: Classifier) -> None:
    items = [
        _item("Oʻzbekiston mis konsentrati eksportini taqiqladi", "uz"),
        _item("Ўзбекистон мис концентрати экспортини тақиқлади", "uz"),
        _item("China bans gallium exports", "en"),
        _item("A film festival opens in Almaty", "en", relevant=False),
    ]
    reports = evaluate_by_language(clf, items)
    assert set(reports) == {"en", "uz", "uz-cyrl", "uz-latn"}
    assert reports["uz"].items == 2 and reports["en"].items == 2
    assert reports["uz"].relevance.recall == 1.0
    assert render_by_language(reports).row_count == 4
