"""Routing: the subscriptions file, matching, story updates per subscriber, silences, inhibition, grouping.

Pure logic only (no Kafka, no clock of its own): the dispatcher hands in the alert, the
silences and the time, and gets back what each subscription should do with it.
"""

from .diff import describe_changes, view
from .group import due_at, group_key
from .inhibit import inhibitions_from
from .match import AlertFacts, MatchResult, match
from .model import (
    CHANNEL_TYPES,
    DeliveryPolicy,
    Group,
    InhibitRule,
    Match,
    Subscription,
    Subscriptions,
    SubscriptionsError,
    load_subscriptions,
    parse_duration,
    parse_subscriptions,
)
from .router import Route, route
from .silences import Silence, SilenceStore

__all__ = [
    "AlertFacts", "CHANNEL_TYPES", "DeliveryPolicy", "Group", "InhibitRule", "Match", "MatchResult", "Route",
    "Silence", "SilenceStore", "Subscription", "Subscriptions", "SubscriptionsError", "describe_changes", "due_at",
    "group_key", "inhibitions_from", "load_subscriptions", "match", "parse_duration", "parse_subscriptions", "route",
    "view",
]
