"""OPML import: the subscription lists every feed reader exports.

    >>> specs = feeds_from_opml(Path("subscriptions.opml").read_bytes(), taken=set())   # doctest: +SKIP
    >>> specs[0].name, specs[0].url                                                    # doctest: +SKIP
    ('the-astana-times', 'https://astanatimes.com/feed/')

Nested outlines become tags (a reader's folders). Python's expat refuses external
entities, so an OPML file cannot make us read local files.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET

from pydantic import ValidationError

from oreradar.errors import ConfigError

from .catalogue import FeedSpec

__all__ = ["feeds_from_opml", "slugify"]


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:56] or "feed"


def feeds_from_opml(data: bytes, *, taken: set[str], known_urls: set[str] | None = None, source: str = "OPML") -> list[FeedSpec]:
    """Feeds of an OPML document, with unique names; URLs already in ``known_urls`` are left out."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ConfigError(f"{source} is not valid OPML/XML: {exc}") from exc
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise ConfigError(f"{source}: expected <opml><body>…</body></opml>")
    names = set(taken)
    urls = set(known_urls or ())
    specs: list[FeedSpec] = []

    def walk(node: ET.Element, tags: tuple[str, ...]) -> None:
        for outline in node.findall("outline"):
            url = (outline.get("xmlUrl") or "").strip()
            label = outline.get("title") or outline.get("text") or ""
            if not url:
                walk(outline, tags + ((slugify(label),) if label else ()))
                continue
            if url in urls:
                continue
            base = slugify(label or url.split("//")[-1])
            name, n = base, 2
            while name in names:
                name, n = f"{base}-{n}", n + 1
            lang = (outline.get("language") or "").split("-")[0].lower() or None
            try:
                spec = FeedSpec.model_validate({"name": name, "url": url, "lang": lang, "tags": tags})
            except ValidationError as exc:
                try:
                    spec = FeedSpec.model_validate({"name": name, "url": url, "tags": tags})  # a bad language attribute is not worth losing the feed
                except ValidationError:
                    raise ConfigError(f"{source}: outline {label or url!r}: {exc.errors()[0]['msg']}") from exc
            names.add(name)
            urls.add(url)
            specs.append(spec)

    walk(body, ())
    return specs
