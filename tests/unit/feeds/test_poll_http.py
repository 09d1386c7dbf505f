"""The poller against a real local HTTP server: every case the web throws at it.

Each test asserts what an operator would expect and that the other feeds of the same
cycle were still polled. Time is a ManualClock; nothing sleeps except the slow route.
"""

from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pytest

from producers.feeds.catalogue import FeedSpec

from . import samples
from .conftest import TESTDATA, PollerKit
from .feedserver import FeedServer


def spec(name: str, url: str, **kw: object) -> FeedSpec:
    return FeedSpec(name=name, url=url, interval=kw.pop("interval", 600), **kw)  # type: ignore[arg-type]


def ok_feed(server: FeedServer, name: str = "control") -> FeedSpec:
    """A healthy feed added to every failing case, to show the cycle carried on."""
    url = server.route(f"/{name}", body=samples.rss_with([(f"Control story {name}", f"http://example.com/{name}/1")]))
    return spec(name, url)


def report(summary, name):  # type: ignore[no-untyped-def]
    return next(r for r in summary.reports if r.feed == name)


async def test_every_format_is_read(feed_server: FeedServer, kit: PollerKit) -> None:
    feeds = [spec(path.strip("/"), feed_server.route(path, body=body)) for path, (body, _) in samples.FORMATS.items()]
    summary = await kit.poller(feeds).poll_once()
    assert summary.ok == len(feeds) and summary.failed == 0
    for path, (_, titles) in samples.FORMATS.items():
        got = [i.title for i in kit.sink.items if i.source == path.strip("/")]
        assert got == titles, path
    by_title = {i.title: i for i in kit.sink.items}
    gallium = by_title["Gallium export licences"]
    assert gallium.url == "http://example.com/news/20"  # scheme/host lower-cased, fragment dropped
    assert gallium.summary == "Beijing & Astana"  # HTML stripped, entities decoded, script dropped
    assert gallium.published == datetime(2024, 4, 30, 5, 0, tzinfo=timezone.utc)  # +0500 → UTC
    assert gallium.lang == "en"
    assert by_title["Lithium mine opens in Jadar"].url == "http://example.com/news/1"  # utm_source removed
    assert by_title["Tungsten output rises"].summary == "Output up 5%"
    assert by_title["Rare earths quota cut"].published == datetime(2024, 4, 30, 5, 0, tzinfo=timezone.utc)
    assert by_title["Antimony <ban> widened"].summary == "Café talk"
    assert summary.line().startswith("feeds: 6 ok, 0 not modified, 0 failed")


def _ru_bytes() -> str:
    return (TESTDATA / "real/prof18+RSS-Parser/feed-test-ru.xml").read_bytes().decode("utf-8")


@pytest.mark.parametrize(
    "encoding, declaration, content_type",
    [
        ("windows-1251", 'encoding="windows-1251"', "application/rss+xml"),
        ("windows-1251", 'encoding="windows-1251"', "text/xml; charset=utf-8"),  # wrong charset header
        ("windows-1251", None, "application/rss+xml"),  # nothing declared at all
        ("koi8-r", 'encoding="koi8-r"', "application/rss+xml"),
        ("koi8-r", None, "text/xml"),
    ],
)
async def test_russian_legacy_encodings_decode(feed_server: FeedServer, kit: PollerKit, encoding: str,
                                               declaration: str | None, content_type: str) -> None:
    text = _ru_bytes()
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    text = text.replace(head, f'<?xml version="1.0" {declaration}?>' if declaration else "")
    body = text.encode(encoding, errors="xmlcharrefreplace")
    url = feed_server.route("/ru", body=body, headers={"Content-Type": content_type})
    summary = await kit.poller([spec("aif-ru", url), ok_feed(feed_server)]).poll_once()
    assert summary.ok == 2
    titles = [i.title for i in kit.sink.items if i.source == "aif-ru"]
    assert "СМИ: собака в Таиланде спасла заживо похороненного младенца" in titles
    assert all(i.lang == "ru" for i in kit.sink.items if i.source == "aif-ru")


