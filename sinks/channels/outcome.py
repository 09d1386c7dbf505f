"""What an HTTP answer (or the lack of one) means for a delivery: the one place that decides.

    >>> result = await post(http, url, json=payload, headers=headers)   # doctest: +SKIP

=========================================  ===================================================
receiver said / happened                   result
=========================================  ===================================================
2xx                                        ``Delivered``
408, 425, 429, 5xx                         ``RetryLater(after=Retry-After)``
timeout, connection refused/reset          ``RetryLater(after=None)``: the outbox's back-off
any other 3xx/4xx, a URL we cannot use     ``Rejected``: retrying cannot help
=========================================  ===================================================

``Retry-After`` is honoured in both of its forms (delay-seconds and HTTP-date). Error
strings never carry the request URL (a Slack or Telegram URL is a credential); callers
pass any other secret in ``redact`` so it cannot leak through a receiver's echo.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from sinks.channels.base import Delivered, DeliveryResult, Rejected, RetryLater

__all__ = ["post", "result_from_response", "result_from_error", "retry_after_seconds", "redact", "RETRYABLE_STATUS"]

# 425 Too Early is what a receiver says when it wants the same request again later.
RETRYABLE_STATUS = frozenset({408, 425, 429})
_BODY_EXCERPT = 200


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (seconds or an HTTP-date); None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is GMT by definition
        return None
    return max(0.0, when.timestamp() - now)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def result_from_response(
    response: httpx.Response, *, now: float, redact_: Iterable[str] = (), retry_after: float | None = None
) -> DeliveryResult:
    """Map a status code; ``retry_after`` overrides the header (Telegram says it in the body)."""
    status = response.status_code
    host = response.request.url.host if response.request is not None else "?"
    if 200 <= status < 300:
        return Delivered(f"HTTP {status} from {host}")
    excerpt = redact(" ".join(response.text[:_BODY_EXCERPT].split()), redact_)
    error = f"HTTP {status} from {host}" + (f": {excerpt}" if excerpt else "")
    if status in RETRYABLE_STATUS or status >= 500:
        after = retry_after if retry_after is not None else retry_after_seconds(response.headers.get("Retry-After"), now)
        return RetryLater(error, after=after)
    if 300 <= status < 400:
        where = response.headers.get("Location", "")
        error += f" (redirect{' to ' + redact(where, redact_) if where else ''}: update the channel's URL)"
    return Rejected(error)


def result_from_error(exc: Exception, *, redact_: Iterable[str] = ()) -> DeliveryResult:
    """A request that got no answer: transient unless the request itself can never work."""
    kind = type(exc).__name__
    detail = redact(str(exc), redact_)
    error = f"{kind}: {detail}" if detail else kind
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL, httpx.TooManyRedirects)):
        return Rejected(error)  # our URL or request is malformed: the same request fails forever
    if isinstance(exc, httpx.RequestError):  # timeouts, refused, reset, proxy, remote protocol, undecodable answer
        return RetryLater(error)
    raise exc  # a bug, not a delivery outcome: let the outbox's caller see it


async def post(
    http: httpx.AsyncClient,
    url: str,
    *,
    redact_: Iterable[str] = (),
    clock: Callable[[], float] = time.time,
    **request: Any,
) -> DeliveryResult:
    """POST and map the outcome; never raises for a network or receiver failure."""
    secrets = tuple(redact_)
    try:
        response = await http.post(url, **request)
    except (httpx.RequestError, httpx.InvalidURL) as exc:
        return result_from_error(exc, redact_=secrets)
    return result_from_response(response, now=clock(), redact_=secrets)
