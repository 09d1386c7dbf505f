"""Specs say what a subscriptions file may write; build_channel turns them into channels, secrets resolved and masked."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel

from oreradar.errors import ConfigError
from oreradar.settings import Settings
from sinks.channels import Channel, ChannelSpec, build_channel, parse_channel_spec, required_env
from sinks.channels.specs import parse_duration

SECRET = "s3cr3t-value-never-shown"
ENV = {"HOOK_SECRET": SECRET, "SLACK_URL": f"https://hooks.slack.example/services/T/B/{SECRET}", "TG_TOKEN": f"123:{SECRET}",
       "APPRISE_URL": f"json://127.0.0.1:9/{SECRET}"}
SPECS = [
    {"type": "webhook", "url": "https://hooks.example.org/oreradar", "secret_env": "HOOK_SECRET"},
    {"type": "slack", "url_env": "SLACK_URL"},
    {"type": "telegram", "chat_id": -1001234, "token_env": "TG_TOKEN", "base_url": "http://127.0.0.1:9/"},
    {"type": "email", "to": ["kz-desk@example.org"]},
    {"type": "alertmanager", "url": "http://127.0.0.1:9093", "resolve_after": "2h", "labels": {"team": "kz"}},
    {"type": "apprise", "url_env": "APPRISE_URL"},
    {"type": "jsonl", "path": "alerts.jsonl"},
    {"type": "console"},
]


def settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(state_dir=tmp_path, smtp_host="127.0.0.1", smtp_password=SECRET, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize("data", SPECS, ids=[s["type"] for s in SPECS])
async def test_every_type_builds_a_channel_whose_repr_and_name_hide_secrets(data: dict, tmp_path: Path) -> None:
    spec = parse_channel_spec(data)
    async with httpx.AsyncClient() as http:
        channel = build_channel(spec, settings(tmp_path), ENV, http)
        assert isinstance(channel, Channel) and channel.type == data["type"]
        for shown in (repr(channel), str(channel), channel.name, repr(spec), str(spec)):
            assert SECRET not in shown
        await channel.aclose()


def test_specs_sit_in_a_subscription_model_as_a_discriminated_union() -> None:
    class Subscription(BaseModel):
        channels: list[ChannelSpec]

    sub = Subscription.model_validate({"channels": SPECS})
    assert [c.type for c in sub.channels] == [s["type"] for s in SPECS]
    assert sub.channels[4].resolve_after == 7200.0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"type": "webhook", "url": "ftp://x"}, "webhook.url"),
        ({"type": "webhook", "url": "https://x.org", "secret_evn": "X"}, "secret_evn"),
        ({"type": "slack"}, "exactly one of url or url_env"),
        ({"type": "slack", "url": "https://a", "url_env": "B"}, "exactly one of url or url_env"),
        ({"type": "telegram", "chat_id": 1}, "telegram.token_env"),
        ({"type": "email", "to": []}, "email.to"),
        ({"type": "email", "to": ["not-an-address"]}, "not-an-address"),
        ({"type": "alertmanager", "url": "http://am", "resolve_after": "soon"}, "not a duration"),
        ({"type": "alertmanager", "url": "http://am", "labels": {"bad-name": "x"}}, "bad-name"),
        ({"type": "pager"}, "does not match any of the expected tags"),
    ],
)
def test_bad_specs_say_which_field(data: dict, says: str) -> None:
    with pytest.raises(ConfigError, match=says.replace("(", r"\(")):
        parse_channel_spec(data)


async def test_a_missing_secret_names_the_variable_and_the_channel(tmp_path: Path) -> None:
    spec = parse_channel_spec({"type": "webhook", "url": "https://h.example.org", "secret_env": "KZ_DESK_HOOK_SECRET", "name": "kz"})
    assert required_env(spec) == ["KZ_DESK_HOOK_SECRET"]
    async with httpx.AsyncClient() as http:
        with pytest.raises(ConfigError, match="webhook channel 'kz': environment variable KZ_DESK_HOOK_SECRET .*is not set"):
            build_channel(spec, settings(tmp_path), {}, http)
        with pytest.raises(ConfigError, match="KZ_DESK_HOOK_SECRET .*is empty"):
            build_channel(spec, settings(tmp_path), {"KZ_DESK_HOOK_SECRET": " "}, http)


async def test_email_without_a_relay_names_the_setting(tmp_path: Path) -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(ConfigError, match="ORERADAR_SMTP_HOST"):
            build_channel(parse_channel_spec({"type": "email", "to": ["a@b.org"]}), Settings(state_dir=tmp_path), {}, http)


async def test_apprise_refuses_a_url_it_does_not_know_without_echoing_it(tmp_path: Path) -> None:
    spec = parse_channel_spec({"type": "apprise", "url": f"nosuchservice://{SECRET}"})
    async with httpx.AsyncClient() as http:
        with pytest.raises(ConfigError, match="nosuchservice://") as caught:
            build_channel(spec, settings(tmp_path), {}, http)
    assert SECRET not in str(caught.value)


def test_smtp_password_is_masked_in_the_settings_dump(tmp_path: Path) -> None:
    assert SECRET not in repr(settings(tmp_path)) and SECRET not in str(settings(tmp_path).as_dict())


def test_durations() -> None:
    assert [parse_duration(v) for v in (90, "90s", "10m", "1h", "1.5h", "2d", "500ms")] == [90, 90, 600, 3600, 5400, 172800, 0.5]


def test_libraries_that_log_urls_stay_quiet_even_when_debugging() -> None:
    from oreradar.logs import logging_config

    loggers = logging_config("DEBUG")["loggers"]
    for name in ("httpx", "httpcore", "urllib3", "apprise", "aiosmtplib"):
        assert loggers[name]["level"] == "WARNING", name


def test_smtp_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORERADAR_SMTP_HOST", "relay.example.org")
    monkeypatch.setenv("ORERADAR_SMTP_PORT", "2525")
    monkeypatch.setenv("ORERADAR_SMTP_STARTTLS", "false")
    monkeypatch.setenv("ORERADAR_SMTP_PASSWORD", SECRET)
    loaded = Settings.load()
    assert (loaded.smtp_host, loaded.smtp_port, loaded.smtp_starttls) == ("relay.example.org", 2525, False)
    assert loaded.smtp_password is not None and loaded.smtp_password.get_secret_value() == SECRET
    assert SECRET not in str(loaded.as_dict()) and SECRET not in repr(loaded)
