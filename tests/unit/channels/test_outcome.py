"""The one mapping from HTTP answers to delivery results (MockTransport: no network)."""

from __future__ import annotations

from email.utils import format_datetime
from datetime import datetime, timezone

import httpx
import pytest

from sinks.channels.base import Delivered, Rejected, RetryLater
from sinks.channels.outcome import post, retry_after_seconds

NOW = datetime(2026, 12, 5, 1, 0, tzinfo=timezone.utc).timestamp()


def client(status: int, headers: dict[str, str] | None = None, text: str = "") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(status, headers=headers, text=text)))


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds("120", NOW) == 120.0
    later = format_datetime(datetime.fromtimestamp(NOW + 90, tz=timezone.utc), usegmt=True)
    assert retry_after_seconds(later, NOW) == pytest.approx(90.0)
    earlier = format_datetime(datetime.fromtimestamp(NOW - 90, tz=timezone.utc), usegmt=True)
    assert retry_after_seconds(earlier, NOW) == 0.0
    assert retry_after_seconds("soon", NOW) is None
    assert retry_after_seconds(None, NOW) is None


@pytest.mark.parametrize(
    ("status", "expected"),
    [(200, Delivered), (202, Delivered), (204, Delivered), (408, RetryLater), (425, RetryLater), (429, RetryLater),
     (500, RetryLater), (502, RetryLater), (503, RetryLater), (301, Rejected), (400, Rejected), (401, Rejected),
     (403, Rejected), (404, Rejected), (410, Rejected), (422, Rejected)],
)
async def test_status_codes_map_to_results(status: int, expected: type) -> None:
    async with client(status) as http:
        result = await post(http, "https://hooks.example.org/x", json={}, clock=lambda: NOW)
    assert isinstance(result, expected)


async def test_429_carries_retry_after_and_the_error_says_who() -> None:
    async with client(429, {"Retry-After": "7"}, text="slow down") as http:
        result = await post(http, "https://hooks.example.org/x", json={}, clock=lambda: NOW)
    assert result == RetryLater("HTTP 429 from hooks.example.org: slow down", after=7.0)


async def test_error_strings_never_carry_a_secret_the_receiver_echoes() -> None:
    async with client(400, text="bad token xoxb-SECRET-1 in /services/T/B/SECRET") as http:
        result = await post(http, "https://hooks.example.org/services/T/B/SECRET", json={}, redact_=("SECRET",))
    assert isinstance(result, Rejected) and "SECRET" not in result.error


async def test_no_answer_is_retry_later_and_an_unusable_url_is_rejected() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def too_slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    for handler in (refuse, too_slow):
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            result = await post(http, "https://hooks.example.org/x", json={})
        assert isinstance(result, RetryLater) and result.after is None
    async with httpx.AsyncClient() as http:
        assert isinstance(await post(http, "ftp://hooks.example.org/x", json={}), Rejected)
