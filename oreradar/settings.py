"""Settings, read once at start-up from ``ORERADAR_*`` variables (and an optional TOML file).

    >>> settings = Settings.load()
    >>> settings.bootstrap          # the local broker unless ORERADAR_KAFKA_BOOTSTRAP is set
    '127.0.0.1:9092'

Only :meth:`Settings.load` reads the environment; everything else is handed the frozen
object. ``ORERADAR_CONFIG`` names a TOML file whose keys are the same names in lower case
without the prefix (``broker_port = 9093``); environment variables win over it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from oreradar.errors import ConfigError
from oreradar.records import SEVERITIES

__all__ = ["Settings", "PACKAGE_ROOT", "DEFAULT_FEEDS_FILE", "SEEDS_DIR"]

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FEEDS_FILE = PACKAGE_ROOT / "producers" / "feeds" / "catalogue.yaml"
SEEDS_DIR = PACKAGE_ROOT / "seeds"

# Each long-running process serves its own /metrics; these are the defaults per command
# ("stories": the stories stage's process, which `oreradar worker` starts beside itself).
DEFAULT_METRICS_PORTS = {"worker": 9310, "alerts": 9311, "feeds": 9312, "stories": 9313}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORERADAR_", frozen=True, extra="ignore")

    kafka_bootstrap: str | None = Field(None, description="bootstrap servers of an existing cluster; unset = local broker")
    broker_port: int = Field(9092, ge=1, le=65535, description="port of the local broker")
    broker_heap: str = Field("512m", description="JVM heap of the local broker")
    state_dir: Path = Field(Path("~/.local/state/oreradar"), description="broker data, feed and delivery state")
    # After state_dir: its validator reads the size that `broker start --nodes` recorded there.
    broker_nodes: int = Field(
        0, ge=0, le=9, validate_default=True,
        description="nodes of the local cluster; 0/unset = as recorded by `broker start --nodes`, else 1",
    )
    feeds_file: Path = Field(DEFAULT_FEEDS_FILE, description="the feeds catalogue")
    feeds_allow_hosts: str = Field("", description="hosts/CIDRs exempt from the private-address refusal")
    subscriptions_file: Path | None = Field(None, description="alert subscriptions (YAML)")
    alerts_file: Path | None = Field(None, description="JSONL alert sink; default $STATE_DIR/alerts.jsonl")
    metrics_port: int | None = Field(None, description="/metrics port of this process; default per command, 0 = off")
    partitions: int = Field(6, ge=1, description="partitions of the topics oreradar creates")
    alert_min_severity: str = Field("low", description="least severity a relevant signal needs to become an alert")
    consumer_group: str = Field("oreradar", description="prefix of the consumer groups")
    stories_enabled: bool = Field(True, description="run the stories stage (`oreradar worker` starts it in a process of its own; false: classify only)")
    topic_prefix: str = Field("", description="prefix of every topic name (isolated runs on a shared cluster, e.g. golden replays)")
    prometheus_port: int = Field(9090, ge=1, le=65535, description="port of the Prometheus `oreradar monitor` starts")
    alertmanager_port: int = Field(9093, ge=1, le=65535, description="port of the Alertmanager `oreradar monitor` starts")
    session_timeout: float = Field(
        30.0, ge=6.0, le=300.0,
        description="seconds without a heartbeat before the group gives a dead worker's partitions to the others",
    )
    stall_seconds: float = Field(
        60.0, ge=0.0,
        description="seconds a stage may go without a commit on records it has to read before it stops to start "
                    "again (0 = never)",
    )
    log_level: str = Field("INFO")
    log_format: str = Field("text", description="text or json")
    sasl_password: SecretStr | None = Field(None, description="for an existing cluster that needs SASL/PLAIN")
    sasl_username: str | None = None
    # The email channel's SMTP relay (sinks/channels/email.py); only read when a subscription has an email channel.
    smtp_host: str | None = Field(None, description="SMTP relay for email channels")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_from: str = Field("oreradar@localhost", description="From: address of alert emails")
    smtp_starttls: bool = Field(True, description="require STARTTLS (false only for a local relay)")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None

    @field_validator("state_dir", "feeds_file", "subscriptions_file", "alerts_file")
    @classmethod
    def _expand(cls, v: Path | None) -> Path | None:
        return v.expanduser() if v is not None else None

    @field_validator("broker_nodes")
    @classmethod
    def _nodes(cls, v: int, info: ValidationInfo) -> int:
        """Unset: the size of the local cluster formatted in the state dir (so every later
        command's bootstrap lists all its nodes), else one node."""
        if v:
            return v
        state_dir = info.data.get("state_dir")
        recorded = Path(state_dir) / "kafka" / "nodes" if state_dir else None
        if recorded is not None and recorded.is_file():
            text = recorded.read_text(encoding="utf-8").strip()
            if not text.isdigit() or not 1 <= int(text) <= 9:
                raise ValueError(f"{recorded} should hold the number of nodes (1-9), holds {text[:20]!r}")
            return int(text)
        return 1

    @field_validator("alert_min_severity")
    @classmethod
    def _severity(cls, v: str) -> str:
        if v not in SEVERITIES:
            raise ValueError(f"ORERADAR_ALERT_MIN_SEVERITY must be one of {', '.join(SEVERITIES)}")
        return v

    @field_validator("log_format")
    @classmethod
    def _format(cls, v: str) -> str:
        if v not in ("text", "json"):
            raise ValueError("ORERADAR_LOG_FORMAT must be 'text' or 'json'")
        return v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("ORERADAR_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file).expanduser()))
        return tuple(sources)

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Read the environment once; a bad value raises ConfigError naming the variable."""
        config_file = os.environ.get("ORERADAR_CONFIG")
        if config_file and not Path(config_file).expanduser().is_file():
            raise ConfigError(f"ORERADAR_CONFIG={config_file}: no such file")
        try:
            return cls(**overrides)
        except ValidationError as exc:
            first = exc.errors()[0]
            name = "ORERADAR_" + str(first["loc"][0]).upper() if first["loc"] else "ORERADAR_*"
            raise ConfigError(f"{name}: {first['msg']} (got {first.get('input')!r})") from exc

    # Derived values, computed from the fields so they never disagree with them.
    @property
    def local_broker(self) -> bool:
        return not self.kafka_bootstrap

    @property
    def bootstrap(self) -> str:
        """ORERADAR_KAFKA_BOOTSTRAP, else every node of the local cluster: node i (1..N) serves
        clients on broker_port + 2(i-1), so a client still connects when node 1 is down."""
        if self.kafka_bootstrap:
            return self.kafka_bootstrap
        return ",".join(f"127.0.0.1:{self.broker_node_port(i)}" for i in range(1, max(1, self.broker_nodes) + 1))

    def broker_node_port(self, node: int) -> int:
        """Client port of node ``node`` (1-based) of the local cluster; its controller is the next port."""
        return self.broker_port + 2 * (node - 1)

    @property
    def alerts_path(self) -> Path:
        return self.alerts_file or self.state_dir / "alerts.jsonl"

    def topic(self, name: str) -> str:
        """The name of one of oreradar's topics (``oreradar.topics``) in this deployment."""
        return self.topic_prefix + name

    def metrics_port_for(self, command: str) -> int | None:
        """The port this command serves /metrics on, or None when switched off (0)."""
        port = self.metrics_port if self.metrics_port is not None else DEFAULT_METRICS_PORTS.get(command)
        return port or None

    def as_dict(self) -> dict[str, Any]:
        """For logging: secrets stay masked (SecretStr prints as '**********')."""
        return {k: (str(v) if v is not None else None) for k, v in self.model_dump().items()}
