"""The pure parts of processors.kafka_transport (the seek itself is tested on the real
broker: tests/integration/test_kafka_transport.py)."""

from __future__ import annotations

from processors.kafka_transport import StreamReadOffsets, broker_url


def test_stream_partitions_have_no_read_offset_to_drop_records_below() -> None:
    offsets = StreamReadOffsets(lambda tp: tp.endswith("-changelog"))
    offsets["news.signals"] = 308  # what faust's fetch loop writes
    offsets["g-stories-changelog"] = 40
    # faust drops a fetched record below the read offset: never on a stream partition ...
    assert offsets["news.signals"] is None
    # ... but a changelog keeps it, and an unknown partition has none.
    assert offsets["g-stories-changelog"] == 40
    assert offsets["g-trends-changelog"] is None
    offsets.pop("g-stories-changelog", None)
    assert offsets["g-stories-changelog"] is None


def test_broker_url_names_every_server_with_this_transport() -> None:
    assert broker_url("h1:9092, h2:9094,") == "oreradar-kafka://h1:9092;oreradar-kafka://h2:9094"
    assert broker_url(["h1:1"]) == "oreradar-kafka://h1:1"
