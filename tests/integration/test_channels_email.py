"""The email channel against a real SMTP server (aiosmtpd), text plus HTML, refusals by reply code."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from sinks.channels.base import Delivered, Rejected, RetryLater
from sinks.channels.email import EmailChannel, SmtpRelay
from tests.channel_samples import TITLE, message, story_alert
from tests.integration.kafka_helpers import free_port

pytestmark = pytest.mark.integration


class Mailbox:
    """An aiosmtpd handler: keeps what it accepts; refuses some recipients with a chosen reply."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.refuse: dict[str, str] = {}  # address -> SMTP reply, e.g. "550 5.1.1 no such user"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, SmtpRelay]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, SmtpRelay(host="127.0.0.1", port=port, sender="alerts@oreradar.example", starttls=False, timeout=5)
    finally:
        controller.stop()


async def test_email_arrives_as_text_and_html_with_the_evidence_marked(smtp: tuple[Mailbox, SmtpRelay]) -> None:
    mailbox, relay = smtp
    sent = message(story_alert(revision=2), changes=("severity medium -> high",))
    result = await EmailChannel(["kz-desk@example.org", "risk@example.org"], relay).send(sent)
    assert isinstance(result, Delivered)
    [(sender, rcpts, mail)] = mailbox.received
    assert sender == "alerts@oreradar.example" and rcpts == ["kz-desk@example.org", "risk@example.org"]
    assert mail["Subject"] == f"[oreradar] HIGH export_control (update 2): {TITLE}"
    assert mail["X-Oreradar-Delivery"] == sent.delivery_id and mail["Message-ID"].endswith("@oreradar.example>")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Since your last message:" in text and "“restricts” → export_control" in text
    assert "<mark>restricts</mark>" in html and "&lt;effective now&gt;" in html and "kapital.example" in html


async def test_the_same_delivery_keeps_its_message_id(smtp: tuple[Mailbox, SmtpRelay]) -> None:
    mailbox, relay = smtp
    channel = EmailChannel(["kz-desk@example.org"], relay)
    await channel.send(message(delivery_id="d-1"))
    await channel.send(message(delivery_id="d-1"))
    await channel.send(message(delivery_id="d-2"))
    ids = [mail["Message-ID"] for _, _, mail in mailbox.received]
    assert ids[0] == ids[1] != ids[2]


async def test_refusals_by_reply_code(smtp: tuple[Mailbox, SmtpRelay]) -> None:
    mailbox, relay = smtp
    mailbox.refuse = {"gone@example.org": "550 5.1.1 no such user", "busy@example.org": "451 4.7.1 greylisted, try later"}
    rejected = await EmailChannel(["gone@example.org"], relay).send(message())
    assert isinstance(rejected, Rejected) and "550" in rejected.error and "gone@example.org" in rejected.error
    assert isinstance(await EmailChannel(["busy@example.org"], relay).send(message()), RetryLater)
    partly = await EmailChannel(["gone@example.org", "ok@example.org"], relay).send(message())
    assert isinstance(partly, Delivered) and "gone@example.org 550" in partly.detail
    assert [rcpts for _, rcpts, _ in mailbox.received] == [["ok@example.org"]]


async def test_relay_down_is_retry_later_and_missing_starttls_is_rejected(smtp: tuple[Mailbox, SmtpRelay]) -> None:
    _, relay = smtp
    down = SmtpRelay(host="127.0.0.1", port=free_port(), starttls=False, timeout=5)
    assert isinstance(await EmailChannel(["a@example.org"], down).send(message()), RetryLater)
    insists = SmtpRelay(host=relay.host, port=relay.port, starttls=True, password=SecretStr("pw"), username="u", timeout=5)
    refused = await EmailChannel(["a@example.org"], insists).send(message())
    assert isinstance(refused, Rejected) and "ORERADAR_SMTP_STARTTLS" in refused.error and "pw" not in repr(insists)
