"""Build a channel from its spec, resolving secrets from the environment mapping handed in.

    >>> channel = build_channel(spec, settings, os.environ, http)   # doctest: +SKIP

``env`` is passed in (the dispatcher reads ``os.environ`` once, in ``main``), so a test
hands a dict. A secret that is missing or empty is a ConfigError naming the variable and
the channel, raised when the channel is built, never at the first alert. Secret values
travel as ``SecretStr`` and no channel's repr or name contains one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import httpx
from pydantic import SecretStr
from rich.console import Console

from oreradar.errors import ConfigError
from oreradar.settings import Settings
from sinks.channels.alertmanager import AlertmanagerChannel
from sinks.channels.apprise_channel import AppriseChannel
from sinks.channels.base import Channel
from sinks.channels.console import ConsoleChannel
from sinks.channels.email import EmailChannel, SmtpRelay
from sinks.channels.jsonl import JsonlChannel
from sinks.channels.slack import SlackChannel
from sinks.channels.specs import (
    AlertmanagerSpec,
    AppriseSpec,
    ChannelSpec,
    ConsoleSpec,
    EmailSpec,
    JsonlSpec,
    SlackSpec,
    TelegramSpec,
    WebhookSpec,
)
from sinks.channels.telegram import TelegramChannel
from sinks.channels.webhook import WebhookChannel

__all__ = ["build_channel", "required_env", "smtp_relay"]


def required_env(spec: ChannelSpec) -> list[str]:
    """The environment variables this spec needs (for ``subscriptions check`` without building)."""
    if isinstance(spec, WebhookSpec):
        return [spec.secret_env] if spec.secret_env else []
    if isinstance(spec, (SlackSpec, AppriseSpec)):
        return [spec.url_env] if spec.url_env else []
    if isinstance(spec, TelegramSpec):
        return [spec.token_env]
    return []


def build_channel(
    spec: ChannelSpec,
    settings: Settings,
    env: Mapping[str, str],
    http: httpx.AsyncClient,
    *,
    clock: Callable[[], float] = time.time,
    console: Console | None = None,
) -> Channel:
    """The channel for ``spec``; the HTTP client is shared and stays the caller's to close."""
    where = f"{spec.type} channel" + (f" {spec.name!r}" if spec.name else "")
    if isinstance(spec, WebhookSpec):
        secret = _secret(env, spec.secret_env, where, "secret_env") if spec.secret_env else None
        return WebhookChannel(spec.url, http, secret=secret, name=spec.name, clock=clock)
    if isinstance(spec, SlackSpec):
        return SlackChannel(_url(spec.url, spec.url_env, env, where), http, name=spec.name, clock=clock)
    if isinstance(spec, TelegramSpec):
        token = _secret(env, spec.token_env, where, "token_env")
        return TelegramChannel(spec.chat_id, token, http, base_url=spec.base_url, name=spec.name, clock=clock)
    if isinstance(spec, EmailSpec):
        return EmailChannel(spec.to, smtp_relay(settings, where), subject_prefix=spec.subject_prefix, name=spec.name)
    if isinstance(spec, AlertmanagerSpec):
        return AlertmanagerChannel(spec.url, http, resolve_after=spec.resolve_after, labels=spec.labels, name=spec.name, clock=clock)
    if isinstance(spec, AppriseSpec):
        return AppriseChannel(_url(spec.url, spec.url_env, env, where), name=spec.name, where=where)
    if isinstance(spec, JsonlSpec):
        return JsonlChannel(spec.path or settings.alerts_path, name=spec.name)
    if isinstance(spec, ConsoleSpec):
        return ConsoleChannel(console, name=spec.name)
    raise ConfigError(f"{where}: no channel implements type {getattr(spec, 'type', '?')!r}")


def smtp_relay(settings: Settings, where: str = "email channel") -> SmtpRelay:
    if not settings.smtp_host:
        raise ConfigError(f"{where}: ORERADAR_SMTP_HOST is not set; email channels need an SMTP relay")
    return SmtpRelay(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password,
    )


def _secret(env: Mapping[str, str], variable: str, where: str, field: str) -> SecretStr:
    value = env.get(variable, "")
    if not value.strip():
        state = "is empty" if variable in env else "is not set"
        raise ConfigError(f"{where}: environment variable {variable} ({field}) {state}; export it before starting")
    return SecretStr(value.strip())


def _url(inline: SecretStr | None, variable: str | None, env: Mapping[str, str], where: str) -> SecretStr:
    if inline is not None:
        return inline
    assert variable is not None  # the spec validated exactly one of url / url_env
    return _secret(env, variable, where, "url_env")
