"""Golden alert files through the real broker: `oreradar replay --golden` as a user runs it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from oreradar.settings import SEEDS_DIR, Settings
from tests.integration.kafka_helpers import settings_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

GOLDEN = sorted((SEEDS_DIR / "golden").glob("*.yaml"))


def test_every_golden_file_replays_without_a_difference(kafka_settings: Settings) -> None:
    env = settings_env(kafka_settings, ORERADAR_CONSUMER_GROUP="golden-test")
    proc = subprocess.run([sys.executable, "-m", "oreradar", "replay", "--golden", *map(str, GOLDEN)],
                          env=env, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr[-3000:]
    assert proc.returncode == 0, out
    assert out.count("0 differences") == len(GOLDEN), out


def test_a_wrong_expectation_fails_with_the_difference(kafka_settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (SEEDS_DIR / "golden" / "seed_c5_summit.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("file: ../000_dd2d12cf7e77ac73.txt", f"file: {SEEDS_DIR / '000_dd2d12cf7e77ac73.txt'}")
                      .replace("copies: [gs-economist-en-copy]", "copies: []"), encoding="utf-8")
    env = settings_env(kafka_settings, ORERADAR_CONSUMER_GROUP="golden-test")
    proc = subprocess.run([sys.executable, "-m", "oreradar", "replay", "--golden", str(broken)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    assert "DIFF story c5-summit: copies ['gs-economist-en-copy'], expected []" in proc.stdout
