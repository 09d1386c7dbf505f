"""Evidence: the matched terms behind a decision, with concept, kind, field and span.

Deduplicated, but every reported entity, signal type, amount and scope keeps at
least one span (at most ``per_concept`` spans each, title first).
"""

from __future__ import annotations

from collections.abc import Iterable

from oreradar.records import Amount, Evidence, NewsItem

from processors.classifier.amounts import format_value

__all__ = ["EvidenceBuilder", "make_evidence"]

_EVIDENCE_FIELDS = frozenset(Evidence.model_fields)
_set = object.__setattr__


def _fast_evidence(**values: object) -> Evidence:
    # What model_construct does, minus its per-call bookkeeping: evidence is built tens
    # of times per item from values that are valid by construction.
    obj = Evidence.__new__(Evidence)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(_EVIDENCE_FIELDS))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def _pick_constructor():  # type: ignore[no-untyped-def]
    sample = dict(concept="KZ", kind="country", field="title", start=0, end=2, text="KZ")
    try:
        fast = _fast_evidence(**sample)
        if fast == Evidence(**sample) and fast.model_dump() == Evidence(**sample).model_dump():
            return _fast_evidence
    except Exception:  # pragma: no cover - a pydantic release changed its internals
        pass
    return Evidence.model_construct  # pragma: no cover


make_evidence = _pick_constructor()


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
        text = self._texts.get(field)
        if text is None:
            text = self._texts[field] = self._item.field_text(field)
        # values built here are valid by construction: skip pydantic's validation
        self.evidence.append(
            make_evidence(concept=concept, kind=kind, field=field, start=start, end=end, text=text[start:end])
        )

    def add_amounts(self, amounts: Iterable[Amount]) -> None:
        for a in amounts:
            self.add(f"{format_value(a.value)} {a.currency}", "amount", a.field, a.start, a.end)
