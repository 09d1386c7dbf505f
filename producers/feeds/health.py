"""Feed health: weighted failures, exponential backoff with jitter, auto-disable.

Failures weigh by kind, the way long-running pollers keep them: a 404 or a refused
address (hard) will not fix itself, a 5xx or a broken document (soft) might, a timeout or
a 429 (temporary) usually does. A feed whose consecutive weighted failures reach
``disable_score`` is disabled with the reason; ``oreradar feeds enable NAME`` revives it.

    >>> policy = HealthPolicy()
    >>> state = FeedState(name="f")
    >>> record_failure(state, policy, now=0.0, interval=600, kind=TEMPORARY, error="timeout", rng=random.Random(1))
    >>> state.consecutive_failures, 0 < state.next_poll_at <= 1200
    (1, True)
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .state import FeedState

__all__ = ["HARD", "SOFT", "TEMPORARY", "WEIGHTS", "HealthPolicy", "failure_kind", "record_success", "record_failure", "backoff_delay"]

HARD, SOFT, TEMPORARY = "hard", "soft", "temporary"
WEIGHTS = {HARD: 1.0, SOFT: 0.5, TEMPORARY: 0.25}
_HARD_STATUSES = {400, 404, 405, 410, 451, 501}


@dataclass(frozen=True)
class HealthPolicy:
    disable_score: float = 10.0  # e.g. 10 hard failures in a row, or 40 timeouts
    backoff_cap: float = 6 * 3600.0
    jitter: float = 0.25  # up to this fraction is taken off each delay, so feeds spread out
    max_retry_after: float = 24 * 3600.0  # a server asking for a week still gets asked daily


def failure_kind(outcome: str, status: int | None = None) -> str:
    """hard / soft / temporary for a failed fetch outcome (see fetch.OUTCOMES) or "not_a_feed"."""
    if outcome == "refused" or (outcome == "http_error" and status in _HARD_STATUSES):
        return HARD
    if outcome in ("timeout", "network_error", "rate_limited"):
        return TEMPORARY
    return SOFT


def backoff_delay(policy: HealthPolicy, interval: float, failures: int, rng: random.Random) -> float:
    """interval · 2^(failures−1), capped, minus up to ``jitter`` of it."""
    base = min(policy.backoff_cap, interval * 2 ** max(0, min(failures - 1, 30)))
    return base * (1.0 - policy.jitter * rng.random())


def record_success(state: FeedState, *, now: float, interval: float, new_items: int) -> None:
    state.last_fetch_at = now
    state.last_success_at = now
    state.consecutive_failures = 0
    state.failure_score = 0.0
    state.next_poll_at = now + interval
    if new_items:
        state.last_new_item_at = now
        state.items_total += new_items


def record_failure(
    state: FeedState,
    policy: HealthPolicy,
    *,
    now: float,
    interval: float,
    kind: str,
    error: str,
    rng: random.Random,
    retry_after: float | None = None,
) -> None:
    state.last_fetch_at = now
    state.last_error = error
    state.last_error_at = now
    state.last_error_kind = kind
    state.consecutive_failures += 1
    state.failure_score += WEIGHTS[kind]
    delay = backoff_delay(policy, interval, state.consecutive_failures, rng)
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.max_retry_after))
    state.next_poll_at = now + delay
    if state.failure_score >= policy.disable_score and not state.disabled_reason:
        state.disabled_reason = (
            f"auto-disabled after {state.consecutive_failures} consecutive failures "
            f"(weighted {state.failure_score:g} ≥ {policy.disable_score:g}); last error: {error}. "
            f"Fix the URL in the catalogue or run `oreradar feeds enable {state.name}`"
        )
