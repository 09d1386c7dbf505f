"""Reading seed articles and JSONL files as NewsItems, for ``oreradar replay`` and ``classify``.

    >>> for entry in read_paths([Path("seeds")]):          # doctest: +SKIP
    ...     entry.item or entry.error

* ``.txt``: one article; title = first line, body = the rest. A first line that opens
  with ``date YYYY-MM-DD`` (as the seed articles do) gives the published date.
* ``.jsonl``: one NewsItem per line (labelled corpus lines are NewsItems plus ``gold``);
  a line without ``id`` gets the DESIGN.md id; ``fetched`` defaults to now.
* a folder: every ``.txt`` and ``.jsonl`` below it, in name order.

A line that is not JSON or not a NewsItem is reported with file and line number and
reading goes on; a blank line is skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from oreradar.errors import RecordError
from oreradar.records import NewsItem, make_item_id

__all__ = ["ReadEntry", "read_paths", "read_jsonl", "read_text_article", "item_from_text", "expand_paths", "SUFFIXES"]

SUFFIXES = (".txt", ".jsonl")
_DATE_PREFIX = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s*")


@dataclass(frozen=True)
class ReadEntry:
    """One thing read: an item, or an error naming where (``file:line``)."""

    where: str
    item: NewsItem | None = None
    error: str | None = None


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files to read, folders expanded; a missing path is an error the caller shows."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file()))
        else:
            out.append(path)
    return out


def item_from_text(text: str, *, source: str) -> NewsItem:
    """A plain-text article: first non-blank line is the title, the rest the body."""
    lines = text.strip("\ufeff").splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise RecordError(f"{source}: empty article", field="title")
    title = lines[0]
    published = None
    match = _DATE_PREFIX.match(title)
    if match:
        published = datetime.strptime(match.group(1), "%Y-%m-%d").replace(tzinfo=timezone.utc)
        title = title[match.end() :]
    body = "\n".join(lines[1:]).strip("\n")
    return NewsItem.create(source=source, title=title.strip(), body=body, published=published)


def read_text_article(path: Path) -> NewsItem:
    return item_from_text(path.read_text(encoding="utf-8", errors="replace"), source=str(path))


_ID_FIELDS = ("url", "guid", "title", "summary", "body", "published")


def _text_or_none(value: object) -> str | None:
    """A field for the id: strings as they are; other types are left to NewsItem's validation."""
    return value if isinstance(value, str) else None


def _item_from_json_line(line: str, *, source: str) -> NewsItem:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RecordError(f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RecordError(f"expected a JSON object, got {type(data).__name__}")
    data.pop("gold", None)
    data.setdefault("source", source)
    if not data.get("id"):
        data["id"] = make_item_id(**{k: _text_or_none(data.get(k)) for k in _ID_FIELDS})
    return NewsItem.from_dict(data)


def read_jsonl(lines: Iterable[str], *, source: str) -> Iterator[ReadEntry]:
    """NewsItems from JSONL lines; ``source`` names the file in errors (``file:line``)."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            yield ReadEntry(where, item=_item_from_json_line(line, source=source))
        except RecordError as exc:
            yield ReadEntry(where, error=str(exc))


def _read_file(path: Path) -> Iterator[ReadEntry]:
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8", errors="replace") as handle:
            yield from read_jsonl(handle, source=str(path))
    else:
        try:
            yield ReadEntry(str(path), item=read_text_article(path))
        except RecordError as exc:
            yield ReadEntry(str(path), error=str(exc))


def read_paths(paths: Iterable[Path]) -> Iterator[ReadEntry]:
    """Every item of every path, in order; unreadable files and bad lines as errors."""
    for path in expand_paths(paths):
        if not path.is_file():
            yield ReadEntry(str(path), error=f"no such file: {path}")
            continue
        if path.suffix not in SUFFIXES:
            yield ReadEntry(str(path), error=f"skipped {path}: replay reads .txt and .jsonl files")
            continue
        yield from _read_file(path)
