"""Word form -> lemma, the same way for the text and for every term in the data files.

    >>> lem = Lemmatizer()
    >>> [lem.lemma(w) for w in ["Казахстана", "редкоземельных", "металлов", "bans", "Exports"]]
    ['казахстан', 'редкоземельный', 'металл', 'ban', 'export']

- Russian (and any Cyrillic word without Kazakh/Uzbek letters): the normal form of
  pymorphy3's most probable parse, ``ё`` folded to ``е``. Unknown words (company names)
  get pymorphy3's suffix-based guess, which is what makes "Казатомпрома" match
  "Казатомпром".
- Cyrillic words with Kazakh or Uzbek letters (ә ғ қ ң ө ұ ү һ і ў ҳ): lower-cased only;
  pymorphy3 would invent Russian endings for them.
- Latin script: lower-cased and reduced by :func:`stem_en`, a light suffix stripper.
  It is written here rather than taken from a library (Snowball, NLTK) because all the
  matcher needs is that the inflections news actually use (plural, -ed, -ing,
  possessive) fall together, identically for text and terms; a full Porter stemmer
  conflates more ("general"/"generous") and would be one more dependency.
- Han characters, digits: as they are.

Lemmas are cached per surface form in a bounded dict; the cache is the hot path of
the classifier (one dict lookup per token once warm).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

__all__ = ["BoundedCache", "Lemmatizer", "stem_en"]

_KK_UZ_LETTERS = frozenset("әғқңөұүһіўҳӘҒҚҢӨҰҮҺІЎҲ")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LATIN_RE = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'", "ʻ": "'"})

_VOWELS = frozenset("aeiouy")


def stem_en(word: str) -> str:
    """A light English suffix stripper: plurals, -ed, -ing, possessive, final -e.

    >>> [stem_en(w) for w in ["mines", "mining", "mined", "banned", "bans", "prices", "refineries", "China's"]]
    ['mine', 'mine', 'mine', 'ban', 'ban', 'pric', 'refinery', 'china']
    >>> [stem_en(w) for w in ["agreed", "delays", "buys", "supplied", "news", "min"]]
    ['agree', 'delay', 'buy', 'supply', 'news', 'min']

    A stem of three letters shaped consonant-vowel-consonant that lost an ending keeps
    its -e ("mining", "mined" -> "mine", as "mine" itself): else it would be the word
    "min" (minutes, minimum) or "rat", "us".
    """
    w = word.lower().translate(_APOSTROPHES)
    if w.endswith("'s"):
        w = w[:-2]
    elif w.endswith("'"):
        w = w[:-1]
    if len(w) <= 3 or not w.isalpha() or w in _NO_PLURAL:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith(("ches", "shes", "xes", "zzes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")) and not (w.endswith("ys") and w[-3] not in _VOWELS):
        w = w[:-1]  # "delays", "buys" lose their -s too (a vowel before the y)
    ending = w  # the word without its plural -s
    undoubled = False
    if len(w) > 5 and w.endswith("ing") and any(c in _VOWELS for c in w[:-3]):
        stem = w[:-3]
        w = _undouble(stem)
        undoubled = w != stem
    elif len(w) > 4 and w.endswith("ied"):
        w = w[:-3] + "y"  # "supplied" -> "supply", like "supplies"
    elif len(w) > 4 and w.endswith("ed") and not w.endswith("eed") and any(c in _VOWELS for c in w[:-2]):
        stem = w[:-2]
        w = _undouble(stem)
        undoubled = w != stem
    if len(w) > 5 and w.endswith("eed"):
        w = w[:-1]  # "agreed", "exceeded" -> "agree", "excee": as "agree", "exceed" themselves
    if len(w) > 3 and w.endswith("e") and not w.endswith(("ee", "ie")):
        w = w[:-1]
    if len(w) == 3 and w != ending and not undoubled and _cvc(w):
        w += "e"
    return w


# Words that end in -s without being plurals (a stripped "news" would be "new").
_NO_PLURAL = frozenset(
    "news series species always perhaps whereas headquarters lens alias atlas canvas bias chaos "
    "thus yes gas its his this".split()
)


def _cvc(w: str) -> bool:
    return w[0] not in _VOWELS and w[1] in _VOWELS and w[2] not in _VOWELS and w[2] not in "wxy"


def _undouble(w: str) -> str:
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz" and w[-1] not in _VOWELS:
        return w[:-1]
    return w


class BoundedCache(dict[str, str]):
    """word -> what ``compute`` makes of it; computes on a miss; cleared when it grows
    past ``limit``. A hit is one dict lookup (``cache[word]``, or ``map(cache.__getitem__,
    words)`` for many)."""

    def __init__(self, compute: Callable[[str], str], limit: int) -> None:
        super().__init__()
        self._compute = compute
        self._limit = limit

    def __missing__(self, word: str) -> str:
        if len(self) >= self._limit:
            self.clear()
        lemma = self[word] = self._compute(word)
        return lemma


class Lemmatizer:
    """Lemmas of word forms for all the languages oreradar reads (see the module doc)."""

    def __init__(self, cache_size: int = 200_000) -> None:
        import pymorphy3  # local: the import itself costs ~0.2 s

        self._morph = pymorphy3.MorphAnalyzer()
        self._lock = threading.Lock()
        self.cache = BoundedCache(self._compute, cache_size)

    def lemma(self, word: str) -> str:
        return self.cache[word]

    def lemmas(self, words: list[str]) -> list[str]:
        """Lemmas of many words at once (the hot path: a C-level map over the cache)."""
        return list(map(self.cache.__getitem__, words))

    def _compute(self, word: str) -> str:
        if _CYRILLIC_RE.search(word):
            low = word.lower().replace("ё", "е")
            if not low.isalpha() or any(ch in _KK_UZ_LETTERS for ch in low):
                return low
            with self._lock:
                parses = self._morph.parse(low)
            if not parses:
                return low
            return str(parses[0].normal_form).replace("ё", "е")
        if _LATIN_RE.search(word):
            return stem_en(word)
        return word.lower()
