"""Turning one feedparser entry into a NewsItem, or a Skip that says why not.

    >>> entry = {"title": "Gallium &amp; germanium <b>curbs</b>", "link": "https://x.cn/a?utm_source=rss"}
    >>> item = normalise_entry(entry, source="xinhua-en", fetched=datetime(2024, 1, 1, tzinfo=timezone.utc))
    >>> item.title, item.url
    ('Gallium & germanium curbs', 'https://x.cn/a')
"""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

from pydantic import ValidationError

from oreradar.canonical_url import canonical_url
from oreradar.errors import RecordError
from oreradar.records import NewsItem, make_item_id

__all__ = ["Skip", "html_to_text", "normalise_entry", "entry_published", "default_language_detector"]

MAX_TITLE = 1_000
MAX_SUMMARY = 4_000
MAX_BODY = 50_000
_SPACE = re.compile(r"\s+")
_BLOCKS = frozenset({"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
                     "blockquote", "section", "article", "figure", "figcaption", "hr", "table", "pre"})
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "iframe", "object", "svg", "head"})


@dataclass(frozen=True)
class Skip:
    """An entry that did not become a NewsItem; ``reason`` is a metric label, ``detail`` for people."""

    reason: str
    detail: str


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _INVISIBLE:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(value: str | None) -> str:
    """Visible text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed."""
    if not value:
        return ""
    if "<" not in value:
        text = html.unescape(value) if "&" in value else value
    else:
        parser = _TextExtractor()
        parser.feed(value)
        parser.close()
        text = "".join(parser.parts)
    return _SPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def entry_published(entry: Mapping[str, Any], fetched: datetime) -> datetime | None:
    """The entry's publication time in UTC; None when missing or implausible.

    feedparser already converts the timestamps it understands to UTC struct_time. Dates
    before 1990 or more than a day after the fetch are feed bugs, not news.
    """
    parsed = entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("created_parsed")
    if not parsed:
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc)
    except (OverflowError, ValueError, TypeError, OSError):
        return None
    if when.year < 1990 or when > fetched + timedelta(days=1):
        return None
    return when


def _entry_link(entry: Mapping[str, Any]) -> str | None:
    link = entry.get("link")
    if link:
        return str(link)
    for candidate in entry.get("links", []) or []:
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            return str(candidate["href"])
    guid = entry.get("id")
    # Many RSS feeds put the article URL only in <guid isPermaLink="true">.
    if guid and entry.get("guidislink") and str(guid).startswith(("http://", "https://")):
        return str(guid)
    return None


def _entry_lang(entry: Mapping[str, Any]) -> str | None:
    for key in ("title_detail", "summary_detail"):
        detail = entry.get(key) or {}
        code = str(detail.get("language") or "").lower().split("-")[0]
        if re.fullmatch(r"[a-z]{2,3}", code):
            return code
    return None


def default_language_detector() -> Callable[[str], str | None]:
    """oreradar.language.detect_language (the classifier's own, without loading the
    classifier); no detection when its model cannot be loaded."""
    try:
        from oreradar.language import detect_language

        detect_language("warm")  # loads the model now, or fails here rather than per entry
    except Exception:  # broken install: the feed's declared language still applies
        return lambda text: None
    return detect_language


def normalise_entry(
    entry: Mapping[str, Any],
    *,
    source: str,
    fetched: datetime,
    feed_lang: str | None = None,
    hint_lang: str | None = None,
    detect_language: Callable[[str], str | None] | None = None,
) -> NewsItem | Skip:
    """One entry → NewsItem. Language: the entry's, the feed's, the catalogue hint, then detection."""
    title = html_to_text(entry.get("title"))[:MAX_TITLE]
    summary = html_to_text(entry.get("summary") or entry.get("description"))
    body = ""
    for content in entry.get("content", []) or []:
        text = html_to_text(content.get("value"))
        if len(text) > len(body):
            body = text
    if body == summary:
        body = ""
    summary, body = summary[:MAX_SUMMARY], body[:MAX_BODY]
    if not (title or summary or body):
        return Skip("no_text", f"entry {entry.get('id') or entry.get('link') or '(no id)'} has no title, summary or content")

    raw_link = _entry_link(entry)
    url = canonical_url(raw_link)
    guid = str(entry.get("id") or "").strip() or None
    lang = _entry_lang(entry) or feed_lang or hint_lang
    if lang is None and detect_language is not None:
        try:
            lang = detect_language(" ".join(filter(None, (title, summary)))[:2000])
        except Exception:  # detection is best effort; an item without lang is still news
            lang = None
    published = entry_published(entry, fetched)
    try:
        # Title-less entries (common in microblog-style feeds) are identified by their text.
        item_id = make_item_id(url=url, guid=guid, title=title, summary=summary, body=body, published=published)
        return NewsItem(
            id=item_id, source=source, title=title, summary=summary, body=body, url=url,
            lang=lang, published=published, fetched=fetched,
        )
    except (ValidationError, RecordError, ValueError) as exc:
        return Skip("invalid", f"entry {guid or raw_link or title[:60]!r} is not a valid NewsItem: {exc}")
