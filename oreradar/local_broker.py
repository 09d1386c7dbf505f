"""Control of the embedded default's Apache Kafka, through ``deploy/kafka/broker.sh``.

The script owns the details (Maven resolution, KRaft format, JVM flags); this module
runs it with the settings passed as ``ORERADAR_*`` variables and turns a failure into
a BrokerError that carries the script's own explanation.
"""

from __future__ import annotations

import os
import subprocess

from oreradar.errors import BrokerError
from oreradar.settings import PACKAGE_ROOT, Settings

__all__ = ["BROKER_SCRIPT", "broker_command", "broker_running"]

BROKER_SCRIPT = PACKAGE_ROOT / "deploy" / "kafka" / "broker.sh"


def _env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    if settings.broker_nodes:
        env["ORERADAR_BROKER_NODES"] = str(settings.broker_nodes)
    env.update(
        ORERADAR_BROKER_PORT=str(settings.broker_port),
        ORERADAR_STATE_DIR=str(settings.state_dir),
        ORERADAR_BROKER_HEAP=settings.broker_heap,
        ORERADAR_PARTITIONS=str(settings.partitions),
    )
    return env


def broker_command(
    settings: Settings, action: str, *, check: bool = True, nodes: int | None = None, node: int | None = None
) -> int:
    """Run ``broker.sh ACTION [--nodes N] [--node I]``; its messages go straight to stderr."""
    if not BROKER_SCRIPT.is_file():
        raise BrokerError(f"{BROKER_SCRIPT} is missing; oreradar must run from a checkout (pip install -e .)")
    args = ["bash", str(BROKER_SCRIPT), action]
    if nodes is not None:
        args += ["--nodes", str(nodes)]
    if node is not None:
        args += ["--node", str(node)]
    proc = subprocess.run(args, env=_env(settings), check=False)
    if check and proc.returncode != 0:
        raise BrokerError(f"`{' '.join(args[2:])}` failed (exit {proc.returncode}); see its message above")
    return proc.returncode


def broker_running(settings: Settings) -> bool:
    proc = subprocess.run(
        ["bash", str(BROKER_SCRIPT), "status"], env=_env(settings), check=False, capture_output=True
    )
    return proc.returncode == 0
