"""How an alert reads in every channel: plain text, e-mail HTML, Slack blocks, Telegram HTML.

    >>> text = render_text(message)          # doctest: +SKIP
    >>> html = render_html(message)          # evidence spans in <mark>
    >>> payload = slack_payload(message)     # {"text": fallback, "blocks": [...]}
    >>> telegram_html(message, limit=4096)   # Telegram's parse_mode=HTML subset, escaped

Every format is built from the same few pieces (:func:`title_of`, :func:`facts`,
:func:`evidence_of`, :func:`source_lines`, :func:`changes_of`), so a new field shows up
in every channel by changing one function. A message may carry several alerts (a group):
they are rendered in the order the routing put them, and what changed for this
subscriber since their last message (``message.changes``) is said once, above them.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import Any

from oreradar.records import Alert, AnyAlert, Evidence, StorySource, TrendAlert
from sinks.channels.base import Message

__all__ = [
    "summary_line",
    "title_of",
    "severity_of",
    "facts",
    "evidence_of",
    "evidence_line",
    "source_lines",
    "changes_of",
    "message_changes",
    "subject",
    "render_text",
    "render_html",
    "slack_payload",
    "telegram_html",
]

MAX_EVIDENCE = 12  # per alert: enough to see why, short enough to read on a phone
SLACK_MAX_BLOCKS = 50  # Slack refuses a message with more
_EMOJI = {"critical": ":red_circle:", "high": ":large_orange_circle:", "medium": ":large_yellow_circle:", "low": ":white_circle:"}


# ---- the pieces every format is made of ---------------------------------------------------

def severity_of(alert: AnyAlert) -> str:
    return alert.severity or "-"


def title_of(alert: AnyAlert) -> str:
    if isinstance(alert, TrendAlert):
        return (
            f"Trend: {alert.count} {alert.signal_type} signals on {alert.country}/{alert.commodity} "
            f"in the hour from {_when(alert.bucket_start)} (baseline {alert.baseline:.1f}/h, p={alert.p_value:.2g})"
        )
    return alert.title.strip() or alert.id


def summary_line(alert: AnyAlert) -> str:
    """The console's one line: ``SEVERITY | types | countries | commodities | title``."""
    types, countries, commodities = _lists(alert)
    parts = [
        severity_of(alert).upper(),
        ",".join(types) or "-",
        ",".join(countries) or "-",
        ",".join(commodities) or "-",
        title_of(alert),
    ]
    return " | ".join(parts)


def facts(alert: AnyAlert) -> list[tuple[str, str]]:
    """(label, value) pairs, in reading order, empty ones left out."""
    types, countries, commodities = _lists(alert)
    rows = [
        ("Severity", severity_of(alert).upper()),
        ("Types", ", ".join(types)),
        ("Countries", ", ".join(countries)),
        ("Commodities", ", ".join(commodities)),
    ]
    if isinstance(alert, Alert):
        rows += [
            ("Organizations", ", ".join(alert.organizations)),
            ("Amounts", "; ".join(f"{a.value:,.0f} {a.currency} ({a.text})" for a in alert.amounts)),
            ("Story", f"{alert.story_id} revision {alert.revision}, {len(alert.sources)} report(s)"),
        ]
    else:
        rows += [
            ("Count", f"{alert.count} in the hour vs {alert.baseline:.1f}/h baseline (p={alert.p_value:.2g})"),
            ("Stories", ", ".join(alert.story_ids)),
        ]
    return [(label, value) for label, value in rows if value]


def evidence_of(alert: AnyAlert) -> list[Evidence]:
    """The spans that made the decision, one per (kind, concept, text), at most MAX_EVIDENCE."""
    if not isinstance(alert, Alert):
        return []
    seen: set[tuple[str, str, str]] = set()
    spans: list[Evidence] = []
    for ev in alert.evidence:
        key = (ev.kind, ev.concept, ev.text)
        if key not in seen:
            seen.add(key)
            spans.append(ev)
    return spans[:MAX_EVIDENCE]


