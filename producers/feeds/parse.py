"""Parsing fetched bytes with feedparser, including the Russian legacy encodings.

    >>> parsed = parse_feed(b"<rss version='2.0'><channel><item><title>x</title></item></channel></rss>")
    >>> parsed.version, len(parsed.entries), parsed.bozo
    ('rss20', 1, False)

Only bytes go in (never a URL: feedparser would fetch it with no timeout, size cap or
address check). An ill-formed feed keeps whatever entries feedparser could recover;
``bozo_reason`` records why. When a feed declares no charset and feedparser falls back to
windows-1252, Cyrillic letter statistics pick windows-1251 or KOI8-R instead, because the
Central Asian and Russian web still serves those undeclared.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import feedparser

__all__ = ["ParsedFeed", "parse_feed", "guess_cyrillic"]

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DECLARED = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=", re.IGNORECASE)
_TAG = re.compile(rb"<[^>]*>")
_LATIN_FALLBACKS = {"windows-1252", "iso-8859-1", "iso-8859-2", "cp1252"}
_LINK_HEADER = re.compile(r'<([^>]+)>\s*;[^,]*rel="?([^",;]+)"?')


@dataclass
class ParsedFeed:
    entries: list[Any] = field(default_factory=list)
    title: str = ""
    lang: str | None = None  # the feed's declared language, ISO 639-1 when it gives one
    version: str = ""
    encoding: str = ""
    bozo: bool = False
    bozo_reason: str | None = None
    hub: str | None = None  # WebSub hub the feed advertises
    self_url: str | None = None  # the topic URL to subscribe with

    @property
    def is_feed(self) -> bool:
        """False for bytes feedparser could make nothing of (an HTML page, garbage)."""
        return bool(self.version or self.entries)


def guess_cyrillic(raw: bytes) -> str | None:
    """'windows-1251' or 'koi8-r' when undeclared bytes look like Russian text, else None.

    Both encodings put the Cyrillic letters at 0xC0–0xFF; Russian text is mostly those,
    while Western Latin-1 text only sprinkles them between ASCII letters. Lower case
    dominates prose: 0xE0–0xFF in windows-1251, 0xC0–0xDF in KOI8-R.
    """
    text = _TAG.sub(b" ", raw)
    letters = high = upper_half = 0
    for byte in text:
        if byte >= 0xC0:
            high += 1
            upper_half += byte >= 0xE0
        elif 0x41 <= byte <= 0x7A:
            letters += 1
    if high < 20 or high < 0.3 * (high + letters):
        return None
    return "windows-1251" if upper_half * 2 >= high else "koi8-r"


def _lang_code(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def _run_feedparser(body: bytes, headers: Mapping[str, str]) -> Any:
    # sanitize_html/resolve_relative_uris rewrite HTML we turn into plain text anyway;
    # skipping them roughly halves feedparser's time on content-heavy feeds.
    return feedparser.parse(io.BytesIO(body), response_headers=dict(headers), sanitize_html=False, resolve_relative_uris=False)


def parse_feed(body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Parse ``body`` as served with ``headers`` (lower-case names); never raises on bad input."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    try:
        result = _run_feedparser(body, headers)
    except Exception as exc:  # feedparser is robust, but a crash on one feed must not stop the poll
        return ParsedFeed(bozo=True, bozo_reason=f"feedparser crashed: {type(exc).__name__}: {exc}")
    bozo_reason = f"{type(result.get('bozo_exception')).__name__}: {result.get('bozo_exception')}" if result.get("bozo") else None

    charset_given = "charset=" in headers.get("content-type", "").lower() or _DECLARED.match(body[:512])
    if str(result.get("encoding", "")).lower() in _LATIN_FALLBACKS and not charset_given:
        guessed = guess_cyrillic(body)
        if guessed:
            utf8 = b'<?xml version="1.0" encoding="utf-8"?>' + _XML_DECL.sub(b"", body).decode(guessed, "replace").encode("utf-8")
            plain = {k: v for k, v in headers.items() if k != "content-type"}
            result = _run_feedparser(utf8, {**plain, "content-type": "application/xml"})
            result["encoding"] = guessed
            bozo_reason = f"no charset declared; decoded as {guessed} by Cyrillic letter statistics"
            result["bozo"] = True

    feed = result.get("feed", {})
    parsed = ParsedFeed(
        entries=list(result.get("entries", [])),
        title=str(feed.get("title", "")),
        lang=_lang_code(feed.get("language")) or _lang_code(headers.get("content-language")),
        version=str(result.get("version", "")),
        encoding=str(result.get("encoding", "")),
        bozo=bool(result.get("bozo")),
        bozo_reason=bozo_reason,
    )
    for link in feed.get("links", []) or []:
        rel, href = link.get("rel"), link.get("href")
        if rel == "hub" and href and not parsed.hub:
            parsed.hub = href
        elif rel == "self" and href and not parsed.self_url:
            parsed.self_url = href
    for href, rel in _LINK_HEADER.findall(headers.get("link", "")):
        if rel == "hub" and not parsed.hub:
            parsed.hub = href
        elif rel == "self" and not parsed.self_url:
            parsed.self_url = href
    return parsed
