"""Signal types from cues: weighted cue occurrences near entities, against thresholds.

A cue occurrence counts when a country, commodity or organisation stands in the same
sentence or within ``window`` tokens. It adds its weight times a position factor:
``title_factor`` in the title, ``lead_factor`` in the summary and the first
``lead_sentences`` sentences of the body, 1 elsewhere; a repeat of the same cue term in
the same field adds only ``repeat_factor`` of that. The news is in the headline and the
lead, not in the background paragraphs, and gold labels follow what the item reports.

A type is reported when its score reaches its threshold *and* at least ``relative``
times the score of the strongest type: a story about a tax that mentions prices in
passing is a policy story. All numbers live in ``data/cues.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oreradar.records import Amount

from processors.classifier.analysis import FieldAnalysis
from processors.classifier.text import sentence_of
from processors.classifier.cues.lexicon import CueLexicon
from processors.classifier.matcher import Hit

__all__ = ["TypeScore", "score_types", "reported_types"]


@dataclass
class TypeScore:
    type_id: str
    score: float = 0.0
    hits: list[tuple[str, Hit]] = field(default_factory=list)  # (field name, hit) that counted
    title: bool = False  # a cue counted in the title
    lead: bool = False  # a cue counted in the title, the summary or the lead sentences of the body
    lead_strong: bool = False  # a cue of weight >= 2 counted there
    title_weak: bool = False  # only weak cues in the title so far
    body_cues: int = 0  # cues counted outside the title
    strong: bool = False  # a cue of weight >= 2 counted


def score_types(
    fields: list[FieldAnalysis], lex: CueLexicon, amounts: list[Amount] | None = None
) -> dict[str, TypeScore]:
    """Scores of every type that has at least one counted cue (reported or not).

    A money figure in a sentence (or title) that has an investment cue of weight >= 1
    counts as one more investment cue of weight ``amount_cue``: "allocated $1.3bn to
    build" is an investment even though "allocate" alone is only a hint; "investors" or
    "expansion" (weight 0.5) beside "$100 per pound" do not turn a price into one.
    """
    scores: dict[str, TypeScore] = {}
    for fa in fields:
        seen: set[tuple[str, str]] = set()
        background = (
            {fa.sentence(v) for v in fa.vocab if v.term.kind == "background"}
            if fa.name != "title" and lex.background_factor != 1.0
            else ()
        )
        # a cue inside an institution's name ("Ministry of Industry and Construction",
        # "Asian Development Bank") names the body's remit, not an event
        org_spans = [
            (e.first, e.last) for e in fa.entities if e.last - e.first > 1 and e.term.concept in lex.institutions
        ] if lex.institutions else ()
        for hit in fa.vocab:
            term = hit.term
            if term.kind != "cue" or not fa.entity_near(hit, lex.window):
                continue
            if org_spans and any(a <= hit.first and hit.last <= b for a, b in org_spans):
                continue
            in_lead = True
            if fa.name == "title":
                factor = lex.title_factor
            elif fa.name == "summary" or fa.sentence(hit) < lex.lead_sentences:
                factor = lex.lead_factor
            else:
                factor = lex.body_factor
                in_lead = False
            if background and fa.sentence(hit) in background:
                factor *= lex.background_factor  # "earlier", "last year", "ранее": not what the item reports
                in_lead = False
            key = (term.concept, _surface_key(hit))
            if key in seen:
                factor *= lex.repeat_factor
            elif (term.concept, "") in seen:
                factor *= lex.type_repeat_factor  # diminishing returns: one story, many words for it
            seen.add(key)
            seen.add((term.concept, ""))
            ts = scores.get(term.concept)
            if ts is None:
                ts = scores[term.concept] = TypeScore(term.concept)
            ts.score += term.weight * factor
            ts.hits.append((fa.name, hit))
            if in_lead:
                ts.lead = True
                if term.weight >= 2:
                    ts.lead_strong = True
            if fa.name != "title":
                ts.body_cues += 1
            if fa.name == "title":
                ts.title = True
            if term.weight >= 2:
                ts.strong = True
            elif fa.name == "title" and term.weight >= 1:
                ts.title_weak = True
    invest = scores.get("investment")
    if invest is not None and amounts and lex.amount_cue:
        by_name = {fa.name: fa for fa in fields}
        # only a real cue vouches for the figure: "investors" beside "$100 per pound" is a price
        cue_sentences = {(f, by_name[f].sentence(h)) for f, h in invest.hits if h.term.weight >= 1}
        for a in amounts:
            where = by_name.get(a.field)
            if where is None:
                continue
            if (a.field, sentence_of(where.bounds, a.start)) in cue_sentences:
                factor = lex.title_factor if a.field == "title" else lex.lead_factor if (
                    a.field == "summary" or sentence_of(where.bounds, a.start) < lex.lead_sentences) else lex.body_factor
                invest.score += lex.amount_cue * factor
                invest.strong = True
    return scores


def _surface_key(hit: Hit) -> str:
    return f"{hit.term.kind}:{hit.term.concept}:{hit.last - hit.first}:{hit.term.weight}"


def reported_types(scores: dict[str, TypeScore], lex: CueLexicon) -> set[str]:
    """The types whose score passes both the absolute and the relative threshold."""
    if not scores:
        return set()
    top = max(s.score for s in scores.values())
    return {
        t
        for t, s in scores.items()
        if s.score >= lex.threshold_of(t) * (1.0 if s.lead else lex.body_only_factor)
        and (s.score >= lex.relative * top or (s.title and lex.title_exempt) or (s.lead_strong and lex.lead_exempt))
        and (s.strong or (t not in lex.strict and s.title_weak and s.body_cues >= lex.title_weak_support)
             or not (lex.need_strong or t in lex.strict))
    }
