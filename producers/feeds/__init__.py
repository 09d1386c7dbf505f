"""Feed producers: RSS/Atom feeds polled politely into NewsItems on ``news.raw``.

    catalogue.py      the feeds file (YAML) → FeedSpec
    address_guard.py  refuses private/loopback/metadata addresses per hop
    fetch.py          httpx: conditional GET, redirects by hand, size caps, gzip/deflate
    parse.py          feedparser on fetched bytes; Cyrillic legacy encodings
    normalise.py      entry → NewsItem (canonical URL, HTML → text, UTC dates, language)
    state.py          SQLite: HTTP validators, health, seen ids
    health.py         weighted failures, backoff with jitter, auto-disable
    poller.py         the poll cycle; sinks.py where items go
    websub.py         hub subscription and the signed-push callback server
    opml.py           OPML import
    cli.py            ``oreradar feeds …``
"""

from .catalogue import Catalogue, FeedSpec, load_catalogue
from .fetch import Fetcher, FetchLimits, FetchResult, HttpCache
from .poller import FeedPoller, PollSummary
from .sinks import JsonlSink, KafkaSink, ListSink
from .state import FeedState, FeedStateStore

__all__ = [
    "Catalogue", "FeedSpec", "load_catalogue", "Fetcher", "FetchLimits", "FetchResult", "HttpCache",
    "FeedPoller", "PollSummary", "JsonlSink", "KafkaSink", "ListSink", "FeedState", "FeedStateStore",
]
