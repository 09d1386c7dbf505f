"""Pure helpers: canonical URLs, address refusal, HTML to text, health arithmetic, Retry-After."""

from __future__ import annotations

import ipaddress
import random
from datetime import datetime, timezone

import pytest

from oreradar.errors import FeedRefused
from producers.feeds.address_guard import AddressPolicy
from oreradar.canonical_url import canonical_url
from producers.feeds.fetch import parse_retry_after
from producers.feeds.health import HARD, SOFT, TEMPORARY, HealthPolicy, backoff_delay, failure_kind
from producers.feeds.normalise import html_to_text
from producers.feeds.parse import guess_cyrillic


@pytest.mark.parametrize(
    "raw, canonical",
    [
        ("HTTPS://Example.COM:443/a/b?utm_source=rss&utm_medium=x&id=7#comments", "https://example.com/a/b?id=7"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com:8080/x?fbclid=1&gclid=2&yclid=3&q=ore", "http://example.com:8080/x?q=ore"),
        ("  https://tass.ru/ekonomika/123?from=rss  ", "https://tass.ru/ekonomika/123"),
        ("https://example.com/Path/Case", "https://example.com/Path/Case"),
        ("tag:example.com,2024:1", None),
        ("mailto:a@b.c", None),
        ("", None),
        ("http://[::1", None),
    ],
)
def test_canonical_url(raw: str, canonical: str | None) -> None:
    assert canonical_url(raw) == canonical


@pytest.mark.parametrize(
    "address, refused",
    [
        ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.0.0.5", "private"), ("192.168.1.1", "private"),
        ("172.16.0.1", "private"), ("169.254.169.254", "cloud metadata"), ("fe80::1", "link-local"),
        ("fd00:ec2::254", "cloud metadata"), ("100.64.0.1", "non-public"), ("::ffff:10.0.0.1", "private"),
        ("0.0.0.0", "private"), ("8.8.8.8", None), ("2a00:1450:4001::1", None),
    ],
)
def test_address_refusals(address: str, refused: str | None) -> None:
    reason = AddressPolicy.parse("").refusal("host", ipaddress.ip_address(address))
    assert (reason is None) if refused is None else (refused in (reason or ""))


def test_allow_list_takes_hosts_and_cidrs() -> None:
    policy = AddressPolicy.parse("127.0.0.1, 10.0.0.0/8, feeds.internal")
    assert policy.refusal("x", ipaddress.ip_address("127.0.0.1")) is None
    assert policy.refusal("x", ipaddress.ip_address("10.9.9.9")) is None
    assert policy.refusal("feeds.internal", ipaddress.ip_address("192.168.0.3")) is None
    assert policy.refusal("x", ipaddress.ip_address("192.168.0.3"))


async def test_hostnames_are_resolved_and_every_address_checked() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return {"mixed.example": ["93.184.216.34", "10.1.2.3"], "public.example": ["93.184.216.34"]}[host]

    policy = AddressPolicy.parse("")
    await policy.check_url("https://public.example/rss", resolver)
    with pytest.raises(FeedRefused, match="private address 10.1.2.3"):
        await policy.check_url("https://mixed.example/rss", resolver)
    with pytest.raises(FeedRefused, match="only http and https"):
        await policy.check_url("gopher://public.example/", resolver)


def test_html_to_text() -> None:
    assert html_to_text("<p>Gold&nbsp;&amp; <b>silver</b></p><p>up</p>") == "Gold & silver up"
    assert html_to_text("A &lt;b&gt; &#8212; &mdash; &#x41;") == "A <b> — — A"
    assert html_to_text("<script>alert(1)</script><style>p{}</style>Text") == "Text"
    assert html_to_text("  spaced \n\t out ") == "spaced out"
    assert html_to_text("Юань &laquo;укрепился&raquo;") == "Юань «укрепился»"
    assert html_to_text(None) == ""


def test_failure_kinds() -> None:
    assert failure_kind("http_error", 404) == HARD
    assert failure_kind("refused") == HARD
    assert failure_kind("http_error", 500) == SOFT
    assert failure_kind("not_a_feed") == SOFT
    assert failure_kind("timeout") == TEMPORARY
    assert failure_kind("rate_limited", 429) == TEMPORARY


def test_backoff_doubles_to_the_cap_with_jitter_below_it() -> None:
    policy = HealthPolicy(backoff_cap=3600, jitter=0.25)
    rng = random.Random(3)
    delays = [backoff_delay(policy, 300, n, rng) for n in range(1, 8)]
    for n, delay in enumerate(delays, start=1):
        base = min(3600, 300 * 2 ** (n - 1))
        assert 0.75 * base <= delay <= base
    assert max(delays) <= 3600


def test_retry_after_forms() -> None:
    now = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Wed, 01 May 2024 12:10:00 GMT", now) == 600
    assert parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_cyrillic_guess() -> None:
    text = "Добыча редкоземельных металлов в Казахстане выросла на треть " * 3
    assert guess_cyrillic(text.encode("cp1251")) == "windows-1251"
    assert guess_cyrillic(text.encode("koi8-r")) == "koi8-r"
    assert guess_cyrillic("Mineração de lítio no Brasil cresceu este ano".encode("latin-1") * 3) is None
