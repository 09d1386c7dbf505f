"""The alertmanager channel against a real Prometheus Alertmanager (Debian's prometheus-alertmanager).

The fixture starts its own Alertmanager on a free loopback port with a temporary config
and storage (no clustering), so it never meets one a developer runs on 9093.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from sinks.channels.alertmanager import AlertmanagerChannel
from sinks.channels.base import Delivered, Rejected
from tests.channel_samples import message, story_alert, trend_alert
from tests.integration.kafka_helpers import free_port

pytestmark = pytest.mark.integration

CONFIG = """\
route:
  receiver: blackhole
  group_wait: 1h
receivers:
  - name: blackhole
"""


def _binary() -> str:
    found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if not found:
        pytest.fail("prometheus-alertmanager is not installed: run scripts/setup.sh")
    return found


@pytest.fixture(scope="module")
def alertmanager_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("alertmanager")
    (home / "alertmanager.yml").write_text(CONFIG)
    port = free_port()
    log = (home / "alertmanager.log").open("wb")
    proc = subprocess.Popen(
        [_binary(), f"--config.file={home / 'alertmanager.yml'}", f"--storage.path={home / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc, home / "alertmanager.log")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"alertmanager exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"alertmanager not ready after {timeout}s:\n{log.read_text()[-2000:]}")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


async def _alerts(http: httpx.AsyncClient, url: str, alertname: str) -> list[dict]:
    response = await http.get(f"{url}/api/v2/alerts", params={"filter": f'alertname="{alertname}"'})
    response.raise_for_status()
    return list(response.json())


async def test_story_alert_arrives_with_labels_annotations_and_an_end(alertmanager_url: str, http: httpx.AsyncClient) -> None:
    now = time.time()
    channel = AlertmanagerChannel(alertmanager_url, http, resolve_after=3600, labels={"team": "kz-desk", "severity": "ignored"},
                                  clock=lambda: now)
    alert = story_alert(revision=2).model_copy(update={"created": datetime.now(timezone.utc)})
    assert isinstance(await channel.send(message(alert)), Delivered)

    [got] = await _alerts(http, alertmanager_url, "OreradarStory")
    assert got["labels"] == {
        "alertname": "OreradarStory", "severity": "high", "story_id": "s-0123456789abcdef",
        "signal_types": "export_control", "countries": "CN,KZ", "commodities": "tungsten",
        "subscription": "kz-desk", "team": "kz-desk",
    }
    notes = got["annotations"]
    assert notes["title"] == alert.title and notes["url"] == alert.url and notes["revision"] == "2"
    assert "“restricts” → export_control (signal_type, title)" in notes["evidence"]
    assert "new source kapital.example (ru)" in notes["changes"]
    ends = datetime.fromisoformat(got["endsAt"].replace("Z", "+00:00"))
    assert abs(ends - datetime.fromtimestamp(now + 3600, tz=timezone.utc)) < timedelta(seconds=1)
    assert got["status"]["state"] == "active" and got["generatorURL"] == alert.url


async def test_a_later_revision_updates_the_same_alertmanager_alert(alertmanager_url: str, http: httpx.AsyncClient) -> None:
    channel = AlertmanagerChannel(alertmanager_url, http)
    story = story_alert(revision=3).model_copy(update={"story_id": "s-revisions", "created": datetime.now(timezone.utc)})
    await channel.send(message(story))
    await channel.send(message(story.model_copy(update={"revision": 4})))
    mine = [a for a in await _alerts(http, alertmanager_url, "OreradarStory") if a["labels"]["story_id"] == "s-revisions"]
    assert len(mine) == 1 and mine[0]["annotations"]["revision"] == "4"


async def test_trend_alert_and_a_refused_post(alertmanager_url: str, http: httpx.AsyncClient) -> None:
    trend = trend_alert().model_copy(update={"created": datetime.now(timezone.utc)})
    assert isinstance(await AlertmanagerChannel(alertmanager_url, http).send(message(trend)), Delivered)
    [got] = await _alerts(http, alertmanager_url, "OreradarTrend")
    assert got["labels"]["countries"] == "KZ" and got["labels"]["commodities"] == "uranium"
    assert "baseline 1.5/h" in got["annotations"]["title"]
    # A label name Alertmanager refuses is a permanent 400: rejected, not retried.
    bad = AlertmanagerChannel(alertmanager_url, http, labels={"bad-name": "x"})
    result = await bad.send(message(trend))
    assert isinstance(result, Rejected) and "HTTP 400" in result.error
