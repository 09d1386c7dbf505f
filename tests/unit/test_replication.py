"""How oreradar replicates topics for a cluster of a given size."""

from __future__ import annotations

from pathlib import Path

import pytest

from oreradar.kafka_admin import Replication, count_brokers
from oreradar.settings import Settings


@pytest.mark.parametrize(
    ("brokers", "factor", "min_insync"), [(1, 1, 1), (2, 2, 1), (3, 3, 2), (5, 3, 2)],
)
def test_three_copies_two_in_sync_once_there_are_three_brokers(brokers: int, factor: int, min_insync: int) -> None:
    replication = Replication.for_brokers(brokers)
    assert (replication.factor, replication.min_insync) == (factor, min_insync)
    assert replication.topic_config() == {"min.insync.replicas": str(min_insync)}


def test_the_local_cluster_is_counted_from_its_recorded_size(tmp_path: Path) -> None:
    # No network: a node that is down does not shrink the replication of new topics.
    assert count_brokers(Settings(state_dir=tmp_path, kafka_bootstrap=None)) == 1
    assert count_brokers(Settings(state_dir=tmp_path, kafka_bootstrap=None, broker_nodes=3)) == 3
