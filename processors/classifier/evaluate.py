"""Precision, recall and F1 of the classifier against gold labels.

    report = evaluate(Classifier.default(), labelled_items)
    report.to_dict()["relevance"]["f1"]
    rich.print(report.render())

How each label is compared (DESIGN.md): relevance as a binary decision (the positive
class is "relevant"); signal types, countries, commodities and organisations as sets
per item, summed over items (micro) and per label; amounts by currency and value
within 1%, each gold amount matched at most once; severity per level over every
item (null counts as its own outcome and is not scored as a label).

Organisations are compared by identity, not spelling: a gold name that is, as a whole,
an alias of a gazetteer organisation counts as that organisation's canonical name
("MOFCOM" and "Ministry of Commerce of China" are one ministry). A gold name the
gazetteer does not know is compared as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

from oreradar.language import detect_language, normalise_lang, script_of
from oreradar.records import LabelledItem, Signal

__all__ = ["PRF", "LabelScores", "EvalReport", "evaluate", "evaluate_by_language", "language_group", "render_by_language"]


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else (1.0 if not self.fn else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
        }


@dataclass
class LabelScores:
    """Micro, macro and per-label scores of one multi-label field."""

    micro: PRF = field(default_factory=PRF)
    labels: dict[str, PRF] = field(default_factory=dict)

    def add(self, gold: Iterable[str], predicted: Iterable[str]) -> tuple[set[str], set[str]]:
        g, p = set(gold), set(predicted)
        for label in g | p:
            prf = self.labels.setdefault(label, PRF())
            if label in g and label in p:
                prf.tp += 1
                self.micro.tp += 1
            elif label in p:
                prf.fp += 1
                self.micro.fp += 1
            else:
                prf.fn += 1
                self.micro.fn += 1
        return g - p, p - g

    def macro(self) -> dict[str, Any]:
        scored = [prf for prf in self.labels.values() if prf.support]
        n = len(scored) or 1
        return {
            "precision": round(sum(x.precision for x in scored) / n, 4),
            "recall": round(sum(x.recall for x in scored) / n, 4),
            "f1": round(sum(x.f1 for x in scored) / n, 4),
            "support": sum(x.support for x in scored),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "micro": self.micro.to_dict(),
            "macro": self.macro(),
            "labels": {k: v.to_dict() for k, v in sorted(self.labels.items())},
        }


@dataclass
class EvalReport:
    items: int = 0
    relevance: PRF = field(default_factory=PRF)
    signal_types: LabelScores = field(default_factory=LabelScores)
    countries: LabelScores = field(default_factory=LabelScores)
    commodities: LabelScores = field(default_factory=LabelScores)
    organizations: LabelScores = field(default_factory=LabelScores)
    amounts: PRF = field(default_factory=PRF)
    severity: LabelScores = field(default_factory=LabelScores)
    mistakes: list[dict[str, Any]] = field(default_factory=list)  # per item: what was missed or extra

    def to_dict(self) -> dict[str, Any]:
        return {
            "relevance": self.relevance.to_dict(),
            "signal_types": self.signal_types.to_dict(),
            "countries": self.countries.to_dict(),
            "commodities": self.commodities.to_dict(),
            "organizations": self.organizations.to_dict(),
            "amounts": self.amounts.to_dict(),
            "severity": self.severity.to_dict(),
            "items": self.items,
        }

    def render(self) -> Table:
        """A rich table: one row per label, grouped by what is compared."""
        table = Table(title=f"oreradar classifier on {self.items} labelled items")
        for col in ("label", "precision", "recall", "F1", "support"):
            table.add_column(col, justify="left" if col == "label" else "right")

        def row(name: str, prf: PRF | dict[str, Any], style: str | None = None) -> None:
            d = prf.to_dict() if isinstance(prf, PRF) else prf
            table.add_row(
                name, f"{d['precision']:.3f}", f"{d['recall']:.3f}", f"{d['f1']:.3f}", str(d["support"]), style=style
            )

        row("relevance", self.relevance, "bold")
        row("amounts", self.amounts, "bold")
        for title, scores, per_label in (
            ("signal types", self.signal_types, True),
            ("countries", self.countries, False),
            ("commodities", self.commodities, True),
            ("organizations", self.organizations, False),
            ("severity", self.severity, True),
        ):
            table.add_section()
            row(f"{title} (micro)", scores.micro, "bold")
            row(f"{title} (macro)", scores.macro(), "bold")
            if per_label:
                for label, prf in sorted(scores.labels.items()):
                    row(f"  {label}", prf)
        return table


def _match_amounts(gold: list[tuple[float, str]], predicted: list[tuple[float, str]]) -> tuple[int, list, list]:
    left = list(predicted)
    missed = []
    tp = 0
    for value, currency in gold:
        for i, (pv, pc) in enumerate(left):
            if pc == currency and abs(pv - value) <= 0.01 * abs(value):
                tp += 1
                del left[i]
                break
        else:
            missed.append((value, currency))
    return tp, missed, left


def canonical_organization(classifier: Any, name: str) -> str:
    """The gazetteer's name for ``name`` when ``name`` is, from its first token to its
    last, one of that organisation's aliases; else ``name`` itself."""
    matcher = getattr(classifier, "matcher", None)
    if matcher is None:
        return name
    for hit in matcher.scan_text(name):
        if hit.term.kind == "organization" and hit.start == 0 and hit.end == len(name.rstrip()):
            return str(hit.term.concept)
    return name


