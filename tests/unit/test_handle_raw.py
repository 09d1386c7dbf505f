from __future__ import annotations

import base64
import json

from oreradar.errors import ClassifierError
from oreradar.records import NewsItem, Signal
from processors.handle_raw import handle_raw, passes_severity


def fake_classify(item: NewsItem) -> Signal:
    """Relevant when the title mentions gallium; severity from the body."""
    if "gallium" in item.title:
        return Signal(id=item.id, relevant=True, severity=item.body or "medium", commodities=["gallium"])
    return Signal(id=item.id, relevant=False)


def raw(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_relevant_item_gives_a_signal_that_carries_what_the_stories_stage_needs() -> None:
    out = handle_raw(raw(id="1", title="gallium ban", source="wire", published="2025-01-02T03:04:05Z",
                         summary="Beijing bans gallium exports. " * 40, body="high"), fake_classify)
    assert out.dead is None and out.signal is not None and out.signal.relevant
    assert out.signal.source == "wire" and out.signal.published is not None and out.signal.published.hour == 3
    assert out.signal.lead is not None and out.signal.lead.startswith("Beijing") and len(out.signal.lead) == 600


def test_irrelevant_item_gives_signal() -> None:
    out = handle_raw(raw(id="2", title="football"), fake_classify)
    assert out.signal is not None and not out.signal.relevant and out.signal.lead is None


def test_severity_floor() -> None:
    assert not passes_severity(Signal(id="x", relevant=False), "low")
    assert not passes_severity(Signal(id="y", relevant=True, severity="low"), "high")
    assert passes_severity(Signal(id="z", relevant=True, severity="critical"), "high")


def test_not_json_is_dead_lettered_with_original_bytes_and_place() -> None:
    payload = b"\x00\x01 garbage"
    out = handle_raw(payload, fake_classify, topic="news.raw", partition=2, offset=41, key=b"k")
    assert out.signal is None and out.dead is not None
    assert "not valid JSON" in out.dead.reason
    assert base64.b64decode(out.dead.original_b64) == payload
    assert (out.dead.partition, out.dead.offset, out.dead.key) == (2, 41, "k")


def test_invalid_item_names_the_field() -> None:
    out = handle_raw(raw(id="5", title="x", published="yesterday-ish"), fake_classify)
    assert out.dead is not None and out.dead.field == "published" and out.dead.item_id == "5"


def test_null_value_is_dead_lettered() -> None:
    out = handle_raw(None, fake_classify)
    assert out.dead is not None and "null" in out.dead.reason


def test_classifier_failures_cost_one_item_not_the_worker() -> None:
    def refusing(item: NewsItem) -> Signal:
        raise ClassifierError("cannot take this")

    def crashing(item: NewsItem) -> Signal:
        raise ZeroDivisionError("bug")

    refused = handle_raw(raw(id="6", title="t"), refusing)
    crashed = handle_raw(raw(id="7", title="t"), crashing)
    assert refused.dead is not None and "refused item 6" in refused.dead.reason
    assert crashed.dead is not None and "ZeroDivisionError" in crashed.dead.reason and crashed.dead.item_id == "7"
    assert (refused.drop_reason, crashed.drop_reason) == ("classifier_refused", "classifier_error")
    assert handle_raw(b"nope", fake_classify).drop_reason == "invalid_record"


def test_a_crash_inside_the_real_classifier_reaches_handle_raw(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The classifier no longer turns its own bug into a "not relevant" decision."""
    from processors.classifier import Classifier

    clf = Classifier.load()

    def broken(*args: object, **kwargs: object) -> Signal:
        raise KeyError("gazetteer entry")

    monkeypatch.setattr(clf, "_decide", broken)
    out = handle_raw(raw(id="8", title="China bans gallium exports"), clf.classify)
    assert out.signal is None and out.dead is not None and out.drop_reason == "classifier_error"
    assert "KeyError" in out.dead.reason and out.dead.item_id == "8"
