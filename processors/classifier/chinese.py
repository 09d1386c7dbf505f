"""Chinese terms in both scripts: the data files list simplified forms, and every
Chinese term is also registered in the traditional forms of Taiwan and Hong Kong,
converted at load time with OpenCC (``opencc`` on PyPI) rather than listed by hand.

    >>> traditional_variants("镝钐钆")
    ['鏑釤釓']
    >>> traditional_variants("稀土")  # the same in both scripts: nothing to add
    []
"""

from __future__ import annotations

import logging
import threading
from typing import Any

__all__ = ["traditional_variants"]

log = logging.getLogger(__name__)

# OpenCC configurations: the generic traditional standard (which Hong Kong's follows
# but for a handful of characters) and Taiwan's (台/臺, 着/著 ...). Each loaded converter
# holds its dictionaries for the life of the process: about 16 MB apiece.
_CONFIGS = ("s2t", "s2tw")
_converters: list[Any] | None = None
_lock = threading.Lock()


def _load() -> list[Any]:
    global _converters
    if _converters is None:
        with _lock:
            if _converters is None:
                try:
                    import opencc

                    _converters = [opencc.OpenCC(config) for config in _CONFIGS]
                except Exception as exc:  # no OpenCC: simplified terms only, and say so
                    log.warning("OpenCC is not available (%s); Chinese terms match simplified text only", exc)
                    _converters = []
    return _converters


def traditional_variants(phrase: str) -> list[str]:
    """The traditional spellings of ``phrase`` that differ from it (no duplicates)."""
    out: list[str] = []
    for converter in _load():
        variant = str(converter.convert(phrase))
        if variant != phrase and variant not in out:
            out.append(variant)
    return out
