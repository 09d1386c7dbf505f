"""deploy/compose and deploy/k8s agree with the settings: images, ports, targets, files.

No Docker engine or cluster runs here, so what can be checked without one is checked:
every file parses, each process's metrics port is the one the settings give its command
and the one Prometheus scrapes, the Kafka bootstrap names the three brokers, replication
is 3 with min ISR 2, and every file a manifest mounts exists in the repository.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from oreradar import __version__
from oreradar.monitor import JOBS, PROCESS_JOBS
from oreradar.settings import DEFAULT_METRICS_PORTS, PACKAGE_ROOT

DEPLOY = PACKAGE_ROOT / "deploy"
COMPOSE = DEPLOY / "compose"
K8S = DEPLOY / "k8s"
IMAGE = f"oreradar:{__version__}"
COMMAND_OF_JOB = {job: cmd for cmd, job in JOBS.items()}
PROCESS_OF_PORT = {port: process for process, port in DEFAULT_METRICS_PORTS.items()}
# What `oreradar worker --stage …` each process runs when the stages are deployed apart.
STAGE_OF_PROCESS = {"worker": "classify", "stories": "stories"}


def _load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _scrape_targets(prometheus_yml: Path) -> dict[str, list[tuple[str, int]]]:
    """job → every (host or DNS name, port) from static or DNS service discovery."""
    out: dict[str, list[tuple[str, int]]] = {}
    for job in yaml.safe_load(prometheus_yml.read_text())["scrape_configs"]:
        targets = out.setdefault(job["job_name"], [])
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host, port = target.rsplit(":", 1)
                targets.append((host, int(port)))
        for sd in job.get("dns_sd_configs", []):
            targets.extend((name, int(sd["port"])) for name in sd["names"])
    return out


def _stage(args: list[str]) -> str:
    """The stage an `oreradar worker` command line runs (all when it names none)."""
    return args[args.index("--stage") + 1] if "--stage" in args else "all"


def _scraped_processes(prometheus_yml: Path) -> list[tuple[str, str, int]]:
    """(process, host, port) of every target, each checked to sit in its process's job."""
    scraped = _scrape_targets(prometheus_yml)
    assert set(scraped) == set(JOBS.values())
    out = []
    for job, targets in scraped.items():
        for host, port in targets:
            process = PROCESS_OF_PORT[port]
            assert PROCESS_JOBS[process] == job, f"{host}:{port} is {process}'s port but scraped in {job}"
            out.append((process, host, port))
    # Every process, the stories stage's own included, is scraped (dashboards read them all).
    assert {process for process, _, _ in out} == set(PROCESS_JOBS)
    return out