async def test_malformed_feed_keeps_its_items_and_is_counted(feed_server: FeedServer, kit: PollerKit) -> None:
    feeds = [spec("broken", feed_server.route("/broken", body=samples.MALFORMED)), ok_feed(feed_server)]
    summary = await kit.poller(feeds).poll_once()
    assert summary.ok == 2
    assert "Nickel & cobalt deal" in [i.title for i in kit.sink.items]
    assert kit.sample("oreradar_feed_parse_errors_total") == 1


async def test_empty_feed_is_a_success_and_an_empty_body_is_not(feed_server: FeedServer, kit: PollerKit) -> None:
    feeds = [
        spec("quiet", feed_server.route("/quiet", body=samples.EMPTY_CHANNEL)),
        spec("zero", feed_server.route("/zero", body=b"")),
        spec("html", feed_server.route("/html", body=samples.HTML_PAGE, headers={"Content-Type": "text/html"})),
        ok_feed(feed_server),
    ]
    summary = await kit.poller(feeds).poll_once()
    assert report(summary, "quiet").outcome == "ok" and not report(summary, "quiet").new
    assert report(summary, "zero").outcome == "not_a_feed"
    assert report(summary, "html").outcome == "not_a_feed"
    assert "check the URL" in (report(summary, "html").error or "")
    assert report(summary, "control").new
    assert kit.sample("oreradar_feed_dropped_total", {"reason": "not_a_feed"}) == 2
    assert kit.store.get("zero").consecutive_failures == 1


async def test_conditional_get_and_304_costs_no_parsing(feed_server: FeedServer, kit: PollerKit) -> None:
    etag, modified = '"v1"', "Tue, 30 Apr 2024 10:00:00 GMT"

    def handler(request):  # type: ignore[no-untyped-def]
        if request.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"ETag": etag, "Last-Modified": modified}, samples.RSS_20

    feed_server.route("/cond", handler=handler)
    poller = kit.poller([spec("cond", feed_server.url("/cond"), interval=60)])
    first = await poller.poll_once()
    assert first.ok == 1 and first.items_new == 2
    state = kit.store.get("cond")
    assert (state.etag, state.last_modified) == (etag, modified)
    parse_errors_before = kit.sample("oreradar_feed_fetches_total", {"outcome": "ok"})
    kit.clock.advance(61)
    second = await poller.poll_once()
    assert second.not_modified == 1 and second.items_new == 0 and second.items_duplicate == 0
    hit = feed_server.hits("/cond")[-1]
    assert hit.headers["if-none-match"] == etag and hit.headers["if-modified-since"] == modified
    assert kit.sample("oreradar_feed_fetches_total", {"outcome": "not_modified"}) == 1
    assert kit.sample("oreradar_feed_fetches_total", {"outcome": "ok"}) == parse_errors_before
    assert kit.store.get("cond").last_success_at == kit.clock().timestamp()


async def test_server_error_backs_off_and_recovers(feed_server: FeedServer, kit: PollerKit) -> None:
    feed_server.route("/flaky", status=500, body=b"oops")
    poller = kit.poller([spec("flaky", feed_server.url("/flaky"), interval=100), ok_feed(feed_server)])
    summary = await poller.poll_once()
    assert report(summary, "flaky").outcome == "http_error" and "HTTP 500" in (report(summary, "flaky").error or "")
    assert report(summary, "control").new
    now = kit.clock().timestamp()
    state = kit.store.get("flaky")
    assert state.consecutive_failures == 1 and state.last_error_kind == "soft"
    assert 75 <= state.next_poll_at - now <= 100  # first backoff: the interval, less jitter
    kit.clock.advance(100)
    await poller.poll_once(feeds=[poller.feeds["flaky"]])
    second_delay = kit.store.get("flaky").next_poll_at - kit.clock().timestamp()
    assert 150 <= second_delay <= 200  # doubled
    feed_server.route("/flaky", body=samples.RSS_20)
    kit.clock.advance(200)
    assert [f.name for f in poller.due()] == ["flaky"]
    summary = await poller.poll_once()
    state = kit.store.get("flaky")
    assert summary.ok == 1 and state.consecutive_failures == 0 and state.failure_score == 0
    assert state.next_poll_at == kit.clock().timestamp() + 100


