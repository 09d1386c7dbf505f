"""The command line as a user meets it: help, classify, eval (no Kafka needed for these)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from oreradar.cli import cli
from oreradar.settings import SEEDS_DIR

SEED = SEEDS_DIR / "000_dd2d12cf7e77ac73.txt"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("ORERADAR_STATE_DIR", str(tmp_path))
    return CliRunner()


@pytest.mark.parametrize(
    "command",
    [[], ["broker"], ["broker", "start"], ["demo"], ["classify"], ["eval"], ["replay"], ["worker"], ["alerts"],
     ["feeds"], ["feeds", "poll"]],
)
def test_every_command_explains_itself(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Usage: " in result.output
    assert len(result.output.splitlines()) > 4


def test_classify_a_text_article(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["classify", str(SEED)])
    assert result.exit_code == 0, result.output
    signal = json.loads(result.output.strip().splitlines()[-1])
    assert signal["relevant"] and {"KZ", "UZ", "US", "CN"} <= set(signal["countries"])
    assert {"rare_earths", "tungsten"} <= set(signal["commodities"])


def test_classify_jsonl_on_stdin_reports_bad_lines_and_goes_on(runner: CliRunner) -> None:
    lines = [
        json.dumps({"id": "g1", "title": "Beijing bans antimony exports to the United States"}),
        "not json",
        json.dumps({"id": "g2", "title": "Astana wins the football derby"}),
    ]
    result = runner.invoke(cli, ["classify", "-"], input="\n".join(lines))
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [(s["id"], s["relevant"]) for s in out] == [("g1", True), ("g2", False)]
    assert "<stdin>:2" in result.stderr and "not valid JSON" in result.stderr


def test_classify_relevant_only(runner: CliRunner) -> None:
    lines = [json.dumps({"id": "g2", "title": "Astana wins the football derby"})]
    result = runner.invoke(cli, ["classify", "--relevant-only", "-"], input="\n".join(lines))
    assert result.exit_code == 0 and result.stdout.strip() == ""


def test_eval_json_on_a_small_corpus(runner: CliRunner, tmp_path: Path) -> None:
    corpus = tmp_path / "mini.jsonl"
    corpus.write_text(
        json.dumps({"title": "China restricts gallium and germanium exports", "gold": {
            "relevant": True, "signal_types": ["export_control"], "countries": ["CN"],
            "commodities": ["gallium", "germanium"], "severity": "critical"}}) + "\n"
        + json.dumps({"title": "Kazakh tennis player wins in Melbourne", "gold": {"relevant": False, "countries": ["KZ"]}})
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["eval", "--json", str(corpus)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["items"] == 2 and figures["relevance"]["f1"] == 1.0
    assert figures["commodities"]["micro"]["f1"] == 1.0


def test_eval_refuses_a_corpus_without_labels(runner: CliRunner, tmp_path: Path) -> None:
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text(json.dumps({"title": "no gold here"}) + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["eval", str(corpus)])
    assert result.exit_code != 0 and "bad.jsonl:1" in result.output and "gold" in result.output


def test_a_bad_setting_is_named(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORERADAR_PARTITIONS", "zero")
    result = runner.invoke(cli, ["classify", "--help"])
    assert result.exit_code != 0
    assert "ORERADAR_PARTITIONS" in str(result.exception) or "ORERADAR_PARTITIONS" in result.output
