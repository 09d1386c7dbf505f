"""The story book: every open story, and what one more report does to it.

    >>> book = StoryBook(JoinRules.load(), min_severity="low")
    >>> decision = book.add(signal, received=record_time, now=wall_clock)     # doctest: +SKIP
    >>> decision.outcome, decision.alert.revision                            # doctest: +SKIP
    ('new_story', 1)

Pure: no Kafka, no clock of its own (times are handed in). The Faust agent keeps each
story's :meth:`Story.to_dict` in a changelog-backed table and rebuilds the book from it
with :meth:`StoryBook.load` after a restart or rebalance.

Time is the reports' own (published, else when the record was written), so a replay
decides as the live stream did. The book's clock is the latest report time seen (the
watermark): it only moves forward, stories opened more than the window before it expire,
and a report dated more than ``max_future`` past the wall clock is re-dated to when it
was received (a counted skew, not a story that expires everything else).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from oreradar.records import SEVERITIES, Alert, Amount, JoinEvidence, Signal, StorySource
from processors.stories.config import JoinRules
from processors.stories.features import Lemmatize, Report, default_lemmatize, new_minhash
from processors.stories.match import compare, format_amount

__all__ = ["StoryBook", "Story", "Decision", "LeadTime", "STATE_VERSION", "OUTCOMES", "story_id_for", "assemble",
           "report_key"]

log = logging.getLogger(__name__)

STATE_VERSION = 1
OUTCOMES = ("new_story", "revision", "copy", "no_change", "duplicate")  # Decision.outcome may also be "ignored"


def story_id_for(first_report_id: str) -> str:
    """The same id ``Alert.from_signal`` derives, so a one-report story keeps it."""
    return "s-" + hashlib.sha256(("story:" + first_report_id).encode()).hexdigest()[:16]


def report_key(report_id: str) -> str:
    """Table key of a report's entry (story ids start with ``s-``, so the two never meet)."""
    return "r:" + report_id


def assemble(entries: Iterable[tuple[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str]]]:
    """Table entries -> story id -> the story as ``Story.to_dict()``; and (key, reason) of entries skipped.

    Skipped: entries of another version or shape, reports whose story header is gone, and
    stories missing some of their reports (a torn write: the story is dropped whole).
    """
    headers: dict[str, dict[str, Any]] = {}
    members: dict[str, list[dict[str, Any]]] = {}
    skipped: list[tuple[str, str]] = []
    for key, value in entries:
        if not isinstance(value, dict) or value.get("version") != STATE_VERSION:
            version = value.get("version") if isinstance(value, dict) else type(value).__name__
            skipped.append((key, f"table entry of version {version!r}, this worker reads version {STATE_VERSION}"))
        elif value.get("kind") == "story" and isinstance(value.get("story_id"), str):
            headers[value["story_id"]] = value
        elif value.get("kind") == "report" and isinstance(value.get("story_id"), str):
            members.setdefault(value["story_id"], []).append({**value, "_key": key})
        else:
            skipped.append((key, "table entry of no known kind"))
    stories: dict[str, dict[str, Any]] = {}
    for sid, header in headers.items():
        parts = sorted(members.pop(sid, []), key=lambda e: e.get("seq", 0))
        if len(parts) != header.get("size"):
            skipped.append((sid, f"story has {len(parts)} of its {header.get('size')} reports"))
            skipped.extend((p["_key"], "its story is incomplete") for p in parts)
            continue
        story = {k: v for k, v in header.items() if k not in ("kind", "size")}
        story["sources"] = [p["source"] for p in parts]
        story["reports"] = [p["report"] for p in parts if p.get("report") is not None]
        stories[sid] = story
    for sid, parts in members.items():
        skipped.extend((p["_key"], f"report of story {sid}, which is gone") for p in parts)
    return stories, skipped


def _rank(severity: str | None) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def _add_new(target: list[str], items: Iterable[str]) -> list[str]:
    added = [x for x in items if x not in target]
    target.extend(added)
    return added


