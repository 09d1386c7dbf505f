"""Read ``data/cues.yaml`` (its header documents the format) into the matcher.

Plain terms become automaton keys of kind ``cue`` (concept = signal type id),
``supply``, ``minerals``, ``power``, ``households``, ``routes``, ``background``, ``framing``, ``talks``,
``neutral``, ``goods``, ``culture``, ``designators``, ``consumer`` or ``block``.
``neutral`` phrases count for nothing; being longer, they take the tokens of the cues
inside them ("holds a stake" is who owns what, not an investment). A pair "A ~ B" registers its two
parts as ``part`` keys and a :class:`PairRule`; :meth:`CueLexicon.pairs_in` turns
parts found near each other into one hit spanning both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import cython

from processors.classifier.datafile import read_yaml

from oreradar.errors import ConfigError
from oreradar.records import SIGNAL_TYPES
from processors.classifier.chinese import traditional_variants
from processors.classifier.matcher import ENTITY, PART, VOCAB, Hit, Matcher, Term

__all__ = ["CueLexicon", "PairRule", "VOCABULARIES", "INSTITUTION_KINDS"]

VOCABULARIES = (
    "supply", "minerals", "power", "households", "routes", "background", "framing", "talks", "neutral", "goods", "culture",
    "designators", "consumer",
)
INSTITUTION_KINDS = frozenset({"ministry", "agency", "bank", "fund", "exchange"})
AFTER_KINDS = frozenset({"commodity", "country", "organization"})  # what a group's `after:` may name


@dataclass(frozen=True, slots=True)
class PairRule:
    term: Term  # what the pair stands for when both parts are found
    left: str  # part keys
    right: str


@dataclass
class CueLexicon:
    window: int = 15
    pair_window: int = 4
    title_factor: float = 3.0
    lead_factor: float = 1.5
    body_factor: float = 1.0
    body_only_factor: float = 1.0
    background_factor: float = 1.0
    title_exempt: bool = False
    lead_exempt: bool = False
    type_repeat_factor: float = 1.0
    title_weak_support: int = 0
    lead_sentences: int = 2
    repeat_factor: float = 0.5
    relative: float = 0.3
    need_strong: bool = True
    amount_cue: float = 2.0
    threshold: float = 2.0
    thresholds: dict[str, float] = field(default_factory=dict)
    type_required_langs: frozenset[str] = frozenset()  # languages where relevance needs a signal type
    strict: set[str] = field(default_factory=set)  # types that need a cue of weight >= 2
    lead_exempt_types: set[str] = field(default_factory=set)  # types a strong lead cue exempts from `relative`
    figure_exempt_types: set[str] = field(default_factory=set)  # types a strong cue beside a money figure exempts
    framed_types: set[str] = field(default_factory=set)  # types whose strong cue counts as lead in a framing sentence
    institutions: frozenset[str] = frozenset()  # organisations whose names hold no cue (see name_institutions)
    complements: frozenset[str] = frozenset()  # words after which an entity is no subject (see classifier._subjects)
    completing_types: frozenset[str] = frozenset()  # types with cues marked `completes` (see rules.TypeScore.done)
    pairs: list[PairRule] = field(default_factory=list)
    pairs_by_left: dict[str, list[PairRule]] = field(default_factory=dict)  # left part key -> its rules
    terms: int = 0

    @classmethod
    def load(cls, path: Path, matcher: Matcher) -> CueLexicon:
        if not path.exists():
            raise ConfigError(f"cue lexicon {path} is missing; restore it or pass data_dir=")
        data = read_yaml(path) or {}
        settings = data.get("settings") or {}
        lex = cls(
            window=int(settings.get("window", 15)),
            pair_window=int(settings.get("pair_window", 4)),
            title_factor=float(settings.get("title_factor", 3.0)),
            lead_factor=float(settings.get("lead_factor", 1.5)),
            body_factor=float(settings.get("body_factor", 1.0)),
            body_only_factor=float(settings.get("body_only_factor", 1.0)),
            background_factor=float(settings.get("background_factor", 1.0)),
            title_exempt=bool(settings.get("title_exempt", False)),
            lead_exempt=bool(settings.get("lead_exempt", False)),
            type_repeat_factor=float(settings.get("type_repeat_factor", 1.0)),
            title_weak_support=int(settings.get("title_weak_support", 0)),
            lead_sentences=int(settings.get("lead_sentences", 2)),
            repeat_factor=float(settings.get("repeat_factor", 0.5)),
            relative=float(settings.get("relative", 0.3)),
            need_strong=bool(settings.get("need_strong", True)),
            amount_cue=float(settings.get("amount_cue", 2.0)),
            threshold=float(settings.get("threshold", 2.0)),
            type_required_langs=frozenset(str(x) for x in settings.get("type_required") or ()),
        )
        for type_id, spec in (data.get("types") or {}).items():
            if type_id not in SIGNAL_TYPES:
                raise ConfigError(f"{path}: unknown signal type {type_id!r}; known: {', '.join(SIGNAL_TYPES)}")
            if "threshold" in spec:
                lex.thresholds[type_id] = float(spec["threshold"])
            if spec.get("need_strong"):
                lex.strict.add(type_id)
            if spec.get("lead_exempt"):
                lex.lead_exempt_types.add(type_id)
            if spec.get("figure_exempt"):
                lex.figure_exempt_types.add(type_id)
            if spec.get("framed"):
                lex.framed_types.add(type_id)
            for group in spec.get("cues") or []:
                weight = float(group.get("weight", 1))
                unless = group.get("unless_with")
                if unless is not None and unless not in SIGNAL_TYPES:
                    raise ConfigError(f"{path}: {type_id}: unless_with names an unknown signal type {unless!r}")
                after = group.get("after")
                if after is not None and after not in AFTER_KINDS:
                    raise ConfigError(f"{path}: {type_id}: after names {after!r}; known: {', '.join(sorted(AFTER_KINDS))}")
                completes = bool(group.get("completes", False))
                beside = bool(group.get("beside", False))
                if completes:
                    lex.completing_types = lex.completing_types | {type_id}
                for lang, phrases in group.items():
                    if lang in ("weight", "unless_with", "after", "completes", "beside"):
                        continue
                    cue = Term("cue", type_id, weight, group=VOCAB, unless=unless, after=after, completes=completes,
                               beside=beside)
                    lex._add_all(matcher, phrases, cue, path, lang=lang)
        lex.complements = frozenset(
            str(w).lower() for words in (data.get("complements") or {}).values() for w in (words or ())
        )
        for kind in VOCABULARIES:
            for lang, phrases in (data.get(kind) or {}).items():
                lex._add_all(matcher, phrases, Term(kind, kind, 1, group=VOCAB), path, lang=lang)
        for lang, phrases in ((data.get("severity") or {}).get("major") or {}).items():
            lex._add_all(matcher, phrases, Term("major", "major", 0, group=PART), path, lang=lang)
        for lang, phrases in (data.get("blockers") or {}).items():
            # "case_sensitive": names that block only when capitalised as written
            # ("Cobalt Strike" the tool, not "a cobalt strike" in a drill report)
            lex._add_all(matcher, phrases, Term("block", "block", 0, group=ENTITY), path,
                         case_sensitive=lang == "case_sensitive", lang=lang)
        return lex

    def _add_all(
        self, matcher: Matcher, phrases: Any, term: Term, path: Path, *, case_sensitive: bool = False,
        lang: str | None = None,
    ) -> None:
        if not isinstance(phrases, list):
            raise ConfigError(f"{path}: expected a list of terms for {term.kind} {term.concept}, got {phrases!r:.80}")
        if lang == "zh":  # every Chinese term in the traditional forms of Taipei and Hong Kong too
            phrases = [v for p in phrases for v in (str(p), *traditional_variants(str(p)))]
        for phrase in phrases:
            phrase = str(phrase)
            if "~" in phrase:
                left, _, right = (p.strip() for p in phrase.partition("~"))
                lkey, _ = matcher.key_of(left)
                rkey, _ = matcher.key_of(right)
                if lkey is None or rkey is None:
                    raise ConfigError(f"{path}: pair {phrase!r} needs words on both sides of '~'")
                # a part's concept is its key as written (lemmas); in a stem-ruled language the
                # part is also registered as stems, under the same concept
                matcher.add(left, Term("part", lkey, group=PART), lang=lang)
                matcher.add(right, Term("part", rkey, group=PART), lang=lang)
                rule = PairRule(term, lkey, rkey)
                self.pairs.append(rule)
                self.pairs_by_left.setdefault(lkey, []).append(rule)
            else:
                matcher.add(phrase, term, case_sensitive=case_sensitive, lang=lang)
            self.terms += 1

    def name_institutions(self, kinds: Mapping[str, str]) -> None:
        """Remember the organisations (name -> kind) whose names describe a remit, not an
        event: a cue inside "Asian Development Bank", "Ministry of Industry and Construction"
        or "Defense Logistics Agency" does not count. Companies keep theirs: the "pipeline"
        in "CPC pipeline" is the route itself."""
        self.institutions = frozenset(name for name, kind in kinds.items() if kind in INSTITUTION_KINDS)

    def threshold_of(self, type_id: str) -> float:
        return self.thresholds.get(type_id, self.threshold)

    def pairs_in(self, parts: list[Hit], text: str | None = None) -> list[Hit]:
        """Pair hits from part hits: both sides within ``pair_window`` tokens, any order,
        and, given the field's ``text``, in one sentence: "halted payments. Experts say the
        re-export ..." is no export halt, the two words belong to different statements (a cue
        pair, unlike a blocking one, in one clause: no comma between its sides)."""
        if len(parts) < 2:
            return []
        by_key: dict[str, list[Hit]] = {}
        for hit in parts:
            by_key.setdefault(hit.term.concept, []).append(hit)
        out = _pair_hits(by_key, self.pairs_by_left, self.pair_window, text)
        if len(out) > 1:
            out = _merge_same_type(out)
        return out


def _pair_hits(
    by_key: dict[str, list[Hit]], pairs_by_left: dict[str, list[PairRule]], window: int, text: str | None
) -> list[Hit]:
    """The loop of :meth:`CueLexicon.pairs_in` over the part hits grouped by key (a module
    function, so that ``lexicon.pxd`` types it once compiled: a Hit's positions are then
    read as tuple items, not looked up as named attributes)."""
    out: list[Hit] = []
    for key, hits in by_key.items():
        rules = pairs_by_left.get(key)
        if rules is None:
            continue
        for rule in rules:
            others = by_key.get(rule.right)
            if not others:
                continue
            breaks = _SENTENCE_BREAK_RE if rule.term.kind == "block" else _CLAUSE_BREAK_RE
            taken: set[int] = set()  # first tokens of the left parts this rule paired already
            for a in hits:
                ta = cython.cast(tuple, a)  # (term, first, last, start, end)
                a_first, a_last = ta[1], ta[2]
                if a_first in taken:
                    continue
                for b in others:
                    tb = cython.cast(tuple, b)
                    b_first, b_last = tb[1], tb[2]
                    if a_first < b_last and b_first < a_last:
                        continue  # the same tokens cannot be both sides
                    gap = b_first - a_last if b_first >= a_last else a_first - b_last
                    if gap <= window:
                        if a_first < b_first:  # (not `lo, hi = ...`: compiled, that re-checks the types)
                            lo, hi = ta, tb
                        else:
                            lo, hi = tb, ta
                        if text is not None and breaks.search(text, lo[4], hi[3]):
                            continue
                        taken.add(a_first)
                        out.append(_new_hit(Hit, (rule.term, lo[1], hi[2], lo[3], hi[4])))
                        break
    return out


_new_hit = tuple.__new__  # Hit._make without its Python-level checks (C call)

# A sentence ends between two words: a full stop, question or exclamation mark or
# semicolon followed by a space or a closing quote (as text.sentence_bounds reads it), a
# line break, or a Chinese full-width stop (Chinese puts no space after it).
_SENTENCE_BREAK_RE = re.compile(r"[.!?;…](?=[\s\"»”')\]])|\n|[。！？；]")
# A cue pair does not span a comma either: "a wage deal, raising the prospect of supply
# disruptions" is no supply deal, "a price floor, shares soar" no price move. (A blocking
# pair still does: "Rare Earth, the Motown band".)
_CLAUSE_BREAK_RE = re.compile(r"[.!?;…,](?=[\s\"»”')\]])|\n|[。！？；]")


def _merge_same_type(hits: list[Hit]) -> list[Hit]:
    """Overlapping pair hits of the same type become one hit over both ("suspends cobalt
    exports ... to curb" is one export-control phrase): the shorter one would otherwise
    lose to the longer and free its verb ("suspends") to count as a halt of production."""
    hits.sort(key=lambda h: (h.term.kind, h.term.concept, h.first))
    merged: list[Hit] = [hits[0]]
    for h in hits[1:]:
        m = merged[-1]
        if h.term.kind == m.term.kind and h.term.concept == m.term.concept and h.first < m.last:
            term = m.term if m.term.weight >= h.term.weight else h.term
            if h.last > m.last:
                merged[-1] = Hit(term, m.first, h.last, m.start, h.end)
            else:
                merged[-1] = Hit(term, m.first, m.last, m.start, m.end)
        else:
            merged.append(h)
    return merged
