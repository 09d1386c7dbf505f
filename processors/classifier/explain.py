"""Evidence: the matched terms behind a decision, with concept, kind, field and span.

Deduplicated, but every reported entity, signal type, amount and scope keeps at
least one span (at most ``per_concept`` spans each, title first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import cython

from oreradar.records import Amount, Evidence, NewsItem

from processors.classifier._construct import constructor
from processors.classifier.amounts import format_value
from processors.classifier.matcher import Hit

__all__ = ["EvidenceBuilder", "make_evidence"]

# values built here are valid by construction: skip pydantic's validation
make_evidence = constructor(Evidence, concept="KZ", kind="country", field="title", start=0, end=2, text="KZ")


class EvidenceBuilder:
    def __init__(self, item: NewsItem, per_concept: int = 3) -> None:
        self._item = item
        self._per_concept = per_concept
        self._seen: set[tuple[str, str, str, int, int]] = set()
        self._count: dict[tuple[str, str], int] = {}
        self.evidence: list[Evidence] = []
        self._texts: dict[str, str] = {}

    def add(self, concept: str, kind: str, field: str, start: int, end: int) -> None:
        n = self._count.get((kind, concept), 0)
        if n >= self._per_concept:
            return
        key = (kind, concept, field, start, end)
        if key in self._seen:
            return
        self._seen.add(key)
        self._count[(kind, concept)] = n + 1
        self._append(concept, kind, field, start, end)

    def add_spans(self, concept: str, kind: str, spans: Iterable[tuple[str, Hit]]) -> None:
        """``add`` for (field, hit) pairs of one concept, stopping once it has its spans
        (a signal type can have tens of counted cues; two are shown)."""
        key = (kind, concept)
        for field, hit in spans:
            if self._count.get(key, 0) >= self._per_concept:
                return
            self.add(concept, kind, field, hit.start, hit.end)

    def add_entities(self, field: str, hits: Iterable[Hit]) -> None:
        """``add`` for every entity hit of one field, the kind and concept of its term.

        The loop is ``add`` inlined: an article has tens of entity hits, most of them
        repeats that the per-concept limit turns away at the first lookup."""
        _add_entity_hits(field, hits, self._text(field), self._count, self._seen, self._per_concept,
                         self.evidence.append)

    def _append(self, concept: str, kind: str, field: str, start: int, end: int) -> None:
        text = self._text(field)
        self.evidence.append(
            make_evidence(concept=concept, kind=kind, field=field, start=start, end=end, text=text[start:end])
        )

    def _text(self, field: str) -> str:
        text = self._texts.get(field)
        if text is None:
            text = self._texts[field] = self._item.field_text(field)
        return text

    def add_amounts(self, amounts: Iterable[Amount]) -> None:
        for a in amounts:
            self.add(f"{format_value(a.value)} {a.currency}", "amount", a.field, a.start, a.end)


def _add_entity_hits(
    field: str,
    hits: Iterable[Hit],
    text: str,
    count: dict[tuple[str, str], int],
    seen: set[tuple[str, str, str, int, int]],
    limit: int,
    append: Callable[[Evidence], None],
) -> None:
    """The loop of :meth:`EvidenceBuilder.add_entities`, a module function so that
    ``explain.pxd`` can type it when the module is compiled."""
    for h in hits:
        hit = cython.cast(tuple, h)  # a Hit (term, first, last, start, end): items read directly once compiled
        term = hit[0]
        kind, concept = term.kind, term.concept
        ck = (kind, concept)
        n = count.get(ck, 0)
        if n >= limit:
            continue
        start, end = hit[3], hit[4]
        key = (kind, concept, field, start, end)
        if key in seen:
            continue
        seen.add(key)
        count[ck] = n + 1
        append(make_evidence(concept=concept, kind=kind, field=field, start=start, end=end, text=text[start:end]))
