from __future__ import annotations

from pathlib import Path

import pytest

from oreradar.errors import ConfigError
from oreradar.settings import Settings


def test_defaults_serve_the_embedded_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("ORERADAR_KAFKA_BOOTSTRAP", "ORERADAR_BROKER_PORT", "ORERADAR_STATE_DIR", "ORERADAR_CONFIG",
                 "ORERADAR_BROKER_NODES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # a developer's own cluster in ~/.local/state must not leak in
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


def test_a_local_cluster_recorded_in_the_state_dir_is_bootstrapped_on_every_node(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("ORERADAR_KAFKA_BOOTSTRAP", "ORERADAR_BROKER_NODES", "ORERADAR_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ORERADAR_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("ORERADAR_BROKER_PORT", "19092")
    assert Settings.load().bootstrap == "127.0.0.1:19092"  # nothing recorded: one node
    (tmp_path / "kafka").mkdir()
    (tmp_path / "kafka" / "nodes").write_text("3\n")
    settings = Settings.load()
    assert settings.broker_nodes == 3
    assert settings.bootstrap == "127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096"
    monkeypatch.setenv("ORERADAR_BROKER_NODES", "2")  # the variable wins over the record
    assert Settings.load().bootstrap == "127.0.0.1:19092,127.0.0.1:19094"
    monkeypatch.setenv("ORERADAR_KAFKA_BOOTSTRAP", "k1:9092")  # an existing cluster ignores both
    assert Settings.load().bootstrap == "k1:9092"


def test_a_garbled_node_count_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("ORERADAR_KAFKA_BOOTSTRAP", "ORERADAR_BROKER_NODES", "ORERADAR_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ORERADAR_STATE_DIR", str(tmp_path))
    (tmp_path / "kafka").mkdir()
    (tmp_path / "kafka" / "nodes").write_text("three")
    with pytest.raises(ConfigError, match="ORERADAR_BROKER_NODES.*number of nodes"):
        Settings.load()


def test_faust_gets_every_bootstrap_server_and_the_cluster_replication(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from oreradar.kafka_admin import Replication
    from oreradar.settings import Settings
    from processors.app import build_app

    settings = Settings(state_dir=tmp_path, broker_port=9500, broker_nodes=3, metrics_port=0)
    app, _ = build_app(settings, replication=Replication.for_brokers(3))
    assert [str(url) for url in app.conf.broker] == ["oreradar-kafka://127.0.0.1:9500", "oreradar-kafka://127.0.0.1:9502",
                                                     "oreradar-kafka://127.0.0.1:9504"]
    # ... with the transport that rewinds partitions with no committed offset (processors.kafka_transport).
    from processors.kafka_transport import ConsumerThread, StreamReadOffsets

    assert isinstance(app.consumer._thread, ConsumerThread)
    assert isinstance(app.consumer._read_offset, StreamReadOffsets)
    assert app.conf.topic_replication_factor == 3
