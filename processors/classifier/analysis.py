"""What the matcher found in one field: the unit the rules work on."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from processors.classifier.matcher import Hit
from processors.classifier.text import sentence_of

__all__ = ["FieldAnalysis", "ENTITY_KINDS"]

ENTITY_KINDS = frozenset({"country", "commodity", "organization"})


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
    _sentence_at: dict[int, int] = field(default_factory=dict, repr=False)
    _support: dict[frozenset[str], set[int]] = field(default_factory=dict, repr=False)

    def index(self) -> None:
        self._entity_firsts = sorted(h.first for h in self.entities)
        self._entity_sentences = {self.sentence(h) for h in self.entities}

    def sentence(self, hit: Hit) -> int:
        s = self._sentence_at.get(hit.start)
        if s is None:
            s = self._sentence_at[hit.start] = sentence_of(self.bounds, hit.start)
        return s

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
        i = bisect.bisect_left(self._entity_firsts, hit.first - window)
        return i < len(self._entity_firsts) and self._entity_firsts[i] <= hit.last + window
