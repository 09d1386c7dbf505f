"""Chinese terms in both scripts: the data files list simplified forms, and every
Chinese term is also registered in the traditional forms of Taiwan and Hong Kong,
converted at load time with OpenCC (``opencc`` on PyPI) rather than listed by hand.

    >>> traditional_variants("镝钐钆")
    ['鏑釤釓']
    >>> traditional_variants("稀土")  # the same in both scripts: nothing to add
    []
"""

from __future__ import annotations

import ctypes
import logging
import threading
from typing import Any

__all__ = ["traditional_variants", "release"]

log = logging.getLogger(__name__)

# OpenCC configurations: the generic traditional standard (which Hong Kong's follows
# but for a handful of characters) and Taiwan's (台/臺, 着/著 ...). Each loaded converter
# holds its dictionaries (about 20 MB apiece) until release(): they are needed only while
# the data files are read.
_CONFIGS = ("s2t", "s2tw")
_converters: list[Any] | None = None
_lock = threading.Lock()
# phrase -> its traditional variants: a second Classifier.load in the process (tests, a
# reload) converts only phrases it has not seen, without loading OpenCC again
_variants: dict[str, list[str]] = {}


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
    known = _variants.get(phrase)
    if known is not None:
        return list(known)
    out: list[str] = []
    converters = _load()
    for converter in converters:
        variant = str(converter.convert(phrase))
        if variant != phrase and variant not in out:
            out.append(variant)
    if converters:  # without OpenCC, nothing to remember
        _variants[phrase] = out
    return list(out)


def release() -> None:
    """Drop the converters once the data files are read (``Classifier.load`` calls this):
    about 45 MB of RSS. glibc keeps freed memory for the process unless asked to hand it
    back, hence ``malloc_trim``; elsewhere the memory is only freed, not returned."""
    global _converters
    with _lock:
        if not _converters:
            return
        _converters = None  # the last reference: freed here
    _trim()


def _trim() -> None:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: freed, not returned
        pass
