"""The catalogue file, the shipped default, OPML import."""

from __future__ import annotations

from pathlib import Path

import pytest

from oreradar.errors import ConfigError
from oreradar.settings import DEFAULT_FEEDS_FILE
from producers.feeds.catalogue import FeedSpec, append_feeds, load_catalogue, parse_interval
from producers.feeds.fetch import FetchLimits
from producers.feeds.opml import feeds_from_opml

OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>reader export</title></head><body>
  <outline text="Central Asia">
    <outline text="The Astana Times" type="rss" xmlUrl="https://astanatimes.com/feed/" language="en-US"/>
    <outline text="24.kg" type="rss" xmlUrl="https://24.kg/rss/"/>
  </outline>
  <outline text="TASS" type="rss" xmlUrl="https://tass.ru/rss/v2.xml"/>
  <outline text="Mining" xmlUrl="https://www.mining.com/feed/"/>
</body></opml>"""


def test_shipped_catalogue_has_the_mission_feeds() -> None:
    catalogue = load_catalogue(DEFAULT_FEEDS_FILE)
    feeds = catalogue.feeds
    assert len(feeds) >= 40
    assert all(f.lang for f in feeds), "every shipped feed is marked with its language"
    tags = {t for f in feeds for t in f.tags}
    for country in ("russia", "kazakhstan", "kyrgyzstan", "tajikistan", "turkmenistan", "uzbekistan"):
        assert country in tags
    assert {"mining", "commodities", "state-media"} <= tags
    china = [f for f in feeds if "state-media" in f.tags]
    assert {"en", "zh"} <= {f.lang for f in china}
    langs = {f.lang for f in feeds}
    assert {"ru", "en", "zh", "kk", "uz"} <= langs
    assert all(f.url.startswith(("http://", "https://")) for f in feeds)
    assert len({f.url for f in feeds}) == len(feeds)
    FetchLimits.from_mapping(catalogue.limits)


def test_intervals_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("defaults: {interval: 1h, lang: ru}\nfeeds:\n  - {name: a, url: 'https://a.example/rss'}\n"
                    "  - {name: b, url: 'https://b.example/rss', interval: 90, lang: en, enabled: false}\n")
    a, b = load_catalogue(path).feeds
    assert (a.interval, a.lang, a.enabled) == (3600, "ru", True)
    assert (b.interval, b.lang, b.enabled) == (90, "en", False)
    assert parse_interval("1.5m") == 90


@pytest.mark.parametrize(
    "body, message",
    [
        ("feeds:\n  - {name: a, url: 'ftp://x/rss'}\n", "feed a: url"),
        ("feeds:\n  - {name: A B, url: 'https://x/rss'}\n", "lower-case slug"),
        ("feeds:\n  - {name: a, url: 'https://x/rss'}\n  - {name: a, url: 'https://y/rss'}\n", "appears twice"),
        ("feeds:\n  - {name: a, url: 'https://x/rss', interval: soon}\n", "interval"),
        ("feeds: [unterminated\n", "not valid YAML"),
        ("feeds:\n  - {name: a, url: 'https://x/rss', colour: red}\n", "colour"),
    ],
)
def test_bad_catalogue_errors_name_file_feed_and_key(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_catalogue(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_missing_catalogue_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ORERADAR_FEEDS_FILE"):
        load_catalogue(tmp_path / "nope.yaml")


def test_opml_import_appends_and_keeps_comments(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("# my feeds\nfeeds:\n  - {name: tass, url: 'https://tass.ru/rss/v2.xml', lang: ru}\n")
    catalogue = load_catalogue(path)
    specs = feeds_from_opml(OPML, taken=catalogue.names(), known_urls={f.url for f in catalogue.feeds})
    assert [s.name for s in specs] == ["the-astana-times", "24-kg", "mining"]
    assert specs[0].lang == "en" and specs[0].tags == ("central-asia",)
    append_feeds(path, specs)
    text = path.read_text()
    assert text.startswith("# my feeds")
    reloaded = load_catalogue(path)
    assert [f.name for f in reloaded.feeds] == ["tass", "the-astana-times", "24-kg", "mining"]
    again = feeds_from_opml(OPML, taken=reloaded.names(), known_urls={f.url for f in reloaded.feeds})
    assert again == []


def test_opml_name_clash_gets_a_suffix() -> None:
    specs = feeds_from_opml(OPML, taken={"tass"})
    assert "tass-2" in [s.name for s in specs]


def test_bad_opml_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not valid OPML"):
        feeds_from_opml(b"<opml><body>", taken=set())
    with pytest.raises(ConfigError, match="expected <opml>"):
        feeds_from_opml(b"<rss/>", taken=set())


def test_append_restores_the_file_when_the_result_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    original = "feeds:\n  - {name: a, url: 'https://a.example/rss'}\n"
    path.write_text(original)
    with pytest.raises(ConfigError, match="appears twice"):
        append_feeds(path, [FeedSpec(name="a", url="https://other.example/rss")])
    assert path.read_text() == original
