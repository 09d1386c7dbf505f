"""The retry policy, once for every channel: exponential back-off with jitter, Retry-After, a limit.

    >>> policy = RetryPolicy(max_attempts=5, backoff=2.0, max_backoff=60.0)
    >>> policy.delay_after(attempts=3, retry_after=None, rand=lambda: 0.5)
    8.0
    >>> policy.delay_after(attempts=3, retry_after=120.0, rand=lambda: 0.5)
    120.0
    >>> policy.delay_after(attempts=5, retry_after=None, rand=lambda: 0.5) is None    # the limit: dead-letter
    True

Pure: the random draw is passed in, so tests need neither luck nor sleep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    backoff: float = 2.0  # seconds before the second attempt
    max_backoff: float = 600.0
    jitter: float = 0.25  # ± this fraction, so receivers coming back are not hit by every sender at once
    max_retry_after: float = 3600.0  # a receiver asking for more than this is waited on this long, then tried

    def delay_after(self, *, attempts: int, retry_after: float | None, rand: Callable[[], float]) -> float | None:
        """Seconds to wait before the next attempt, after ``attempts`` failed ones; None when out of attempts."""
        if attempts >= self.max_attempts:
            return None
        if retry_after is not None:
            # The receiver said when; honour it (never earlier), capped so a bad header cannot park a delivery forever.
            return min(max(retry_after, 0.0), self.max_retry_after)
        base = min(self.max_backoff, self.backoff * (2 ** (attempts - 1)))
        return base * (1 + self.jitter * (2 * rand() - 1))
