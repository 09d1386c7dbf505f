"""What the matcher found in one field: the unit the rules work on."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter

from processors.classifier.matcher import Hit

__all__ = ["FieldAnalysis", "ENTITY_KINDS"]

ENTITY_KINDS = frozenset({"country", "commodity", "organization"})

_FIRST = attrgetter("first")
_START = attrgetter("start")


@dataclass
class FieldAnalysis:
    name: str  # title | summary | body
    entities: list[Hit] = field(default_factory=list)  # countries, commodities, organisations
    vocab: list[Hit] = field(default_factory=list)  # cues and vocabularies, pairs included
    markers: list[Hit] = field(default_factory=list)  # severity markers ("biggest", "крупнейший")
    bounds: list[int] = field(default_factory=list)  # sentence end offsets
    tokens: int = 0
    _entity_firsts: list[int] = field(default_factory=list, repr=False)
    _entity_sentences: set[int] = field(default_factory=set, repr=False)
    _support: dict[frozenset[str], set[int]] = field(default_factory=dict, repr=False)

    def index(self) -> None:
        """Prepare :meth:`entity_near` (call once entities and bounds are set)."""
        # C-level maps: a field has tens of entities and this runs for every field.
        self._entity_firsts = sorted(map(_FIRST, self.entities))
        self._entity_sentences = set(map(partial(bisect_right, self.bounds), map(_START, self.entities)))

    def sentence(self, hit: Hit) -> int:
        """Index of the sentence holding the hit's first character."""
        # One bisect over tens of bounds costs less than a cache lookup would.
        return bisect_right(self.bounds, hit.start)

    def support_sentences(self, kinds: frozenset[str]) -> set[int]:
        """Sentences holding a vocabulary hit of one of ``kinds`` (weak cues excluded)."""
        found = self._support.get(kinds)
        if found is None:
            found = self._support[kinds] = {
                self.sentence(v)
                for v in self.vocab
                if v.term.kind in kinds and (v.term.kind != "cue" or v.term.weight >= 2)
            }
        return found

    def entity_near(self, hit: Hit, window: int) -> bool:
        """An entity in the same sentence, or within ``window`` tokens of the hit."""
        if not self._entity_firsts:
            return False
        if self.name == "title" or self.sentence(hit) in self._entity_sentences:
            return True
        i = bisect_left(self._entity_firsts, hit.first - window)
        return i < len(self._entity_firsts) and self._entity_firsts[i] <= hit.last + window
