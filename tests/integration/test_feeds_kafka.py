"""End to end: a local feed server polled into the real broker, a restart, no item twice."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from oreradar.settings import Settings
from oreradar.topics import NEWS_RAW
from producers.feeds.cli import poll_command
from tests.integration.kafka_helpers import consume_topic
from tests.unit.feeds import samples
from tests.unit.feeds.feedserver import FeedServer


def _source(value: bytes | None) -> str:
    """The source of a NewsItem record; other tests leave records that are not JSON on news.raw."""
    try:
        return str(json.loads(value or b"").get("source", ""))
    except (ValueError, AttributeError):
        return ""


@pytest.mark.integration
async def test_poll_restart_poll_publishes_each_item_once(kafka_settings: Settings, tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:8]
    story = f"https://shared.example/{run}/gallium"
    first_a = [(f"Gallium {run}", story + "?utm_source=a"), (f"A only {run}", f"https://a.example/{run}/1")]
    with FeedServer() as server:
        server.route("/a", body=samples.rss_with(first_a))
        server.route("/b", body=samples.rss_with([(f"Gallium again {run}", story + "#top")]))
        catalogue = tmp_path / "feeds.yaml"
        catalogue.write_text(
            "feeds:\n"
            f"  - {{name: a-{run}, url: '{server.url('/a')}', lang: en, interval: 0.001}}\n"
            f"  - {{name: b-{run}, url: '{server.url('/b')}', lang: en, interval: 0.001}}\n"
        )
        settings = kafka_settings.model_copy(
            update={"feeds_file": catalogue, "state_dir": tmp_path / "state", "feeds_allow_hosts": "127.0.0.1"}
        )
        out = io.StringIO()
        first = await poll_command(settings, once=True, dry_run=False, out=out, err=out, registry=CollectorRegistry())
        assert first is not None and first.items_new == 2 and first.items_duplicate == 1 and first.publish_failed == 0

        # "restart": poll_command builds a new poller, store and producer on the same state dir
        server.route("/a", body=samples.rss_with(first_a + [(f"A later {run}", f"https://a.example/{run}/2")]))
        second = await poll_command(settings, once=True, dry_run=False, out=out, err=out, registry=CollectorRegistry())
        assert second is not None and second.items_new == 1 and second.items_duplicate == 3
        assert "feeds: 2 ok" in out.getvalue()

    # Ask for one more than expected, so a duplicate would be read rather than cut off.
    records = consume_topic(
        kafka_settings, NEWS_RAW, min_records=4, timeout=15,
        predicate=lambda r: _source(r.value).endswith(run),
    )
    ids = [r.key.decode() for r in records]
    assert len(ids) == 3 and len(set(ids)) == 3, ids
    titles = {json.loads(r.value)["title"] for r in records}
    # Both feeds carry the shared story; whichever is fetched first in the cycle publishes it.
    shared = titles - {f"A only {run}", f"A later {run}"}
    assert len(titles) == 3 and shared <= {f"Gallium {run}", f"Gallium again {run}"}, titles
