"""The routing commands that need no Kafka: subscriptions check and test, silence argument errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from oreradar.cli import cli
from oreradar.settings import SEEDS_DIR
from tests.unit.routing.helpers import story_alert

FILES = Path(__file__).parent / "files"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("ORERADAR_STATE_DIR", str(tmp_path))
    return CliRunner()


def test_check_a_good_file_shows_no_secret_and_exits_0(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KZ_DESK_HOOK_SECRET", raising=False)
    result = runner.invoke(cli, ["subscriptions", "check", str(FILES / "issue_example.yaml")])
    assert "warning: KZ_DESK_HOOK_SECRET is not set" in result.output
    monkeypatch.setenv("KZ_DESK_HOOK_SECRET", "s3cret-value")
    result = runner.invoke(cli, ["subscriptions", "check", str(FILES / "issue_example.yaml")])
    assert "warning" not in result.output and "s3cret-value" not in result.output
    assert result.exit_code == 0, result.output
    assert "kz-desk: countries=KZ,UZ" in result.output and "secret_env=KZ_DESK_HOOK_SECRET" in result.output
    assert "hooks.example.org" not in result.output  # URLs can carry tokens (Slack's do): never printed
    assert runner.invoke(cli, ["subscriptions", "check", str(SEEDS_DIR / "subscriptions.yaml")]).exit_code == 0


def test_check_a_bad_file_lists_every_problem_and_exits_1(runner: CliRunner) -> None:
    path = FILES / "bad_keys_and_values.yaml"
    result = runner.invoke(cli, ["subscriptions", "check", str(path)])
    assert result.exit_code == 1
    assert "6 problems, nothing loaded" in result.output
    assert f"{path}:11: subscriptions[0] (kz-desk).channels[0]: unknown channel type 'pager'" in result.output


def test_test_says_which_subscriptions_match_and_why(runner: CliRunner, tmp_path: Path) -> None:
    alert_file = tmp_path / "alert.json"
    alert = story_alert(countries=("KZ", "CN"), commodities=("gallium",), severity="critical")
    alert_file.write_text(json.dumps(alert.to_dict(), indent=2))
    result = runner.invoke(cli, ["subscriptions", "test", str(SEEDS_DIR / "subscriptions.yaml"), str(alert_file)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(ln.strip().startswith("MATCH    central-asia-desk: countries: KZ; severity: critical >= medium") for ln in lines)
    assert any(ln.strip().startswith("MATCH    critical-minerals: commodities: gallium; signal_types: export_control")
               for ln in lines)
    assert "starts inhibition export-control-holds-price: holds back commodities=gallium signal_types=price" in result.output


def test_test_reports_a_file_that_is_not_an_alert(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": 3}')
    result = runner.invoke(cli, ["subscriptions", "test", str(SEEDS_DIR / "subscriptions.yaml"), str(bad)])
    assert result.exit_code != 0 and "not an alert or a signal" in result.output


def test_silence_add_refuses_bad_matchers_before_touching_kafka(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["silence", "add", "--country", "Kazakhstan", "--author", "a", "--reason", "r"])
    assert result.exit_code == 2 and "two-letter" in result.output
    result = runner.invoke(cli, ["silence", "add", "--country", "KZ", "--duration", "soon", "--author", "a", "--reason", "r"])
    assert result.exit_code == 2 and "duration" in result.output