def evidence_line(ev: Evidence) -> str:
    return f"“{ev.text}” → {ev.concept} ({ev.kind}, {ev.field})"


def source_lines(alert: AnyAlert) -> list[tuple[str, str | None]]:
    """(description, url) per report: outlet, language, published, and whether it is a copy."""
    if not isinstance(alert, Alert):
        return []
    return [(_describe_source(s), s.url) for s in alert.sources]


def changes_of(alert: AnyAlert) -> list[str]:
    """What this revision added to the story (nothing for a first revision or a trend)."""
    if isinstance(alert, Alert) and alert.revision > 1:
        return list(alert.changes)
    return []


def message_changes(message: Message) -> list[str]:
    """What changed since the last message this subscriber got (said once, above the alerts)."""
    return list(message.changes)


def link_of(alert: AnyAlert) -> str | None:
    return alert.url if isinstance(alert, Alert) else None


def subject(message: Message, prefix: str = "[oreradar]") -> str:
    """One line for an e-mail subject or a notification title."""
    alerts = message.alerts
    if len(alerts) == 1:
        alert = alerts[0]
        types, _, _ = _lists(alert)
        update = f" (update {alert.revision})" if isinstance(alert, Alert) and alert.revision > 1 else ""
        return _one_line(f"{prefix} {severity_of(alert).upper()} {','.join(types) or 'alert'}{update}: {title_of(alert)}")
    top = max(alerts, key=_rank)
    return _one_line(f"{prefix} {len(alerts)} alerts, up to {severity_of(top).upper()}: {title_of(top)}")


# ---- plain text ------------------------------------------------------------------------------

def render_text(message: Message) -> str:
    blocks = [_alert_text(alert) for alert in message.alerts]
    if changed := message_changes(message):
        blocks.insert(0, "Since your last message:\n" + "\n".join(f"  - {c}" for c in changed))
    footer = f"-- oreradar, subscription {message.subscription}, delivery {message.delivery_id}"
    return "\n\n".join([*blocks, footer]) + "\n"


def _alert_text(alert: AnyAlert) -> str:
    lines = [title_of(alert), "=" * min(len(title_of(alert)), 72)]
    lines += [f"{label}: {value}" for label, value in facts(alert)]
    if link := link_of(alert):
        lines.append(f"Link: {link}")
    if changed := changes_of(alert):
        lines += ["", "What this revision added:"] + [f"  - {c}" for c in changed]
    if spans := evidence_of(alert):
        lines += ["", "Evidence:"] + [f"  - {evidence_line(ev)}" for ev in spans]
    if sources := source_lines(alert):
        lines += ["", "Sources:"] + [f"  - {desc}" + (f" {url}" if url else "") for desc, url in sources]
    return "\n".join(lines)


# ---- e-mail HTML -----------------------------------------------------------------------------

def render_html(message: Message) -> str:
    body = "\n<hr>\n".join(_alert_html(alert) for alert in message.alerts)
    if changed := message_changes(message):
        body = "<p><b>Since your last message:</b></p><ul>" + "".join(f"<li>{_h(c)}</li>" for c in changed) + "</ul>\n" + body
    footer = f"<p style=\"color:#777;font-size:small\">oreradar · subscription {_h(message.subscription)} · delivery {_h(message.delivery_id)}</p>"
    return f"<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n{body}\n{footer}\n</body></html>\n"