def evaluate(classifier: Any, items: Iterable[LabelledItem]) -> EvalReport:
    """Classify every labelled item and compare with its gold labels."""
    report = EvalReport()
    for labelled in items:
        signal: Signal = classifier.classify(labelled.to_news_item())
        gold = labelled.gold
        report.items += 1
        wrong: dict[str, Any] = {}
        if gold.relevant and signal.relevant:
            report.relevance.tp += 1
        elif signal.relevant:
            report.relevance.fp += 1
            wrong["relevant"] = "extra"
        elif gold.relevant:
            report.relevance.fn += 1
            wrong["relevant"] = "missed"
        gold_labels = {
            "signal_types": gold.signal_types,
            "countries": gold.countries,
            "commodities": gold.commodities,
            "organizations": [canonical_organization(classifier, o) for o in gold.organizations],
        }
        for name, gold_names in gold_labels.items():
            missed, extra = getattr(report, name).add(gold_names, getattr(signal, name))
            if missed or extra:
                wrong[name] = {"missed": sorted(missed), "extra": sorted(extra)}
        g_sev = [gold.severity] if gold.severity else []
        p_sev = [signal.severity] if signal.severity else []
        missed, extra = report.severity.add(g_sev, p_sev)
        if missed or extra:
            wrong["severity"] = {"gold": gold.severity, "predicted": signal.severity}
        tp, a_missed, a_extra = _match_amounts(
            [(a.value, a.currency) for a in gold.amounts], [(a.value, a.currency) for a in signal.amounts]
        )
        report.amounts.tp += tp
        report.amounts.fn += len(a_missed)
        report.amounts.fp += len(a_extra)
        if a_missed or a_extra:
            wrong["amounts"] = {"missed": a_missed, "extra": a_extra}
        if wrong:
            wrong["id"] = signal.id
            report.mistakes.append(wrong)
    return report


def language_group(item: LabelledItem) -> str:
    """The group an item is scored in: its language (declared, else detected), with the
    script for Uzbek (``uz-latn``/``uz-cyrl``) and Chinese (``zh-hans``/``zh-hant``), told
    by the item's text."""
    text = " ".join(filter(None, (item.title, item.summary, item.body)))
    lang = normalise_lang(item.lang) or detect_language(text) or "und"
    script = script_of(lang, text)
    return f"{lang}-{script}" if script else lang


def evaluate_by_language(classifier: Any, items: Iterable[LabelledItem]) -> dict[str, EvalReport]:
    """:func:`evaluate` per language group (see :func:`language_group`); Uzbek and Chinese
    also get their whole-language report (``uz``, ``zh``) beside the per-script ones."""
    groups: dict[str, list[LabelledItem]] = {}
    for item in items:
        group = language_group(item)
        groups.setdefault(group, []).append(item)
        if "-" in group:
            groups.setdefault(group.split("-")[0], []).append(item)
    return {name: evaluate(classifier, groups[name]) for name in sorted(groups)}


def render_by_language(reports: dict[str, EvalReport]) -> Table:
    """One row per language group: F1 of relevance, signal types (micro), countries,
    commodities and organisations (micro), and the recall of relevant items."""
    table = Table(title="by language (F1)")
    for col in ("lang", "items", "rel. F1", "rel. recall", "types F1", "countries", "commod.", "orgs"):
        table.add_column(col, justify="left" if col == "lang" else "right")
    for name, r in reports.items():
        table.add_row(
            name, str(r.items), f"{r.relevance.f1:.3f}", f"{r.relevance.recall:.3f}", f"{r.signal_types.micro.f1:.3f}",
            f"{r.countries.micro.f1:.3f}", f"{r.commodities.micro.f1:.3f}", f"{r.organizations.micro.f1:.3f}",
        )
    return table
