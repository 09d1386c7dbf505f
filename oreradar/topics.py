"""Names of the Kafka topics: fixed, because tools outside the project read them."""

NEWS_RAW = "news.raw"
NEWS_SIGNALS = "news.signals"
ALERTS = "alerts"
NEWS_DEADLETTER = "news.deadletter"

ALL_TOPICS = (NEWS_RAW, NEWS_SIGNALS, ALERTS, NEWS_DEADLETTER)

# The dispatcher's shared state (compacted, keyed; created by sinks/state_topics.py):
# the outbox and delivery log, co-partitioned with ``alerts``; and the silences.
DELIVERIES = "oreradar.deliveries"
SILENCES = "oreradar.silences"
