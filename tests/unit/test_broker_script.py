"""deploy/kafka/broker.sh says exactly what is missing and how to install it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from oreradar.local_broker import BROKER_SCRIPT


def run_without(
    tmp_path: Path, missing: set[str], action: str = "start", *args: str
) -> subprocess.CompletedProcess[str]:
    """Run the script with a PATH holding only the tools it needs minus ``missing``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("dirname", "sed", "seq", "cat", "sleep", "tail", "rm", "mkdir", "touch", "java", "mvn", "setsid"):
        found = shutil.which(tool)
        if found and tool not in missing:
            if not (bin_dir / tool).exists():
                (bin_dir / tool).symlink_to(found)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "ORERADAR_STATE_DIR": str(tmp_path / "state"),
           "ORERADAR_BROKER_PORT": "19092"}
    return subprocess.run(["/bin/bash", str(BROKER_SCRIPT), action, *args], env=env, capture_output=True, text=True)


def record_cluster(tmp_path: Path, nodes: int) -> None:
    """What a first `start --nodes N` leaves behind before it formats: the recorded size."""
    (tmp_path / "state" / "kafka").mkdir(parents=True)
    (tmp_path / "state" / "kafka" / "nodes").write_text(f"{nodes}\n")


def test_missing_java_is_named_with_the_install_command(tmp_path: Path) -> None:
    proc = run_without(tmp_path, {"java"})
    assert proc.returncode == 1
    assert "java not found" in proc.stderr and "apt-get install -y openjdk-17-jre-headless" in proc.stderr


def test_status_of_a_broker_that_never_ran(tmp_path: Path) -> None:
    proc = run_without(tmp_path, set(), action="status")
    assert proc.returncode == 1 and "not running" in proc.stderr


def test_unknown_action_prints_usage(tmp_path: Path) -> None:
    proc = run_without(tmp_path, set(), action="bogus")
    assert proc.returncode == 2 and "broker.sh start" in proc.stdout


def test_status_of_a_cluster_names_every_node_and_its_port(tmp_path: Path) -> None:
    record_cluster(tmp_path, 3)
    proc = run_without(tmp_path, set(), "status")
    assert proc.returncode == 1
    for node, port in ((1, 19092), (2, 19094), (3, 19096)):
        assert f"node {node}: not running (port {port})" in proc.stderr


def test_bootstrap_lists_every_node(tmp_path: Path) -> None:
    assert run_without(tmp_path, set(), "bootstrap").stdout.strip() == "127.0.0.1:19092"
    record_cluster(tmp_path, 3)
    proc = run_without(tmp_path, set(), "bootstrap")
    assert proc.stdout.strip() == "127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096"


def test_a_cluster_keeps_its_size(tmp_path: Path) -> None:
    record_cluster(tmp_path, 3)
    proc = run_without(tmp_path, set(), "start", "--nodes", "1")
    assert proc.returncode == 1 and "holds a 3-node cluster" in proc.stderr


def test_a_node_outside_the_cluster_is_refused(tmp_path: Path) -> None:
    record_cluster(tmp_path, 3)
    proc = run_without(tmp_path, set(), "stop", "--node", "4")
    assert proc.returncode == 1 and "no node 4: the cluster has 3 node(s)" in proc.stderr
    proc = run_without(tmp_path, set(), "start", "--nodes", "x")
    assert proc.returncode == 1 and "--nodes must be a number" in proc.stderr
