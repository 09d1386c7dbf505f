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

import cython

__all__ = ["clean", "tokenize", "sentence_bounds", "sentence_of", "HAN_RANGES"]

HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_APOSTROPHES = "'’ʼʻ‘`"
# True when this module runs compiled by Cython (see setup.py), which changes the fastest
# way to tokenise; the compiled module's file is the extension, not this .py.
COMPILED = not __file__.endswith(".py")

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
    if COMPILED and not _has_control(text):  # the usual case, found at C speed
        return text
    return _CONTROL_RE.sub(" ", text)


def _has_control(text: str) -> bool:
    """Whether ``_CONTROL_RE`` would find a character to blank (a test holds them equal
    over every code point)."""
    for c in text:
        o = ord(c)
        if o < 0x20:
            if o != 0x09 and o != 0x0A and o != 0x0D:
                return True
        elif o < 0x7F:
            continue
        elif (o <= 0x9F or 0x200B <= o <= 0x200F or 0x202A <= o <= 0x202E or 0x2060 <= o <= 0x2064
              or o == 0xFEFF or 0xD800 <= o <= 0xDFFF):
            return True
    return False


def tokenize(text: str) -> tuple[list[str], list[int], list[int]]:
    """Words of ``text`` with their start and end offsets (three parallel lists)."""
    return _tokenize_chars(text) if COMPILED else _tokenize_regex(text)


def _tokenize_regex(text: str) -> tuple[list[str], list[int], list[int]]:
    """:func:`tokenize` by regex split: the fastest way in the interpreter."""
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


def _tokenize_chars(text: str) -> tuple[list[str], list[int], list[int]]:
    """:func:`tokenize` as one pass over the characters: the same tokens as
    :func:`_tokenize_regex` (a test holds them equal), several times faster once compiled
    (``text.pxd`` types its locals as C characters and integers, and iterating the string
    reads its storage directly), ten times slower when not. A word character is what
    ``[^\W_]`` matches, i.e. ``str.isalnum()``; a Han character is a token of its own; an
    apostrophe between two word characters (not Han) is inside the word ("China's")."""
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    start = -1  # where the word being read started (-1: none)
    apostrophe = False  # the previous character was an apostrophe right after that word
    i = 0
    for c in text:
        word = _word_char(c)
        han = word and _han(c)
        if start >= 0:
            if word and not han:
                apostrophe = False  # the word goes on (past the apostrophe, if one came before)
                i += 1
                continue
            end = i - 1 if apostrophe else i  # the word ends (before an apostrophe it ended on)
            if not apostrophe and c in "'’ʼʻ‘`":  # _APOSTROPHES (a literal compiles to a switch)
                apostrophe = True
                i += 1
                continue
            words.append(text[start:end])
            starts.append(start)
            ends.append(end)
            start = -1
            apostrophe = False
        if han:
            words.append(text[i : i + 1])
            starts.append(i)
            ends.append(i + 1)
        elif word:
            start = i
        i += 1
    if start >= 0:
        end = i - 1 if apostrophe else i
        words.append(text[start:end])
        starts.append(start)
        ends.append(end)
    return words, starts, ends


# Compiled, these two are inline C functions of a character; in Python, plain functions.
@cython.cfunc
@cython.inline
@cython.returns(cython.bint)
@cython.locals(c=cython.Py_UCS4, o=cython.Py_UCS4)
def _word_char(c: str) -> bool:
    """``c.isalnum()``, answered without the Unicode tables for ASCII and for Cyrillic
    (nearly every character of a Russian or English text): compiled, the table lookups
    behind ``isalnum`` cost more than the rest of the tokenising loop. A test holds the two
    equal on every code point."""
    o = ord(c)
    if o < 0x80:
        return 0x61 <= o <= 0x7A or 0x41 <= o <= 0x5A or 0x30 <= o <= 0x39
    if 0x400 <= o <= 0x52F:  # Cyrillic and its supplement: letters but for U+0482-U+0489
        return not 0x482 <= o <= 0x489
    return c.isalnum()


@cython.cfunc
@cython.inline
@cython.returns(cython.bint)
@cython.locals(c=cython.Py_UCS4, o=cython.Py_UCS4)
def _han(c: str) -> bool:
    """A character of ``HAN_RANGES``."""
    o = ord(c)
    return 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF


def sentence_bounds(text: str) -> list[int]:
    """Offsets where sentences end (sorted); use with :func:`sentence_of`."""
    if COMPILED:
        return _sentence_bounds_chars(text)
    return [m.end() for m in _SENTENCE_END_RE.finditer(text)]


def _sentence_bounds_chars(text: str) -> list[int]:
    """``_SENTENCE_END_RE``'s ends by a loop over the characters (equal, by a test). One
    pass with the previous character at hand: compiled, iterating a string reads its
    characters straight from its storage, where indexing it checks its kind each time."""
    bounds: list[int] = []
    stop = False  # the previous character may end a sentence (. ! ? ; and their CJK forms)
    i = 0
    for c in text:
        if stop and (c.isspace() or c in "\"»”')]"):
            bounds.append(i)
        stop = c in ".!?;…。！？；"
        i += 1
        if c == "\n":
            bounds.append(i)
    if stop:  # a stop that ends the text
        bounds.append(i)
    return bounds


def sentence_of(bounds: list[int], offset: int) -> int:
    """Index of the sentence holding character ``offset``."""
    return bisect.bisect_right(bounds, offset)


# "МОСКВА, 23 сен —", "Москва. 22 октября.", "ASTANA, Aug 23 (Reuters) -", "BEIJING (Reuters) -"
_DATELINE_TAIL_RE = re.compile(r"\s*(?:[,.]\s*(?:\d|[^\W\d_]{3,9}\.?\s+\d)|\(|/)")


def is_dateline(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is the place name of a wire dateline opening the text:
    where a story was filed, not what it is about."""
    return not text[:start].strip() and bool(_DATELINE_TAIL_RE.match(text, end))
