"""Benchmark: one poll cycle over 1,000 locally served feeds, beside feedparser alone.

    python bench/feeds/bench_poll.py [--feeds 1000]

A separate process serves the feeds (so its CPU is not billed to the poller) on
127.0.0.1: three in four are generated RSS with 20 unique items in Russian and English,
one in four is a real news feed from ../shared/testdata/feeds/real. The poller runs
its real path: httpx fetch, feedparser, normalise, SQLite de-duplication, a JSONL sink
to /dev/null (as --dry-run). The floor is feedparser.parse on the same bytes, nothing
else. Per-host concurrency is raised because all 1,000 "hosts" are one local server.
Target: a cycle under 30 s and under 200 MB peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL = (ROOT / ".." / "shared" / "testdata" / "feeds" / "real").resolve()
sys.path.insert(0, str(ROOT))

WORDS_RU = "добыча лития галлий экспорт Казахстан Узбекистан комбинат поставки редкоземельных металлов рост цены".split()
WORDS_EN = "gallium germanium export licence smelter copper uranium tender quota Kazakhstan Beijing shipment".split()


def feed_body(n: int, real_files: list[Path]) -> bytes:
    if n % 4 == 0 and real_files:
        return real_files[(n // 4) % len(real_files)].read_bytes()
    items = []
    for i in range(20):
        words = WORDS_RU if (n + i) % 2 else WORDS_EN
        title = " ".join(words[(n + i + k) % len(words)] for k in range(8))
        text = " ".join(words[(n * 7 + i * 3 + k) % len(words)] for k in range(80))
        items.append(
            f"<item><title>{title} {n}-{i}</title><link>https://feed{n}.example/news/{i}?utm_source=rss</link>"
            f"<guid>feed{n}-{i}</guid><pubDate>Tue, 30 Apr 2024 {i % 24:02d}:00:00 +0300</pubDate>"
            f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
        )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {n}</title>'
            f"<link>https://feed{n}.example/</link><language>{'ru' if n % 2 else 'en'}</language>{''.join(items)}</channel></rss>").encode()


def serve(count: int, port_file: str) -> None:
    from aiohttp import web

    real_files = sorted(p for p in REAL.rglob("*") if p.suffix in {".xml", ".rss", ".atom"})
    bodies = [feed_body(n, real_files) for n in range(count)]

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=bodies[int(request.match_info["n"])], content_type="application/rss+xml")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feed/{n}", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
        await site.start()
        Path(port_file).write_text(str(site._server.sockets[0].getsockname()[1]))  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


async def poll_cycle(port: int, count: int, state_dir: Path) -> tuple[object, float, float]:
    from prometheus_client import CollectorRegistry

    from oreradar.metrics import FeedMetrics
    from producers.feeds.address_guard import AddressPolicy
    from producers.feeds.catalogue import FeedSpec
    from producers.feeds.fetch import Fetcher, FetchLimits
    from producers.feeds.normalise import default_language_detector
    from producers.feeds.poller import FeedPoller
    from producers.feeds.sinks import JsonlSink
    from producers.feeds.state import FeedStateStore

    feeds = [FeedSpec(name=f"feed-{n}", url=f"http://127.0.0.1:{port}/feed/{n}", interval=900) for n in range(count)]
    limits = FetchLimits(global_concurrency=64, per_host_concurrency=64)
    store = FeedStateStore.open(state_dir / "feeds.sqlite3")
    with open(os.devnull, "w") as devnull:
        fetcher = Fetcher.create(AddressPolicy.parse("127.0.0.1"), limits)
        poller = FeedPoller(feeds, store, JsonlSink(devnull), fetcher, metrics=FeedMetrics(CollectorRegistry()),
                            detect_language=default_language_detector())
        cpu0, wall0 = cpu_seconds(), time.perf_counter()
        summary = await poller.poll_once()
        wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
        await fetcher.aclose()
    store.close()
    return summary, wall, cpu


def feedparser_floor(count: int) -> tuple[float, int]:
    import feedparser

    real_files = sorted(p for p in REAL.rglob("*") if p.suffix in {".xml", ".rss", ".atom"})
    bodies = [feed_body(n, real_files) for n in range(count)]
    cpu0 = cpu_seconds()
    entries = 0
    for body in bodies:
        entries += len(feedparser.parse(io.BytesIO(body), response_headers={"content-type": "application/rss+xml"}).entries)
    return cpu_seconds() - cpu0, entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--serve", metavar="PORT_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.feeds, args.serve)
        return
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        server = subprocess.Popen([sys.executable, __file__, "--feeds", str(args.feeds), "--serve", str(port_file)])
        try:
            deadline = time.monotonic() + 60
            while not (port_file.exists() and port_file.read_text()):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the feed server did not start")
                time.sleep(0.1)
            port = int(port_file.read_text())
            summary, wall, cpu = asyncio.run(poll_cycle(port, args.feeds, Path(tmp)))
            rss = peak_rss_mb()
        finally:
            server.terminate()
            server.wait()
    floor_cpu, floor_entries = feedparser_floor(args.feeds)
    items = summary.items_new + summary.items_duplicate + summary.items_skipped  # type: ignore[attr-defined]
    print(summary.line())  # type: ignore[attr-defined]
    print(f"poll cycle: {args.feeds} feeds in {wall:.2f} s wall = {args.feeds / wall:.0f} feeds/s, {items / wall:.0f} items/s")
    print(f"poller CPU: {cpu:.2f} s; peak RSS {rss:.0f} MB")
    print(f"floor (feedparser.parse alone, same bytes): {floor_cpu:.2f} s CPU for {floor_entries} entries "
          f"(the whole poller costs {cpu / floor_cpu:.2f}x the floor)")
    verdict = "PASS" if wall < 30 and rss < 200 else "MISS"
    print(f"target < 30 s and < 200 MB: {verdict}")


if __name__ == "__main__":
    main()
