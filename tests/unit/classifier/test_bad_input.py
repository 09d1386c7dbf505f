"""Odd text gets a decision, never a crash; only a non-item is an error."""

from __future__ import annotations

import logging
import time

import pytest

from oreradar.errors import ClassifierError
from oreradar.records import NewsItem


def _item(**fields) -> NewsItem:
    return NewsItem(id="bad-1", source="t", **fields)


def test_megabyte_body_finishes_quickly(clf) -> None:
    unit = "Kazakhstan exports uranium and tungsten to China via the Middle Corridor. Казахстан экспортирует уран. "
    body = unit * (1_000_000 // len(unit) + 1)
    started = time.perf_counter()
    signal = clf.classify(_item(title="Long", body=body))
    assert time.perf_counter() - started < 2.0
    assert signal.relevant and "KZ" in signal.countries
    for ev in signal.evidence:
        assert body[ev.start : ev.end] == ev.text if ev.field == "body" else True


def test_megabyte_of_distinct_words_is_bounded(clf) -> None:
    body = " ".join(f"слово{i}x" for i in range(120_000))
    started = time.perf_counter()
    clf.classify(_item(title="Noise", body=body))
    assert time.perf_counter() - started < 5.0


def test_control_characters(clf) -> None:
    body = "Kazakh\x00stan \x07bans\x1b[31m tungsten\u200b exports\x7f to Chi\x0cna. \ufeffКитай\x00 "
    signal = clf.classify(_item(title="\x00\x01Kazakhstan bans tungsten exports", body=body))
    assert signal.relevant
    for ev in signal.evidence:
        item_text = {"title": "\x00\x01Kazakhstan bans tungsten exports", "body": body}[ev.field]
        assert item_text[ev.start : ev.end] == ev.text


def test_html_in_summary_keeps_offsets(clf) -> None:
    summary = '<p class="lead">China <b>restricts</b> exports of&nbsp;<a href="/g">gallium</a></p><!-- ad -->'
    item = _item(title="Metals", summary=summary)
    signal = clf.classify(item)
    assert "gallium" in signal.commodities and "CN" in signal.countries
    for ev in signal.evidence:
        assert getattr(item, ev.field)[ev.start : ev.end] == ev.text
        if ev.kind != "signal_type":  # a cue pair may span a tag; a name never does
            assert "<" not in ev.text and ">" not in ev.text
    assert "href" not in {e.text for e in signal.evidence}


def test_empty_and_missing_fields(clf) -> None:
    # model_construct skips validation: what a careless producer could still hand over
    blank = NewsItem.model_construct(id="bad-2", source="t", title="", summary="", body="   \n\t ", lang=None, url=None)
    missing = NewsItem.model_construct(id="bad-3", source="t", title=None, summary=None, body=None, lang=None, url=None)
    for item in (_item(title="x"), blank, missing, _item(summary="!!! ??? ..."), _item(title="12345")):
        signal = clf.classify(item)
        assert signal.relevant is False and signal.severity is None


def test_mixed_scripts(clf) -> None:
    text = "Kazakhstan қазақстан 哈萨克斯坦 Казахстан: 稀土 rare earths редкоземельные металлы экспорт export 🚂🚂"
    signal = clf.classify(_item(title=text, body=text * 3))
    assert "KZ" in signal.countries and "rare_earths" in signal.commodities


def test_unbalanced_markup_and_lone_surrogates(clf) -> None:
    body = "<div <p>>China</p bans <<gallium exports \ud800 & < >"
    signal = clf.classify(_item(body=body))
    for ev in signal.evidence:
        assert body[ev.start : ev.end] == ev.text


@pytest.mark.parametrize("thing", [None, "a string", {"title": "dict"}, 42])
def test_not_a_news_item_is_an_error(clf, thing) -> None:
    with pytest.raises(ClassifierError):
        clf.classify(thing)


@pytest.fixture(autouse=True)
def _no_fallback(caplog):
    """The safety net in Classifier.classify must not be what handles these inputs."""
    with caplog.at_level(logging.ERROR, logger="processors.classifier"):
        yield
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
