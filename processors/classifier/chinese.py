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

# OpenCC configurations: generic traditional, Taiwan, Hong Kong standards (they differ
# in a few characters, e.g. 台/臺, 着/著).
_CONFIGS = ("s2t", "s2tw", "s2hk")
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
