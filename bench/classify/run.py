"""Classifier throughput on 2-4 KB Russian and English articles, beside the floor.

    python -m bench.classify [--seconds 6] [--rounds 3] [--articles 400] [--json]

Articles are built from the labelled corpus and the seed article (texts of one
language concatenated until 2-4 KB, 3 KB on average). Reported, all in one process:

- start-up: wall time of ``Classifier.load()`` (pymorphy3 dictionaries, YAML, automaton);
- RSS of the process with a loaded classifier (VmRSS from /proc/self/status), and peak;
- items/s of ``Classifier.classify`` after one warm-up pass (steady state: the lemma
  cache holds the vocabulary), of the first, cold pass, and per language;
- the same per local language (kk, ky, tg, uz, zh: articles built the same way from
  their labelled corpora, where there is one), and ru/en articles that do not name
  their language (the classifier detects it: oreradar.language);
- the floor: a bare pyahocorasick scan of the same texts, lower-cased, with the same
  gazetteer aliases (surface forms, no lemmatisation), and the ratio of the two.

Machines are shared and noisy: classify and the floor are measured in alternating
rounds, and the figures are the medians over the rounds (the ratio is the median of
the per-round ratios, each from two measurements taken seconds apart). The last line
says PASS or FAIL against the targets of issue 4: at least 2,000 items/s on one core,
within 10x of the floor, under 300 MB RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import ahocorasick
import yaml

from oreradar.corpus import corpus_files, load_labelled
from oreradar.records import NewsItem

ROOT = Path(__file__).resolve().parents[2]

TARGET_ITEMS_PER_S = 2000.0
TARGET_RATIO = 10.0
TARGET_RSS_MB = 300.0


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


LOCAL_LANGUAGES = ("kk", "ky", "tg", "uz", "zh")


def _texts() -> dict[str, list[str]]:
    """Corpus texts by the language each item declares (ru and en always present)."""
    by_lang: dict[str, list[str]] = {"ru": [], "en": []}
    for path in corpus_files():
        for li in load_labelled([path]):
            lang = (li.lang or ("ru" if "ru" in path.name else "en")).split("-")[0]
            by_lang.setdefault(lang, []).append(f"{li.title}\n\n{li.summary}\n\n{li.body}".strip())
    seed = ROOT / "seeds" / "000_dd2d12cf7e77ac73.txt"
    if seed.exists():
        by_lang["ru"].append(seed.read_text(encoding="utf-8"))
    return by_lang


def build_articles(n: int, langs: tuple[str, ...] = ("ru", "en"), by_lang: dict[str, list[str]] | None = None) -> list[NewsItem]:
    """``n`` articles of 2-4 KB (UTF-8), cycling through ``langs`` (Russian and English
    alternating by default)."""
    by_lang = by_lang if by_lang is not None else _texts()
    articles: list[NewsItem] = []
    cursors = {lang: 0 for lang in by_lang}
    for i in range(n):
        lang = langs[i % len(langs)]
        pool = by_lang.get(lang) or by_lang["ru"] or by_lang["en"]
        target = 2048 + (i * 977) % 2048  # 2-4 KB, mean 3 KB
        parts: list[str] = []
        size = 0
        while size < target:
            text = pool[cursors.get(lang, 0) % len(pool)]
            cursors[lang] = cursors.get(lang, 0) + 1
            parts.append(text)
            size += len(text.encode("utf-8")) + 2
        body = "\n\n".join(parts)
        raw = body.encode("utf-8")[:target].decode("utf-8", "ignore")
        title, _, rest = raw.partition("\n")
        articles.append(NewsItem(id=f"bench-{lang}-{i}", source="bench", title=title[:300], body=rest, lang=lang))
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


def verdict(rate: float, ratio: float, rss_mb: float) -> tuple[bool, str]:
    """PASS/FAIL against the targets, with the figures that decided it."""
    checks = [
        (rate >= TARGET_ITEMS_PER_S, f"{rate:,.0f} items/s {'>=' if rate >= TARGET_ITEMS_PER_S else '<'} {TARGET_ITEMS_PER_S:,.0f}"),
        (ratio <= TARGET_RATIO, f"{ratio:.1f}x the floor {'<=' if ratio <= TARGET_RATIO else '>'} {TARGET_RATIO:.0f}x"),
        (rss_mb < TARGET_RSS_MB, f"{rss_mb:.0f} MB RSS {'<' if rss_mb < TARGET_RSS_MB else '>='} {TARGET_RSS_MB:.0f} MB"),
    ]
    ok = all(passed for passed, _ in checks)
    return ok, ("PASS" if ok else "FAIL") + "  " + "; ".join(text for _, text in checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.classify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="time for each of classify and the floor (default 6)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds the time is split into (default 3)")
    parser.add_argument("--articles", type=int, default=400, help="distinct articles (default 400)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    rounds = max(1, args.rounds)

    rss_before = _rss_mb()
    started = time.perf_counter()
    from processors.classifier import Classifier, compiled
    from processors.classifier.classifier import DEFAULT_DATA_DIR

    clf = Classifier.load()
    load_s = time.perf_counter() - started
    rss_loaded = _rss_mb()
    modules = compiled.status()
    n_compiled = sum(state == "compiled" for state in modules.values())
    stale = sorted(name for name, state in modules.items() if state == "stale")

    texts_by_lang = _texts()
    articles = build_articles(args.articles, by_lang=texts_by_lang)
    sizes = [len(a.title.encode()) + len(a.body.encode()) for a in articles]
    mean_kb = sum(sizes) / len(sizes) / 1024

    cold_start = time.perf_counter()
    relevant = sum(clf.classify(a).relevant for a in articles)
    cold_rate = len(articles) / (time.perf_counter() - cold_start)

    automaton = bare_automaton(DEFAULT_DATA_DIR)
    texts = [f"{a.title}\n{a.body}" for a in articles]

    def scan(text: str) -> int:
        return sum(1 for _ in automaton.iter(text.lower()))

    rates: list[float] = []
    floors: list[float] = []
    cpu_rates: list[float] = []
    done = 0
    for _ in range(rounds):
        cpu0 = time.process_time()
        rate, n = _rate(clf.classify, articles, args.seconds / rounds)
        cpu_rates.append(n / max(time.process_time() - cpu0, 1e-9))
        rates.append(rate)
        done += n
        floors.append(_rate(scan, texts, args.seconds / rounds)[0])
    rate, floor_rate = statistics.median(rates), statistics.median(floors)
    ratio = statistics.median(f / r for f, r in zip(floors, rates))
    by_lang = {
        lang: _rate(clf.classify, [a for a in articles if a.lang == lang], args.seconds / 4)[0]
        for lang in ("ru", "en")
    }
    # local languages (where a corpus exists), and ru/en articles that name no language
    local = {
        lang: build_articles(max(40, args.articles // 4), (lang,), texts_by_lang)
        for lang in LOCAL_LANGUAGES if texts_by_lang.get(lang)
    }
    for batch in local.values():
        for a in batch:  # warm-up, as for ru/en
            clf.classify(a)
    by_lang.update({lang: _rate(clf.classify, batch, args.seconds / 8)[0] for lang, batch in local.items()})
    unnamed = [a.model_copy(update={"lang": None}) for a in articles]
    for a in unnamed:  # warm-up, as above: the first item that needs it loads the language model
        clf.classify(a)
    detected_rate = _rate(clf.classify, unnamed, args.seconds / 4)[0]
    rss_end = _rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    passed, line = verdict(rate, ratio, max(rss_end, rss_loaded))

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
        "classify_items_per_s_rounds": [round(r, 1) for r in rates],
        "classify_items_per_cpu_s": round(statistics.median(cpu_rates), 1),
        "classify_items_per_s_ru": round(by_lang["ru"], 1),
        "classify_items_per_s_en": round(by_lang["en"], 1),
        **{f"classify_items_per_s_{lang}": round(by_lang[lang], 1) for lang in local},
        "classify_items_per_s_ru_en_lang_detected": round(detected_rate, 1),
        "classified": done,
        "bare_scan_items_per_s": round(floor_rate, 1),
        "ratio_bare_over_classify": round(ratio, 2),
        "pass": passed,
        "python": sys.version.split()[0],
        "compiled_modules": n_compiled,
        "modules": len(modules),
        "stale_modules": stale,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"articles            {len(articles)} (mean {mean_kb:.2f} KB, ru/en alternating, "
              f"{figures['relevant_share']:.0%} relevant)")
        print(f"classifier          {n_compiled} of {len(modules)} modules compiled (setup.py)"
              + (f"; STALE, rebuild: {', '.join(stale)}" if stale else ""))
        print(f"start-up            {load_s:.2f} s (Classifier.load)")
        print(f"RSS                 {rss_loaded:.0f} MB loaded, {rss_end:.0f} MB after the run, peak {peak:.0f} MB")
        print(f"classify            {rate:,.0f} items/s  (median of {rounds} rounds: "
              f"{', '.join(f'{r:,.0f}' for r in rates)}; {figures['classify_items_per_cpu_s']:,.0f} per CPU second; "
              f"first cold pass {cold_rate:,.0f})")
        print(f"  by language       ru {by_lang['ru']:,.0f} items/s, en {by_lang['en']:,.0f} items/s")
        if local:
            print("  local languages   " + ", ".join(f"{lang} {by_lang[lang]:,.0f}" for lang in local) + " items/s")
        print(f"  lang detected     {detected_rate:,.0f} items/s (the ru/en articles without their lang)")
        print(f"bare scan (floor)   {floor_rate:,.0f} items/s  (pyahocorasick, same aliases, no lemmas)")
        print(f"ratio               {ratio:.1f}x slower than the floor (median of the per-round ratios)")
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
