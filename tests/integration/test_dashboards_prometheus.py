"""Every Grafana panel's query and every rule returns data from a real Prometheus scraping the real pipeline.

Grafana is not installable here, so this is the proof that no dashboard shows "No data":
the real broker, worker, dispatcher and a feed poller on loopback feeds, scraped by Debian's
Prometheus at 1 s; the labelled corpus, the story set and a record that is not JSON are
replayed; then each panel's query (template variables substituted as Grafana would) and
each rule expression run through Prometheus's HTTP API.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from oreradar.monitor import JOBS, PROMETHEUS_DIR, Monitor
from oreradar.settings import PACKAGE_ROOT, Settings
from oreradar.topics import NEWS_RAW
from oreradar.processes import stop_processes
from producers.replay_cli import replay_paths
from tests.integration.kafka_helpers import free_port, free_port_block, send_raw, settings_env, start_oreradar
from tests.unit.feeds.feedserver import FeedServer

DASHBOARDS = PACKAGE_ROOT / "deploy" / "grafana" / "dashboards"
REAL_FEEDS = PACKAGE_ROOT.parent / "shared" / "testdata" / "feeds" / "real"
FEED_FILES = ("rbren+rss-parser/guardian.rss", "prof18+RSS-Parser/feed-test-ru.xml", "rbren+rss-parser/heise.atom")
# What Grafana puts in place of its own variables: a rate window of several scrapes, the
# dashboard's time range, and "All" jobs.
GRAFANA_VARS = {"$__rate_interval": "20s", "$__range": "15m", "$job": "oreradar-.*"}


def panel_queries() -> list[tuple[str, str, str]]:
    queries = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        board = json.loads(path.read_text(encoding="utf-8"))
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                queries.append((board["title"], panel["title"], target["expr"]))
    return queries


def rule_expressions() -> list[tuple[str, str]]:
    exprs = []
    for path in sorted((PROMETHEUS_DIR / "rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                exprs.append((rule.get("alert") or rule["record"], rule["expr"]))
    return exprs


def substitute(expr: str) -> str:
    for var, value in GRAFANA_VARS.items():
        expr = expr.replace(var, value)
    return expr


def query(prometheus: str, expr: str) -> dict[str, Any]:
    return httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10).json()


def wait_for(prometheus: str, expr: str, at_least: float, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    value = 0.0
    while time.monotonic() < deadline:
        result = query(prometheus, expr).get("data", {}).get("result", [])
        value = float(result[0]["value"][1]) if result else 0.0
        if value >= at_least:
            return value
        time.sleep(1)
    return value


def test_dashboards_query_only_what_exists() -> None:
    # A cheap guard that runs without any server: every panel has a query, a unit and a description.
    queries = panel_queries()
    assert len(queries) >= 20
    for path in DASHBOARDS.glob("*.json"):
        board = json.loads(path.read_text(encoding="utf-8"))
        names = {v["name"] for v in board["templating"]["list"]}
        assert {"datasource", "job"} <= names, path.name
        for panel in board["panels"]:
            assert panel.get("description"), f"{path.name}: {panel['title']} has no description"
            assert panel["fieldConfig"]["defaults"].get("unit"), f"{path.name}: {panel['title']} has no unit"
            for target in panel["targets"]:
                assert 'job=~"$job"' in target["expr"], f"{panel['title']}: query ignores the job variable"
                if "rate(" in target["expr"]:
                    assert "[$__rate_interval]" in target["expr"], f"{panel['title']}: rate without $__rate_interval"


@pytest.mark.integration
@pytest.mark.slow
def test_every_panel_and_rule_returns_data(kafka_settings: Settings, tmp_path: Path) -> None:
    ports = {cmd: free_port() for cmd in JOBS}
    # The worker's stories stage runs in a child process on the worker's port + 1: a second
    # target of the job oreradar-worker, where the dashboards look for its metrics.
    ports["worker"] = free_port_block(2)
    targets = {JOBS[cmd]: [f"127.0.0.1:{port}"] for cmd, port in ports.items()}
    targets[JOBS["worker"]].append(f"127.0.0.1:{ports['worker'] + 1}")
    run = uuid.uuid4().hex[:8]
    procs: list[subprocess.Popen[bytes]] = []
    settings = kafka_settings.model_copy(
        update={"state_dir": tmp_path / "state", "consumer_group": f"dash-{run}",
                "prometheus_port": free_port(), "alertmanager_port": free_port()}
    )
    monitor = Monitor(settings, targets, scrape_interval="1s")
    prometheus = monitor.urls()["prometheus"]
    with FeedServer() as server:
        catalogue = tmp_path / "feeds.yaml"
        lines = ["feeds:"]
        for i, name in enumerate(FEED_FILES):
            server.route(f"/feed{i}", body=(REAL_FEEDS / name).read_bytes())
            lines.append(f"  - {{name: real-{i}-{run}, url: '{server.url(f'/feed{i}')}', interval: 1}}")
        catalogue.write_text("\n".join(lines) + "\n")
        env = settings_env(settings, ORERADAR_FEEDS_FILE=str(catalogue), ORERADAR_FEEDS_ALLOW_HOSTS="127.0.0.1")
        try:
            monitor.start()
            for cmd, args in (("worker", ["worker"]), ("alerts", ["alerts", "--quiet"]), ("feeds", ["feeds", "poll"])):
                procs.append(start_oreradar(args, dict(env, ORERADAR_METRICS_PORT=str(ports[cmd])), tmp_path / f"{cmd}.log"))
            assert wait_for(prometheus, 'count(up{job=~"oreradar-.*"} == 1)', 4, timeout=90) == 4, "not every process is scraped"

            paths = [PACKAGE_ROOT / "seeds" / "labelled"] + ([PACKAGE_ROOT / "seeds" / "stories"] if (PACKAGE_ROOT / "seeds" / "stories").is_dir() else [])
            summary = replay_paths(settings, paths, progress=False)
            send_raw(settings, NEWS_RAW, b"this is not JSON {", key=b"not-json")
            decided = wait_for(prometheus, 'sum(oreradar_items_total{stage="classify"})', len(summary.ids), timeout=180)
            assert decided >= len(summary.ids), f"worker decided {decided} of {len(summary.ids)}"
            assert wait_for(prometheus, 'sum(oreradar_dropped_total{stage="classify"})', 1, timeout=30) >= 1
            # The stories process (scraped in the worker's job) has turned signals into stories.
            assert wait_for(prometheus, 'sum(oreradar_stories_total{job="oreradar-worker"})', 1, timeout=120) >= 1
            assert wait_for(prometheus, "count(oreradar_feed_last_success_timestamp_seconds)", 1, timeout=60) >= 1
            time.sleep(3)  # a few more scrapes after the last change, inside every rate window

            empty = []
            for board, title, expr in panel_queries():
                answer = query(prometheus, substitute(expr))
                if answer.get("status") != "success" or not answer["data"]["result"]:
                    empty.append(f"{board} / {title}: {substitute(expr)} -> {answer.get('error') or 'no data'}")
            broken = []
            for name, expr in rule_expressions():
                answer = query(prometheus, expr)
                if answer.get("status") != "success":
                    broken.append(f"{name}: {answer.get('error')}")
            assert not empty, "panels with no data:\n" + "\n".join(empty)
            assert not broken, "rules that do not evaluate:\n" + "\n".join(broken)
            rules = httpx.get(f"{prometheus}/api/v1/rules", timeout=10).json()["data"]["groups"]
            assert all(r.get("health") in ("ok", "unknown") for g in rules for r in g["rules"]), rules
        finally:
            stop_processes(procs)
            monitor.stop()
