"""Control of the embedded default's Apache Kafka, through ``deploy/kafka/broker.sh``:
one KRaft node, or a cluster of several on this machine (``broker start --nodes 3``).

The script owns the details (Maven resolution, KRaft format, JVM flags); this module
runs it with the settings passed as ``ORERADAR_*`` variables and turns a failure into
a BrokerError that carries the script's own explanation.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from oreradar.errors import BrokerError
from oreradar.settings import PACKAGE_ROOT, Settings

__all__ = ["BROKER_SCRIPT", "broker_command", "broker_running"]

BROKER_SCRIPT = PACKAGE_ROOT / "deploy" / "kafka" / "broker.sh"


def _env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ORERADAR_BROKER_PORT=str(settings.broker_port),
        ORERADAR_STATE_DIR=str(settings.state_dir),
        ORERADAR_BROKER_HEAP=settings.broker_heap,
        ORERADAR_PARTITIONS=str(settings.partitions),
        ORERADAR_BROKER_NODES=str(settings.broker_nodes),
    )
    return env


def broker_command(
    settings: Settings, action: str, *, nodes: int | None = None, node: int | None = None, check: bool = True
) -> int:
    """Run ``broker.sh ACTION [--nodes N] [--node I]``; its messages go straight to stderr.

    ``nodes``: the size of the cluster to start (the script refuses a size other than the
    one already formatted in the state dir); ``node``: act on that one node only.
    """
    if not BROKER_SCRIPT.is_file():
        raise BrokerError(f"{BROKER_SCRIPT} is missing; oreradar must run from a checkout (pip install -e .)")
    args = [action]
    if nodes is not None:
        args += ["--nodes", str(nodes)]
    if node is not None:
        args += ["--node", str(node)]
    proc = subprocess.run(["bash", str(BROKER_SCRIPT), *args], env=_env(settings), check=False)
    if check and proc.returncode != 0:
        raise BrokerError(f"`{BROKER_SCRIPT.name} {' '.join(args)}` failed (exit {proc.returncode}); see its message above")
    return proc.returncode


@contextmanager
def running_broker(settings: Settings, *, nodes: int | None = None, timeout: float = 90.0) -> Iterator[Settings]:
    """A local broker (or ``nodes``-node cluster) for the length of the block: started,
    waited for until it answers, stopped on the way out, also when starting failed half
    way (a cluster whose third node did not come up). For tests and benchmarks that own
    a broker of their own on a free port."""
    from oreradar.kafka_admin import wait_for_cluster

    try:
        broker_command(settings, "start", nodes=nodes)
        wait_for_cluster(settings, timeout=timeout)
        yield settings
    finally:
        broker_command(settings, "stop", check=False)


def broker_running(settings: Settings) -> bool:
    proc = subprocess.run(
        ["bash", str(BROKER_SCRIPT), "status"], env=_env(settings), check=False, capture_output=True
    )
    return proc.returncode == 0