def _alert_html(alert: AnyAlert) -> str:
    title = highlight_title(alert)
    link = link_of(alert)
    head = f"<h2><a href=\"{_h(link, quote=True)}\">{title}</a></h2>" if link else f"<h2>{title}</h2>"
    rows = "".join(f"<tr><th align=\"left\">{_h(label)}</th><td>{_h(value)}</td></tr>" for label, value in facts(alert))
    parts = [head, f"<table>{rows}</table>"]
    if changed := changes_of(alert):
        parts.append("<h3>What this revision added</h3><ul>" + "".join(f"<li>{_h(c)}</li>" for c in changed) + "</ul>")
    if spans := evidence_of(alert):
        items = "".join(
            f"<li><mark>{_h(ev.text)}</mark> → {_h(ev.concept)} <small>({_h(ev.kind)}, {_h(ev.field)} {ev.start}-{ev.end})</small></li>"
            for ev in spans
        )
        parts.append(f"<h3>Evidence</h3><ul>{items}</ul>")
    if sources := source_lines(alert):
        items = "".join(
            f"<li>{_h(desc)}" + (f" <a href=\"{_h(url, quote=True)}\">{_h(url)}</a>" if url else "") + "</li>"
            for desc, url in sources
        )
        parts.append(f"<h3>Sources</h3><ul>{items}</ul>")
    return "\n".join(parts)


def highlight_title(alert: AnyAlert, open_tag: str = "<mark>", close_tag: str = "</mark>") -> str:
    """The title, escaped, with the evidence spans found in it wrapped in ``open_tag``/``close_tag``.

    A span whose offsets do not point at its text (an edited title) is left unmarked
    rather than marking the wrong words; overlapping spans keep the first.
    """
    title = title_of(alert)
    if not isinstance(alert, Alert):
        return _h(title)
    spans = sorted(
        {(ev.start, ev.end) for ev in alert.evidence if ev.field == "title" and title[ev.start:ev.end] == ev.text and ev.end > ev.start}
    )
    out: list[str] = []
    pos = 0
    for start, end in spans:
        if start < pos:
            continue
        out += [_h(title[pos:start]), open_tag, _h(title[start:end]), close_tag]
        pos = end
    out.append(_h(title[pos:]))
    return "".join(out)


# ---- Slack -----------------------------------------------------------------------------------

def slack_payload(message: Message) -> dict[str, Any]:
    """An incoming-webhook body: ``text`` (the notification's fallback) and ``blocks``.

    Slack refuses a message of more than 50 blocks, so alerts are added whole while they
    fit, and one last block counts the rest.
    """
    blocks: list[dict[str, Any]] = []
    if changed := message_changes(message):
        text = "*Since your last message*\n" + "\n".join(f"• {_s(c)}" for c in changed)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cap(text, 3000)}})
    shown = 0
    for alert in message.alerts:
        more = [{"type": "divider"}] if shown else []
        more += _slack_alert(alert)
        if len(blocks) + len(more) > SLACK_MAX_BLOCKS - 1:  # keep one block for "and N more"
            break
        blocks += more
        shown += 1
    if shown < len(message.alerts):
        rest = len(message.alerts) - shown
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"and {rest} more alert(s) in this group"}]})
    return {"text": subject(message, prefix="oreradar:"), "blocks": blocks}


def _slack_alert(alert: AnyAlert) -> list[dict[str, Any]]:
    emoji = _EMOJI.get(alert.severity or "", ":white_circle:")
    link = link_of(alert)
    title = _s(title_of(alert))
    heading = f"{emoji} *{_slack_link(link, title_of(alert))}*" if link else f"{emoji} *{title}*"
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": _cap(heading, 3000)}}]
    fields = [{"type": "mrkdwn", "text": _cap(f"*{label}*\n{_s(value)}", 2000)} for label, value in facts(alert)]
    if fields:
        blocks.append({"type": "section", "fields": fields[:10]})
    if changed := changes_of(alert):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cap("*What this revision added*\n" + "\n".join(f"• {_s(c)}" for c in changed), 3000)}})
    if spans := evidence_of(alert):
        text = "*Evidence*\n" + "\n".join(f"• `{_s(ev.text)}` → {_s(ev.concept)} _({ev.kind}, {ev.field})_" for ev in spans)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cap(text, 3000)}})
    if sources := source_lines(alert):
        items = [_slack_link(url, desc) if url else _s(desc) for desc, url in sources[:10]]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _cap(item, 2000)} for item in items]})
    if link:
        blocks.append({"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Open the report"}, "url": link[:3000]}]})
    return blocks


# ---- Telegram --------------------------------------------------------------------------------

