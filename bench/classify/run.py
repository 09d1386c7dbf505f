"""Classifier throughput on 2-4 KB Russian and English articles, beside the floor.

    python -m bench.classify [--seconds 5] [--articles 400] [--json]

Articles are built from the labelled corpus and the seed article (texts of one
language concatenated until 2-4 KB, 3 KB on average). Reported, all in one process:

- start-up: wall time of ``Classifier.load()`` (pymorphy3 dictionaries, YAML, automaton);
- RSS of the process with a loaded classifier (VmRSS from /proc/self/status), and peak;
- items/s of ``Classifier.classify`` after one warm-up pass (steady state: the lemma
  cache holds the vocabulary), and of the first, cold pass;
- the floor: a bare pyahocorasick scan of the same texts, lower-cased, with the same
  gazetteer aliases (surface forms, no lemmatisation), and the ratio of the two.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import ahocorasick
import yaml

from oreradar.records import LabelledItem, NewsItem

ROOT = Path(__file__).resolve().parents[2]


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _texts() -> dict[str, list[str]]:
    by_lang: dict[str, list[str]] = {"ru": [], "en": []}
    for path in sorted((ROOT / "seeds" / "labelled").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                li = LabelledItem.from_json(line)
                lang = li.lang if li.lang in by_lang else ("ru" if "ru" in path.name else "en")
                by_lang[lang].append(f"{li.title}\n\n{li.summary}\n\n{li.body}".strip())
    seed = ROOT / "seeds" / "000_dd2d12cf7e77ac73.txt"
    if seed.exists():
        by_lang["ru"].append(seed.read_text(encoding="utf-8"))
    return by_lang


def build_articles(n: int) -> list[NewsItem]:
    """``n`` articles of 2-4 KB (UTF-8), alternating Russian and English."""
    by_lang = _texts()
    articles: list[NewsItem] = []
    cursors = {lang: 0 for lang in by_lang}
    for i in range(n):
        lang = "ru" if i % 2 == 0 else "en"
        pool = by_lang[lang] or by_lang["ru"] or by_lang["en"]
        target = 2048 + (i * 977) % 2048  # 2-4 KB, mean 3 KB
        parts: list[str] = []
        size = 0
        while size < target:
            text = pool[cursors[lang] % len(pool)]
            cursors[lang] += 1
            parts.append(text)
            size += len(text.encode("utf-8")) + 2
        body = "\n\n".join(parts)
        raw = body.encode("utf-8")[:target].decode("utf-8", "ignore")
        title, _, rest = raw.partition("\n")
        articles.append(NewsItem(id=f"bench-{i}", source="bench", title=title[:300], body=rest, lang=lang))
    return articles


def bare_automaton(data_dir: Path) -> ahocorasick.Automaton:
    """The same gazetteer aliases, as plain lower-case strings (no lemmatisation)."""
    a = ahocorasick.Automaton()
    for name in ("countries.yaml", "commodities.yaml", "organizations.yaml"):
        path = data_dir / name
        if not path.exists():
            continue
        for row in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            for forms in (row.get("aliases") or {}).values():
                for alias in forms or []:
                    a.add_word(str(alias).lower(), 1)
    a.make_automaton()
    return a


def _rate(fn, items: list, seconds: float) -> tuple[float, int]:
    done = 0
    started = time.perf_counter()
    while True:
        for it in items:
            fn(it)
        done += len(items)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed, done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.classify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time per measurement (default 5)")
    parser.add_argument("--articles", type=int, default=400, help="distinct articles (default 400)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    rss_before = _rss_mb()
    started = time.perf_counter()
    from processors.classifier import Classifier
    from processors.classifier.classifier import DEFAULT_DATA_DIR

    clf = Classifier.load()
    load_s = time.perf_counter() - started
    rss_loaded = _rss_mb()

    articles = build_articles(args.articles)
    sizes = [len(a.title.encode()) + len(a.body.encode()) for a in articles]
    mean_kb = sum(sizes) / len(sizes) / 1024

    cold_start = time.perf_counter()
    relevant = sum(clf.classify(a).relevant for a in articles)
    cold_rate = len(articles) / (time.perf_counter() - cold_start)
    rate, done = _rate(clf.classify, articles, args.seconds)

    automaton = bare_automaton(DEFAULT_DATA_DIR)
    texts = [f"{a.title}\n{a.body}" for a in articles]

    def scan(text: str) -> int:
        return sum(1 for _ in automaton.iter(text.lower()))

    floor_rate, _ = _rate(scan, texts, args.seconds)
    rss_end = _rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    figures = {
        "articles": len(articles),
        "mean_kb": round(mean_kb, 2),
        "relevant_share": round(relevant / len(articles), 3),
        "load_seconds": round(load_s, 3),
        "rss_mb_before_load": round(rss_before, 1),
        "rss_mb_loaded": round(rss_loaded, 1),
        "rss_mb_after_run": round(rss_end, 1),
        "rss_mb_peak": round(peak, 1),
        "classify_items_per_s_cold_pass": round(cold_rate, 1),
        "classify_items_per_s": round(rate, 1),
        "classified": done,
        "bare_scan_items_per_s": round(floor_rate, 1),
        "ratio_bare_over_classify": round(floor_rate / rate, 2),
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"articles            {len(articles)} (mean {mean_kb:.2f} KB, ru/en alternating, "
              f"{figures['relevant_share']:.0%} relevant)")
        print(f"start-up            {load_s:.2f} s (Classifier.load)")
        print(f"RSS                 {rss_loaded:.0f} MB loaded, {rss_end:.0f} MB after the run, peak {peak:.0f} MB")
        print(f"classify            {rate:,.0f} items/s  (first cold pass {cold_rate:,.0f} items/s)")
        print(f"bare scan (floor)   {floor_rate:,.0f} items/s  (pyahocorasick, same aliases, no lemmas)")
        print(f"ratio               {floor_rate / rate:.1f}x slower than the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
