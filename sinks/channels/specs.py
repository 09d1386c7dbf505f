"""Channel specs: what a subscription file says about one destination, validated.

    >>> spec = parse_channel_spec({"type": "webhook", "url": "https://hooks.example.org/x", "secret_env": "HOOK_SECRET"})
    >>> spec.type
    'webhook'

``ChannelSpec`` is a discriminated union on ``type``, so a subscriptions model can hold
``channels: list[ChannelSpec]`` and pydantic names the bad field of the bad channel.
Specs carry the *names* of environment variables, never secret values; the one
exception, an inline Slack/Apprise URL (which is itself a credential), is a
``SecretStr`` and prints masked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError, field_validator, model_validator

from oreradar.errors import ConfigError

__all__ = [
    "ChannelSpec",
    "WebhookSpec",
    "SlackSpec",
    "TelegramSpec",
    "EmailSpec",
    "AlertmanagerSpec",
    "AppriseSpec",
    "JsonlSpec",
    "ConsoleSpec",
    "parse_channel_spec",
    "parse_duration",
]

_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(value: Any) -> float:
    """Seconds from ``90``, ``"90s"``, ``"10m"``, ``"1h"``, ``"2d"`` (the Alertmanager way of writing them)."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"not a duration: {value!r} (write e.g. 30s, 10m, 1h)")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


class _Spec(BaseModel):
    # extra="forbid": a misspelt key (secret_evn) is an error, not a silently unsigned webhook
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = Field(None, description="label in metrics and the delivery log; derived when unset")


def _http_url(value: str) -> str:
    if not re.match(r"^https?://[^/\s]+", value):
        raise ValueError(f"expected an http(s) URL, got {value[:60]!r}")
    return value


class WebhookSpec(_Spec):
    """JSON POST, signed with HMAC-SHA256 when ``secret_env`` names the secret."""

    type: Literal["webhook"]
    url: str
    secret_env: str | None = Field(None, pattern=_ENV_NAME)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _http_url(v)


class _UrlOrEnv(_Spec):
    """A URL that is itself a credential: inline (masked) or, better, from an environment variable."""

    url: SecretStr | None = None
    url_env: str | None = Field(None, pattern=_ENV_NAME)

    @model_validator(mode="after")
    def _exactly_one(self) -> _UrlOrEnv:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url or url_env")
        return self


class SlackSpec(_UrlOrEnv):
    type: Literal["slack"]


class AppriseSpec(_UrlOrEnv):
    """Any service Apprise knows (``tgram://``, ``discord://``, ``mailto://``, ``json://``...)."""

    type: Literal["apprise"]


class TelegramSpec(_Spec):
    type: Literal["telegram"]
    chat_id: str | int
    token_env: str = Field(pattern=_ENV_NAME)
    base_url: str = "https://api.telegram.org"

    @field_validator("base_url")
    @classmethod
    def _base(cls, v: str) -> str:
        return _http_url(v).rstrip("/")


class EmailSpec(_Spec):
    """Recipients; the relay and sender are settings (ORERADAR_SMTP_*), shared by every email channel."""

    type: Literal["email"]
    to: list[str] = Field(min_length=1)
    subject_prefix: str = "[oreradar]"

    @field_validator("to")
    @classmethod
    def _addresses(cls, v: list[str]) -> list[str]:
        bad = [a for a in v if not re.match(r"^[^@\s<>]+@[^@\s<>]+$", a)]
        if bad:
            raise ValueError(f"not an e-mail address: {', '.join(bad)}")
        return v


class AlertmanagerSpec(_Spec):
    """An existing Alertmanager (its base URL; the channel posts to /api/v2/alerts)."""

    type: Literal["alertmanager"]
    url: str
    resolve_after: float = Field(3600.0, gt=0, description="endsAt = now + this: a news event does not stay firing")
    labels: dict[str, str] = Field(default_factory=dict, description="static labels added to every alert, e.g. team")

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _http_url(v).rstrip("/")

    @field_validator("resolve_after", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> float:
        return parse_duration(v)

    @field_validator("labels")
    @classmethod
    def _label_names(cls, v: dict[str, str]) -> dict[str, str]:
        bad = [k for k in v if not re.match(r"^[a-zA-Z_][a-zA-Z0-9_]*$", k)]
        if bad:
            raise ValueError(f"not a Prometheus label name: {', '.join(bad)}")
        return v


class JsonlSpec(_Spec):
    type: Literal["jsonl"]
    path: Path | None = Field(None, description="unset: the alerts file (ORERADAR_ALERTS_FILE)")

    @field_validator("path")
    @classmethod
    def _expand(cls, v: Path | None) -> Path | None:
        return v.expanduser() if v is not None else None


class ConsoleSpec(_Spec):
    type: Literal["console"]


ChannelSpec = Annotated[
    WebhookSpec | SlackSpec | TelegramSpec | EmailSpec | AlertmanagerSpec | AppriseSpec | JsonlSpec | ConsoleSpec,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[Any] = TypeAdapter(ChannelSpec)


def parse_channel_spec(data: Any) -> ChannelSpec:
    """One spec from a mapping; ConfigError names the field (``webhook.url: ...``)."""
    try:
        return _ADAPTER.validate_python(data)  # type: ignore[no-any-return]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"channel{' ' + where if where else ''}: {first['msg']}") from exc
