"""The shipped Prometheus and Alertmanager files pass their own tools, and every alert's rule test runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: scripts/setup.sh installs it (Debian packages prometheus, prometheus-alertmanager)")
    return path


def _run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, cwd=DEPLOY)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_prometheus_config_is_valid() -> None:
    out = _run(_tool("promtool"), "check", "config", "prometheus/prometheus.yml")
    assert "2 rule files found" in out


def test_rules_are_valid() -> None:
    rules = sorted(str(p.relative_to(DEPLOY)) for p in (DEPLOY / "prometheus" / "rules").glob("*.yml"))
    assert rules
    _run(_tool("promtool"), "check", "rules", *rules)


def test_every_alert_has_a_rule_test_that_passes() -> None:
    import yaml

    alerts = {
        rule["alert"]
        for group in yaml.safe_load((DEPLOY / "prometheus" / "rules" / "alerts.yml").read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    tests = sorted((DEPLOY / "prometheus" / "tests").glob("*.yml"))
    tested = {
        case["alertname"]
        for path in tests
        for block in yaml.safe_load(path.read_text())["tests"]
        for case in block.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert alerts - tested == set(), f"alerts with no firing test: {sorted(alerts - tested)}"
    _run(_tool("promtool"), "test", "rules", *(str(p.relative_to(DEPLOY)) for p in tests))


def test_alertmanager_config_is_valid() -> None:
    out = _run(_tool("amtool"), "check-config", "alertmanager/alertmanager.yml")
    assert "SUCCESS" in out
