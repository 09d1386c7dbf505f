"""The story book: revisions, copies, duplicates, followers, expiry, state round trips."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from oreradar.records import Amount, Signal
from processors.stories import JoinRules, StoryBook
from processors.stories.book import Story, story_id_for

T0 = datetime(2025, 6, 1, 8, 0, tzinfo=timezone.utc)
NOW = T0 + timedelta(days=30)
LEAD = "Exporters of gallium will need a licence for every shipment from April, the ministry said in Beijing on Monday."


def lemmas(words: list[str]) -> list[str]:
    return [w.lower() for w in words]


def book(**kwargs: Any) -> StoryBook:
    return StoryBook(JoinRules.load(), lemmatize=lemmas, **kwargs)


def sig(item_id: str, hours: float = 0, *, lang: str = "en", severity: str | None = "high", relevant: bool = True,
        title: str = "China curbs gallium exports", lead: str = LEAD, source: str | None = None,
        **fields: Any) -> Signal:
    base: dict[str, Any] = dict(signal_types=["export_control"], countries=["CN"], commodities=["gallium"])
    base.update(fields)
    return Signal(id=item_id, relevant=relevant, severity=severity if relevant else None, lang=lang, title=title,
                  lead=lead, source=source or f"outlet-{item_id}", published=T0 + timedelta(hours=hours), **base)


def add(b: StoryBook, s: Signal):  # type: ignore[no-untyped-def]
    return b.add(s, received=s.published or T0, now=NOW)


def test_first_report_opens_revision_one_with_the_alert_id_of_the_story() -> None:
    d = add(b := book(), sig("a"))
    assert d.outcome == "new_story" and d.alert is not None and d.alert.revision == 1
    assert d.alert.story_id == story_id_for("a") and d.alert.changes == ["new story"]
    assert d.alert.sources[0].join is None and b.watermark == T0


def test_revisions_only_when_a_reader_learns_something() -> None:
    b = book()
    add(b, sig("a"))
    same = add(b, sig("b", 1, title="Beijing limits gallium exports", lead="Gallium exporters need licences now."))
    assert same.outcome == "no_change" and same.alert is None and same.join is not None
    worse = add(b, sig("c", 2, severity="critical", title="China bans gallium exports", lead="A full ban."))
    assert worse.outcome == "revision" and worse.alert is not None and worse.alert.revision == 2
    assert worse.alert.changes == ["severity high -> critical"]
    russian = add(b, sig("d", 3, lang="ru", title="Китай запретил экспорт галлия", lead="Полный запрет."))
    assert russian.alert is not None and russian.alert.changes == ["language +ru"]
    money = add(b, sig("e", 4, title="China gallium ban hits $500 million trade", lead="Trade worth $500 million.",
                       amounts=[Amount(value=5e8, currency="USD", text="$500 million", field="title", start=0, end=1)]))
    assert money.alert is not None and money.alert.changes == ["amount +500000000 USD"]
    assert money.alert.revision == 4 and len(money.alert.sources) == 5
    assert money.alert.severity == "critical" and {a.value for a in money.alert.amounts} == {5e8}


def test_copies_are_recorded_not_alerted_and_duplicates_dropped() -> None:
    b = book()
    add(b, sig("a"))
    copy = add(b, sig("b", 1, lang="ru", severity="critical"))  # same text: a copy even if it says more
    assert copy.outcome == "copy" and copy.alert is None and copy.join is not None and copy.join.method == "copy"
    again = add(b, sig("a"))
    assert again.outcome == "duplicate" and again.story_id == story_id_for("a")
    story = b.stories[story_id_for("a")]
    assert [s.copy_of for s in story.sources] == [None, "a"]


def test_severity_floor_holds_alerts_until_the_story_reaches_it() -> None:
    b = book(min_severity="high")
    low = add(b, sig("a", severity="medium"))
    assert low.outcome == "new_story" and low.alert is None
    high = add(b, sig("b", 1, severity="high", title="China bans gallium", lead="Ban."))
    assert high.alert is not None and high.alert.revision == 1 and high.alert.changes == ["new story"]


def test_window_keeps_a_months_later_look_alike_apart() -> None:
    b = book()
    add(b, sig("a"))
    later = add(b, sig("b", 24 * 90, title="China curbs gallium exports", lead=LEAD))
    assert later.outcome == "new_story" and later.story_id != story_id_for("a")


def test_not_relevant_reports_follow_or_open_a_latent_story_and_lead_times_see_them() -> None:
    b = book()
    first = add(b, sig("zh", 0, lang="zh", relevant=False, title="中国加强镓出口管制", lead="商务部"))
    assert first.outcome == "ignored" and first.alert is None and b.stories[story_id_for("zh")].latent
    en = add(b, sig("en", 2))
    assert en.outcome == "new_story" and en.alert is not None and en.story_id == story_id_for("zh")
    assert [s.id for s in en.alert.sources] == ["zh", "en"]
    assert [(lt.first_lang, lt.later_lang, lt.seconds) for lt in en.lead_times] == [("zh", "en", 7200.0)]
    bare = add(b, sig("x", 3, relevant=False, commodities=[], organizations=[], title="football", lead="derby"))
    assert bare.outcome == "ignored" and bare.story_id is None


def test_expiry_drops_stories_older_than_the_window() -> None:
    b = book()
    add(b, sig("a"))
    add(b, sig("b", 100, commodities=["antimony"], title="Tajikistan bans antimony exports", lead="Antimony."))
    assert [s.story_id for s in b.expire()] == [story_id_for("a")] and story_id_for("b") in b.stories
    assert add(b, sig("a", 101)).outcome == "new_story"  # forgotten with its story


def test_state_round_trips_and_a_stale_entry_is_reported_not_raised() -> None:
    b = book()
    add(b, sig("a"))
    add(b, sig("b", 1, lang="ru", title="Китай ограничил экспорт галлия", lead="Лицензии."))
    entries = [item for s in b.stories.values() for item in s.table_entries().items()]
    assert len(entries) == 3  # the header and one entry per report
    torn = {**entries[0][1], "story_id": "s-torn", "size": 2}  # a header whose reports never got written
    fresh = book()
    skipped = fresh.load(entries + [("s-old", {"version": 0}), ("s-bad", {"version": 1, "story_id": "x"}),
                                    ("s-torn", torn), ("r:orphan", {**entries[1][1], "story_id": "s-gone"})])
    assert sorted(k for k, _ in skipped) == ["r:orphan", "s-bad", "s-old", "s-torn"]
    assert fresh.stories.keys() == b.stories.keys() and fresh.watermark == b.watermark
    assert add(fresh, sig("b", 1)).outcome == "duplicate"
    assert add(fresh, sig("c", 2, lang="en", title="China curbs gallium exports", lead=LEAD)).outcome == "copy"
    story = b.stories[story_id_for("a")]
    assert Story.from_dict(story.to_dict()).to_dict() == story.to_dict()


def test_a_date_past_the_clock_is_redated_not_allowed_to_expire_everything() -> None:
    b = book()
    add(b, sig("a"))
    s = sig("f", 24 * 365 * 5)
    d = b.add(s, received=T0 + timedelta(hours=1), now=T0 + timedelta(hours=2))
    assert d.clock_skew and d.report is not None and d.report.time == T0 + timedelta(hours=1)
    assert b.expire() == []
