"""The labelled corpus (``seeds/labelled/*.jsonl``), read by one function for every user:
``oreradar eval``, the classifier benchmark and the tests.

    >>> items = load_labelled()                  # the shipped corpus
    >>> items = load_labelled([Path("mine.jsonl"), Path("more/")])   # doctest: +SKIP

A line that is not a labelled item raises RecordError naming ``file:line``: a corpus
is curated data, so a bad line is a mistake to fix, not something to skip.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from oreradar.errors import RecordError
from oreradar.records import LabelledItem
from oreradar.settings import SEEDS_DIR

__all__ = ["LABELLED_DIR", "corpus_files", "load_labelled"]

LABELLED_DIR = SEEDS_DIR / "labelled"


def corpus_files(paths: Iterable[Path] | None = None) -> list[Path]:
    """The .jsonl files of ``paths`` (folders expanded, in name order); default the shipped corpus."""
    files: list[Path] = []
    for path in [LABELLED_DIR] if paths is None else paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.jsonl") if p.is_file()))
        elif path.suffix == ".jsonl":
            files.append(path)
    return files


def load_labelled(paths: Iterable[Path] | None = None) -> list[LabelledItem]:
    """Every labelled item of ``paths`` (default: ``seeds/labelled``), in file and line order."""
    items: list[LabelledItem] = []
    for path in corpus_files(paths):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(LabelledItem.from_json(line))
            except RecordError as exc:
                raise RecordError(f"{path}:{number}: {exc}", item_id=exc.item_id, field=exc.field) from exc
    return items
