"""The records that cross topics and files, declared once and shared by every stage.

    >>> item = NewsItem.create(source="seeds/a.txt", title="Beijing bans gallium exports")
    >>> NewsItem.from_json(item.to_json()) == item
    True

``from_json`` raises :class:`~oreradar.errors.RecordError` naming the field that failed,
which is what a dead-letter entry reports.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from oreradar.canonical_url import canonical_url
from oreradar.errors import RecordError

__all__ = [
    "SIGNAL_TYPES",
    "SEVERITIES",
    "EVIDENCE_KINDS",
    "NewsItem",
    "Amount",
    "Evidence",
    "Signal",
    "Alert",
    "AnyAlert",
    "JoinEvidence",
    "StorySource",
    "TrendAlert",
    "parse_alert",
    "Gold",
    "GoldAmount",
    "LabelledItem",
    "DeadLetter",
    "make_item_id",
    "utc_now",
]

SIGNAL_TYPES: tuple[str, ...] = (
    "export_control",
    "trade_deal",
    "investment",
    "sanctions",
    "disruption",
    "price",
    "discovery",
    "policy",
    "logistics",
    "geopolitics",
)
# The severity vocabulary, declared here only: lowest first (the order thresholds compare by).
Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = get_args(Severity)
EVIDENCE_KINDS: tuple[str, ...] = ("country", "commodity", "organization", "signal_type", "amount", "scope")

Field_ = Literal["title", "summary", "body"]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(published: datetime | str | None) -> str:
    """``published`` as one string whatever form it came in (a feed's datetime, a JSONL string)."""
    if published is None or published == "":
        return ""
    if isinstance(published, str):
        try:
            when = datetime.fromisoformat(published.strip())
        except ValueError:
            return published.strip()  # not ISO 8601: hash it as written
    else:
        when = published
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat()


def make_item_id(
    *,
    url: str | None = None,
    guid: str | None = None,
    title: str | None = None,
    summary: str | None = None,
    body: str | None = None,
    published: datetime | str | None = None,
) -> str:
    """The one stable id of an article, whichever route it came by (feed, replay, corpus, CLI).

    Hash of the canonical URL, else of the feed's guid, else of the text (title, else the
    first 200 characters of summary, else of body) with the published time in UTC. The
    URL is canonicalised here (tracking parameters, case, default port), so a link with
    ``?utm_source=rss`` and the bare one give the same id; a URL that is not http(s) falls
    back to the guid. 16 hex digits are plenty for de-duplication at news scale and match
    the seed files' names.
    """
    canonical = canonical_url(url) if url else None
    text = title or (summary or "")[:200] or (body or "")[:200]
    if canonical:
        basis = "url:" + canonical
    elif guid and guid.strip():
        basis = "guid:" + guid.strip()
    elif text.strip():
        basis = "title:" + text.strip() + "|" + _stamp(published)
    else:
        raise RecordError("cannot make an item id: no url, guid or text", field="id")
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


class _Record(BaseModel):
    """JSON in, JSON out, errors that name the field."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    # Set on records read in bulk whose fields validate alike from JSON and from Python
    # (no strict fields, no validators that look at Python types): NewsItem, once per
    # record of news.raw in the worker.
    _parse_json_in_one_pass: ClassVar[bool] = False

    def to_json(self) -> bytes:
        # The same bytes as model_dump_json().encode(), without the round trip through str
        # (the worker writes one record per item).
        return self.__pydantic_serializer__.to_json(self)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, raw: bytes | str):  # type: ignore[no-untyped-def]
        if cls._parse_json_in_one_pass:
            # pydantic-core parses and validates in one pass. For these records it builds
            # the same record as json.loads + model_validate; whatever it refuses (bad
            # JSON, a BOM, UTF-16, a bad field) goes the slow way below, which words the
            # error as it always has.
            try:
                return cls.model_validate_json(raw)
            except ValidationError:
                pass
        try:
            data = json.loads(raw)
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer of 5,000 digits
            raise RecordError(f"not valid JSON: {exc}") from exc
        except RecursionError as exc:  # '[[[[…' a hundred thousand deep
            raise RecordError("not valid JSON: nested too deeply") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any):  # type: ignore[no-untyped-def]
        if not isinstance(data, dict):
            raise RecordError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(record)"
            item_id = data.get("id") if isinstance(data.get("id"), str) else None
            raise RecordError(
                f"{cls.__name__} {item_id or '(no id)'}: field {where!r}: {first['msg']}",
                item_id=item_id,
                field=where,
            ) from exc


class _Article(_Record):
    """The article fields a NewsItem and a labelled corpus line share."""

    id: str | None = None
    source: str = ""
    url: str | None = None
    title: str = ""
    summary: str = ""
    body: str = ""
    lang: str | None = None
    published: datetime | None = None

    @field_validator("title", "summary", "body", "source", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return "" if v is None else v


class NewsItem(_Article):
    """One article as published on ``news.raw`` (key = ``id``)."""

    id: str = Field(min_length=1)
    fetched: datetime = Field(default_factory=utc_now)
    _parse_json_in_one_pass: ClassVar[bool] = True

    @field_validator("published", "fetched")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        if v is None:
            return None
        return v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v.astimezone(timezone.utc)

    @model_validator(mode="after")
    def _has_text(self) -> NewsItem:
        if not (self.title.strip() or self.body.strip() or self.summary.strip()):
            raise ValueError("a NewsItem needs a non-empty title, summary or body")
        return self

    @classmethod
    def create(
        cls,
        *,
        source: str,
        title: str = "",
        summary: str = "",
        body: str = "",
        url: str | None = None,
        guid: str | None = None,
        lang: str | None = None,
        published: datetime | None = None,
        fetched: datetime | None = None,
    ) -> NewsItem:
        """Build an item, deriving its stable id the DESIGN.md way."""
        item_id = make_item_id(url=url, guid=guid, title=title, summary=summary, body=body, published=published)
        return cls(
            id=item_id,
            source=source,
            url=url,
            title=title,
            summary=summary,
            body=body,
            lang=lang,
            published=published,
            fetched=fetched or utc_now(),
        )

    def field_text(self, name: str) -> str:
        return str(getattr(self, name) or "")


class Amount(_Record):
    value: float
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    text: str
    field: Field_
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Evidence(_Record):
    """Why a decision fired: a matched term, what it stands for, and where it stands."""

    concept: str
    kind: Literal["country", "commodity", "organization", "signal_type", "amount", "scope"]
    field: Field_
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class Signal(_Record):
    """The classifier's decision on one item (on ``news.signals``), relevant or not."""

    id: str
    relevant: bool
    scope: list[Literal["A", "B"]] = Field(default_factory=list)
    signal_types: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    commodities: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    amounts: list[Amount] = Field(default_factory=list)
    severity: Severity | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    lang: str | None = None
    title: str = ""
    url: str | None = None
    # Set by the classify stage from the NewsItem, for the stories stage (which never sees
    # the item): the outlet, when it was published, and the lead (summary or first part of
    # the body) that near-copy detection and lemma overlap read. Absent on older records.
    source: str | None = None
    published: datetime | None = None
    lead: str | None = None

    @field_validator("signal_types")
    @classmethod
    def _known_types(cls, v: list[str]) -> list[str]:
        unknown = sorted(set(v) - set(SIGNAL_TYPES))
        if unknown:
            raise ValueError(f"unknown signal types {unknown}; known: {', '.join(SIGNAL_TYPES)}")
        return v

    @model_validator(mode="after")
    def _severity_iff_relevant(self) -> Signal:
        if self.relevant and self.severity is None:
            raise ValueError("a relevant signal needs a severity")
        if not self.relevant and self.severity is not None:
            raise ValueError("severity must be null when the item is not relevant")
        return self


class JoinEvidence(_Record):
    """Why a report joined a story: what it shared with the closest report already there."""

    joined_to: str = Field(description="item id of the story's report it matched best")
    method: Literal["copy", "event"] = Field(description="copy: near-identical text (MinHash); event: same event, reworded")
    score: float
    countries: list[str] = Field(default_factory=list)
    commodities: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    signal_types: list[str] = Field(default_factory=list)
    amounts: list[str] = Field(default_factory=list, description="shared money figures, e.g. '12400000000 USD'")
    terms: list[str] = Field(default_factory=list, description="shared lemmas")


class StorySource(_Record):
    """One report of a story, as the alert lists it."""

    id: str
    source: str = ""
    url: str | None = None
    lang: str | None = None
    published: datetime | None = None
    copy_of: str | None = None  # item id this report copies (a wire re-publication)
    join: JoinEvidence | None = None  # null for the report that opened the story


class Alert(Signal):
    """One revision of a story (on ``alerts``): the Signal fields merged over its reports.

    ``id``, ``title``, ``url``, ``lang`` and ``evidence`` are those of the report that raised
    this revision; the lists are unions over the story and ``severity`` its highest.
    """

    kind: Literal["story"] = "story"
    alert_id: str
    story_id: str
    revision: int = Field(1, ge=1)
    sources: list[StorySource] = Field(default_factory=list)
    changes: list[str] = Field(default_factory=list, description="what this revision adds to the previous one")
    created: datetime = Field(default_factory=utc_now)
    subscriptions: list[str] = Field(default_factory=list)

    @staticmethod
    def make_alert_id(story_id: str, revision: int) -> str:
        """Stable per story revision, so delivery stays idempotent under at-least-once."""
        return hashlib.sha256(f"alert:{story_id}:{revision}".encode()).hexdigest()[:20]

    @classmethod
    def from_signal(cls, signal: Signal, subscriptions: list[str] | None = None, *, story_id: str | None = None,
                    source: StorySource | None = None) -> Alert:
        """Revision 1 of a story that this signal opens (the story id defaults to one derived from the item)."""
        story_id = story_id or "s-" + hashlib.sha256(("story:" + signal.id).encode()).hexdigest()[:16]
        # The signal is validated already: construct without validating its evidence again
        # (re-validation cost as much as a fifth of a classification, per item, in the worker).
        return cls.model_construct(
            **{name: getattr(signal, name) for name in Signal.model_fields},
            kind="story",
            alert_id=cls.make_alert_id(story_id, 1),
            story_id=story_id,
            revision=1,
            sources=[source or StorySource(id=signal.id, url=signal.url, lang=signal.lang)],
            changes=[],
            created=utc_now(),
            subscriptions=list(subscriptions or []),
        )


class TrendAlert(_Record):
    """A spike in signals per (country, commodity, signal type) against a trailing baseline (on ``alerts``)."""

    kind: Literal["trend"] = "trend"
    alert_id: str
    country: str
    commodity: str
    signal_type: str
    bucket_start: datetime = Field(description="start of the hour whose count spiked")
    count: int = Field(ge=0)
    baseline: float = Field(ge=0, description="mean count per hour over the trailing window")
    p_value: float = Field(ge=0, le=1, description="Poisson tail P(X >= count | baseline)")
    severity: Severity = "medium"
    story_ids: list[str] = Field(default_factory=list)
    created: datetime = Field(default_factory=utc_now)
    subscriptions: list[str] = Field(default_factory=list)


AnyAlert = Alert | TrendAlert


def parse_alert(raw: bytes | str) -> AnyAlert:
    """An ``alerts`` record, by its ``kind`` (records without one are story alerts)."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"not valid JSON: {exc}") from exc
    if isinstance(data, dict) and data.get("kind") == "trend":
        return TrendAlert.from_dict(data)
    return Alert.from_dict(data)


class GoldAmount(_Record):
    value: float
    currency: str


class Gold(_Record):
    relevant: bool
    signal_types: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    commodities: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    amounts: list[GoldAmount] = Field(default_factory=list)
    severity: Severity | None = None


class LabelledItem(_Article):
    """A corpus line: a NewsItem (fields may be missing but title or body) plus ``gold``."""

    gold: Gold

    def to_news_item(self) -> NewsItem:
        item_id = self.id or make_item_id(
            url=self.url, title=self.title, summary=self.summary, body=self.body, published=self.published
        )
        return NewsItem(
            id=item_id,
            source=self.source or "corpus",
            url=self.url,
            title=self.title,
            summary=self.summary,
            body=self.body,
            lang=self.lang,
            published=self.published,
        )


class DeadLetter(_Record):
    """What ``news.deadletter`` carries: the reason, where it happened, the original bytes."""

    stage: str
    reason: str
    topic: str
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    item_id: str | None = None
    field: str | None = None
    original: str = Field(description="the original value, decoded as UTF-8 with replacement")
    original_b64: str = Field(description="the original value, base64, byte for byte")
    created: datetime = Field(default_factory=utc_now)
