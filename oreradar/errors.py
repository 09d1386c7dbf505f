"""The one error tree of oreradar.

    OreradarError
    ├── ConfigError           a setting or data file is wrong; says which and how to fix it
    ├── RecordError           a record failed validation or is not JSON; names the item and field
    ├── ClassifierError       text the classifier cannot take (names the item)
    ├── BrokerError           the local Kafka could not be set up, started or reached
    ├── FeedError             a feed could not be fetched or parsed (names the feed)
    │   └── FeedRefused       the feed URL or a redirect points somewhere we never fetch
    └── DeliveryError         an alert could not be delivered by a channel

Every message says what went wrong, where (item id, field, file, feed) and, when the
user can fix it, how.
"""

from __future__ import annotations

__all__ = [
    "OreradarError",
    "ConfigError",
    "RecordError",
    "ClassifierError",
    "BrokerError",
    "FeedError",
    "FeedRefused",
    "DeliveryError",
]


class OreradarError(Exception):
    """Root of every error oreradar raises on purpose."""


class ConfigError(OreradarError):
    """A setting, a data file or the environment is wrong."""


class RecordError(OreradarError):
    """A record on a topic or in a file is not valid.

    ``item_id`` and ``field`` are kept so a dead-letter entry can name them.
    """

    def __init__(self, message: str, *, item_id: str | None = None, field: str | None = None):
        super().__init__(message)
        self.item_id = item_id
        self.field = field


class ClassifierError(OreradarError):
    """The classifier was handed something it cannot classify."""


class BrokerError(OreradarError):
    """The local Kafka broker could not be prepared, started, stopped or reached."""


class FeedError(OreradarError):
    """A feed could not be fetched or parsed."""


class FeedRefused(FeedError):
    """A feed URL or one of its redirects points at a scheme or address we refuse."""


class DeliveryError(OreradarError):
    """A delivery channel failed to deliver an alert."""
