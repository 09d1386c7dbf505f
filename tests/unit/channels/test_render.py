"""How an alert reads: every format says the same facts, escapes what it must, and fits its limits."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sinks.channels.render import (
    render_html,
    render_text,
    slack_payload,
    subject,
    summary_line,
    telegram_html,
)
from tests.channel_samples import TITLE, message, story_alert, trend_alert


def test_summary_line_is_the_console_line_the_demo_prints() -> None:
    assert summary_line(story_alert()) == f"HIGH | export_control | CN,KZ | tungsten | {TITLE}"
    assert summary_line(trend_alert()).startswith("HIGH | disruption | KZ | uranium | Trend: 9 disruption signals")


def test_text_names_every_fact_evidence_source_and_change() -> None:
    text = render_text(message(story_alert(revision=2), changes=("severity medium -> high",)))
    for needle in ("Severity: HIGH", "Types: export_control", "Countries: CN, KZ", "Commodities: tungsten",
                   "Organizations: MOFCOM", "12,400,000 USD", "s-0123456789abcdef revision 2",
                   "“restricts” → export_control (signal_type, title)", "“Beijing” → CN (country, body)",
                   "reuters.example [en] 2026-12-04 08:30 UTC", "kapital.example [ru]", "joined: event",
                   "Since your last message:", "severity medium -> high", "What this revision added:",
                   "new source kapital.example (ru)", "Link: https://news.example.org/tungsten?id=1&src=rss"):
        assert needle in text, needle
    assert text.index("Since your last message") < text.index(TITLE)


def test_first_revision_has_no_revision_changes() -> None:
    assert "What this revision added" not in render_text(message(story_alert(revision=1)))


class _Marks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside = 0
        self.marked: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside += tag == "mark"

    def handle_endtag(self, tag: str) -> None:
        self.inside -= tag == "mark"

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.inside:
            self.marked.append(data)


def test_html_highlights_the_evidence_in_the_title_and_escapes_the_rest() -> None:
    page = render_html(message())
    assert "<effective now>" not in page and "&lt;effective now&gt; &amp; more" in page
    parser = _Marks()
    parser.feed(page)
    assert {"restricts", "tungsten", "Kazakhstan", "Beijing"} <= set(parser.marked)
    assert TITLE in "".join(parser.text)  # the title reads whole once the tags are gone


def test_html_does_not_mark_a_span_whose_offsets_point_elsewhere() -> None:
    alert = story_alert()
    moved = [ev.model_copy(update={"start": ev.start + 1, "end": ev.end + 1}) if ev.text == "tungsten" else ev for ev in alert.evidence]
    page = render_html(message(alert.model_copy(update={"evidence": moved})))
    title_html = re.search(r"<h2>.*</h2>", page).group(0)  # type: ignore[union-attr]
    assert "<mark>restricts</mark>" in title_html and "<mark>tungsten</mark>" not in title_html


def test_slack_blocks_carry_severity_types_entities_evidence_sources_and_link() -> None:
    payload = slack_payload(message(story_alert(revision=2)))
    assert payload["text"].startswith("oreradar: HIGH export_control (update 2)")
    dumped = repr(payload["blocks"])
    for needle in ("HIGH", "export_control", "CN, KZ", "tungsten", "MOFCOM", "`restricts`", "reuters.example",
                   "&lt;effective now&gt; &amp; more", "Open the report"):
        assert needle in dumped, needle
    button = [b for b in payload["blocks"] if b["type"] == "actions"][0]["elements"][0]
    assert button["url"] == "https://news.example.org/tungsten?id=1&src=rss"


def test_slack_stays_within_fifty_blocks_for_a_big_group() -> None:
    alerts = tuple(story_alert(revision=r) for r in range(1, 31))
    payload = slack_payload(message(*alerts))
    assert len(payload["blocks"]) <= 50
    assert "more alert(s) in this group" in repr(payload["blocks"][-1])


def test_telegram_is_escaped_html_within_its_limit_and_counts_what_it_left_out() -> None:
    text = telegram_html(message())
    assert "&lt;effective now&gt; &amp; more" in text and "<code>restricts</code>" in text
    assert 'href="https://news.example.org/tungsten?id=1&amp;src=rss"' in text
    many = telegram_html(message(*(story_alert(revision=r) for r in range(1, 41))), limit=4096)
    assert len(many) <= 4096 and re.search(r"and \d+ more alert\(s\)</i>$", many)
    # an alert too long for the limit alone keeps its head, with balanced tags
    brief = telegram_html(message(), limit=700)
    assert len(brief) <= 700 and brief.count("<b>") == brief.count("</b>") and "Severity:" in brief


def test_subject_for_one_alert_and_for_a_group() -> None:
    assert subject(message()) == f"[oreradar] HIGH export_control: {TITLE}"
    group = subject(message(story_alert(severity="medium"), trend_alert()))
    assert group.startswith("[oreradar] 2 alerts, up to HIGH: Trend: 9 disruption")


def test_trend_alerts_render_in_every_format() -> None:
    m = message(trend_alert())
    for rendered in (render_text(m), render_html(m), telegram_html(m), repr(slack_payload(m))):
        assert "KZ" in rendered and "uranium" in rendered and "baseline 1.5/h" in rendered


def test_slack_link_labels_cannot_end_the_link_early() -> None:
    alert = story_alert().model_copy(update={"title": "Prices | tungsten up"})
    heading = slack_payload(message(alert))["blocks"][0]["text"]["text"]
    assert heading.count("|") == 1 and heading.endswith("|Prices ¦ tungsten up>*")
