"""Signal types from cues: weighted cue occurrences near entities, against thresholds.

A cue occurrence adds its weight (times ``title_factor`` in a title) when a country,
commodity or organisation stands in the same sentence or within ``window`` tokens;
a type is reported when its sum reaches its threshold. All numbers live in
``data/cues.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from processors.classifier.analysis import FieldAnalysis
from processors.classifier.cues.lexicon import CueLexicon
from processors.classifier.matcher import Hit

__all__ = ["TypeScore", "score_types"]


@dataclass
class TypeScore:
    type_id: str
    score: int = 0
    hits: list[tuple[str, Hit]] = field(default_factory=list)  # (field name, hit) that counted
    strong: bool = False  # one cue of weight >= 2 counted


def score_types(fields: list[FieldAnalysis], lex: CueLexicon) -> dict[str, TypeScore]:
    """Scores of every type that has at least one counted cue (reported or not)."""
    scores: dict[str, TypeScore] = {}
    for fa in fields:
        factor = lex.title_factor if fa.name == "title" else 1
        for hit in fa.vocab:
            term = hit.term
            if term.kind != "cue" or not fa.entity_near(hit, lex.window):
                continue
            ts = scores.get(term.concept)
            if ts is None:
                ts = scores[term.concept] = TypeScore(term.concept)
            ts.score += term.weight * factor
            ts.hits.append((fa.name, hit))
            if term.weight >= 2:
                ts.strong = True
    return scores
