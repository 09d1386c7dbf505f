"""Webhook, Slack, Telegram and Apprise channels against a real local HTTP server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from email.utils import format_datetime
from html.parser import HTMLParser

import httpx
import pytest
from pydantic import SecretStr

from oreradar.records import parse_alert
from sinks.channels.apprise_channel import AppriseChannel
from sinks.channels.base import Delivered, Rejected, RetryLater
from sinks.channels.slack import SlackChannel
from sinks.channels.telegram import TelegramChannel
from sinks.channels.webhook import WebhookChannel
from tests.channel_samples import message, story_alert, trend_alert
from tests.integration.http_receiver import Receiver, running_receiver
from tests.integration.kafka_helpers import free_port

pytestmark = pytest.mark.integration

SECRET = "kz-desk-shared-secret"
TOKEN = "123456:AAF-telegram-token"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async for r in running_receiver():
        yield r


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


# ---- webhook ---------------------------------------------------------------------------------

async def test_webhook_is_signed_and_carries_the_alerts(receiver: Receiver, http: httpx.AsyncClient) -> None:
    receiver.verify_secret = SECRET.encode()
    channel = WebhookChannel(f"{receiver.url}/oreradar", http, secret=SecretStr(SECRET))
    sent = message(story_alert(revision=2), trend_alert(), changes=("severity medium -> high",))
    assert isinstance(await channel.send(sent), Delivered)
    [seen] = receiver.seen
    assert seen.signature_ok and seen.path == "/oreradar" and seen.headers["Content-Type"] == "application/json"
    assert seen.headers["Idempotency-Key"] == sent.delivery_id
    payload = json.loads(seen.body)
    assert payload["version"] == 1 and payload["subscription"] == "kz-desk" and payload["changes"] == ["severity medium -> high"]
    alerts = [parse_alert(json.dumps(a)) for a in payload["alerts"]]
    assert alerts == list(sent.alerts)


async def test_webhook_retry_after_503_is_the_same_delivery_with_a_fresh_signature(receiver: Receiver, http: httpx.AsyncClient) -> None:
    receiver.verify_secret = SECRET.encode()
    receiver.answer(503, "maintenance", Retry_After="3")
    channel = WebhookChannel(receiver.url, http, secret=SecretStr(SECRET))
    sent = message()
    first = await channel.send(sent)
    assert isinstance(first, RetryLater) and first.after == 3.0 and "HTTP 503" in first.error
    assert isinstance(await channel.send(sent), Delivered)
    keys = [s.headers["Idempotency-Key"] for s in receiver.seen]
    assert keys == [sent.delivery_id, sent.delivery_id]
    assert all(s.signature_ok for s in receiver.seen) and receiver.seen[0].body == receiver.seen[1].body


async def test_webhook_429_with_an_http_date(receiver: Receiver, http: httpx.AsyncClient) -> None:
    now = datetime(2026, 12, 5, 1, 0, tzinfo=timezone.utc).timestamp()
    receiver.answer(429, "slow down", Retry_After=format_datetime(datetime.fromtimestamp(now + 120, tz=timezone.utc), usegmt=True))
    result = await WebhookChannel(receiver.url, http, clock=lambda: now).send(message())
    assert result == RetryLater("HTTP 429 from 127.0.0.1: slow down", after=120.0)


async def test_webhook_permanent_refusals_are_rejected(receiver: Receiver, http: httpx.AsyncClient) -> None:
    receiver.answer(404, "no such hook")
    channel = WebhookChannel(receiver.url, http, secret=SecretStr(SECRET))
    assert await channel.send(message()) == Rejected("HTTP 404 from 127.0.0.1: no such hook")
    receiver.verify_secret = b"the receiver has another secret"
    result = await channel.send(message())
    assert isinstance(result, Rejected) and "HTTP 401" in result.error and SECRET not in result.error


async def test_webhook_down_or_hanging_receiver_is_retry_later(http: httpx.AsyncClient, receiver: Receiver) -> None:
    down = await WebhookChannel(f"http://127.0.0.1:{free_port()}/hook", http).send(message())
    assert isinstance(down, RetryLater) and down.after is None
    receiver.hold = asyncio.Event()
    async with httpx.AsyncClient(timeout=0.3) as impatient:
        hanging = await WebhookChannel(receiver.url, impatient).send(message())
    assert isinstance(hanging, RetryLater) and "Timeout" in hanging.error


# ---- Slack -----------------------------------------------------------------------------------

async def test_slack_gets_an_incoming_webhook_body_with_blocks(receiver: Receiver, http: httpx.AsyncClient) -> None:
    hook = SecretStr(f"{receiver.url}/services/T000/B000/XXXXSECRET")
    assert isinstance(await SlackChannel(hook, http).send(message(story_alert())), Delivered)
    [seen] = receiver.seen
    assert seen.path == "/services/T000/B000/XXXXSECRET"
    body = json.loads(seen.body)
    assert body["text"].startswith("oreradar: HIGH export_control")
    kinds = [b["type"] for b in body["blocks"]]
    assert kinds[0] == "section" and "actions" in kinds and "context" in kinds
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in body["blocks"][1]["fields"]}
    assert fields["*Severity*"] == "HIGH" and fields["*Countries*"] == "CN, KZ" and fields["*Commodities*"] == "tungsten"
    assert any("*Evidence*" in b.get("text", {}).get("text", "") for b in body["blocks"])


async def test_slack_refusal_and_rate_limit(receiver: Receiver, http: httpx.AsyncClient) -> None:
    hook = SecretStr(f"{receiver.url}/services/T000/B000/XXXXSECRET")
    receiver.answer(400, "invalid_blocks")
    receiver.answer(429, "rate_limited", Retry_After="30")
    channel = SlackChannel(hook, http)
    rejected = await channel.send(message())
    assert isinstance(rejected, Rejected) and "invalid_blocks" in rejected.error and "XXXXSECRET" not in rejected.error
    assert await channel.send(message()) == RetryLater("HTTP 429 from 127.0.0.1: rate_limited", after=30.0)


# ---- Telegram --------------------------------------------------------------------------------

class _TelegramHtml(HTMLParser):
    """Fails on any tag Telegram's HTML mode does not take, or on unbalanced tags."""

    ALLOWED = {"b", "i", "a", "code"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.ALLOWED, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag


async def test_telegram_send_message_with_escaped_html(receiver: Receiver, http: httpx.AsyncClient) -> None:
    receiver.answer(200, {"ok": True, "result": {"message_id": 7}})
    channel = TelegramChannel(-1001234, SecretStr(TOKEN), http, base_url=receiver.url + "/")
    assert isinstance(await channel.send(message(story_alert(), trend_alert())), Delivered)
    [seen] = receiver.seen
    assert seen.path == f"/bot{TOKEN}/sendMessage"
    body = json.loads(seen.body)
    assert body["chat_id"] == -1001234 and body["parse_mode"] == "HTML"
    parser = _TelegramHtml()
    parser.feed(body["text"])
    assert parser.stack == []
    assert "&lt;effective now&gt; &amp; more" in body["text"] and "uranium" in body["text"]


async def test_telegram_reads_retry_after_from_the_body_and_hides_the_token(receiver: Receiver, http: httpx.AsyncClient) -> None:
    receiver.answer(429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 17",
                          "parameters": {"retry_after": 17}})
    receiver.answer(403, {"ok": False, "error_code": 403, "description": f"Forbidden: bot was blocked by the user ({TOKEN})"})
    channel = TelegramChannel(42, SecretStr(TOKEN), http, base_url=receiver.url)
    limited = await channel.send(message())
    assert isinstance(limited, RetryLater) and limited.after == 17.0
    blocked = await channel.send(message())
    assert isinstance(blocked, Rejected) and "bot was blocked" in blocked.error and TOKEN not in blocked.error
    down = await TelegramChannel(42, SecretStr(TOKEN), http, base_url=f"http://127.0.0.1:{free_port()}").send(message())
    assert isinstance(down, RetryLater) and TOKEN not in down.error and TOKEN not in repr(channel)


# ---- Apprise (its json:// service posts to our receiver) -------------------------------------

async def test_apprise_delivers_through_a_real_service_and_retries_a_failure(receiver: Receiver) -> None:
    url = receiver.url.replace("http://", "json://") + "/apprise"
    channel = AppriseChannel(SecretStr(url))
    assert isinstance(await channel.send(message()), Delivered)
    body = json.loads(receiver.seen[-1].body)
    assert receiver.seen[-1].path == "/apprise" and body["title"].startswith("oreradar: HIGH export_control")
    assert "“restricts” → export_control" in body["message"]
    receiver.answer(500, "broken")
    assert isinstance(await channel.send(message()), RetryLater)
    await channel.aclose()

