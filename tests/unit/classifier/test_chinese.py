"""Chinese as Beijing, Taipei and Hong Kong write it: traditional element names and
ministry names (converted from the simplified data at load), PRC metonyms of the Taiwan
and Hong Kong press."""

from __future__ import annotations

import pytest

from oreradar.records import NewsItem
from processors.classifier.chinese import traditional_variants


def _classify(clf, title: str):
    return clf.classify(NewsItem.create(source="t", title=title, lang="zh"))


@pytest.mark.parametrize(
    ("char", "commodity"),
    [("鏑", "dysprosium"), ("釤", "samarium"), ("釓", "gadolinium"), ("鎵", "gallium"), ("鍺", "germanium"),
     ("銻", "antimony"), ("鋰", "lithium"), ("鎢", "tungsten")],
)
def test_traditional_element_names(clf, char: str, commodity: str) -> None:
    assert commodity in _classify(clf, f"中國限制{char}出口").commodities


@pytest.mark.parametrize("metonym", ["大陸", "北京", "中方", "中共"])
def test_prc_metonyms_of_the_taiwan_and_hong_kong_press(clf, metonym: str) -> None:
    assert "CN" in _classify(clf, f"{metonym}宣布對稀土實施出口管制").countries


def test_mainland_of_other_continents_is_not_china(clf) -> None:
    assert "CN" not in _classify(clf, "歐洲大陸的稀土加工廠擴大產能").countries


@pytest.mark.parametrize("ministry", ["商务部", "商務部"])
def test_ministry_names_in_both_scripts(clf, ministry: str) -> None:
    signal = _classify(clf, f"{ministry}宣布对镓实施出口管制")
    assert "MOFCOM" in signal.organizations


def test_variants_are_only_the_differing_spellings() -> None:
    assert traditional_variants("稀土") == []
    assert "鏑" in traditional_variants("镝")[0]


def test_variants_after_the_converters_are_released() -> None:
    # Classifier.load drops OpenCC once the data are read; a later load still gets the
    # traditional forms (remembered, or from converters loaded again)
    from processors.classifier import chinese

    first = traditional_variants("镝钐钆")
    chinese.release()
    assert chinese._converters is None
    assert traditional_variants("镝钐钆") == first == ["鏑釤釓"]
    assert traditional_variants("钨矿") == ["鎢礦"]  # a phrase not seen before: OpenCC again
