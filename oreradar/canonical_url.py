"""Canonical article URLs, so the same story reached by different links gets one id.

    >>> canonical_url("HTTPS://Example.COM:443/a/b?utm_source=rss&id=7#comments")
    'https://example.com/a/b?id=7'

Only http(s) URLs are canonical; anything else (``tag:``, ``mailto:``, garbage) yields
None and the item falls back to its guid for an id.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["canonical_url", "TRACKING_PARAMS"]

# Parameters that only say who sent the click; they never select a different article.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "ysclid", "twclid",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "igshid", "ref_src", "ocid", "cmpid", "xtor",
        "at_medium", "at_campaign", "at_source", "spm", "utm",
        "rss", "from", "feed_id", "ito", "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k.startswith("utm_") or k in TRACKING_PARAMS


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, drop default port, fragment and tracking parameters."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)])
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))
