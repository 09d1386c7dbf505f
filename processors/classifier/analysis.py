"""What the matcher found in one field: the unit the rules work on."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from operator import attrgetter

import cython

from processors.classifier.matcher import Hit

__all__ = ["FieldAnalysis", "ENTITY_KINDS"]

ENTITY_KINDS = frozenset({"country", "commodity", "organization"})

_FIRST = attrgetter("first")

_NONE: tuple[list[Hit], list[int]] = ([], [])  # of_kind() of a kind the field lacks (never mutated)


@dataclass
class FieldAnalysis:
    name: str  # title | summary | body
    entities: list[Hit] = field(default_factory=list)  # countries, commodities, organisations
    vocab: list[Hit] = field(default_factory=list)  # cues and vocabularies, pairs included
    markers: list[Hit] = field(default_factory=list)  # severity markers ("biggest", "крупнейший")
    bounds: list[int] = field(default_factory=list)  # sentence end offsets
    # the paragraph of each sentence (set by the classifier only where it is asked for: a field
    # with framing words); empty otherwise
    paragraphs: list[int] = field(default_factory=list)
    # kind -> token indices right after an entity of that kind that is the subject of what
    # follows: where a cue marked `after` counts ("Copper rose 2%"); set by the classifier
    # only in a field that has such a cue
    subjects: dict[str, set[int]] = field(default_factory=dict)
    tokens: int = 0
    # Filled by index(): the sentence of every entity and vocabulary hit, in the order of
    # ``entities`` and ``vocab``. The rules ask for these a hundred times an article.
    entity_sentences: list[int] = field(default_factory=list, repr=False)
    vocab_sentences: list[int] = field(default_factory=list, repr=False)
    _entity_firsts: list[int] = field(default_factory=list, repr=False)
    _entity_sentence_set: set[int] = field(default_factory=set, repr=False)
    # kind -> its vocabulary hits and their sentences (text order): filled by index(), since
    # the rules ask for a dozen kinds per field, most of them absent
    _of_kind: dict[str, tuple[list[Hit], list[int]]] = field(default_factory=dict, repr=False)
    _support: dict[frozenset[str], set[int]] = field(default_factory=dict, repr=False)

    def index(self) -> None:
        """Prepare the per-hit lookups (call once entities, vocab and bounds are set)."""
        self._entity_firsts = sorted(map(_FIRST, self.entities))  # a C-level map
        self.entity_sentences = _sentences_of(self.entities, self.bounds)
        self._entity_sentence_set = set(self.entity_sentences)
        self.vocab_sentences = _sentences_of(self.vocab, self.bounds)
        self._of_kind = _group_by_kind(self.vocab, self.vocab_sentences)
        self._support = {}

    def sentence(self, hit: Hit) -> int:
        """Index of the sentence holding the hit's first character."""
        # One bisect over tens of bounds costs less than a cache lookup would.
        return bisect_right(self.bounds, hit.start)

    def has_kind(self, kind: str) -> bool:
        """Whether a vocabulary hit of ``kind`` is in the field."""
        return kind in self._of_kind

    def of_kind(self, kind: str) -> tuple[list[Hit], list[int]]:
        """The vocabulary hits of ``kind`` and their sentences, in text order (do not modify)."""
        return self._of_kind.get(kind, _NONE)

    def support_sentences(self, kinds: frozenset[str]) -> set[int]:
        """Sentences holding a vocabulary hit of one of ``kinds`` (weak cues, and cues marked
        ``after``, excluded)."""
        found = self._support.get(kinds)
        if found is None:
            found = self._support[kinds] = set()
            for kind in kinds:
                hits, sentences = self.of_kind(kind)
                if kind == "cue":  # a cue that needs its entity right before it (`after`) is checked by the rules
                    for hit, sentence in zip(hits, sentences):  # (a loop: compiled, generators are slow)
                        term = hit.term
                        if term.weight >= 2 and term.after is None:
                            found.add(sentence)
                else:
                    found.update(sentences)
        return found

    def entity_near(self, hit: Hit, window: int, sentence: int | None = None) -> bool:
        """An entity in the same sentence, or within ``window`` tokens of the hit
        (``sentence``: the hit's sentence, when the caller has it)."""
        firsts = self._entity_firsts
        if not firsts:
            return False
        if self.name == "title":
            return True
        if sentence is None:
            sentence = bisect_right(self.bounds, hit.start)
        if sentence in self._entity_sentence_set:
            return True
        i = bisect_left(firsts, hit.first - window)
        return i < len(firsts) and firsts[i] <= hit.last + window


def _sentences_of(hits: list[Hit], bounds: list[int]) -> list[int]:
    """``[bisect_right(bounds, hit.start) for hit in hits]`` (``bounds`` ascending): while
    the hits come in text order, as they nearly always do, the sentence is found by walking
    the bounds on from the previous hit's (a typed loop once compiled, see analysis.pxd)."""
    out: list[int] = []
    n = len(bounds)
    s = 0  # bounds at or before the previous hit's start
    previous = -1
    for hit in hits:
        start = cython.cast(tuple, hit)[3]  # a Hit (term, first, last, start, end): an item read directly once compiled
        if start < previous:
            s = bisect_right(bounds, start)
        else:
            while s < n:
                bound = bounds[s]
                if bound > start:
                    break
                s += 1
        previous = start
        out.append(s)
    return out


def _group_by_kind(vocab: list[Hit], sentences: list[int]) -> dict[str, tuple[list[Hit], list[int]]]:
    """Kind -> (its hits, their sentences), each in the order of ``vocab``: one pass over
    the field's vocabulary (selecting per kind walked it once for every kind asked for)."""
    groups: dict[str, tuple[list[Hit], list[int]]] = {}
    for hit, sentence in zip(vocab, sentences):
        kind = hit.term.kind
        found = groups.get(kind)
        if found is None:
            groups[kind] = ([hit], [sentence])
        else:
            found[0].append(hit)
            found[1].append(sentence)
    return groups
