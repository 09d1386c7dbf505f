"""Is a new report the same event as one already in a story? A score and its evidence.

    >>> evidence = compare(new, old, rules)        # doctest: +SKIP
    >>> evidence.method, evidence.score, evidence.commodities   # doctest: +SKIP
    ('event', 0.71, ['gallium'])

Rules, in order:

1. **Copy**: MinHash Jaccard of word 3-shingles at or above ``copy_threshold`` (wire
   re-publications, syndicated copies). A copy joins whatever else it shares.
2. **Different events veto**: both reports carry signal types and none is shared or
   compatible (a deal, then a strike at the same mine).
3. **Anchor**: the reports share a commodity, an organisation, two countries and a
   type, or (same language) many lemmas; one shared country is too common to join on.
4. **Score**: a weighted mean of overlaps per kind (commodities, countries, types,
   shared organisations and amounts, and lemmas between reports in one language),
   counting only the kinds both reports have; money in a shared currency with no
   figure in common counts against and costs ``amount_conflict_penalty`` (two deals
   of different sizes).
"""

from __future__ import annotations

from oreradar.records import JoinEvidence
from processors.stories.config import JoinRules
from processors.stories.features import Report, jaccard

__all__ = ["compare", "amounts_shared", "format_amount", "term_similarity"]


def format_amount(value: float, currency: str) -> str:
    return f"{value:.0f} {currency}" if value >= 1 else f"{value:g} {currency}"


def amounts_shared(
    a: tuple[tuple[float, str], ...], b: tuple[tuple[float, str], ...], tolerance: float
) -> tuple[list[str], bool]:
    """Figures both name (within ``tolerance``), and whether they conflict (shared currency, no shared figure)."""
    shared = [
        format_amount(va, ca)
        for va, ca in a
        if any(ca == cb and abs(va - vb) <= tolerance * max(abs(va), abs(vb)) for vb, cb in b)
    ]
    currencies = {c for _, c in a} & {c for _, c in b}
    return shared, bool(currencies) and not shared


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def _specific(types: frozenset[str], rules: JoinRules) -> frozenset[str]:
    """The types without the broad ones (geopolitics), unless those are all there is."""
    return (types - rules.weak_types) or types


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the smaller set found in the other: background extras do not dilute a match."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def term_similarity(a: frozenset[str], b: frozenset[str], saturation: float) -> float:
    """Shared lemmas, saturating: a rewording shares a fifth to a third of its content words."""
    if not a or not b:
        return 0.0
    return min(1.0, len(a & b) / (saturation * min(len(a), len(b))))


def compare(new: Report, old: Report, rules: JoinRules, *, copies: bool = True) -> JoinEvidence | None:
    """The join evidence if ``new`` reports the same event as ``old``, else None.

    ``copies=False`` skips the MinHash test (the caller asked the LSH index already).
    """
    shared_amounts, conflict = amounts_shared(new.amounts, old.amounts, rules.amount_tolerance)
    same_lang = new.lang == old.lang

    def evidence(method: str, score: float) -> JoinEvidence:
        return JoinEvidence(
            joined_to=old.id,
            method=method,  # type: ignore[arg-type]
            score=round(score, 3),
            countries=sorted(new.countries & old.countries),
            commodities=sorted(new.commodities & old.commodities),
            organizations=sorted(new.organizations & old.organizations),
            signal_types=sorted(new.signal_types & old.signal_types),
            amounts=shared_amounts,
            terms=sorted(new.terms & old.terms)[:12] if same_lang else [],
        )

    if copies:
        copy = jaccard(new.minhash, old.minhash)
        if copy >= rules.copy_threshold:
            return evidence("copy", copy)
    if not rules.types_compatible(set(new.signal_types), set(old.signal_types)):
        return None
    terms = term_similarity(new.terms, old.terms, rules.term_saturation) if same_lang else 0.0
    shared_types = _specific(new.signal_types, rules) & _specific(old.signal_types, rules)
    anchored = (
        (new.commodities & old.commodities) - rules.generic_commodities
        or new.organizations & old.organizations
        or (len(new.countries & old.countries) >= 2 and shared_types)
        or terms >= rules.term_anchor
    )
    if not anchored:
        return None
    parts: list[tuple[str, float]] = []  # (kind, similarity) of each kind that counts
    new_c, old_c = new.commodities - rules.generic_commodities, old.commodities - rules.generic_commodities
    if new_c and old_c:
        parts.append(("commodities", _dice(new_c, old_c)))
    if new.countries and old.countries:
        parts.append(("countries", _dice(new.countries, old.countries)))
    new_t, old_t = _specific(new.signal_types, rules), _specific(old.signal_types, rules)
    if new_t and old_t:
        parts.append(("signal_types", _overlap(new_t, old_t) or 0.5))  # 0.5: compatible only
    if new.organizations and old.organizations:
        parts.append(("organizations", _dice(new.organizations, old.organizations)))
    if shared_amounts:
        parts.append(("amounts", 1.0))
    elif conflict:
        parts.append(("amounts", 0.0))
    if same_lang:
        parts.append(("terms", terms))
    weight_sum = sum(rules.weights.get(kind, 1.0) for kind, _ in parts)
    score = sum(rules.weights.get(kind, 1.0) * sim for kind, sim in parts) / weight_sum if weight_sum else 0.0
    if conflict:
        score -= rules.amount_conflict_penalty
    threshold = rules.join_threshold if same_lang else rules.join_threshold_cross
    return evidence("event", score) if score >= threshold else None