@dataclass
class Story:
    story_id: str
    opened: datetime
    reports: list[Report] = field(default_factory=list)
    sources: list[StorySource] = field(default_factory=list)
    severity: str = "low"
    signal_types: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    commodities: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    revision: int = 0  # alerts emitted so far
    alerted: dict[str, Any] = field(default_factory=dict)  # what the last alert said
    relevant: int = 0  # reports the classifier found relevant; 0 = a latent story (see StoryBook._follow)
    # to_dict() runs after every report; sources and reports never change once added, so
    # their dicts are made once (a story of forty sources is written forty times).
    _dicts: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"sources": [], "reports": []},
                                                    repr=False, compare=False)

    @property
    def latent(self) -> bool:
        return self.relevant == 0

    def amount_keys(self) -> list[str]:
        return [format_amount(a.value, a.currency) for a in self.amounts]

    def snapshot(self) -> dict[str, Any]:
        return {
            "severity": self.severity, "signal_types": list(self.signal_types), "countries": list(self.countries),
            "commodities": list(self.commodities), "amounts": self.amount_keys(), "langs": list(self.langs),
        }

    def changes_since_alert(self) -> list[str]:
        """What a reader of the last alert does not know yet (empty: nothing worth a revision)."""
        if self.revision == 0:
            return ["new story"]
        before = self.alerted
        out: list[str] = []
        if _rank(self.severity) > _rank(before.get("severity")):
            out.append(f"severity {before.get('severity')} -> {self.severity}")
        for key, label in (("signal_types", "type"), ("countries", "country"), ("commodities", "commodity"),
                           ("amounts", "amount"), ("langs", "language")):
            now = self.amount_keys() if key == "amounts" else getattr(self, key)
            out.extend(f"{label} +{x}" for x in now if x not in before.get(key, []))
        return out

    def _cached(self, name: str, values: list[Any]) -> list[dict[str, Any]]:
        done = self._dicts[name]
        done.extend(v.to_dict() for v in values[len(done):])
        return list(done)

    def table_entries(self, only_last: bool = False) -> dict[str, dict[str, Any]]:
        """The story as table entries: its header under its id, one entry per report.

        Written after each report: the header and the new report's entry, so a write costs
        the same for the fortieth report as for the first (see :func:`assemble`).
        """
        full = self.to_dict()
        header = {k: v for k, v in full.items() if k not in ("reports", "sources")}
        header["kind"] = "story"
        header["size"] = len(self.sources)
        reports = {r["id"]: r for r in full["reports"]}
        out = {self.story_id: header}
        indexes = range(len(self.sources) - 1, len(self.sources)) if only_last else range(len(self.sources))
        for index in indexes:
            source = full["sources"][index]
            out[report_key(source["id"])] = {
                "version": STATE_VERSION, "kind": "report", "story_id": self.story_id, "seq": index,
                "source": source, "report": reports.get(source["id"]),
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION, "story_id": self.story_id, "opened": self.opened.isoformat(),
            "reports": self._cached("reports", self.reports), "sources": self._cached("sources", self.sources),
            "severity": self.severity, "signal_types": self.signal_types, "countries": self.countries,
            "commodities": self.commodities, "organizations": self.organizations,
            "amounts": [a.to_dict() for a in self.amounts], "langs": self.langs,
            "revision": self.revision, "alerted": self.alerted, "relevant": self.relevant,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Story:
        """Raises ValueError on an entry of another version or shape (the caller counts and drops it)."""
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            version = data.get("version") if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"story entry of version {version!r}, this worker reads version {STATE_VERSION}")
        try:
            return cls(
                story_id=str(data["story_id"]), opened=datetime.fromisoformat(data["opened"]),
                reports=[Report.from_dict(r) for r in data["reports"]],
                sources=[StorySource.from_dict(s) for s in data["sources"]],
                severity=str(data["severity"]), signal_types=list(data["signal_types"]),
                countries=list(data["countries"]), commodities=list(data["commodities"]),
                organizations=list(data["organizations"]), amounts=[Amount.from_dict(a) for a in data["amounts"]],
                langs=list(data["langs"]), revision=int(data["revision"]), alerted=dict(data["alerted"]),
                relevant=int(data["relevant"]),
            )
        except Exception as exc:  # any malformed part: one story lost and counted, not a crashed worker
            raise ValueError(f"story entry {data.get('story_id')!r} is malformed: {type(exc).__name__}: {exc}") from exc


@dataclass(frozen=True)
class LeadTime:
    """A later report of a story from an outlet not seen before, and how long after the first it came."""

    first_lang: str
    later_lang: str
    seconds: float


@dataclass
class Decision:
    outcome: str  # one of OUTCOMES
    report: Report | None = None
    story_id: str | None = None
    alert: Alert | None = None
    join: JoinEvidence | None = None
    lead_times: list[LeadTime] = field(default_factory=list)
    clock_skew: bool = False


