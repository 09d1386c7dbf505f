"""Story state survives a worker restart: it lives in the stories table's changelog topic.

The run gets its own topics (ORERADAR_TOPIC_PREFIX) and consumer group, so nothing else
on the session's broker can join its stories.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from oreradar.kafka_admin import ensure_topics
from oreradar.records import Alert, NewsItem, parse_alert
from oreradar.settings import Settings
from oreradar.topics import ALERTS, NEWS_RAW
from oreradar.processes import stop_processes
from processors.stories_cli import read_topic, story_state
from producers.publisher import NewsPublisher
from tests.integration.kafka_helpers import settings_env, start_oreradar

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _alerts(settings: Settings, want: int, timeout: float = 120.0) -> list[Alert]:
    deadline = time.monotonic() + timeout
    found: list[Alert] = []
    while time.monotonic() < deadline:
        found = [a for a in (parse_alert(r.value) for r in read_topic(settings, settings.topic(ALERTS)))
                 if isinstance(a, Alert)]
        if len(found) >= want:
            return found
        time.sleep(1.0)
    return found


def _stop(proc: subprocess.Popen[bytes]) -> None:
    stop_processes([proc], timeout=45)


def test_a_restarted_worker_continues_its_stories(kafka_settings: Settings, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    settings = kafka_settings.model_copy(update={"topic_prefix": f"rs-{tag}.", "consumer_group": f"rs-{tag}",
                                                 "partitions": 2})
    ensure_topics(settings)
    env = settings_env(settings, ORERADAR_TOPIC_PREFIX=settings.topic_prefix)
    first = NewsItem(id=f"en-{tag}", source="Reuters", lang="en", published="2025-03-03T08:00:00Z",
                     title="China tightens export licences for gallium and germanium",
                     body="China's commerce ministry said exporters of gallium and germanium need a licence "
                          "for every shipment from April 1, tightening export controls.")
    second = NewsItem(id=f"ru-{tag}", source="Интерфакс", lang="ru", published="2025-03-03T11:00:00Z",
                      title="Китай ужесточил лицензирование экспорта галлия и германия",
                      body="Министерство коммерции КНР вводит лицензию на каждую экспортную партию галлия и "
                           "германия, ужесточая экспортный контроль.")

    def publish(*items: NewsItem) -> None:
        with NewsPublisher.connect(settings, topic=settings.topic(NEWS_RAW)) as pub:
            for item in items:
                pub.publish(item)
            assert pub.flush().failed == 0

    worker = start_oreradar(["worker"], env, tmp_path / "worker-1.log")
    try:
        publish(first)
        (opened,) = _alerts(settings, 1)
        assert opened.revision == 1 and opened.id == first.id
    finally:
        _stop(worker)

    worker = start_oreradar(["worker"], env, tmp_path / "worker-2.log")
    try:
        publish(first, second)  # the first again: a duplicate by id, known only from the recovered table
        alerts = _alerts(settings, 2)
        time.sleep(3.0)
        alerts = _alerts(settings, 2)
    finally:
        _stop(worker)
        print((tmp_path / "worker-2.log").read_text(errors="replace")[-3000:])
    assert [a.revision for a in alerts] == [1, 2], [a.model_dump_json() for a in alerts]
    revised = alerts[1]
    assert revised.story_id == opened.story_id and revised.id == second.id
    assert [s.id for s in revised.sources] == [first.id, second.id] and "language +ru" in revised.changes
    assert revised.sources[1].join is not None and "gallium" in revised.sources[1].join.commodities
    state = story_state(settings)
    assert list(state) == [opened.story_id] and [s["id"] for s in state[opened.story_id]["sources"]] == [
        first.id, second.id]
    listing = subprocess.run([sys.executable, "-m", "oreradar", "stories", "--json"], env=env, capture_output=True, text=True, timeout=60)
    entry = json.loads(listing.stdout.splitlines()[0])
    assert entry["story_id"] == opened.story_id and entry["sources"][1]["lead_seconds"] == 3 * 3600


def test_the_stage_makes_its_internal_topics_before_it_starts(kafka_settings: Settings) -> None:
    """A changelog missing from the consumer's metadata at the first assignment made a table
    write raise (PartitionsMismatch) in the middle of a batch: the stage makes them first."""
    from kafka.admin import ConfigResource, ConfigResourceType

    from oreradar.kafka_admin import _admin
    from processors.cluster_stories import (STORIES_TABLE, TRENDS_TABLE, changelog_topic_name,
                                            ensure_internal_topics, inbox_topic_name)

    app_id = f"it-{uuid.uuid4().hex[:8]}-stories"
    changelogs = [changelog_topic_name(app_id, table) for table in (STORIES_TABLE, TRENDS_TABLE)]
    assert sorted(ensure_internal_topics(kafka_settings, app_id)) == sorted([inbox_topic_name(app_id), *changelogs])
    assert ensure_internal_topics(kafka_settings, app_id) == []  # made once
    admin = _admin(kafka_settings)
    try:
        for topic in admin.describe_topics([inbox_topic_name(app_id), *changelogs]):
            assert len(topic["partitions"]) == kafka_settings.partitions
        for name in changelogs:
            config = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])["topic"][name]
            assert config["cleanup.policy"]["value"] == "compact"
        inbox = inbox_topic_name(app_id)
        config = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, inbox)])["topic"][inbox]
        assert "cleanup.policy" not in config  # the broker's default (delete): it is a stream, not a table
    finally:
        admin.close()
