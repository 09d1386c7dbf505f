"""Every file of ../shared/testdata/feeds through the poller's parse-and-normalise path.

The feedparser corpus carries its own expectation (``Expect:``); where it states
``bozo`` or ``not bozo`` we check the same. ``Header:`` lines are the HTTP headers the
file is served with (feedparser's own harness adds ``Content-Type: application/xml``).
The real/ news feeds also go through the local HTTP server and the whole poller.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from oreradar.records import NewsItem
from producers.feeds.catalogue import FeedSpec
from producers.feeds.normalise import Skip, default_language_detector, normalise_entry
from producers.feeds.parse import parse_feed

from .conftest import TESTDATA, PollerKit
from .feedserver import FeedServer

FEED_SUFFIXES = {".xml", ".rss", ".atom", ".json"}
CORPUS = sorted(p for p in TESTDATA.rglob("*") if p.is_file() and p.suffix in FEED_SUFFIXES)
REAL = sorted(p for p in CORPUS if p.parts[-3] == "real")
SKIP_REASONS = {"no_text", "invalid"}
FETCHED = datetime(2024, 5, 1, tzinfo=timezone.utc)
DETECT = default_language_detector()  # processors.classifier when present
MOJIBAKE = re.compile("[ÐÑÃâ€�]{2,}|Ð|Ñ\u0080")


def test_corpus_is_there() -> None:
    assert len(CORPUS) > 2000, f"expected the shared feed corpus at {TESTDATA}"
    assert len(REAL) == 16


def _header_and_expectation(raw: bytes) -> tuple[dict[str, str], str | None]:
    head = raw[:4000].decode("latin-1")
    headers = {m.group(1).strip().lower(): m.group(2) for m in re.finditer(r"^\s*Header:\s*([^:\n]+):\s*(.*?)\s*$", head, re.M)}
    if headers:
        headers.setdefault("content-type", "application/xml")
    expect = re.search(r"^\s*Expect:\s*(.*)$", head, re.M)
    return headers, expect.group(1).strip() if expect else None


def parse_and_normalise(raw: bytes, headers: dict[str, str]) -> tuple[object, list[NewsItem], list[Skip]]:
    parsed = parse_feed(raw, headers)
    items, skips = [], []
    for entry in parsed.entries:
        out = normalise_entry(entry, source="corpus", fetched=FETCHED, feed_lang=parsed.lang, detect_language=DETECT)
        (skips if isinstance(out, Skip) else items).append(out)
    return parsed, items, skips


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(TESTDATA)))
def test_corpus_file(path: Path) -> None:
    raw = path.read_bytes()
    headers, expect = _header_and_expectation(raw)
    parsed, items, skips = parse_and_normalise(raw, headers)
    for item in items:
        assert isinstance(item, NewsItem) and item.id and (item.title or item.summary or item.body)
        assert item.published is None or item.published.tzinfo is not None
    assert all(s.reason in SKIP_REASONS and s.detail for s in skips)
    if expect and expect.startswith("not bozo"):
        assert not parsed.bozo, parsed.bozo_reason  # type: ignore[attr-defined]
    elif expect and expect.startswith("bozo"):
        assert parsed.bozo  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "name, expected_title",
    [
        ("real/prof18+RSS-Parser/feed-test-ru.xml", "СМИ: собака в Таиланде спасла заживо похороненного младенца"),
        ("real/spacecowboy+Feeder/rss_ukrnet.xml", None),
        ("illformed/chardet/koi8r.xml", "Как пережить новогоднюю ночь"),
    ],
)
def test_cyrillic_is_readable(name: str, expected_title: str | None) -> None:
    _, items, _ = parse_and_normalise((TESTDATA / name).read_bytes(), {})
    assert items
    for item in items:
        text = item.title + " " + item.summary
        assert re.search("[а-яА-ЯіїєґІЇЄҐ]{4,}", text), text[:120]
        assert not MOJIBAKE.search(text), text[:120]
    if expected_title:
        assert expected_title in [i.title for i in items]
    if "ukrnet" in name and DETECT("Торгівля між Росією та Китаєм") is not None:
        assert items[0].lang == "uk"  # undeclared: detected


async def test_real_feeds_over_http(feed_server: FeedServer, kit: PollerKit) -> None:
    specs = []
    expected = {}
    for n, path in enumerate(REAL):
        name = f"real-{n}"
        specs.append(FeedSpec(name=name, url=feed_server.route(f"/{name}", body=path.read_bytes(), headers={"Content-Type": "application/rss+xml"})))
        _, items, skips = parse_and_normalise(path.read_bytes(), {"content-type": "application/rss+xml"})
        expected[name] = (len(items), len(skips))
    summary = await kit.poller(specs).poll_once()
    assert summary.failed == 0 and summary.ok == len(REAL)
    for report in summary.reports:
        entries, skipped = expected[report.feed]
        # duplicates: the same story twice in one feed, or already carried by another
        assert len(report.new) + report.duplicates == entries, report.feed
        assert report.skipped == skipped
    assert summary.items_new > 250
    assert len({i.id for i in kit.sink.items}) == len(kit.sink.items)
