"""Logging set-up: one call in ``main()``; text for people, JSON lines for machines."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import datetime, timezone
from typing import Any

__all__ = ["configure_logging", "logging_config", "JsonFormatter"]

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


# httpcore, urllib3 (under apprise), apprise and aiosmtplib log request URLs at DEBUG, and a
# Slack hook or Telegram bot URL is a credential: they stay at WARNING even when we debug.
_QUIET_LIBRARIES = ("kafka", "aiokafka", "faust", "mode", "pymorphy3", "httpx", "httpcore", "urllib3", "apprise", "aiosmtplib")


def logging_config(level: str = "INFO", fmt: str = "text") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict; Faust's worker is handed the same one."""
    level = level.upper()
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if fmt == "json" else {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"}
    )
    # Client libraries log every connection, request or dictionary load at INFO; keep their warnings.
    quiet = "WARNING" if logging.getLevelName(level) < logging.WARNING else level
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"oreradar": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "oreradar"}},
        "root": {"level": level, "handlers": ["stderr"]},
        # kafka-python logs every failed connection attempt as an ERROR; our own messages
        # say when Kafka cannot be reached, and how to fix it.
        "loggers": {name: {"level": quiet} for name in _QUIET_LIBRARIES} | {"kafka.net": {"level": "CRITICAL"}},
    }


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    logging.config.dictConfig(logging_config(level, fmt))
