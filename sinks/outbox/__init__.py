"""The outbox: per (alert, subscription, channel) deliveries, written down before they count.

Records live on the compacted topic ``oreradar.deliveries`` (see records.py); the engine
drains each channel on its own with the retry policy of policy.py.
"""

from .admit import admit
from .engine import Journal, Outbox
from .policy import RetryPolicy
from .records import OutboxRecord, delivery_key, entry_key, log_key
from .state import PartitionState

__all__ = ["Journal", "Outbox", "OutboxRecord", "PartitionState", "RetryPolicy", "admit", "delivery_key", "entry_key",
           "log_key"]
