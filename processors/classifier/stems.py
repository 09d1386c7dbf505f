"""Stem rules for the agglutinative languages oreradar reads: Kazakh, Kyrgyz, Uzbek and
Tajik (``data/stems.yaml``), where no morphological analyser like pymorphy3 exists.

A term written in one of these languages is kept as a *stem*; a word of a text in that
language matches the stem when the stem is a prefix of the word and what follows is
made of the language's suffixes (plural, possessive, case, common derivations):

    >>> rule = StemRule("kk", min_stem=4, suffixes=("ның", "ға", "лар", "ы", "н"))
    >>> rule.stem_term("қазақстанның"), rule.rest_ok("ларын", short=False), rule.rest_ok("алы", short=False)
    ('қазақстан', True, False)

- Terms are folded (lower case; for Uzbek, apostrophe variants and the Cyrillic
  script mapped to one Latin spelling) and stripped of trailing suffixes down to
  ``min_stem`` characters, so an analyst may write "өндіру" or "өндірісі" alike.
- A stem shorter than ``min_stem`` matches only when the first suffix after it has at
  least two letters: Kazakh "мыс" (copper) matches "мыстың", "мысқа", never "мысалы"
  (for example).
- Uzbek: ``alifbe.normalize_apostrophes`` turns every lookalike of the oʻ/gʻ mark (' ‘ ’
  ` ʻ) into the right letter; a small table (:data:`UZ_CYRILLIC_TO_LATIN`) then writes
  Uzbek Cyrillic in Latin, so one Latin lexicon reads both scripts. (alifbe's own
  transliterator leaves "э" untranslated, hence the table.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any


from processors.classifier.datafile import read_yaml

from oreradar.errors import ConfigError

__all__ = ["StemRule", "load_stem_rules", "fold_uz", "UZ_CYRILLIC_TO_LATIN", "is_plain"]

# Uzbek Cyrillic -> Latin (the 1995 alphabet); е and ц depend on position (see fold_uz).
UZ_CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ғ": "gʻ", "д": "d", "ё": "yo", "ж": "j", "з": "z",
    "и": "i", "й": "y", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ў": "oʻ", "ф": "f", "х": "x", "ҳ": "h", "ч": "ch",
    "ш": "sh", "щ": "sh", "ъ": "ʼ", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ы": "i",
}
_VOWELS = frozenset("аеёиоуўэюяaeiou")
# Letters of Russian and English: a local-language term made only of them could be a
# Russian or English word too ("мыс" is a cape in Russian), so it is read only in texts
# of its own language.
_PLAIN = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяabcdefghijklmnopqrstuvwxyz0123456789 -")


def is_plain(phrase: str) -> bool:
    """True when ``phrase`` has only Russian/English letters (see ``_PLAIN``); an
    apostrophe (Uzbek "O'zbekiston") makes a phrase not plain."""
    return _PLAIN.issuperset(phrase.lower())


@lru_cache(maxsize=1)
def _normalize_apostrophes() -> Any:
    from alifbe import normalize_apostrophes

    return normalize_apostrophes


def fold_uz(word: str) -> str:
    """One Latin spelling of an Uzbek word, whichever script and apostrophe it uses.

    >>> fold_uz("Ўзбекистон"), fold_uz("O‘zbekiston"), fold_uz("o'zbekiston"), fold_uz("экспортини")
    ('oʻzbekiston', 'oʻzbekiston', 'oʻzbekiston', 'eksportini')
    """
    w = word.lower()
    if any("\u0400" <= c <= "\u04ff" for c in w):
        out = []
        for i, c in enumerate(w):
            if c == "е":
                out.append("ye" if i == 0 or w[i - 1] in _VOWELS or w[i - 1] in "ъь" else "e")
            elif c == "ц":
                out.append("ts" if i == 0 or w[i - 1] in _VOWELS else "s")
            else:
                out.append(UZ_CYRILLIC_TO_LATIN.get(c, c))
        w = "".join(out)
    return str(_normalize_apostrophes()(w)).lower()


@dataclass(frozen=True)
class StemRule:
    """How one language's words fall together (see the module doc)."""

    lang: str
    min_stem: int = 4
    suffixes: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # languages whose stems a text of this language also reads
    false_friends: tuple[str, ...] = ()  # terms of those languages it must not read
    term_endings: tuple[str, ...] = ()  # one-letter endings a term loses too (infinitive -у)
    max_rest: int = 14  # longest remainder after a stem, in characters
    _set: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted({self.fold(s) for s in self.suffixes}, key=lambda s: (-len(s), s)))
        object.__setattr__(self, "suffixes", ordered)
        object.__setattr__(self, "_set", frozenset(ordered))
        object.__setattr__(self, "term_endings", tuple(self.fold(e) for e in self.term_endings))

    def borrowed(self, stems: set[str] | frozenset[str], source: StemRule) -> set[str]:
        """The stems of a related language (``also``, whose rule is ``source``) this
        language reads: all but its false friends, reduced as ``source`` reduces its terms
        (Kazakh "шектеу", restrict, is Kyrgyz "шектел-", be suspected)."""
        if not self.false_friends:
            return set(stems)
        return set(stems).difference(source.stem_term(source.fold(w)) for w in self.false_friends)

    def fold(self, word: str) -> str:
        if self.lang == "uz":
            return fold_uz(word)
        return word.lower().replace("ё", "е")

    def stem_term(self, folded: str) -> str:
        """A folded term token without its trailing suffixes (never below ``min_stem``,
        or three letters for a listed one-letter ending);
        one-letter suffixes only when listed in ``term_endings`` (Kazakh "алтын", gold,
        must not become "алты", six)."""
        w = folded
        changed = True
        while changed:
            changed = False
            for s in self.suffixes:
                if not w.endswith(s):
                    continue
                # a suffix goes when min_stem letters stay; a listed one-letter ending
                # ("жолу" -> "жол") when three stay
                if (len(s) >= 2 and len(w) - len(s) >= self.min_stem) or (
                    s in self.term_endings and len(w) - len(s) >= 3
                ):
                    w = w[: -len(s)]
                    changed = True
                    break
        return w

    def rest_ok(self, rest: str, *, short: bool) -> bool:
        """Whether ``rest`` is a sequence of suffixes; after a ``short`` stem, one suffix
        or a sequence whose first suffix has two letters or more ("жол-у", its road, and
        "мыс-тың", of copper, but not "мыс-а-лы", for example)."""
        if not rest:
            return True
        if len(rest) > self.max_rest:
            return False
        if short and rest in self._set:
            return True
        return _decomposes(rest, self._set, 2 if short else 1)

    def splits(self, rest: str, *, first_min: int = 1) -> bool:
        """Whether ``rest`` is a sequence of suffixes, the first of ``first_min`` letters
        or more."""
        return bool(rest) and len(rest) <= self.max_rest and _decomposes(rest, self._set, first_min)


def _decomposes(rest: str, suffixes: frozenset[str], first_min: int) -> bool:
    for n in range(min(len(rest), 6), first_min - 1, -1):
        if rest[:n] in suffixes and (n == len(rest) or _decomposes(rest[n:], suffixes, 1)):
            return True
    return False


def load_stem_rules(path: Path) -> dict[str, StemRule]:
    """``data/stems.yaml`` (its header documents it) -> language -> rule; {} without it."""
    if not path.exists():
        return {}
    data = read_yaml(path) or {}
    rules: dict[str, StemRule] = {}
    for lang, spec in (data.get("languages") or {}).items():
        if not isinstance(spec, dict) or not isinstance(spec.get("suffixes"), list):
            raise ConfigError(f"{path}: language {lang!r} needs a list of `suffixes`")
        rules[lang] = StemRule(
            lang=lang,
            min_stem=int(spec.get("min_stem", 4)),
            suffixes=tuple(str(s) for s in spec["suffixes"]),
            also=tuple(spec.get("also") or ()),
            false_friends=tuple(str(w) for w in spec.get("false_friends") or ()),
            term_endings=tuple(str(e) for e in spec.get("term_endings") or ()),
            max_rest=int(spec.get("max_rest", 14)),
        )
    return rules
