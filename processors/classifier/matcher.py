"""One multi-pattern pass over the lemma stream of a field.

Every term (gazetteer alias, cue, vocabulary word) is lemmatised at load time. Each
lemma that occurs in some term gets a code of a fixed number of characters; a term
becomes the string of its lemmas' codes, and all of them go into a single
pyahocorasick automaton. A field becomes one code per token (a word whose lemma is in
no term gets the gap code, which is in no key). The i-th character of every code is
drawn from an alphabet of its own, so a key can only match whole tokens, and the
position where a match ends, divided by the code width, is the index of its last
token: no separators to count. Token indices are then mapped to character offsets in
the original field.

    >>> from processors.classifier.morphology import BoundedCache, Lemmatizer
    >>> m = Matcher(Lemmatizer())
    >>> m.add("редкоземельные металлы", Term("commodity", "rare_earths"))
    True
    >>> m.build()
    >>> text = "Экспорт редкоземельных металлов"
    >>> [(h.term.concept, text[h.start:h.end]) for h in m.scan_text(text)]
    [('rare_earths', 'редкоземельных металлов')]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

import ahocorasick
import cython

from processors.classifier.morphology import BoundedCache, Lemmatizer
from processors.classifier.stems import StemRule, is_plain
from processors.classifier.text import tokenize

__all__ = ["Term", "Hit", "Matcher", "ENTITY", "VOCAB", "PART", "ORG"]

# Resolution groups: inside a group, overlapping hits are resolved longest-first;
# hits of different groups never compete (a cue may sit on an entity's tokens, and the
# country inside "US Treasury" or the commodity inside "Core Lithium" is still named).
ENTITY, VOCAB, PART, ORG = 0, 1, 2, 3
STEM_TAG = "~"  # marks the stems of stem-ruled languages among the lemmas (see Matcher.add)
_MAX_VARIANTS = 16  # keys one term may get from stems that extend its stems


@dataclass(frozen=True, slots=True)
class Term:
    """What a key stands for. ``kind`` is country/commodity/block (group ENTITY),
    organization (ORG), cue/supply/minerals/routes (VOCAB) or part (PART, one side of a
    pair cue)."""

    kind: str
    concept: str
    weight: float = 0
    case: tuple[str, ...] | None = None  # alias tokens whose capitalisation must match
    size: int = field(default=0, compare=False)
    group: int = ENTITY
    unless: str | None = None  # a cue: not counted in a sentence with a strong cue of this type
    after: str | None = None  # a cue: counted only right after an entity of this kind ("copper rose")
    completes: bool = False  # a cue that says the act is done ("signed", "agreed"): see rules.reported_types
    beside: bool = False  # a pair cue that counts beside the cues it overlaps instead of taking their tokens


class Hit(NamedTuple):
    term: Term
    first: int  # first token index
    last: int  # one past the last token index
    start: int  # character offsets in the field
    end: int


def _case_ok(alias: str, surface: str) -> bool:
    # Loops rather than any()/all() over generators: this runs for every hit of a
    # case-sensitive alias, and generators are what compiled code does slowest.
    if len(surface) > 1 and surface.isupper():
        for c in alias:  # an all-caps headline fits any capitalised alias
            if c.isupper():
                return True
        return False
    for a, s in zip(alias, surface):
        if a.isalpha() and a.isupper() != s.isupper():
            return False
    return True


class Matcher:
    """Collects terms, builds the automaton once, then scans fields (thread-safe reads)."""

    def __init__(
        self, lemmatizer: Lemmatizer, cache_size: int = 200_000, stems: dict[str, StemRule] | None = None
    ) -> None:
        self._lem = lemmatizer
        self._cache_size = cache_size
        self._keys: dict[str, list[Term]] = {}
        # Kazakh, Kyrgyz, Uzbek, Tajik (stems.py): per language its rule, the stems its
        # terms registered, and after build() the word -> code cache of its texts.
        self._rules: dict[str, StemRule] = dict(stems or {})
        self._stems: dict[str, set[str]] = {lang: set() for lang in self._rules}
        self._local: dict[str, BoundedCache] = {}
        self._automaton: ahocorasick.Automaton | None = None
        self._codes: dict[str, str] = {}  # lemma -> its code, for every lemma that occurs in a key
        self._width = 1  # characters per code
        self._gap = ""  # the code of a word whose lemma is in no key
        self._forms = BoundedCache(self._form, cache_size)

    def key_of(self, phrase: str) -> tuple[str | None, list[str]]:
        words, _, _ = tokenize(phrase)
        if not words:
            return None, words
        return " " + " ".join(self._lem.lemmas(words)) + " ", words

    @property
    def local_languages(self) -> frozenset[str]:
        """Languages read with stem rules (their texts go to :meth:`stream` with ``lang``)."""
        return frozenset(self._rules)

    def add(self, phrase: str, term: Term, *, case_sensitive: bool = False, lang: str | None = None) -> bool:
        """Register ``phrase`` for ``term``; returns False when the phrase has no tokens.

        A phrase of a language with a stem rule (``lang``) is registered as stems for
        texts of that language; it is registered for texts of every other language
        too, as written, only when it has a letter Russian and English lack
        ("Қазатомөнеркәсіп" in a Russian text; never Kazakh "мыс", a cape in Russian).
        """
        rule = self._rules.get(lang) if lang is not None else None
        if rule is None:
            return self._add_key(phrase, term, case_sensitive, None)
        words, _, _ = tokenize(phrase)
        if not words:
            return False
        # Stems are tagged ("~мыс"): their codes differ from every lemma (tokens hold no
        # "~"), so only a text of a stem-ruled language can match them (Kazakh "мыс" is
        # copper, Russian "мыс" a cape). One tag for all four languages: the same stem in
        # Kazakh and Kyrgyz terms is one code, which a Kyrgyz text reading Kazakh terms needs.
        stems = [rule.stem_term(rule.fold(w)) for w in words]
        self._stems[rule.lang].update(stems)
        self._add_key(phrase, term, case_sensitive, (" " + " ".join(STEM_TAG + s for s in stems) + " ", words))
        if not is_plain(phrase):
            self._add_key(phrase, term, case_sensitive, None)
        return True

    def _add_key(
        self, phrase: str, term: Term, case_sensitive: bool, keyed: tuple[str, list[str]] | None
    ) -> bool:
        key, words = keyed if keyed is not None else self.key_of(phrase)
        if key is None:
            return False
        sized = Term(
            term.kind,
            term.concept,
            term.weight,
            tuple(words) if case_sensitive else None,
            len(words),
            term.group,
            term.unless,
            term.after,
            term.completes,
        )
        bucket = self._keys.setdefault(key, [])
        if sized not in bucket:
            bucket.append(sized)
        return True

    def build(self) -> None:
        if self._rules:
            self._expand_stems()
        vocabulary = sorted({token for key in self._keys for token in key.split()})
        self._width = _code_width(len(vocabulary) + 1)
        self._gap = _code(0, self._width)
        self._codes = {lemma: _code(i, self._width) for i, lemma in enumerate(vocabulary, start=1)}
        automaton = ahocorasick.Automaton()
        for key, terms in self._keys.items():
            # The value carries what scan() needs per hit without touching the terms:
            # the key's length in tokens and whether any term checks capitalisation.
            cased = any(t.case is not None for t in terms)
            coded = "".join(self._codes[lemma] for lemma in key.split())
            automaton.add_word(coded, (terms[0].size, tuple((t.group, t) for t in terms), cased))
        automaton.make_automaton()
        self._automaton = automaton
        self._forms.clear()
        for lang, rule in self._rules.items():
            # a stem of this language, else of a related one (`also`): stem -> its tagged lemma
            stems: dict[str, str] = {}
            for other in rule.also:
                borrowed = rule.borrowed(self._stems.get(other, set()), self._rules.get(other, rule))
                stems.update({s: STEM_TAG + s for s in borrowed})
            stems.update({s: STEM_TAG + s for s in self._stems.get(lang, ())})
            self._local[lang] = BoundedCache(_LocalForms(self, rule, stems), self._cache_size)

    def _expand_stems(self) -> None:
        """A word takes the code of the longest stem it extends ("экспорттауға" ->
        "экспорттау"), so a term written with a shorter stem ("экспорт") must also be
        keyed by every registered stem that extends it by suffixes. Stems shorter than
        ``min_stem`` are not expanded (the grammar check is too weak on them)."""
        tag = STEM_TAG
        longer: dict[str, set[str]] = {}  # tagged stem -> tagged stems that extend it
        for lang, rule in self._rules.items():
            stems = set(self._stems[lang])
            for other in rule.also:
                stems |= rule.borrowed(self._stems.get(other, set()), self._rules.get(other, rule))
            for stem in stems:
                for k in range(rule.min_stem, len(stem)):
                    prefix = stem[:k]
                    if prefix in stems and rule.rest_ok(stem[k:], short=False):
                        longer.setdefault(tag + prefix, set()).add(tag + stem)
        if not longer:
            return
        for key, terms in list(self._keys.items()):
            tokens = key.split()
            if not any(t in longer for t in tokens):
                continue
            variants: list[list[str]] = [[]]
            for token in tokens:
                options = [token, *sorted(longer.get(token, ()))]
                variants = [v + [o] for v in variants for o in options][:_MAX_VARIANTS]
            for variant in variants[1:]:
                bucket = self._keys.setdefault(" " + " ".join(variant) + " ", [])
                bucket.extend(t for t in terms if t not in bucket)

    def stream(self, words: list[str], lang: str | None = None) -> str:
        """The stream the automaton reads: per word, the code of its lemma when that
        lemma occurs in some key, else the gap code (no key can match across or inside
        that token). A word's code is one cache lookup. In a text of a language with a
        stem rule (``lang``), a word takes the code of the longest stem it extends, else
        that of its lemma."""
        forms = self._local.get(lang) if lang is not None else None
        if forms is None:
            forms = self._forms
        return "".join(map(forms.__getitem__, words))

    def _form(self, word: str) -> str:
        return self._codes.get(self._lem.lemma(word), self._gap)

    @property
    def size(self) -> int:
        return len(self._keys)

    def scan_text(self, text: str, lang: str | None = None) -> list[Hit]:
        words, starts, ends = tokenize(text)
        return self.scan(words, self.stream(words, lang), starts, ends)

    def scan(self, words: list[str], stream: str, starts: list[int], ends: list[int]) -> list[Hit]:
        """All hits in a tokenised field, overlaps resolved per group, in text order;
        ``stream`` is :meth:`stream` of ``words``."""
        return _merge(self.scan_groups(words, stream, starts, ends))

    def scan_groups(
        self, words: list[str], stream: str, starts: list[int], ends: list[int]
    ) -> list[list[Hit]]:
        """:meth:`scan`, one list per resolution group (each in text order), the groups
        in the order of their first hit; merged in that order they give :meth:`scan`."""
        if self._automaton is None:
            raise RuntimeError("Matcher.build() was not called")
        if not stream:
            return []
        return _scan(self._automaton, self._width, words, stream, starts, ends)


class _LocalForms:
    """word -> code in texts of one stem-ruled language (see :meth:`Matcher.stream`)."""

    def __init__(self, matcher: Matcher, rule: StemRule, stems: dict[str, str]) -> None:
        self._matcher = matcher
        self._rule = rule
        self._stems = stems  # stem -> its tagged lemma ("~мыс")
        self._shortest = max(1, min((len(s) for s in stems), default=1))

    def __call__(self, word: str) -> str:
        rule = self._rule
        folded = rule.fold(word)
        stems = self._stems
        for k in range(len(folded), self._shortest - 1, -1):
            tagged = stems.get(folded[:k])
            if tagged is not None and rule.rest_ok(folded[k:], short=k < rule.min_stem):
                code = self._matcher._codes.get(tagged)
                if code is not None:
                    return code
        return self._matcher._form(word)


# Codes are written in base _BASE, one character per digit; digit i of every code comes
# from its own block of _BASE characters. A small alphabet keeps the automaton fast
# (pyahocorasick searches a node's children one by one: 4,000 one-character codes made
# the scan seven times slower than 3 characters of 32).
_BASE = 32
_FIRST_CODE_CHAR = 0x100


def _code_width(n: int) -> int:
    """Digits needed for ``n`` distinct codes."""
    width = 1
    while _BASE**width < n:
        width += 1
    return width


def _code(i: int, width: int) -> str:
    """The code of the ``i``-th lemma (0 is the gap: no key holds it, and every other
    code has a digit that is not 0)."""
    digits = []
    for position in range(width):
        digits.append(chr(_FIRST_CODE_CHAR + position * _BASE + i % _BASE))
        i //= _BASE
    return "".join(digits)


_Terms = tuple[tuple[int, Term], ...]  # an automaton value's terms, each with its group


def _case_filter(terms: _Terms, surface: list[str]) -> _Terms:
    """The terms whose case-sensitive tokens are written as in the alias."""
    kept = []
    for g, t in terms:
        if t.case is not None:
            for alias, word in zip(t.case, surface):
                if not _case_ok(alias, word):
                    break
            else:
                kept.append((g, t))
        else:
            kept.append((g, t))
    return tuple(kept)


def _scan(
    automaton: ahocorasick.Automaton, width: int, words: list[str], stream: str, starts: list[int], ends: list[int]
) -> list[list[Hit]]:
    """:meth:`Matcher.scan_groups` on a built automaton (a module function, so that
    ``matcher.pxd`` can give its locals C types when the module is compiled)."""
    # Hits go straight into their resolution group (about 100 per article: this loop
    # is the classifier's hottest Python code, so it does no more than it must).
    groups: tuple[list[Hit], ...] = ([], [], [], [])
    order: list[list[Hit]] = []  # groups in the order of their first hit
    for end_pos, value in automaton.iter(stream):
        size, terms, cased = value
        last = end_pos // width + 1  # one past the key's last token
        first = last - size
        if cased:
            terms = _case_filter(terms, words[first:last])
        start, stop = starts[first], ends[last - 1]
        first_at, last_at = first, last  # boxed once for all the terms of the key
        for group, term in terms:
            bucket = groups[group]
            if not bucket:
                order.append(bucket)
            bucket.append(_hit(term, first_at, last_at, start, stop))
    return [_resolve_group(bucket) for bucket in order]


if cython.compiled:
    from cython.cimports.cpython.ref import Py_INCREF
    from cython.cimports.cpython.tuple import PyTuple_SET_ITEM
    from cython.cimports.processors.classifier._ctuple import new_tuple_of


def _hit(term: Term, first: int, last: int, start: int, end: int) -> Hit:
    """``Hit(term, first, last, start, end)``. Compiled, the tuple is allocated and filled
    in C: through ``tuple.__new__`` each hit cost about 900 instructions more, a few per
    cent of ``classify`` (about 160 hits an article)."""
    if not cython.compiled:
        return _new_hit(Hit, (term, first, last, start, end))
    hit = new_tuple_of(Hit, 5)  # a Hit of five empty items
    _set_item(hit, 0, term)
    _set_item(hit, 1, first)
    _set_item(hit, 2, last)
    _set_item(hit, 3, start)
    _set_item(hit, 4, end)
    return hit  # type: ignore[no-any-return]


@cython.cfunc  # compiled: an inline C function
@cython.inline
@cython.locals(i=cython.Py_ssize_t)
def _set_item(hit: Hit, i: int, item: object) -> None:
    """Item ``i`` of a Hit just allocated by :func:`_hit` (compiled only)."""
    Py_INCREF(item)  # PyTuple_SET_ITEM takes over a reference
    PyTuple_SET_ITEM(hit, i, item)


_new_hit = tuple.__new__  # Hit._make without its Python-level checks (C call)
_POSITION = itemgetter(1, 2)  # (first, last) of a Hit


def _resolve(hits: list[Hit]) -> list[Hit]:
    """Longest first inside each group; hits on exactly the same tokens all survive."""
    if len(hits) < 2:
        return hits
    if _one_group(hits):  # the usual case (cues and the pairs made of them): no split needed
        return _resolve_group(list(hits))
    by_group: dict[int, list[Hit]] = {}
    for hit in hits:
        g = hit.term.group
        bucket = by_group.get(g)
        if bucket is None:
            by_group[g] = [hit]
        else:
            bucket.append(hit)
    return _merge([_resolve_group(bucket) for bucket in by_group.values()])


def _one_group(hits: list[Hit]) -> bool:
    """Whether all ``hits`` are of one resolution group (a typed loop once compiled)."""
    group = cython.cast(tuple, hits[0])[0].group  # item 0 of a Hit: its term
    for hit in hits:
        if cython.cast(tuple, hit)[0].group != group:
            return False
    return True


def _merge(groups: list[list[Hit]]) -> list[Hit]:
    """Resolved groups as one list in text order; hits on identical spans in group order."""
    if len(groups) == 1:
        return groups[0]
    merged = [h for g in groups for h in g]
    _sort_by_position(merged)
    return merged


def _sort_by_position(hits: list[Hit]) -> None:
    """``hits.sort(key=_POSITION)`` (stable), skipped when they are in that order already
    (checking costs less than sorting even where a list often is out of order)."""
    if not _in_order(hits) and not _insertion_sort(hits, 8 * len(hits) + 64):
        hits.sort(key=_POSITION)


def _insertion_sort(hits: list[Hit], budget: int) -> bool:
    """Sort ``hits`` by (first, last) in place, stably, moving each hit back past those that
    must follow it. The lists sorted here are nearly in order (on ru/en articles about 40
    hits with a few out of place), where that is a few dozen moves in a typed loop against
    the key tuples of ``list.sort``. False once it has made more than ``budget`` moves: the
    list is then a permutation in which hits on equal positions keep their order, which a
    stable ``list.sort`` finishes (so a long, badly ordered list costs no more than before)."""
    n = len(hits)
    for i in range(1, n):
        hit = hits[i]
        h = cython.cast(tuple, hit)  # items 1 and 2 of a Hit: first, last (see _in_order)
        first, last = h[1], h[2]
        j = i
        while j > 0:
            h = cython.cast(tuple, hits[j - 1])
            before_first, before_last = h[1], h[2]
            if before_first < first or (before_first == first and before_last <= last):
                break
            hits[j] = hits[j - 1]
            j -= 1
            budget -= 1
        hits[j] = hit
        if budget < 0:
            return False
    return True


def _in_order(hits: list[Hit]) -> bool:
    """Whether ``hits`` are sorted by (first, last) already, as the automaton mostly
    yields them: a stable sort would then change nothing, and the key tuples it builds
    for every hit are most of its cost (about 5 % of ``classify`` on ru/en articles)."""
    n = len(hits)
    if n < 2:
        return True
    # Hits are tuples: compiled, the cast lets Cython read their items directly (a Hit
    # is a subclass, which a `tuple` local would refuse); in Python it returns the hit
    h = cython.cast(tuple, hits[0])
    prev_first, prev_last = h[1], h[2]
    for i in range(1, n):
        h = cython.cast(tuple, hits[i])
        first, last = h[1], h[2]
        if first < prev_first or (first == prev_first and last < prev_last):
            return False
        prev_first, prev_last = first, last
    return True


def _resolve_group(bucket: list[Hit]) -> list[Hit]:
    """The hits of one group that survive, in text order (pair parts are not resolved)."""
    if len(bucket) < 2:
        return bucket
    _sort_by_position(bucket)
    if bucket[0].term.group == PART:
        return bucket
    kept: list[Hit] = []
    if _sweep(bucket, kept):
        _sort_by_position(kept)  # stable: hits on identical spans keep their order
    return kept


def _sweep(bucket: list[Hit], kept: list[Hit]) -> bool:
    """Walk hits sorted by position; only hits that overlap one another (a small
    component) compete, every other hit is kept as it is. True when a component was
    settled, i.e. ``kept`` may be out of text order."""
    settled = False
    n = len(bucket)
    i = 0
    while i < n:
        h = cython.cast(tuple, bucket[i])  # items 1 and 2 of a Hit: first, last (see _in_order)
        first, reach = h[1], h[2]
        same = True  # every hit of the component on the same tokens (one key, several terms)
        j = i + 1
        while j < n:
            h = cython.cast(tuple, bucket[j])
            h_first, h_last = h[1], h[2]
            if h_first >= reach:
                break
            if h_last != reach or h_first != first:
                same = False
                if h_last > reach:
                    reach = h_last
            j += 1
        if j == i + 1:
            kept.append(bucket[i])
        elif same:
            kept.extend(bucket[i:j])
        else:
            _settle(bucket[i:j], kept)
            settled = True
        i = j
    return settled


def _settle(component: list[Hit], kept: list[Hit]) -> None:
    """Longest first inside one group of overlapping hits; identical spans all stay. A
    typed loop once compiled (matcher.pxd): a component holds a few hits, which an
    insertion sort orders (by length, longest first, then by first token; stable)."""
    ordered: list[Hit] = []
    for hit in component:
        h = cython.cast(tuple, hit)  # items 1 and 2 of a Hit: first, last (see _in_order)
        first, last = h[1], h[2]
        i = len(ordered)
        while i > 0:
            h = cython.cast(tuple, ordered[i - 1])
            before_first, before_last = h[1], h[2]
            if before_last - before_first > last - first or (
                before_last - before_first == last - first and before_first <= first
            ):
                break
            i -= 1
        ordered.insert(i, hit)
    spans: list[int] = []  # first and last token of every hit kept, one after the other
    for hit in ordered:
        h = cython.cast(tuple, hit)
        first, last = h[1], h[2]
        free = True  # no overlap with a kept hit, other than one on exactly the same tokens
        for k in range(0, len(spans), 2):
            a, b = spans[k], spans[k + 1]
            if not (last <= a or b <= first or (a == first and b == last)):
                free = False
                break
        if free:
            spans.append(first)
            spans.append(last)
            kept.append(hit)
