"""The classifier: a NewsItem in, a Signal with its evidence out.

    >>> from oreradar.records import NewsItem
    >>> clf = Classifier.default()
    >>> item = NewsItem.create(source="doc", title="China bans exports of gallium and germanium")
    >>> signal = clf.classify(item)
    >>> signal.relevant, signal.signal_types, signal.commodities, signal.severity
    (True, ['export_control'], ['gallium', 'germanium'], 'critical')

Per field (title, summary, body): clean (markup and control characters blanked in
place), tokenise, lemmatise, one automaton pass over the lemma stream (entities, cues,
vocabularies), pair cues, money regexes. Then signal types (cues/rules.py), relevance
and scope (relevance.py), severity (severity.py), evidence (explain.py).

Work is capped: only the first ``FIELD_CAPS[field]`` characters of each field are
read (title 2,000, summary 20,000, body 60,000 characters, i.e. far more than any news
article); the rest of a 1 MB body is ignored, so the cost of one item is bounded.
Offsets always refer to the field as it stands in the NewsItem.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Any

from processors.classifier.datafile import parse_yaml

from oreradar.errors import ClassifierError
from oreradar.language import detect_language, normalise_lang
from oreradar.records import Amount, LabelledItem, NewsItem, Signal

from processors.classifier import chinese, compiled
from processors.classifier.amounts import AmountFinder
from processors.classifier.analysis import ENTITY_KINDS, FieldAnalysis
from processors.classifier.cues.lexicon import CueLexicon
from processors.classifier.cues.rules import reported_types, score_types
from processors.classifier.explain import EvidenceBuilder
from processors.classifier.gazetteer import Gazetteer
from processors.classifier.matcher import PART, VOCAB, Hit, Matcher, _resolve, _sort_by_position
from processors.classifier.morphology import Lemmatizer
from processors.classifier.relevance import decide
from processors.classifier.severity import Facts, SeverityRules, grade
from processors.classifier.stems import load_stem_rules
from processors.classifier.sentences import SentenceRules
from processors.classifier.text import clean, is_dateline, tokenize

__all__ = ["Classifier", "DEFAULT_DATA_DIR", "FIELD_CAPS"]

log = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(__file__).parent / "data"
FIELDS = ("title", "summary", "body")
FIELD_CAPS = {"title": 2_000, "summary": 20_000, "body": 60_000}

_DIGIT_RE = re.compile(r"\d")

_default: Classifier | None = None
_default_lock = threading.Lock()


class Classifier:
    """Load once (``Classifier.load()`` or the shared ``Classifier.default()``), then
    call :meth:`classify` from any thread."""

    def __init__(
        self,
        lemmatizer: Lemmatizer,
        matcher: Matcher,
        gazetteer: Gazetteer,
        lexicon: CueLexicon,
        amounts: AmountFinder,
        severity: SeverityRules,
        load_seconds: float = 0.0,
        sentences: SentenceRules | None = None,
    ) -> None:
        self.lemmatizer = lemmatizer
        self.matcher = matcher
        self.gazetteer = gazetteer
        self.lexicon = lexicon
        self.amounts = amounts
        self.severity = severity
        self.load_seconds = load_seconds
        self.sentences = sentences if sentences is not None else SentenceRules()

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, data_dir: Path | None = None) -> Classifier:
        """Read the data files of ``data_dir`` (default: the shipped ``data/``)."""
        started = time.perf_counter()
        # (the language model of oreradar.language is loaded by the first item that needs it)
        data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
        lemmatizer = Lemmatizer()
        matcher = Matcher(lemmatizer, stems=load_stem_rules(data_dir / "stems.yaml"))
        gazetteer = Gazetteer.load(data_dir, matcher)
        lexicon = CueLexicon.load(data_dir / "cues.yaml", matcher)
        lexicon.name_institutions({name: org.kind for name, org in gazetteer.organizations.items()})
        matcher.build()
        chinese.release()  # OpenCC is needed only while the data files are read
        amounts = AmountFinder.load(data_dir / "currencies.yaml")
        sentences = SentenceRules.load(data_dir / "sentences.yaml")
        raw = parse_yaml((data_dir / "cues.yaml").read_text(encoding="utf-8")) or {}
        sev = raw.get("severity") or {}
        severity = SeverityRules(
            major_producers=frozenset(sev.get("major_producers") or ()),
            high_usd=float(sev.get("high_usd", 1e9)),
        )
        elapsed = time.perf_counter() - started
        modules = compiled.status()
        log.info(
            "classifier loaded from %s in %.2fs: %d aliases, %d cue terms, %d automaton keys; "
            "%d of %d modules compiled",
            data_dir, elapsed, gazetteer.aliases, lexicon.terms, matcher.size,
            sum(state == "compiled" for state in modules.values()), len(modules),
        )
        compiled.warn_if_stale(modules)
        return cls(lemmatizer, matcher, gazetteer, lexicon, amounts, severity, elapsed, sentences)

    @classmethod
    def default(cls) -> Classifier:
        """The process-wide instance on the shipped data, loaded on first use."""
        global _default
        if _default is None:
            with _default_lock:
                if _default is None:
                    _default = cls.load()
        return _default

    # ------------------------------------------------------------------ analysis
    def analyse(self, text: str, name: str, *, cleaned: str | None = None, lang: str | None = None) -> FieldAnalysis:
        """Entities and cues of one field (already capped); ``cleaned`` is ``clean(text)``
        when the caller has it already; ``lang`` the item's language (Kazakh, Kyrgyz,
        Uzbek and Tajik texts are matched by stems, see stems.py)."""
        fa = FieldAnalysis(name)
        if not text:
            return fa
        if cleaned is None:
            cleaned = clean(text)
        words, starts, ends = tokenize(cleaned)
        fa.tokens = len(words)
        if not words:
            return fa
        groups = self.matcher.scan_groups(words, self.matcher.stream(words, lang), starts, ends)
        if not groups:
            return fa
        entities: list[Hit] = []
        vocab: list[Hit] = []
        parts: list[Hit] = []
        entity_groups = 0
        for hits in groups:  # each group in text order; the groups in the order of their first hit
            group = hits[0].term.group
            if group == VOCAB:
                vocab = hits
            elif group == PART:
                parts = hits
            else:  # ENTITY or ORG; "block" terms (ENTITY) are no entities
                entities += [h for h in hits if h.term.kind in ENTITY_KINDS]
                entity_groups += 1
        if entity_groups > 1:
            _sort_by_position(entities)  # stable: on identical spans, the group found first comes first
        if name != "title" and entities and entities[0].first == 0:  # sorted: hits on token 0 come first
            entities = _drop_dateline(entities, cleaned)
        fa.entities = entities
        if parts:
            pair_parts: list[Hit] = []
            for p in parts:  # one pass: this group holds about 60 hits in an English article
                kind = p.term.kind
                if kind == "part":
                    pair_parts.append(p)
                elif kind == "major":
                    fa.markers.append(p)
            pairs = self.lexicon.pairs_in(pair_parts, cleaned)
            blocks = [p for p in pairs if p.term.kind == "block"]
            if blocks:  # "Rare Earth ~ album": entities inside a blocking pair are not entities
                fa.entities = [
                    h for h in fa.entities if not any(b.first <= h.first and h.last <= b.last for b in blocks)
                ]
                pairs = [p for p in pairs if p.term.kind != "block"]
            if pairs:
                beside = [p for p in pairs if p.term.beside]
                if beside:  # "запрете экспорта в США": rivalry beside the ban, not instead of it
                    pairs = [p for p in pairs if not p.term.beside]
                vocab = _resolve(vocab + pairs)
                if beside:
                    vocab = vocab + beside
                    _sort_by_position(vocab)
        fa.vocab = vocab
        fa.bounds = self.sentences.bounds(cleaned, dateline=name == "body")
        fa.index()
        wanted: set[int] | None = None  # tokens where a cue marked `after` stands
        for h in fa.vocab:  # a loop, not any(): generators are what compiled code runs slowest
            if h.term.after is not None:
                if wanted is None:
                    wanted = set()
                wanted.add(h.first)
        if wanted is not None:
            fa.subjects = _subjects(fa, words, self.lexicon.complements, wanted)
        if fa.has_kind("framing"):  # an analyst's quote runs on over the sentences of its paragraph
            fa.paragraphs = _paragraphs(cleaned, fa.bounds)
        if fa.has_kind("designators"):
            named = _named_companies(fa.of_kind("designators")[0], cleaned)
            if named:  # "СП «Анзоб»" is a company's name, not a joint venture being formed
                fa.vocab = [h for h in fa.vocab if h.term.kind != "cue" or (h.first, h.last) not in named]
                fa.index()
        return fa

    # ------------------------------------------------------------------ decision
    def classify(self, item: NewsItem | LabelledItem | Any) -> Signal:
        """The decision on one item. Odd text is a decision like any other; a bug raises, so
        the caller (``processors.handle_raw``) dead-letters the item and counts it instead
        of publishing a decision that was never made."""
        if isinstance(item, LabelledItem):
            item = item.to_news_item()
        if not isinstance(item, NewsItem):
            raise ClassifierError(
                f"classify() takes a NewsItem, got {type(item).__name__}; "
                "parse the record with NewsItem.from_json first"
            )
        return self._classify(item)

    def _classify(self, item: NewsItem) -> Signal:
        fields: list[FieldAnalysis] = []
        amounts: list[Amount] = []
        lang = self._lang(item)
        read_as = normalise_lang(lang)
        for name in FIELDS:
            raw = item.field_text(name)[: FIELD_CAPS[name]]
            cleaned = clean(raw) if raw else raw
            fields.append(self.analyse(raw, name, cleaned=cleaned, lang=read_as))
            if raw and _DIGIT_RE.search(cleaned):
                amounts.extend(self.amounts.find(cleaned, name, original=raw))
        return self._decide(item, fields, amounts, lang)

    def _decide(self, item: NewsItem, fields: list[FieldAnalysis], amounts: list[Amount], lang: str | None) -> Signal:
        gaz = self.gazetteer
        entities: dict[str, dict[str, None]] = {"country": {}, "commodity": {}, "organization": {}}
        for fa in fields:
            for hit in fa.entities:
                entities[hit.term.kind][hit.term.concept] = None
        countries = list(entities["country"])
        commodities = list(entities["commodity"])
        organizations = list(entities["organization"])

        scores = score_types(fields, self.lexicon, amounts)
        types = reported_types(scores, self.lexicon)
        relevance = decide(
            fields, gaz, types, {t for t in types if scores[t].title},
            need_type=normalise_lang(lang) in self.lexicon.type_required_langs,
        )

        unique_amounts = _unique_amounts(amounts)
        evidence = EvidenceBuilder(item, per_concept=2 if relevance.relevant else 1)
        for fa in fields:
            evidence.add_entities(fa.name, fa.entities)
        evidence.add_amounts(unique_amounts)

        if not relevance.relevant:
            return Signal(
                id=item.id, relevant=False, countries=countries, commodities=commodities,
                organizations=organizations, amounts=unique_amounts, evidence=evidence.evidence,
                lang=lang, title=item.field_text("title"), url=item.url,
            )
        # Ties in score keep the order in which the types were first counted; sorting the
        # set itself ordered them by string hash, which differs from process to process.
        signal_types = sorted((t for t in scores if t in types), key=lambda t: -scores[t].score)
        for t in signal_types:
            evidence.add_spans(t, "signal_type", scores[t].hits)
        for scope, (field_name, hit) in relevance.because.items():
            evidence.add(scope, "scope", field_name, hit.start, hit.end)
        title_types = {t for t in types if scores[t].title}
        title = fields[0]
        lead_limit = self.lexicon.lead_sentences
        major = any(
            h.term.kind == "major" and (fa.name != "body" or fa.sentence(h) < lead_limit)
            for fa in fields
            for h in fa.markers
        )
        severity = grade(
            self.severity,
            Facts(
                types=types,
                title_types=title_types,
                critical_commodity=any(
                    gaz.commodities[c].critical for c in commodities if c in gaz.commodities
                ),
                countries=countries,
                title_countries=[h.term.concept for h in title.entities if h.term.kind == "country"],
                central_asia=any(c in gaz.central_asia for c in countries),
                title_orgs=sum(1 for h in title.entities if h.term.kind == "organization"),
                major_marker=major,
                max_usd=max((self.amounts.usd(a.value, a.currency) for a in unique_amounts), default=0.0),
                passing=relevance.passing,
                talks=relevance.talks,
            ),
        )
        return Signal(
            id=item.id, relevant=True, scope=relevance.scope,  # type: ignore[arg-type]
            signal_types=signal_types, countries=countries, commodities=commodities,
            organizations=organizations, amounts=unique_amounts, severity=severity,  # type: ignore[arg-type]
            evidence=evidence.evidence, lang=lang, title=item.field_text("title"), url=item.url,
        )

    @staticmethod
    def _lang(item: NewsItem) -> str | None:
        """The item's own language, else the one detected on the start of its text (the
        detector reads only its first ``SAMPLE`` characters)."""
        if item.lang:
            return item.lang
        return detect_language(
            " ".join((item.field_text("title"), item.field_text("summary")[:600], item.field_text("body")[:600]))
        )


def _drop_dateline(entities: list[Hit], cleaned: str) -> list[Hit]:
    """Without the countries that name where a wire story was filed ("ASTANA, Aug 23
    (Reuters) -"): they open the field, so only hits on its first token can be one."""
    return [
        h for h in entities
        if not (h.first == 0 and h.term.kind == "country" and is_dateline(cleaned, h.start, h.end))
    ]


def _subjects(
    fa: FieldAnalysis, words: list[str], complements: frozenset[str], wanted: set[int]
) -> dict[str, set[int]]:
    """Kind -> the token right after each entity of that kind that is the subject of what
    follows: where a cue marked ``after`` counts ("Copper rose 2%", "никель упал"). Not an
    entity that is the complement of a supply word ("production of copper rose", "добыча меди
    выросла": a supply word ends right before it or one token before), nor of a preposition
    ("НДПИ для меди и золота вырастет": the tax rises; the preposition may stand before a list
    of entities joined by "и"/"and"), nor one inside a company's name ("Lynas Rare Earths
    rose 5%" is a share price). Only entities that end at one of ``wanted`` (the tokens of
    such cues) are looked at."""
    candidates = [e for e in fa.entities if e.last in wanted]
    if not candidates:
        return {}
    supply_ends = {h.last for h in fa.of_kind("supply")[0]}
    ends = {e.last: e for e in fa.entities}
    orgs = [(e.first, e.last) for e in fa.entities if e.term.kind == "organization"]
    found: dict[str, set[int]] = {}
    for e in candidates:
        if e.first in supply_ends or e.first - 1 in supply_ends:
            continue
        if e.term.kind != "organization" and any(a <= e.first and e.last <= b for a, b in orgs):
            continue
        j = e.first - 1  # the word before the entity, or before the list it closes
        while j >= 0 and (j + 1 in ends or words[j].lower() in _CONJUNCTIONS):
            j = ends[j + 1].first - 1 if j + 1 in ends else j - 1
        if j >= 0 and words[j].lower() in complements:
            continue
        found.setdefault(e.term.kind, set()).add(e.last)
    return found


_CONJUNCTIONS = frozenset({"и", "а", "или", "and", "or"})


def _paragraphs(cleaned: str, bounds: list[int]) -> list[int]:
    """The paragraph of every sentence (one more sentence than bounds): a line break
    starts a new one."""
    out = [0]
    paragraph = 0
    for b in bounds:
        if cleaned[b - 1] == "\n":
            paragraph += 1
        out.append(paragraph)
    return out


_OPENING_QUOTES = "«\"“„'‘"


def _named_companies(designators: list[Hit], cleaned: str) -> set[tuple[int, int]]:
    """The token spans of designators ("СП", "совместное предприятие") that a quoted name
    follows: there they name a company that exists ("Таджикско-китайское СП «Анзоб»
    подписало ..."), and a cue on the same words does not count."""
    spans: set[tuple[int, int]] = set()
    n = len(cleaned)
    for h in designators:
        j = h.end
        while j < n and cleaned[j] == " ":
            j += 1
        if j < n and cleaned[j] in _OPENING_QUOTES:
            spans.add((h.first, h.last))
    return spans


def _unique_amounts(amounts: list[Amount]) -> list[Amount]:
    seen: set[tuple[float, str]] = set()
    out: list[Amount] = []
    for a in amounts:
        key = (round(a.value, 6), a.currency)
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out
