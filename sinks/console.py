"""One human line per alert: severity, types, countries, commodities, title (the demo and the console channel)."""

from __future__ import annotations

from oreradar.records import Alert

__all__ = ["summary_line"]


def summary_line(alert: Alert) -> str:
    parts = [
        (alert.severity or "-").upper(),
        ",".join(alert.signal_types) or "-",
        ",".join(alert.countries) or "-",
        ",".join(alert.commodities) or "-",
        alert.title.strip() or alert.id,
    ]
    return " | ".join(parts)