def _promtool_check(prometheus_yml: Path, tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is missing: scripts/setup.sh installs it (Debian package prometheus)")
    config = yaml.safe_load(prometheus_yml.read_text())
    config["rule_files"] = [str(DEPLOY / "prometheus" / "rules" / Path(p).name) for p in config["rule_files"]]
    local = tmp_path / "prometheus.yml"
    local.write_text(yaml.safe_dump(config))
    done = subprocess.run([promtool, "check", "config", str(local)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# --- compose -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((COMPOSE / "compose.yaml").read_text())


def test_compose_runs_every_process_on_its_settings_port(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for process, host, port in _scraped_processes(COMPOSE / "prometheus.yml"):
        service = services[host]
        assert service["image"] == IMAGE, host
        assert service["command"][0] == COMMAND_OF_JOB[PROCESS_JOBS[process]]
        if process in STAGE_OF_PROCESS:  # the worker's stages run apart: neither starts the other
            assert _stage(service["command"]) == STAGE_OF_PROCESS[process], host
        assert service["environment"]["ORERADAR_METRICS_PORT"] == str(DEFAULT_METRICS_PORTS[process]) == str(port)
        assert str(port) in service["expose"]


def test_compose_kafka_is_three_nodes_replication_three(compose: dict[str, Any]) -> None:
    services = compose["services"]
    brokers = sorted(name for name in services if name.startswith("kafka-"))
    assert brokers == ["kafka-1", "kafka-2", "kafka-3"]
    bootstrap = services["worker"]["environment"]["ORERADAR_KAFKA_BOOTSTRAP"].split(",")
    assert bootstrap == [f"{b}:9092" for b in brokers]
    voters = services["kafka-1"]["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    for name in brokers:
        env = services[name]["environment"]
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
        assert f"{env['KAFKA_NODE_ID']}@{name}:9093" in voters
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3 and env["KAFKA_MIN_INSYNC_REPLICAS"] == 2
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 3
    assert int(services["worker"]["environment"]["ORERADAR_PARTITIONS"]) == services["kafka-1"]["environment"]["KAFKA_NUM_PARTITIONS"]


def test_compose_mounts_files_that_exist(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (COMPOSE / source).exists(), f"{name} mounts {source}, which is not in the repository"
    grafana = compose["services"]["grafana"]["volumes"]
    provider = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "oreradar.yml").read_text())
    assert any(v.endswith(provider["providers"][0]["options"]["path"] + ":ro") for v in grafana)


def test_compose_prometheus_config_is_valid(tmp_path: Path) -> None:
    _promtool_check(COMPOSE / "prometheus.yml", tmp_path)


# --- kubernetes ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def k8s() -> dict[tuple[str, str], dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    objects = {}
    for resource in kustomization["resources"]:
        for doc in _load_all(K8S / resource):
            objects[(doc["kind"], doc["metadata"]["name"])] = doc
    for generator in kustomization["configMapGenerator"]:
        for entry in generator["files"]:
            source = entry.split("=", 1)[-1]
            assert (K8S / source).is_file(), f"configMapGenerator {generator['name']}: {source} is missing"
        objects[("ConfigMap", generator["name"])] = {"kind": "ConfigMap", "generated": True}
    return objects


def test_k8s_deployments_serve_metrics_where_prometheus_looks(k8s: dict[tuple[str, str], dict[str, Any]]) -> None:
    for process, service_name, port in _scraped_processes(K8S / "prometheus.yml"):
        service = k8s[("Service", service_name)]
        assert service["spec"]["clusterIP"] == "None", "DNS discovery needs a headless service"
        assert service["spec"]["ports"][0]["port"] == port == DEFAULT_METRICS_PORTS[process]
        deployment = k8s[("Deployment", service_name)]
        assert deployment["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == IMAGE and container["args"][0] == COMMAND_OF_JOB[PROCESS_JOBS[process]]
        if process in STAGE_OF_PROCESS:
            assert _stage(container["args"]) == STAGE_OF_PROCESS[process], service_name
        assert {"name": "ORERADAR_METRICS_PORT", "value": str(port)} in container["env"]
        assert container["ports"][0]["containerPort"] == port
    assert k8s[("Deployment", "oreradar-feeds")]["spec"]["replicas"] == 1


def test_k8s_kafka_bootstrap_names_every_broker(k8s: dict[tuple[str, str], dict[str, Any]]) -> None:
    kafka = k8s[("StatefulSet", "kafka")]
    replicas = kafka["spec"]["replicas"]
    assert replicas == 3 and kafka["spec"]["serviceName"] == "kafka"
    bootstrap = k8s[("ConfigMap", "oreradar-env")]["data"]["ORERADAR_KAFKA_BOOTSTRAP"].split(",")
    assert bootstrap == [f"kafka-{i}.kafka:9092" for i in range(replicas)]
    env = {e["name"]: e["value"] for e in kafka["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3" and env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
    assert len(env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == replicas


def test_k8s_every_mounted_config_exists(k8s: dict[tuple[str, str], dict[str, Any]]) -> None:
    for (kind, name), obj in k8s.items():
        if kind not in ("Deployment", "StatefulSet"):
            continue
        for volume in obj["spec"]["template"]["spec"].get("volumes", []):
            if "configMap" in volume:
                assert ("ConfigMap", volume["configMap"]["name"]) in k8s, f"{name} mounts a missing ConfigMap"
            if "persistentVolumeClaim" in volume:
                assert ("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"]) in k8s


def test_k8s_prometheus_config_is_valid(tmp_path: Path) -> None:
    _promtool_check(K8S / "prometheus.yml", tmp_path)


def test_same_image_version_everywhere() -> None:
    for path in [COMPOSE / "compose.yaml", *K8S.glob("*.yaml")]:
        for image in re.findall(r"image:\s*(oreradar:\S+)", path.read_text()):
            assert image == IMAGE, f"{path.name}: {image}"
