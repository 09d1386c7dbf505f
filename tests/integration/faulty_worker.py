"""``python -m tests.integration.faulty_worker``: the real worker and the real classifier,
with a bug planted inside the classifier (its decision step raises RuntimeError on any
item whose title contains ``EXPLODE``); every other item is decided as usual. The crash
starts inside ``Classifier.classify``, so this shows the classifier lets it through to
``handle_raw``. Settings come from ORERADAR_*."""

from __future__ import annotations

from typing import Any

from oreradar.records import NewsItem, Signal
from oreradar.settings import Settings
from processors.classifier import Classifier
from processors.worker import run_worker

TRIGGER = "EXPLODE"


def main() -> None:
    clf = Classifier.default()
    decide = clf._decide

    def buggy_decide(item: NewsItem, *args: Any) -> Signal:
        if TRIGGER in item.title:
            raise RuntimeError(f"simulated classifier bug on {item.id}")
        return decide(item, *args)

    clf._decide = buggy_decide  # type: ignore[method-assign]
    run_worker(Settings.load(), classify=clf.classify)

if __name__ == "__main__":
    main()
