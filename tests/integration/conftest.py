"""One real Apache Kafka for the whole test session, started by the project's own script.

The broker gets a free port and a fresh state folder, so it never collides with a
developer's own `oreradar broker start` on 9092.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oreradar.kafka_admin import ensure_topics
from oreradar.local_broker import running_broker
from oreradar.settings import Settings
from tests.integration.kafka_helpers import free_port_block


@pytest.fixture(scope="session")
def kafka_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    state = tmp_path_factory.mktemp("oreradar-state")
    port = free_port_block(2)  # clients and controller
    settings = Settings(
        kafka_bootstrap=None,
        broker_port=port,
        state_dir=state,
        partitions=3,
        broker_heap="384m",
        consumer_group="it",
        metrics_port=0,
    )
    with running_broker(settings):
        ensure_topics(settings)
        yield settings


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return tmp_path
