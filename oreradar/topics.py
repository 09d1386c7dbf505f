"""Names of the Kafka topics: fixed, because tools outside the project read them."""

NEWS_RAW = "news.raw"
NEWS_SIGNALS = "news.signals"
ALERTS = "alerts"
NEWS_DEADLETTER = "news.deadletter"

ALL_TOPICS = (NEWS_RAW, NEWS_SIGNALS, ALERTS, NEWS_DEADLETTER)
