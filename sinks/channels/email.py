"""E-mail channel: plain text plus HTML (evidence highlighted), sent with aiosmtplib.

The relay is a setting shared by every email channel (``ORERADAR_SMTP_HOST``, ``_PORT``,
``_FROM``, ``_STARTTLS``, ``_USERNAME``, ``_PASSWORD``); a spec only names recipients.
``Message-ID`` is derived from the delivery id, so a retry that did reach the relay
is the same message to any mail system that de-duplicates on it.

SMTP says what kind of failure it is: 4xx replies are transient (greylisting, a full
queue: retry later), 5xx are permanent (no such mailbox, refused: rejected).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from pydantic import SecretStr

from sinks.channels.base import Delivered, DeliveryResult, Message, Rejected, RetryLater
from sinks.channels.render import render_html, render_text, subject

__all__ = ["EmailChannel", "SmtpRelay", "build_email"]


@dataclass(frozen=True)
class SmtpRelay:
    host: str
    port: int = 587
    sender: str = "oreradar@localhost"
    starttls: bool = True
    username: str | None = None
    password: SecretStr | None = None  # SecretStr: a repr of the relay never shows it
    timeout: float = 30.0


def build_email(message: Message, sender: str, to: list[str], subject_prefix: str = "[oreradar]") -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(to)
    email["Subject"] = subject(message, prefix=subject_prefix)
    email["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2] or "oreradar"
    email["Message-ID"] = f"<{hashlib.sha256(message.delivery_id.encode()).hexdigest()[:32]}@{domain}>"
    email["X-Oreradar-Delivery"] = message.delivery_id
    email.set_content(render_text(message))
    email.add_alternative(render_html(message), subtype="html")
    return email


class EmailChannel:
    type = "email"

    def __init__(self, to: list[str], relay: SmtpRelay, *, subject_prefix: str = "[oreradar]", name: str | None = None):
        self._to = list(to)
        self._relay = relay
        self._prefix = subject_prefix
        self.name = name or "email:" + ",".join(self._to)

    def __repr__(self) -> str:
        return f"<EmailChannel {self.name} via {self._relay.host}:{self._relay.port}>"

    async def send(self, message: Message) -> DeliveryResult:
        relay = self._relay
        email = build_email(message, relay.sender, self._to, self._prefix)
        try:
            refused, reply = await aiosmtplib.send(
                email,
                hostname=relay.host,
                port=relay.port,
                start_tls=relay.starttls,
                username=relay.username,
                password=relay.password.get_secret_value() if relay.password else None,
                timeout=relay.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:  # every recipient refused
            return _by_code([r.code for r in exc.recipients], "all recipients refused: " + "; ".join(f"{r.recipient} {r.code} {r.message}" for r in exc.recipients))
        except aiosmtplib.SMTPAuthenticationError as exc:
            return _by_code([exc.code], f"SMTP authentication failed ({exc.code} {exc.message}): check ORERADAR_SMTP_USERNAME/PASSWORD")
        except aiosmtplib.SMTPResponseException as exc:
            return _by_code([exc.code], f"SMTP {exc.code} {exc.message}")
        except (aiosmtplib.SMTPException, OSError) as exc:  # connect, timeout, disconnect...
            if _unsupported(exc):  # ...or no STARTTLS/AUTH on offer: a setting, not a moment
                return Rejected(f"SMTP relay {relay.host}:{relay.port}: {exc} (ORERADAR_SMTP_STARTTLS=false only for a trusted local relay)")
            return RetryLater(f"{type(exc).__name__}: {exc}")
        if refused:
            # Some recipients took it; retrying would send it to them again. Say who did not.
            return Delivered(f"{reply}; refused: " + "; ".join(f"{addr} {resp.code}" for addr, resp in refused.items()))
        return Delivered(reply)

    async def aclose(self) -> None:
        """aiosmtplib.send opens and closes a connection per message."""


def _by_code(codes: list[int], error: str) -> DeliveryResult:
    # Any transient refusal makes the whole message worth retrying.
    if any(400 <= code < 500 for code in codes):
        return RetryLater(error)
    return Rejected(error)


def _unsupported(exc: BaseException) -> bool:
    # aiosmtplib raises a bare SMTPException, not SMTPNotSupported, when STARTTLS is missing.
    return isinstance(exc, aiosmtplib.SMTPNotSupported) or "extension not supported" in str(exc)
