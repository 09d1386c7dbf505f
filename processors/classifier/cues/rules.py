"""Signal types from cues: weighted cue occurrences near entities, against thresholds.

A cue occurrence counts when a country, commodity or organisation stands in the same
sentence or within ``window`` tokens. It adds its weight times a position factor:
``title_factor`` in the title, ``lead_factor`` in the summary and the first
``lead_sentences`` sentences of the body, 1 elsewhere; a repeat of the same cue term in
the same field adds only ``repeat_factor`` of that. The news is in the headline and the
lead, not in the background paragraphs, and gold labels follow what the item reports.

A type is reported when its score reaches its threshold *and* at least ``relative``
times the score of the strongest type: a story about a tax that mentions prices in
passing is a policy story. A type marked ``lead_exempt`` in ``data/cues.yaml``
(geopolitics) is spared the relative test when one of its strong cues stands in the
title, summary or lead: rivalry framing ("Washington and Beijing vie for...") is what
the lead says about a deal, never as loud as the deal's own words. A type marked
``framed`` (geopolitics again) counts a strong cue in a sentence that gives the framing of
analysts or experts ("Analysts say the route has become a proxy for competition",
"Эксперты считают проект инструментом влияния", "分析认为……竞争"), or in the same paragraph
as such a sentence (a quote runs on), as if it stood in the lead: wires and local outlets put
what the story means in that closing paragraph. All
numbers live in ``data/cues.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oreradar.records import Amount

from processors.classifier.analysis import FieldAnalysis
from processors.classifier.text import sentence_of
from processors.classifier.cues.lexicon import CueLexicon
from processors.classifier.matcher import Hit

__all__ = ["TypeScore", "score_types", "reported_types"]


@dataclass(slots=True)
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
    quantified: bool = False  # a cue of weight >= 2 shares a sentence with a money figure
    done: bool = False  # a strong cue shares a sentence with a cue saying the act is done ("signed")


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
        cues, sentences = fa.of_kind("cue")
        if cues and fa.entities:  # a cue counts only near an entity of its own field
            _score_field(fa, cues, sentences, lex, scores)
        elif cues and fa.name == "title" and _lead_names_entity(fields):
            # local outlets often leave the country out of the headline ("the Cabinet banned
            # scrap exports") and name it in the first sentence: that sentence anchors the title
            _score_field(fa, cues, sentences, lex, scores, anchored=True)
    invest = scores.get("investment")
    if invest is not None and amounts and lex.amount_cue:
        _score_amounts(invest, fields, lex, amounts)
    if amounts and lex.figure_exempt_types:
        _mark_quantified(scores, fields, lex, amounts)
    return scores


def _mark_quantified(
    scores: dict[str, TypeScore], fields: list[FieldAnalysis], lex: CueLexicon, amounts: list[Amount]
) -> None:
    """A strong cue beside a money figure ("rose 1.4% to $15,720 a ton") is a reported
    move, not a passing mention: such a type is spared the relative threshold."""
    by_name = {fa.name: fa for fa in fields}
    figures = {(a.field, sentence_of(by_name[a.field].bounds, a.start)) for a in amounts if a.field in by_name}
    for type_id in lex.figure_exempt_types:
        ts = scores.get(type_id)
        if ts is not None:
            ts.quantified = any(
                h.term.weight >= 2 and (f, by_name[f].sentence(h)) in figures for f, h in ts.hits
            )


def _lead_names_entity(fields: list[FieldAnalysis]) -> bool:
    """The summary, or the first sentence of the body, names an entity."""
    for fa in fields:
        if fa.name == "summary" and fa.entities:
            return True
        if fa.name == "body" and 0 in fa.entity_sentences:
            return True
    return False


def _score_field(
    fa: FieldAnalysis,
    cues: list[Hit],
    sentences: list[int],
    lex: CueLexicon,
    scores: dict[str, TypeScore],
    anchored: bool = False,
) -> None:
    """Add the cues of one field (``sentences``: the sentence of each) to ``scores``
    (``anchored``: a title without entities whose lead names one; every cue counts)."""
    name = fa.name
    title = name == "title"
    background = (
        set(fa.of_kind("background")[1]) if not title and lex.background_factor != 1.0 else ()
    )
    framing = set(fa.of_kind("framing")[1]) if not title and lex.framed_types else ()
    if framing and fa.paragraphs:
        # '"This is industrial policy," said an analyst. "Washington wants to break China's grip."':
        # the quote's second sentence is the analyst's too, so the framing covers the paragraph
        framed = {fa.paragraphs[s] for s in framing}
        framing = {i for i, p in enumerate(fa.paragraphs) if p in framed}
    # a cue inside an institution's name ("Ministry of Industry and Construction",
    # "Asian Development Bank") names the body's remit, not an event
    org_spans = [
        (e.first, e.last) for e in fa.entities if e.last - e.first > 1 and e.term.concept in lex.institutions
    ] if lex.institutions else ()
    window = lex.window
    lead_sentences = lex.lead_sentences
    # counted already in this field: (type, length in tokens, weight) of a cue, and its type
    seen_cues: set[tuple[str, int, float]] = set()
    seen_types: set[str] = set()
    strong_in: dict[str, set[int]] = {}  # type -> sentences holding a strong cue of it (for `unless`)
    # type -> sentences (outside background) with a strong cue of it / with a cue marked `completes`
    strong_at: dict[str, set[int]] = {}
    done_at: dict[str, set[int]] = {}
    completing = lex.completing_types
    for hit, sentence in zip(cues, sentences):
        if hit.term.after is not None:  # "Copper rose": see FieldAnalysis.subjects
            if hit.first not in fa.subjects.get(hit.term.after, ()):
                continue
        elif not anchored and not fa.entity_near(hit, window, sentence):
            continue
        if org_spans and _inside(hit, org_spans):
            continue
        term = hit.term
        if term.unless is not None:  # "exports halted after a drone strike" is a disruption, not a measure
            other = strong_in.get(term.unless)
            if other is None:
                other = strong_in[term.unless] = {
                    s for h, s in zip(cues, sentences) if h.term.concept == term.unless and h.term.weight >= 2
                }
            if sentence in other:
                continue
        in_lead = True
        if title:
            factor = lex.title_factor
        elif name == "summary" or sentence < lead_sentences:
            factor = lex.lead_factor
        elif (
            framing and sentence in framing and term.weight >= 2 and term.concept in lex.framed_types
            and not (term.concept in scores and scores[term.concept].lead_strong)
        ):
            factor = lex.lead_factor  # "analysts see it as rivalry": what the item says the news means
        else:
            factor = lex.body_factor
            in_lead = False
        concept, weight = term.concept, term.weight
        if background and sentence in background:
            factor *= lex.background_factor  # "earlier", "last year", "ранее": not what the item reports
            in_lead = False
        elif concept in completing:  # only types with cues marked `completes` need the sentences
            if weight >= 2:
                strong_at.setdefault(concept, set()).add(sentence)
            if term.completes:
                done_at.setdefault(concept, set()).add(sentence)
        key = (concept, hit.last - hit.first, weight)
        if key in seen_cues:
            factor *= lex.repeat_factor
        elif concept in seen_types:
            factor *= lex.type_repeat_factor  # diminishing returns: one story, many words for it
        seen_cues.add(key)
        seen_types.add(concept)
        ts = scores.get(concept)
        if ts is None:
            ts = scores[concept] = TypeScore(concept)
        ts.score += weight * factor
        ts.hits.append((name, hit))
        if in_lead:
            ts.lead = True
            if weight >= 2:
                ts.lead_strong = True
        if title:
            ts.title = True
        else:
            ts.body_cues += 1
        if weight >= 2:
            ts.strong = True
        elif title and weight >= 1:
            ts.title_weak = True
    for concept, done in done_at.items():
        strong = strong_at.get(concept)
        if strong and not done.isdisjoint(strong):
            scores[concept].done = True


def _inside(hit: Hit, spans: list[tuple[int, int]]) -> bool:
    """Whether the hit lies within one of the token ``spans`` (a loop: compiled, a
    generator in ``any()`` costs more than the test)."""
    for a, b in spans:
        if a <= hit.first and hit.last <= b:
            return True
    return False


def _score_amounts(invest: TypeScore, fields: list[FieldAnalysis], lex: CueLexicon, amounts: list[Amount]) -> None:
    """The money figures that count as investment cues (see :func:`score_types`)."""
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


def reported_types(scores: dict[str, TypeScore], lex: CueLexicon) -> set[str]:
    """The types whose score passes both the absolute and the relative threshold. An act
    reported as done is spared the relative one: memoranda "signed" at a summit are deals
    however loud the summit's rivalry (a strong cue and a cue marked ``completes`` in one
    sentence that is not background, see :attr:`TypeScore.done`)."""
    if not scores:
        return set()
    top = max(s.score for s in scores.values())
    return {
        t
        for t, s in scores.items()
        if s.score >= lex.threshold_of(t) * (1.0 if s.lead else lex.body_only_factor)
        and (s.score >= lex.relative * top or (s.title and lex.title_exempt)
             or (s.lead_strong and (lex.lead_exempt or t in lex.lead_exempt_types)) or s.quantified or s.done)
        and (s.strong or (t not in lex.strict and s.title_weak and s.body_cues >= lex.title_weak_support)
             or not (lex.need_strong or t in lex.strict))
    }