async def test_429_retry_after_is_honoured(feed_server: FeedServer, kit: PollerKit) -> None:
    feed_server.route("/busy", status=429, headers={"Retry-After": "3600"})
    poller = kit.poller([spec("busy", feed_server.url("/busy"), interval=60), ok_feed(feed_server)])
    summary = await poller.poll_once()
    assert report(summary, "busy").outcome == "rate_limited"
    assert report(summary, "control").new
    state = kit.store.get("busy")
    assert state.last_error_kind == "temporary"
    assert state.next_poll_at >= kit.clock().timestamp() + 3600
    kit.clock.advance(1800)
    assert "busy" not in [f.name for f in poller.due()]
    kit.clock.advance(1801)
    assert "busy" in [f.name for f in poller.due()]


async def test_503_with_http_date_retry_after(feed_server: FeedServer, kit: PollerKit) -> None:
    feed_server.route("/down", status=503, headers={"Retry-After": "Wed, 01 May 2024 14:00:00 GMT"})
    summary = await kit.poller([spec("down", feed_server.url("/down"), interval=60)]).poll_once()
    assert report(summary, "down").outcome == "rate_limited"
    assert kit.store.get("down").next_poll_at >= datetime(2024, 5, 1, 14, tzinfo=timezone.utc).timestamp()


