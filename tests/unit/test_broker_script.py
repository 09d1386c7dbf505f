"""deploy/kafka/broker.sh says exactly what is missing and how to install it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from oreradar.local_broker import BROKER_SCRIPT


def run_without(tmp_path: Path, missing: set[str], action: str = "start") -> subprocess.CompletedProcess[str]:
    """Run the script with a PATH holding only the tools it needs minus ``missing``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "sed", "seq", "cat", "sleep", "tail", "rm", "mkdir", "touch", "java", "mvn", "setsid"):
        found = shutil.which(tool)
        if found and tool not in missing:
            (bin_dir / tool).symlink_to(found)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "ORERADAR_STATE_DIR": str(tmp_path / "state")}
    return subprocess.run(["/bin/bash", str(BROKER_SCRIPT), action], env=env, capture_output=True, text=True)


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
