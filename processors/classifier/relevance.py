"""Relevant or not, and in which scope, exactly as SIGNALS.md draws the line.

- **A**: a critical mineral (any commodity marked ``critical`` in commodities.yaml:
  not oil, gas, coal, gold, silver or aluminium) together with supply-chain content:
  a signal type, or supply vocabulary (mining, export, refining, prices...) in the
  same sentence as the mineral or in the title.
- **B**: a Central Asian country together with either
  (1) any commodity (oil and gold included) and supply content,
  (2) minerals/mining/energy-export vocabulary and supply content or a signal type,
  (3) routes, transit, corridors, sanctions or re-export enforcement: the ``routes``
      vocabulary in the title or in a sentence that names the Central Asian country,
      or the ``sanctions`` type. A ``logistics`` type alone is not enough: its cues
      also fire on a passenger terminal or an airline's flights, and SIGNALS.md counts
      only the trade and transport routes that carry minerals, energy and metals.

Routes alone do not carry a story about other goods: when the title or lead names
farm or consumer goods (the ``goods`` vocabulary: grain, fruit, textiles, tourism...) and
the item names no commodity and no minerals word, (3) does not apply. SIGNALS.md:
"Central Asian grain, textiles or tourism do not [count]", however they travel.

A title about culture (the ``culture`` vocabulary: festival, film, album, exhibition...)
reports culture: the "discovery" of a talent, a gold miner as a film's hero. Such an
item is relevant only when its title also reports a measure, a deal, money, a halt, a
price move or a policy (a cue of one of those types in the title).

A title about a consumer product (the ``consumer`` vocabulary: a smartphone, an e-scooter,
a passenger jet) reports the product: a scooter's battery catching fire or a phone's
titanium frame is no supply-chain signal. Such an item is relevant only when its title
also reports a measure, a deal, money, a price move or a policy; a fire or a halt in
that title is the product's accident, not a halt of supply.

Supply content must stand near the thing it qualifies (same sentence, or the title),
which is what keeps out a band called Rare Earth, a lab result on a magnet, or a
Kazakh wrestler's gold medal story that happens to mention an export elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from processors.classifier.analysis import FieldAnalysis
from processors.classifier.gazetteer import Gazetteer
from processors.classifier.matcher import Hit

__all__ = ["Relevance", "decide"]


@dataclass
class Relevance:
    relevant: bool
    scope: list[str] = field(default_factory=list)
    because: dict[str, tuple[str, Hit]] = field(default_factory=dict)  # scope -> (field, entity hit)
    passing: bool = False  # relevant only through a mention outside the title, summary and lead
    talks: bool = False  # the title reports talks ("discuss", "обсудили"), not an outcome


LEAD_SENTENCES = 2


def _supported(fa: FieldAnalysis, sentence: int, kinds: frozenset[str]) -> bool:
    """A vocabulary hit of one of ``kinds`` in ``sentence`` of the field (or anywhere in
    the title); weak cues ("close", "deal") are no supply content by themselves."""
    sentences = fa.support_sentences(kinds)
    if fa.name == "title":
        return bool(sentences)
    return sentence in sentences


_SUPPLY = frozenset({"supply", "cue"})


def _supply_title(fields: list[FieldAnalysis]) -> bool:
    """The title names a commodity and supply vocabulary: its news is about supply."""
    if not fields or fields[0].name != "title":
        return False
    title = fields[0]
    return any(h.term.kind == "commodity" for h in title.entities) and bool(title.support_sentences(_SUPPLY))


# Types whose cue in a title outweighs a cultural frame ("festival", "film"): the news is
# the measure or the deal, not the show.
_NEWS_OVER_CULTURE = frozenset({"export_control", "sanctions", "investment", "trade_deal", "disruption", "price", "policy"})
# ... and a consumer frame ("iPhone", "электросамокат"): there a fire or a halt is the product's
_NEWS_OVER_CONSUMER = _NEWS_OVER_CULTURE - {"disruption"}


def decide(
    fields: list[FieldAnalysis], gaz: Gazetteer, types: set[str], title_types: set[str] | None = None,
    need_type: bool = False,
) -> Relevance:
    """``need_type``: the item's language is one whose cue lexicons are complete enough that an
    item with no signal type reports no concrete development (``type_required`` in cues.yaml)."""
    a_hit: tuple[str, Hit] | None = None
    ca_hit: tuple[str, Hit] | None = None
    commodity_supported = False
    minerals = False
    minerals_named = False  # a minerals word anywhere, supported or not (see scope B (2))
    routes = False  # a route, transit or enforcement word beside a Central Asian country
    a_lead = ca_lead = False
    talks = False
    goods = False  # farm or consumer goods named in the title or lead
    any_commodity = False
    commodities, central_asia = gaz.commodities, gaz.central_asia
    # a headline about homes ("400 households get power") makes every power word domestic supply
    homes_title = bool(fields) and fields[0].name == "title" and fields[0].has_kind("households")
    for fa in fields:
        body = fa.name == "body"
        ca_sentences: set[int] = set()
        for hit, sentence in zip(fa.entities, fa.entity_sentences):
            kind, concept = hit.term.kind, hit.term.concept
            if kind == "commodity":
                any_commodity = True
                supported = _supported(fa, sentence, _SUPPLY)
                commodity_supported = commodity_supported or supported
                info = commodities.get(concept)
                if info is not None and info.critical and supported:
                    if a_hit is None:
                        a_hit = (fa.name, hit)
                    a_lead = a_lead or not body or sentence < LEAD_SENTENCES
            elif kind == "country" and concept in central_asia:
                ca_sentences.add(sentence)
                if ca_hit is None:
                    ca_hit = (fa.name, hit)
                ca_lead = ca_lead or not body or sentence < LEAD_SENTENCES
        if not minerals:
            minerals = any(_supported(fa, s, _SUPPLY) for s in fa.of_kind("minerals")[1])
            minerals_named = minerals_named or fa.has_kind("minerals")
        if not minerals and not homes_title and fa.has_kind("power"):  # power for export or industry, not homes
            homes = fa.of_kind("households")[1]
            minerals = any(_supported(fa, s, _SUPPLY) for s in fa.of_kind("power")[1] if s not in homes)
        if not routes:  # in the title, or in a sentence with a Central Asian country
            route_sentences = fa.of_kind("routes")[1]
            routes = bool(route_sentences) and (
                fa.name == "title" or not ca_sentences.isdisjoint(route_sentences)
            )
        talks = talks or (fa.name == "title" and fa.has_kind("talks"))
        if not goods and fa.has_kind("goods"):
            goods = not body or min(fa.of_kind("goods")[1]) < LEAD_SENTENCES
    result = Relevance(relevant=False)
    if a_hit is not None:
        result.scope.append("A")
        result.because["A"] = a_hit
    other_goods = goods and not any_commodity and not minerals
    if ca_hit is not None and (
        commodity_supported or minerals or (routes and not other_goods) or "sanctions" in types
        # a minerals word with a signal type: "ЕБРР выделит $150 млн на модернизацию Алмалыкского ГМК"
        # (the money makes the investment; no supply word stands beside the combine)
        or (minerals_named and bool(types))
    ):
        result.scope.append("B")
        result.because["B"] = ca_hit
    if result.scope and fields and fields[0].name == "title":
        title = fields[0]
        if (title.has_kind("culture") and not (title_types or set()) & _NEWS_OVER_CULTURE) or (
            title.has_kind("consumer") and not (title_types or set()) & _NEWS_OVER_CONSUMER
        ):
            result.scope = []
            result.because = {}
    if need_type and not types and result.scope and not _supply_title(fields):
        # minerals and supply words with nothing happening to them and a headline about something
        # else: a copper smelter's football club, fake gold jewellery, a company's shares, a band.
        # A headline about supply itself ("Добыча меди выросла на 7%") still carries the item.
        result.scope = []
        result.because = {}
    result.relevant = bool(result.scope)
    result.passing = result.relevant and not (
        ("A" in result.scope and a_lead) or ("B" in result.scope and ca_lead)
    )
    result.talks = talks
    return result