class StoryBook:
    def __init__(
        self,
        rules: JoinRules,
        *,
        min_severity: str = "low",
        lemmatize: Lemmatize = default_lemmatize,
        max_future: timedelta = timedelta(days=1),
    ):
        self.rules = rules
        self.min_severity = min_severity
        self.lemmatize = lemmatize
        self.max_future = max_future
        self.stories: dict[str, Story] = {}
        self.watermark: datetime | None = None
        self._story_of: dict[str, str] = {}  # report id -> story id
        self._by_entity: dict[str, set[str]] = {}  # "commodity:gallium" -> story ids
        self._lsh = MinHashLSH(threshold=rules.copy_threshold, num_perm=rules.num_perm)

    # --- state ------------------------------------------------------------------------

    def load(self, entries: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
        """Rebuild from table entries (:meth:`Story.table_entries`); returns (key, reason) of each entry skipped."""
        stories, skipped = assemble(entries)
        for key, value in stories.items():
            try:
                story = Story.from_dict(value)
            except ValueError as exc:
                skipped.append((key, str(exc)))
                continue
            self._index(story)
            latest = max(r.time for r in story.reports) if story.reports else story.opened
            self.watermark = max(self.watermark, latest) if self.watermark else latest
        return skipped

    def _index(self, story: Story) -> None:
        self.stories[story.story_id] = story
        for source in story.sources:
            self._story_of[source.id] = story.story_id
        for report in story.reports:
            self._index_report(story.story_id, report)

    def _index_report(self, story_id: str, report: Report) -> None:
        self._story_of[report.id] = story_id
        for token in self._tokens(report):
            self._by_entity.setdefault(token, set()).add(story_id)
        if report.id not in self._lsh.keys:
            self._lsh.insert(report.id, self._minhash(report))

    def _minhash(self, report: Report) -> MinHash:
        return new_minhash(self.rules.num_perm, np.array(report.minhash, dtype=np.uint64))

    @staticmethod
    def _tokens(report: Report) -> Iterator[str]:
        for c in report.commodities:
            yield "commodity:" + c
        for o in report.organizations:
            yield "organization:" + o

    def expire(self) -> list[Story]:
        """Drop stories opened more than the window before the watermark; returns them."""
        if self.watermark is None:
            return []
        horizon = self.watermark - self.rules.window
        gone = [sid for sid, story in self.stories.items() if story.opened < horizon]
        removed = []
        for sid in gone:
            story = self.stories.pop(sid)
            removed.append(story)
            for source in story.sources:
                self._story_of.pop(source.id, None)
            for report in story.reports:
                if report.id in self._lsh.keys:
                    self._lsh.remove(report.id)
                for token in self._tokens(report):
                    ids = self._by_entity.get(token)
                    if ids is not None:
                        ids.discard(sid)
                        if not ids:
                            del self._by_entity[token]
        return removed

    # --- one report -------------------------------------------------------------------

    def add(self, signal: Signal, *, received: datetime, now: datetime) -> Decision:
        """Assign one signal to a story (new or open) and say what, if anything, to alert.

        A relevant signal always lands in a story; one that is not relevant only follows an
        open story it matches closely (``follow_threshold``), else it is ``ignored``.
        """
        if signal.id in self._story_of:
            return Decision("duplicate", story_id=self._story_of[signal.id])
        report = Report.from_signal(
            signal, received=received, lemmatize=self.lemmatize, stopwords=self.rules.stopwords,
            num_perm=self.rules.num_perm,
        )
        skew = report.time > now + self.max_future
        if skew:
            log.warning("report %s is dated %s, past the clock (%s): using when it was received", report.id,
                        report.time.isoformat(), now.isoformat())
            report = _retimed(report, min(received, now))
        self.watermark = max(self.watermark, report.time) if self.watermark else report.time
        story, join = self._best_story(report)
        if not signal.relevant:
            return self._follow(story, join, report, signal, skew)
        if story is None:
            story = Story(story_id_for(report.id), opened=report.time)
            self.stories[story.story_id] = story
            outcome = "new_story"
        elif story.latent:
            outcome = "new_story"  # its first relevant report: the story starts to count
        else:
            outcome = "copy" if join is not None and join.method == "copy" else "no_change"
        lead = self._lead_time(story, report)
        self._merge(story, report, signal, join)
        alert = None
        if outcome != "copy":
            changes = story.changes_since_alert()
            if changes and _rank(story.severity) >= _rank(self.min_severity):
                alert = self._raise(story, signal, changes, now)
                if outcome == "no_change":
                    outcome = "revision"
        return Decision(outcome, report, story.story_id, alert, join, lead, skew)

    def _follow(self, story: Story | None, join: JoinEvidence | None, report: Report, signal: Signal,
                skew: bool) -> Decision:
        """A report the classifier did not find relevant (often in a language it reads less
        well) alerts nothing. A close match makes it a follower of an open story (one more
        outlet and language, for lead times); one that names a commodity or organisation and
        matches nothing opens a latent story, which a relevant report may join later: then
        the story starts, and its lead times show who carried the event first."""
        if story is None or join is None:
            if not (report.commodities - self.rules.generic_commodities or report.organizations):
                return Decision("ignored", report, clock_skew=skew)
            story = Story(story_id_for(report.id), opened=report.time)
            self.stories[story.story_id] = story
            self._merge(story, report, signal, None, follower=True)
            return Decision("ignored", report, story.story_id, clock_skew=skew)
        if join.method == "event" and join.score < self.rules.follow_threshold:
            return Decision("ignored", report, clock_skew=skew)
        lead = self._lead_time(story, report)
        self._merge(story, report, signal, join, follower=True)
        outcome = "ignored" if story.latent else "copy" if join.method == "copy" else "no_change"
        return Decision(outcome, report, story.story_id, None, join, lead, skew)

    def _open(self, story_id: str | None, report: Report) -> Story | None:
        story = self.stories.get(story_id) if story_id is not None else None
        return story if story is not None and abs(report.time - story.opened) <= self.rules.window else None

    def _best_story(self, report: Report) -> tuple[Story | None, JoinEvidence | None]:
        """A copy first (the LSH index, checked on the signatures); else the best event match."""
        best: tuple[float, Story, JoinEvidence] | None = None
        for rid in sorted(self._lsh.query(self._minhash(report))):  # sorted: ties resolve alike on every replay
            story = self._open(self._story_of.get(rid), report)
            old = next((r for r in story.reports if r.id == rid), None) if story is not None else None
            if story is None or old is None:
                continue
            evidence = compare(report, old, self.rules)
            if evidence is not None and evidence.method == "copy" and (best is None or evidence.score > best[0]):
                best = (evidence.score, story, evidence)
        if best is not None:
            return best[1], best[2]
        candidates = {sid for token in self._tokens(report) for sid in self._by_entity.get(token, ())}
        for sid in sorted(candidates):
            story = self._open(sid, report)
            if story is None:
                continue
            for old in story.reports:
                evidence = compare(report, old, self.rules, copies=False)
                if evidence is not None and (best is None or evidence.score > best[0]):
                    best = (evidence.score, story, evidence)
        return (best[1], best[2]) if best else (None, None)

    @staticmethod
    def _lead_time(story: Story, report: Report) -> list[LeadTime]:
        """A new outlet on the story: how long after its first report (or before it, then it is the first)."""
        dated = [s for s in story.sources if s.published is not None]
        if not dated or any(s.source == report.source and report.source for s in story.sources):
            return []
        first = min(dated, key=lambda s: s.published)  # type: ignore[arg-type, return-value]
        assert first.published is not None
        first_lang = first.lang or "und"
        if report.time >= first.published:
            return [LeadTime(first_lang, report.lang, (report.time - first.published).total_seconds())]
        return [LeadTime(report.lang, first_lang, (first.published - report.time).total_seconds())]

    def _merge(self, story: Story, report: Report, signal: Signal, join: JoinEvidence | None,
               *, follower: bool = False) -> None:
        copy = join is not None and join.method == "copy"
        if not copy:  # a copy matches nothing its original does not: keep only its source line
            story.reports.append(report)
        story.opened = min(story.opened, report.time)
        story.sources.append(StorySource(
            id=report.id, source=report.source, url=report.url, lang=report.lang, published=report.time,
            copy_of=join.joined_to if join is not None and join.method == "copy" else None, join=join,
        ))
        self._story_of[report.id] = story.story_id
        if not copy:
            self._index_report(story.story_id, report)
        if follower:
            return  # what the story says comes from relevant reports only
        story.relevant += 1
        if _rank(report.severity) > _rank(story.severity) or story.relevant == 1:
            story.severity = report.severity
        _add_new(story.signal_types, signal.signal_types)
        _add_new(story.countries, signal.countries)
        _add_new(story.commodities, signal.commodities)
        _add_new(story.organizations, signal.organizations)
        _add_new(story.langs, [report.lang])
        known = {(a.value, a.currency) for a in story.amounts}
        for amount in signal.amounts:
            if not any(c == amount.currency and abs(v - amount.value) <= self.rules.amount_tolerance * v
                       for v, c in known):
                story.amounts.append(amount)
                known.add((amount.value, amount.currency))

    def _raise(self, story: Story, signal: Signal, changes: list[str], now: datetime) -> Alert:
        story.revision += 1
        story.alerted = story.snapshot()
        merged: dict[str, Any] = {
            "signal_types": list(story.signal_types), "countries": list(story.countries),
            "commodities": list(story.commodities), "organizations": list(story.organizations),
            "amounts": list(story.amounts), "severity": story.severity,
        }
        fields: dict[str, Any] = {k: v for k, v in signal.model_dump().items() if k not in merged}
        fields.update(merged)
        fields.update(
            alert_id=Alert.make_alert_id(story.story_id, story.revision), story_id=story.story_id,
            revision=story.revision, sources=list(story.sources), changes=changes, created=now,
        )
        return Alert(**fields)


def _retimed(report: Report, when: datetime) -> Report:
    from dataclasses import replace

    return replace(report, time=when)
