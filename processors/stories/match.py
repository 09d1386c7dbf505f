"""Is a new report the same event as one already in a story? A score and its evidence.

    >>> evidence = compare(new, old, rules)        # doctest: +SKIP
    >>> evidence.method, evidence.score, evidence.commodities   # doctest: +SKIP
    ('event', 0.71, ['gallium'])

Rules, in order:

1. **Copy**: MinHash Jaccard of word 3-shingles at or above ``copy_threshold`` (wire
   re-publications, syndicated copies). A copy joins whatever else it shares.
2. **Anchor**: an event report shares a commodity or an organisation with the other
   one; a country alone is too common to join on.
3. **Different events veto**: both reports carry signal types and none is shared or
   compatible (a deal, then a strike at the same mine).
4. **Score**: a weighted mean of Dice overlaps per kind (commodities, organisations,
   countries, types, amounts, and lemmas between reports in one language), counting
   only the kinds either report has; money in a shared currency with no figure in
   common costs ``amount_conflict_penalty`` (two deals of different sizes).
"""

from __future__ import annotations

from oreradar.records import JoinEvidence
from processors.stories.config import JoinRules
from processors.stories.features import Report, jaccard

__all__ = ["compare", "amounts_shared", "format_amount"]


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


def compare(new: Report, old: Report, rules: JoinRules) -> JoinEvidence | None:
    """The join evidence if ``new`` reports the same event as ``old``, else None."""
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
            terms=sorted(new.terms & old.terms)[:20] if same_lang else [],
        )

    copy = jaccard(new.minhash, old.minhash)
    if copy >= rules.copy_threshold:
        return evidence("copy", copy)
    if not (new.commodities & old.commodities or new.organizations & old.organizations):
        return None
    if not rules.types_compatible(set(new.signal_types), set(old.signal_types)):
        return None
    kinds = {
        "commodities": (new.commodities, old.commodities),
        "organizations": (new.organizations, old.organizations),
        "countries": (new.countries, old.countries),
        "signal_types": (new.signal_types, old.signal_types),
    }
    if same_lang:
        kinds["terms"] = (new.terms, old.terms)
    total = weight_sum = 0.0
    for kind, (a, b) in kinds.items():
        if a or b:
            weight = rules.weights.get(kind, 1.0)
            total += weight * _dice(a, b)
            weight_sum += weight
    if new.amounts or old.amounts:
        weight = rules.weights.get("amounts", 1.0)
        if shared_amounts:
            total += weight * min(1.0, 2 * len(shared_amounts) / (len(new.amounts) + len(old.amounts)))
            weight_sum += weight
        elif new.amounts and old.amounts:
            weight_sum += weight  # both name money and none agrees: counts against
    score = total / weight_sum if weight_sum else 0.0
    if conflict:
        score -= rules.amount_conflict_penalty
    threshold = rules.join_threshold if same_lang else rules.join_threshold_cross
    return evidence("event", score) if score >= threshold else None
