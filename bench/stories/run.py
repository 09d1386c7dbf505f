"""The worker's per-item work with and without the stories stage, in one process.

    python -m bench.stories [--items 1500] [--rounds 3] [--json]

"Without" is what the classify agent does per record: parse the NewsItem, classify,
attach source/published/lead (``handle_raw``). "With" adds what the stories agents do
per record in the same worker process: parse the Signal again, the forwarder's filter,
and ``StoryStage.process`` (copies via MinHash/LSH, candidate stories, join scoring,
revisions, trends, table entries as dicts), plus serialising what would be written to
the tables and sent. Kafka's own costs (fetch, produce, commit) are left out on both
sides: they are the same for the classify part and small next to it.

Items: the labelled corpus and the story evaluation set, cycled with fresh ids and one
report a minute of virtual time, so the 72 h window holds up to 4,320 reports (the
state the stage searches grows as in a busy stream; cycled texts also exercise the
copy path). Rounds alternate the two sides; the figures are medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from oreradar.records import Signal
from processors.classifier import Classifier
from processors.handle_raw import handle_raw
from processors.stories import JoinRules, TrendRules
from processors.stories.stage import StoryStage, wanted

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def corpus() -> list[dict]:  # type: ignore[type-arg]
    lines = []
    for path in sorted((ROOT / "seeds" / "labelled").glob("*.jsonl")) + sorted((ROOT / "seeds" / "stories").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                data = json.loads(line)
                lines.append({k: data.get(k) for k in ("title", "summary", "body", "lang", "source", "url")})
    return lines


def records(lines: list[dict], count: int, offset: int) -> list[bytes]:  # type: ignore[type-arg]
    out = []
    for n in range(count):
        data = dict(lines[n % len(lines)])
        data["id"] = f"b{offset + n}"
        data["url"] = None
        data["published"] = (T0 + timedelta(minutes=offset + n)).isoformat()
        out.append(json.dumps({k: v for k, v in data.items() if v is not None}).encode())
    return out


def classify_only(raw: list[bytes], classify) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for value in raw:
        outcome = handle_raw(value, classify)
        assert outcome.signal is not None
        outcome.signal.to_json()
    return len(raw) / (time.perf_counter() - started)


def with_stories(raw: list[bytes], classify, stage: StoryStage) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for value in raw:
        outcome = handle_raw(value, classify)
        assert outcome.signal is not None
        wire = outcome.signal.to_json()
        signal = Signal.from_json(wire)  # what the forwarder and the stories agent parse
        if not wanted(signal):
            continue
        step = stage.process(signal, received=signal.published or T0, now=signal.published or T0)
        for entry in step.story_writes.values():
            json.dumps(entry)  # the table's changelog value
        for alert in step.alerts:
            alert.to_json()
    return len(raw) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    classifier = Classifier.default()
    lines = corpus()
    stage = StoryStage(JoinRules.load(), TrendRules())
    classify_only(records(lines, len(lines), 10**7), classifier.classify)  # warm the lemma caches
    with_stories(records(lines, 200, 10**7 + 10**6), classifier.classify, StoryStage(JoinRules.load(), TrendRules()))
    without, with_ = [], []
    offset = 0
    for _ in range(args.rounds):
        without.append(classify_only(records(lines, args.items, offset), classifier.classify))
        with_.append(with_stories(records(lines, args.items, offset), classifier.classify, stage))
        offset += args.items
    result = {
        "items_per_round": args.items, "rounds": args.rounds,
        "classify_only_items_per_s": round(statistics.median(without)),
        "with_stories_items_per_s": round(statistics.median(with_)),
        "ratio": round(statistics.median(w / o for w, o in zip(with_, without)), 3),
        "open_stories_at_end": stage.open_stories, "reports_in_window": sum(len(s.reports) for s in stage.book.stories.values()),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"classify only : {result['classify_only_items_per_s']:>7} items/s")
        print(f"with stories  : {result['with_stories_items_per_s']:>7} items/s  "
              f"(ratio {result['ratio']}, {result['open_stories_at_end']} open stories, "
              f"{result['reports_in_window']} reports in the window at the end)")


if __name__ == "__main__":
    main()