async def test_redirects_one_hop_at_a_time(feed_server: FeedServer, kit: PollerKit) -> None:
    feed_server.route("/loop-a", status=302, headers={"Location": "/loop-b"})
    feed_server.route("/loop-b", status=302, headers={"Location": "/loop-a"})
    for n in range(7):
        feed_server.route(f"/chain{n}", status=301, headers={"Location": f"/chain{n + 1}"})
    feed_server.route("/chain7", body=samples.RSS_20)
    feed_server.route("/hop1", status=301, headers={"Location": "/hop2"})
    feed_server.route("/hop2", status=308, headers={"Location": feed_server.url("/final")})
    feed_server.route("/final", body=samples.RSS_20)
    feed_server.route("/to-file", status=302, headers={"Location": "file:///etc/passwd"})
    feed_server.route("/to-metadata", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    feeds = [spec("loop", feed_server.url("/loop-a")), spec("long", feed_server.url("/chain0")),
             spec("moved", feed_server.url("/hop1")), spec("file", feed_server.url("/to-file")),
             spec("metadata", feed_server.url("/to-metadata")), ok_feed(feed_server)]
    summary = await kit.poller(feeds).poll_once()
    assert report(summary, "loop").outcome == "redirect_error" and "redirect loop" in (report(summary, "loop").error or "")
    assert len(feed_server.hits("/loop-a")) == 1 and len(feed_server.hits("/loop-b")) == 1
    assert report(summary, "long").outcome == "redirect_error" and "more than 5 redirects" in (report(summary, "long").error or "")
    assert not feed_server.hits("/chain6")  # the sixth hop is never requested
    assert report(summary, "moved").outcome == "ok" and len(report(summary, "moved").new) == 2
    assert report(summary, "file").outcome == "refused" and "only http and https" in (report(summary, "file").error or "")
    assert report(summary, "metadata").outcome == "refused" and "cloud metadata" in (report(summary, "metadata").error or "")
    assert report(summary, "control").new
    assert kit.store.get("metadata").last_error_kind == "hard"


async def test_private_addresses_refused_unless_allowed(feed_server: FeedServer, tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/rss", body=samples.RSS_20)
    strict = PollerKit(tmp_path, clock, allow="")
    try:
        summary = await strict.poller([spec("internal", feed_server.url("/rss"))]).poll_once()
        assert report(summary, "internal").outcome == "refused"
        assert "loopback" in (report(summary, "internal").error or "") and "ORERADAR_FEEDS_ALLOW_HOSTS" in (report(summary, "internal").error or "")
        assert not feed_server.requests  # refused before connecting
        assert strict.sample("oreradar_feed_dropped_total", {"reason": "refused"}) == 1
    finally:
        await strict.close()
        strict.store.close()


async def test_slow_server_times_out_and_others_carry_on(feed_server: FeedServer, kit: PollerKit) -> None:
    feed_server.route("/slow", body=samples.RSS_20, delay=1.5)
    summary = await kit.poller([spec("slow", feed_server.url("/slow")), ok_feed(feed_server)]).poll_once()
    assert report(summary, "slow").outcome == "timeout"
    assert report(summary, "control").new
    assert kit.store.get("slow").last_error_kind == "temporary"


async def test_oversized_bodies_are_refused_and_counted(feed_server: FeedServer, kit: PollerKit) -> None:
    huge = samples.rss_with([(f"story {n} " + "x" * 200, f"http://example.com/{n}") for n in range(2000)])
    assert len(huge) > kit.limits.max_body_bytes
    feed_server.route("/huge", body=huge)
    bomb = b"<rss version='2.0'><channel>" + b" " * 5_000_000 + b"</channel></rss>"
    feed_server.route("/bomb", body=bomb, gzip=True)  # tiny on the wire, 5 MB decoded
    feed_server.route("/zipped", body=samples.RSS_20, gzip=True)
    feeds = [spec("huge", feed_server.url("/huge")), spec("bomb", feed_server.url("/bomb")),
             spec("zipped", feed_server.url("/zipped")), ok_feed(feed_server)]
    summary = await kit.poller(feeds).poll_once()
    assert report(summary, "huge").outcome == "too_large"
    assert report(summary, "bomb").outcome == "too_large" and "after gzip" in (report(summary, "bomb").error or "")
    assert report(summary, "zipped").outcome == "ok" and len(report(summary, "zipped").new) == 2
    assert report(summary, "control").new
    assert kit.sample("oreradar_feed_dropped_total", {"reason": "too_large"}) == 2
    assert feed_server.hits("/zipped")[0].headers["accept-encoding"] == "gzip, deflate"


async def test_entries_without_links_or_dates(feed_server: FeedServer, kit: PollerKit) -> None:
    summary = await kit.poller([spec("bare", feed_server.route("/bare", body=samples.NO_LINKS_NO_DATES))]).poll_once()
    assert summary.items_new == 2 and summary.items_skipped == 1
    first, second = kit.sink.items
    assert first.url is None and first.published is None and first.title == "Molybdenum tender announced"
    assert second.title == "" and second.summary == "Only a guid and text about zinc."
    assert first.id != second.id
    assert kit.sample("oreradar_feed_dropped_total", {"reason": "no_text"}) == 1


async def test_no_duplicates_across_polls_feeds_and_restarts(feed_server: FeedServer, kit: PollerKit) -> None:
    story = "https://news.example.com/2024/gallium"
    feed_server.route("/a", body=samples.rss_with([("Gallium", story + "?utm_source=a"), ("Only in A", "http://a.example/1")]))
    feed_server.route("/b", body=samples.rss_with([("Gallium (B)", story.upper().replace("/2024/GALLIUM", "/2024/gallium") + "#x")]))
    feeds = [spec("a", feed_server.url("/a"), interval=60), spec("b", feed_server.url("/b"), interval=60)]
    first = await kit.poller(feeds).poll_once()
    assert first.items_new == 2 and first.items_duplicate == 1
    kit.clock.advance(61)
    second = await kit.poller(feeds).poll_once()
    assert second.items_new == 0 and second.items_duplicate == 3
    # a restart: a new store object on the same file, a new poller
    kit.store.close()
    from producers.feeds.state import FeedStateStore

    kit.store = FeedStateStore.open(kit.tmp_path / "feeds.sqlite3")
    kit.clock.advance(61)
    third = await kit.poller(feeds).poll_once()
    assert third.items_new == 0 and third.items_duplicate == 3
    assert len(kit.sink.items) == len({i.id for i in kit.sink.items}) == 2
    assert kit.sample("oreradar_feed_items_total", {"outcome": "new"}) == 2


async def test_failed_delivery_is_retried_not_hidden_behind_304(feed_server: FeedServer, kit: PollerKit) -> None:
    def handler(request):  # type: ignore[no-untyped-def]
        if request.headers.get("If-None-Match") == '"e1"':
            return 304, {}, b""
        return 200, {"ETag": '"e1"'}, samples.RSS_20

    feed_server.route("/e", handler=handler)
    poller = kit.poller([spec("e", feed_server.url("/e"), interval=60)])
    from oreradar.canonical_url import canonical_url
    from oreradar.records import make_item_id

    kit.sink.fail_ids = {make_item_id(url=canonical_url("http://example.com/news/20b"))}
    first = await poller.poll_once()
    assert first.items_new == 1 and first.publish_failed == 1
    assert kit.store.get("e").etag is None  # not stored: the next poll must fetch in full
    kit.sink.fail_ids = set()
    kit.clock.advance(61)
    second = await poller.poll_once()
    assert second.items_new == 1 and second.items_duplicate == 1
    assert kit.store.get("e").etag == '"e1"'
    assert sorted(i.title for i in kit.sink.items) == ["Gallium export licences", "Uranium price"]


async def test_hard_failures_auto_disable_and_enable_revives(feed_server: FeedServer, kit: PollerKit) -> None:
    poller = kit.poller([spec("gone", feed_server.url("/gone"), interval=60)])
    for _ in range(10):
        kit.clock.advance(7 * 3600)
        await poller.poll_once()
    state = kit.store.get("gone")
    assert state.disabled_reason and "auto-disabled after 10 consecutive failures" in state.disabled_reason
    assert "HTTP 404" in state.disabled_reason and "oreradar feeds enable gone" in state.disabled_reason
    assert poller.due() == []
    assert kit.sample("oreradar_feed_disabled") == 1
    state.disabled_reason, state.failure_score, state.consecutive_failures, state.next_poll_at = None, 0, 0, None
    kit.store.put(state)
    feed_server.route("/gone", body=samples.RSS_20)
    summary = await poller.poll_once()
    assert summary.ok == 1 and summary.items_new == 2


async def test_temporary_failures_weigh_less_than_hard_ones(feed_server: FeedServer, kit: PollerKit) -> None:
    feed_server.route("/busy", status=429)
    poller = kit.poller([spec("busy", feed_server.url("/busy"), interval=60)])
    for _ in range(10):
        kit.clock.advance(7 * 3600)
        await poller.poll_once()
    state = kit.store.get("busy")
    assert state.consecutive_failures == 10 and state.failure_score == 2.5 and state.disabled_reason is None


async def test_fetch_metrics(feed_server: FeedServer, kit: PollerKit) -> None:
    feeds = [spec("rss", feed_server.route("/rss", body=samples.RSS_20)), spec("err", feed_server.route("/err", status=500))]
    await kit.poller(feeds).poll_once()
    assert kit.sample("oreradar_feed_fetches_total", {"outcome": "ok"}) == 1
    assert kit.sample("oreradar_feed_fetches_total", {"outcome": "http_error"}) == 1
    assert kit.sample("oreradar_feed_fetch_seconds_count") == 2
    assert kit.sample("oreradar_feed_bytes_total") == len(samples.RSS_20)
    assert kit.sample("oreradar_feed_last_success_timestamp_seconds", {"feed": "rss"}) == kit.clock().timestamp()
