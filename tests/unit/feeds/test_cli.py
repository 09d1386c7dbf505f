"""``oreradar feeds …`` through click, with Settings handed in as main() does."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from oreradar.records import NewsItem
from oreradar.settings import Settings
from producers.feeds.cli import feeds, state_path
from producers.feeds.state import FeedStateStore

from . import samples
from .feedserver import FeedServer


def make_settings(tmp_path: Path, server: FeedServer) -> Settings:
    catalogue = tmp_path / "feeds.yaml"
    catalogue.write_text(
        "feeds:\n"
        f"  - {{name: wire, url: '{server.url('/rss20')}', lang: en}}\n"
        f"  - {{name: broken, url: '{server.url('/missing')}', lang: en}}\n"
        f"  - {{name: paused, url: '{server.url('/rss10')}', enabled: false}}\n"
    )
    return Settings(feeds_file=catalogue, state_dir=tmp_path / "state", feeds_allow_hosts="127.0.0.1", metrics_port=0)


def run(settings: Settings, *args: str) -> object:
    return CliRunner().invoke(feeds, list(args), obj={"settings": settings}, catch_exceptions=False)


def test_dry_run_prints_jsonl_and_a_summary_and_leaves_state_alone(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.route("/rss20", body=samples.RSS_20)
    settings = make_settings(tmp_path, feed_server)
    result = run(settings, "poll", "--once", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    items = [NewsItem.from_json(line) for line in lines]
    assert [i.title for i in items] == ["Gallium export licences", "Uranium price"]
    assert "feeds: 1 ok, 0 not modified, 1 failed" in result.stderr
    assert "items: 2 new, 0 duplicate" in result.stderr
    store = FeedStateStore.open(state_path(settings))
    assert store.seen_count() == 0 and store.all() == {}
    store.close()
    again = run(settings, "poll", "--once", "--dry-run")
    assert len([line for line in again.stdout.splitlines() if line.strip()]) == 2


def test_list_enable_disable(tmp_path: Path, feed_server: FeedServer) -> None:
    settings = make_settings(tmp_path, feed_server)
    store = FeedStateStore.open(state_path(settings))
    state = store.get("broken")
    state.disabled_reason = "auto-disabled after 10 consecutive failures (weighted 10 ≥ 10); last error: HTTP 404"
    state.consecutive_failures, state.last_error = 10, "HTTP 404"
    store.put(state)
    store.close()
    listing = run(settings, "list")
    assert listing.exit_code == 0
    assert "wire" in listing.output and "new" in listing.output
    assert "disabled" in listing.output and "auto-disabled after 10" in listing.output
    assert "off (catalogue)" in listing.output

    assert "feed broken enabled" in run(settings, "enable", "broken").output
    assert "feed paused enabled" in run(settings, "enable", "paused").output
    assert "feed wire disabled" in run(settings, "disable", "wire").output
    store = FeedStateStore.open(state_path(settings))
    assert store.get("broken").disabled_reason is None and store.get("broken").failure_score == 0
    assert store.get("paused").operator_enabled == 1
    assert "disabled by the operator" in (store.get("wire").disabled_reason or "")
    store.close()
    unknown = CliRunner().invoke(feeds, ["enable", "nope"], obj={"settings": settings})
    assert unknown.exit_code != 0 and "no feed named 'nope'" in unknown.output


def test_import_opml(tmp_path: Path, feed_server: FeedServer) -> None:
    settings = make_settings(tmp_path, feed_server)
    opml = tmp_path / "subs.opml"
    opml.write_text('<opml version="2.0"><body><outline text="Astana Times" xmlUrl="https://astanatimes.com/feed/"/></body></opml>')
    result = run(settings, "import", str(opml))
    assert "imported 1 feeds" in result.output and "astana-times" in result.output
    assert "astana-times" in settings.feeds_file.read_text()
    assert "no new feeds" in run(settings, "import", str(opml)).output


def test_bad_catalogue_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "feeds.yaml"
    bad.write_text("feeds:\n  - {name: x, url: 'ftp://nope'}\n")
    settings = Settings(feeds_file=bad, state_dir=tmp_path / "s", metrics_port=0)
    result = CliRunner().invoke(feeds, ["poll", "--once", "--dry-run"], obj={"settings": settings})
    assert result.exit_code == 1 and "feed x: url" in result.output
    assert json.dumps  # keep the import used by readers copying this test