def telegram_html(message: Message, limit: int = 4096) -> str:
    """Telegram's HTML subset (b, i, a, code), escaped; whole alerts only, within ``limit`` characters.

    Cutting HTML mid-tag makes Telegram refuse the message, so alerts that do not fit are
    counted ("and 2 more alert(s)"), and an alert too long alone keeps only its heading and facts.
    """
    alerts = message.alerts
    parts: list[str] = []
    if changed := message_changes(message):
        parts.append("<b>Since your last message:</b>\n" + "\n".join(f"• {_h(_cap(c, 300))}" for c in changed[:10]))
    for index, alert in enumerate(alerts):
        block = _alert_telegram(alert)
        after = len(alerts) - index - 1
        tail = f"\n\n<i>and {after} more alert(s)</i>" if after else ""
        if len("\n\n".join([*parts, block])) + len(tail) <= limit:
            parts.append(block)
            continue
        if index:
            dropped = len(alerts) - index
        else:
            parts.append(_alert_telegram(alert, brief=True))
            dropped = after
        if dropped:
            parts.append(f"<i>and {dropped} more alert(s)</i>")
        break
    text = "\n\n".join(parts)
    return text if len(text) <= limit else _h(_cap(subject(message, prefix=""), limit // 2))


def _alert_telegram(alert: AnyAlert, *, brief: bool = False) -> str:
    emoji = {"critical": "🔴", "high": "🟠", "medium": "🟡"}.get(alert.severity or "", "⚪")
    link = link_of(alert)
    title = _h(_cap(title_of(alert), 300))
    head = f"{emoji} <b><a href=\"{_h(link, quote=True)}\">{title}</a></b>" if link else f"{emoji} <b>{title}</b>"
    lines = [head] + [f"<b>{_h(label)}:</b> {_h(_cap(value, 300))}" for label, value in facts(alert)]
    if brief:
        return "\n".join(lines)
    if changed := changes_of(alert):
        lines += ["<b>What this revision added:</b>"] + [f"• {_h(c)}" for c in changed]
    if spans := evidence_of(alert):
        lines += ["<b>Evidence:</b>"] + [f"• <code>{_h(ev.text)}</code> → {_h(ev.concept)} <i>({ev.kind}, {ev.field})</i>" for ev in spans]
    if sources := source_lines(alert):
        lines += ["<b>Sources:</b>"] + [
            f"• <a href=\"{_h(url, quote=True)}\">{_h(desc)}</a>" if url else f"• {_h(desc)}" for desc, url in sources[:10]
        ]
    return "\n".join(lines)


# ---- small helpers ---------------------------------------------------------------------------

def _lists(alert: AnyAlert) -> tuple[list[str], list[str], list[str]]:
    if isinstance(alert, TrendAlert):
        return [alert.signal_type], [alert.country], [alert.commodity]
    return list(alert.signal_types), list(alert.countries), list(alert.commodities)


def _rank(alert: AnyAlert) -> int:
    return ("low", "medium", "high", "critical").index(alert.severity) if alert.severity else -1


def _describe_source(source: StorySource) -> str:
    bits = [source.source or source.id]
    if source.lang:
        bits.append(f"[{source.lang}]")
    if source.published:
        bits.append(_when(source.published))
    if source.copy_of:
        bits.append(f"(copy of {source.copy_of})")
    elif source.join is not None:
        bits.append(f"(joined: {source.join.method}, score {source.join.score:.2f})")
    return " ".join(bits)


def _when(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _h(text: str | None, quote: bool = False) -> str:
    return html.escape(text or "", quote=quote)


def _s(text: str | None) -> str:
    """Slack mrkdwn escaping: only &, < and > are control characters."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(url: str, label: str) -> str:
    # "|" ends a Slack link's URL part and cannot be escaped: in a label it becomes a look-alike.
    return f"<{_s(url)}|{_s(label).replace('|', '¦')}>"


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(text: str, limit: int = 200) -> str:
    return _cap(" ".join(text.split()), limit)

