"""Which of the classifier's modules run compiled (C extensions built by setup.py with
Cython) and which as plain Python.

The compiled module sits beside its source (``matcher.cpython-311-x86_64-linux-gnu.so``
next to ``matcher.py``) and Python imports it first. After an edit to ``matcher.py`` the
old extension would still be the one imported: such a module is reported ``stale``, and
:func:`warn_if_stale` says so at load time. ``python setup.py build_ext --inplace``
(run by ``scripts/setup.sh``) rebuilds what changed.
"""

from __future__ import annotations

import importlib.machinery
import logging
from pathlib import Path

__all__ = ["status", "warn_if_stale"]

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
_SUFFIXES = tuple(importlib.machinery.EXTENSION_SUFFIXES)


def status() -> dict[str, str]:
    """Module (dotted, under processors.classifier) -> ``compiled``, ``python`` or ``stale``
    (an extension older than its source: built before the last edit)."""
    found: dict[str, str] = {}
    for source in sorted(HERE.rglob("*.py")):
        stem = source.with_suffix("")
        extensions = [p for suffix in _SUFFIXES if (p := stem.with_name(stem.name + suffix)).exists()]
        name = ".".join(source.relative_to(HERE).with_suffix("").parts)
        if not extensions:
            found[name] = "python"
        else:
            newest_source = max(source.stat().st_mtime, _pxd_mtime(source))
            fresh = all(p.stat().st_mtime >= newest_source for p in extensions)
            found[name] = "compiled" if fresh else "stale"
    return found


def _pxd_mtime(source: Path) -> float:
    pxd = source.with_suffix(".pxd")
    return pxd.stat().st_mtime if pxd.exists() else 0.0


def warn_if_stale(modules: dict[str, str] | None = None) -> list[str]:
    """Log a warning naming the stale modules (if any) and return them; ``modules`` is
    :func:`status` when the caller has it already."""
    stale = [name for name, state in (modules or status()).items() if state == "stale"]
    if stale:
        log.warning(
            "compiled classifier modules are older than their source: %s; the old code is "
            "what runs. Rebuild with `python setup.py build_ext --inplace` (scripts/setup.sh does).",
            ", ".join(stale),
        )
    return stale
