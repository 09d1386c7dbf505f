from __future__ import annotations

from pathlib import Path

import pytest

from oreradar.errors import ConfigError
from oreradar.settings import Settings


def test_defaults_serve_the_embedded_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ORERADAR_KAFKA_BOOTSTRAP", "ORERADAR_BROKER_PORT", "ORERADAR_STATE_DIR", "ORERADAR_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.load()
    assert settings.local_broker and settings.bootstrap == "127.0.0.1:9092"
    assert settings.state_dir == Path("~/.local/state/oreradar").expanduser()
    assert settings.alerts_path == settings.state_dir / "alerts.jsonl"
    assert settings.metrics_port_for("worker") == 9310


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ORERADAR_KAFKA_BOOTSTRAP", "k1:9092,k2:9092")
    monkeypatch.setenv("ORERADAR_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("ORERADAR_METRICS_PORT", "0")
    settings = Settings.load()
    assert not settings.local_broker and settings.bootstrap == "k1:9092,k2:9092"
    assert settings.alerts_path == tmp_path / "alerts.jsonl"
    assert settings.metrics_port_for("worker") is None


def test_config_file_is_read_and_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "oreradar.toml"
    config.write_text('broker_port = 9200\npartitions = 2\n')
    monkeypatch.setenv("ORERADAR_CONFIG", str(config))
    monkeypatch.setenv("ORERADAR_PARTITIONS", "4")
    settings = Settings.load()
    assert settings.broker_port == 9200 and settings.partitions == 4


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORERADAR_BROKER_PORT", "ninety")
    with pytest.raises(ConfigError, match="ORERADAR_BROKER_PORT"):
        Settings.load()


def test_missing_config_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ORERADAR_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="no such file"):
        Settings.load()


def test_secrets_are_masked_when_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORERADAR_SASL_PASSWORD", "hunter2")
    assert "hunter2" not in str(Settings.load().as_dict())
