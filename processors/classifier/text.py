"""Field text made safe for matching, and split into tokens with their offsets.

Cleaning never changes the length of the text, so every offset found in the cleaned
text is an offset into the field as it stands in the NewsItem:

    >>> t = clean("<p>Gallium&nbsp;ban</p>")
    >>> len(t) == len("<p>Gallium&nbsp;ban</p>"), t.split()
    (True, ['Gallium', 'ban'])

One regex splits a field into tokens: runs of letters/digits (with inner apostrophes,
as in "China's" or "Oʻzbekiston"), and each Han character on its own, so that Chinese
terms match as character sequences without a word segmenter. Hyphens and dots
separate tokens ("Samruk-Kazyna" is two tokens, like "Samruk Kazyna").

    >>> words, starts, ends = tokenize("Samruk-Kazyna 稀土")
    >>> words, starts, ends
    (['Samruk', 'Kazyna', '稀', '土'], [0, 7, 14, 15], [6, 13, 15, 16])
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate

__all__ = ["clean", "tokenize", "sentence_bounds", "sentence_of", "HAN_RANGES"]

HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_APOSTROPHES = "'’ʼʻ‘`"

# The capturing group makes re.split return [gap, word, gap, word, ..., gap], from
# which the offsets follow by summing lengths in C (no per-token Python object).
_SPLIT_RE = re.compile(
    rf"([{HAN_RANGES}]|[^\W_{HAN_RANGES}]+(?:[{_APOSTROPHES}][^\W_{HAN_RANGES}]+)*)"
)

_HAN_RE = re.compile(f"[{HAN_RANGES}]")
# Without Han characters: letters/digits with inner apostrophes ("China's"); the
# modifier letter ʻ of Uzbek Latin is a word character already.
_FAST_SPLIT_RE = re.compile(r"([^\W_]+(?:['’ʼ‘`][^\W_]+)*)")

# Nearly all news text (Latin, Cyrillic with Kazakh and Uzbek letters, punctuation,
# currency and letterlike signs) stays inside these blocks. There the same split runs
# faster with the word characters listed as ranges (a lookup) instead of the Unicode
# category test behind [^\W_]; the list is computed from [^\W_] itself, so on such
# text the two patterns cannot differ. Any other character selects the general split.
_KNOWN_BLOCKS = ((0x0000, 0x052F), (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x214F))


def _word_ranges(blocks: tuple[tuple[int, int], ...]) -> str:
    is_word = re.compile(r"[^\W_]").fullmatch
    ranges: list[list[int]] = []
    for lo, hi in blocks:
        for cp in range(lo, hi + 1):
            if is_word(chr(cp)):
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1][1] = cp
                else:
                    ranges.append([cp, cp])
    return "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


_KNOWN_WORD = _word_ranges(_KNOWN_BLOCKS)
_UNKNOWN_CHAR_RE = re.compile("[^" + "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in _KNOWN_BLOCKS) + "]")
_KNOWN_SPLIT_RE = re.compile(rf"([{_KNOWN_WORD}]+(?:['’ʼ‘`][{_KNOWN_WORD}]+)*)")

_MARKUP_RE = re.compile(
    r"<!--.*?-->|<[a-zA-Z/!][^<>]{0,2000}>|&(?:[a-zA-Z]{2,8}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});",
    re.S,
)
# C0/C1 controls (tab and newline kept), zero-width and bidi marks, BOM, surrogates.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ud800-\udfff]")
# A sentence ends at . ! ? ; (and their CJK forms) followed by space, or at a line break.
# Written to start with one character class, which lets the regex engine skip ahead to
# the next candidate character in C (twice as fast as the plain alternation).
_SENTENCE_END_RE = re.compile(r"[.!?;…。！？；\n](?:(?<=\n)|(?=[\s\"»”')\]]|$))")


def _blank(m: re.Match[str]) -> str:
    return " " * (m.end() - m.start())


def clean(text: str) -> str:
    """Blank out markup, entities and control characters with spaces of equal length."""
    if "<" in text or "&" in text:
        text = _MARKUP_RE.sub(_blank, text)
    return _CONTROL_RE.sub(" ", text)


def tokenize(text: str) -> tuple[list[str], list[int], list[int]]:
    """Words of ``text`` with their start and end offsets (three parallel lists)."""
    # The plain \w+ split is twice as fast; the full one is needed only for Han text.
    if _UNKNOWN_CHAR_RE.search(text) is None:
        split = _KNOWN_SPLIT_RE.split
    else:
        split = (_SPLIT_RE if _HAN_RE.search(text) else _FAST_SPLIT_RE).split
    parts = split(text)
    n = len(parts) // 2
    if n == 0:
        return [], [], []
    cum = list(accumulate(map(len, parts), initial=0))
    return parts[1::2], cum[1 : 2 * n : 2], cum[2 : 2 * n + 1 : 2]


def sentence_bounds(text: str) -> list[int]:
    """Offsets where sentences end (sorted); use with :func:`sentence_of`."""
    return [m.end() for m in _SENTENCE_END_RE.finditer(text)]


def sentence_of(bounds: list[int], offset: int) -> int:
    """Index of the sentence holding character ``offset``."""
    return bisect.bisect_right(bounds, offset)


# "МОСКВА, 23 сен —", "Москва. 22 октября.", "ASTANA, Aug 23 (Reuters) -", "BEIJING (Reuters) -"
_DATELINE_TAIL_RE = re.compile(r"\s*(?:[,.]\s*(?:\d|[^\W\d_]{3,9}\.?\s+\d)|\(|/)")


def is_dateline(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is the place name of a wire dateline opening the text:
    where a story was filed, not what it is about."""
    return not text[:start].strip() and bool(_DATELINE_TAIL_RE.match(text, end))
