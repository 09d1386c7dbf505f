from __future__ import annotations

import json

import pytest

from oreradar.errors import RecordError
from oreradar.records import Alert, LabelledItem, NewsItem, Signal, make_item_id


def test_news_item_round_trips_through_json() -> None:
    item = NewsItem.create(source="feed", title="Казахстан нарастит добычу урана", url="https://example.kz/a")
    again = NewsItem.from_json(item.to_json())
    assert again == item
    assert again.published is None and again.fetched.tzinfo is not None


def test_item_id_prefers_url_then_guid_then_title() -> None:
    by_url = make_item_id(url="https://x.kz/a", guid="g", title="t")
    assert by_url == make_item_id(url="https://x.kz/a", guid="other", title="other")
    assert make_item_id(guid="g", title="t") == make_item_id(guid="g", title="different")
    assert make_item_id(title="t", published="2025-01-01") != make_item_id(title="t", published="2025-01-02")
    assert len(by_url) == 16 and int(by_url, 16) >= 0
    with pytest.raises(RecordError):
        make_item_id()


def test_not_json_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="not valid JSON"):
        NewsItem.from_json(b"\xff{oops")


def test_validation_error_names_the_item_and_field() -> None:
    with pytest.raises(RecordError) as info:
        NewsItem.from_json(json.dumps({"id": "abc", "title": "x", "published": "not a date"}))
    assert info.value.field == "published" and info.value.item_id == "abc"
    assert "abc" in str(info.value) and "published" in str(info.value)


def test_an_item_without_any_text_is_refused() -> None:
    with pytest.raises(RecordError, match="title, summary or body"):
        NewsItem.from_dict({"id": "e", "title": "  ", "body": ""})


def test_a_json_array_is_not_a_record() -> None:
    with pytest.raises(RecordError, match="expected a JSON object"):
        NewsItem.from_json(b"[1, 2]")


def test_signal_severity_goes_with_relevance() -> None:
    with pytest.raises(RecordError, match="severity"):
        Signal.from_dict({"id": "a", "relevant": True})
    with pytest.raises(RecordError, match="severity"):
        Signal.from_dict({"id": "a", "relevant": False, "severity": "low"})
    with pytest.raises(RecordError, match="unknown signal types"):
        Signal.from_dict({"id": "a", "relevant": True, "severity": "low", "signal_types": ["weather"]})


def test_alert_id_is_stable_per_item() -> None:
    signal = Signal(id="item-1", relevant=True, severity="high", countries=["KZ"])
    first, second = Alert.from_signal(signal), Alert.from_signal(signal)
    assert first.alert_id == second.alert_id
    assert first.alert_id != Alert.from_signal(Signal(id="item-2", relevant=True, severity="high")).alert_id
    assert Alert.from_json(first.to_json()).countries == ["KZ"]


def test_labelled_item_becomes_a_news_item_with_a_derived_id() -> None:
    line = {"title": "Uzbekistan signs copper offtake", "gold": {"relevant": True, "signal_types": ["trade_deal"]}}
    labelled = LabelledItem.from_dict(line)
    item = labelled.to_news_item()
    assert item.id == make_item_id(title="Uzbekistan signs copper offtake")
    assert labelled.gold.signal_types == ["trade_deal"]
