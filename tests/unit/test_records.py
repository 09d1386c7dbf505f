from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

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


def test_one_article_gets_one_id_by_every_route() -> None:
    """Feed, replay of a JSONL line, the corpus and NewsItem.create agree on the id."""
    from datetime import datetime, timezone

    from producers.feeds.normalise import normalise_entry
    from producers.replay import read_jsonl

    url, tracked = "https://example.kz/news/1", "HTTPS://Example.KZ:443/news/1?utm_source=rss#top"
    created = NewsItem.create(source="x", title="Copper deal", url=url)
    line = json.dumps({"title": "Copper deal", "url": tracked})
    (replayed,) = [e.item for e in read_jsonl([line], source="f.jsonl")]
    labelled = LabelledItem.from_dict({"title": "Copper deal", "url": tracked, "gold": {"relevant": False}})
    fetched = datetime(2025, 1, 2, tzinfo=timezone.utc)
    fed = normalise_entry({"title": "Copper deal", "link": tracked}, source="feed", fetched=fetched,
                          detect_language=lambda text: None)
    assert isinstance(fed, NewsItem) and replayed is not None
    assert created.id == replayed.id == labelled.to_news_item().id == fed.id

    # Without a URL: a title-less item is identified by its summary on every route, and the
    # published time counts the same whether it came as a string or as a datetime.
    when = datetime(2025, 3, 4, 5, 6, tzinfo=timezone.utc)
    by_create = NewsItem.create(source="x", summary="Only a summary here", published=when)
    line = json.dumps({"summary": "Only a summary here", "published": "2025-03-04T05:06:00Z"})
    (by_replay,) = [e.item for e in read_jsonl([line], source="f.jsonl")]
    assert by_replay is not None and by_create.id == by_replay.id
    assert make_item_id(summary="Only a summary here") != make_item_id(body="Only a summary here", title="t")


def test_severity_vocabulary_is_declared_once() -> None:
    from typing import get_args

    from oreradar.records import SEVERITIES, Severity
    from oreradar.settings import Settings

    assert SEVERITIES == get_args(Severity) == ("low", "medium", "high", "critical")
    with pytest.raises(Exception, match="low, medium, high, critical"):
        Settings(alert_min_severity="severe")


def test_labelled_corpus_is_loaded_by_one_function(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from oreradar.corpus import load_labelled

    assert len(load_labelled()) >= 50, "the shipped corpus"
    good = json.dumps({"title": "a", "gold": {"relevant": False}})
    (tmp_path / "a.jsonl").write_text(good + "\n\n" + good + "\n", encoding="utf-8")
    assert len(load_labelled([tmp_path])) == 2
    (tmp_path / "b.jsonl").write_text(good + "\n" + json.dumps({"title": "no gold"}) + "\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"b\.jsonl:2"):
        load_labelled([tmp_path])


# NewsItem.from_json validates in one pass (pydantic-core) and falls back to json.loads +
# model_validate for whatever that pass refuses: the outcome must be the two-pass one.
_PAYLOADS = [
    b'{"id": "a", "title": "Gallium", "published": "2025-01-02T03:04:05", "fetched": "2025-01-02T04:00:00Z"}',
    b'{"id": "a", "title": "first", "title": "second", "extra": [1, {"x": null}], "fetched": 1700000000}',
    b'\xef\xbb\xbf{"id": "a", "title": "after a byte-order mark", "fetched": "2025-01-02T04:00:00Z"}',
    '{"id": "a", "title": "UTF-16", "fetched": "2025-01-02T04:00:00Z"}'.encode("utf-16"),
    b'{"id": "a", "title": "lone \\ud800 surrogate", "fetched": "2025-01-02T04:00:00Z"}',
    b'{"id": "a", "title": "bad \xff byte"}',
    b'{"id": "a", "title": "trailing"} x',
    b'{"id": 7, "title": "wrong type"}',
    b'{"id": "a", "title": NaN}',
    b'{"id": "a", "title": "deep", "x": ' + b"[" * 3000 + b"]" * 3000 + b"}",
]


@pytest.mark.parametrize("raw", _PAYLOADS)
def test_one_pass_parsing_gives_the_two_pass_outcome(raw: bytes) -> None:
    def two_pass() -> object:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            return "not valid JSON"
        try:
            return NewsItem.model_validate(data)
        except ValidationError as exc:
            return ".".join(str(p) for p in exc.errors()[0]["loc"])

    expected = two_pass()
    try:
        got: object = NewsItem.from_json(raw)
    except RecordError as exc:
        got = "not valid JSON" if str(exc).startswith("not valid JSON") else exc.field
    assert got == expected


def test_to_json_is_model_dump_json_bytes() -> None:
    signal = Signal(id="a", relevant=True, severity="high", countries=["KZ"], title="Tungsten — 钨", lead="é" * 3)
    item = NewsItem.create(source="s", title="Вольфрам", body="x")
    for record in (signal, item):
        assert record.to_json() == record.model_dump_json().encode("utf-8")
