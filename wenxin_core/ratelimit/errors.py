"""The limiter's own error: a wait for budget that would outlast the call's timeout."""

from __future__ import annotations

from wenxin_core.errors import RateLimitError

__all__ = ["LimiterWaitError"]


class LimiterWaitError(RateLimitError):
    """The budget frees later than the call may wait: raised at once, never retried.

    Attributes:
        wait: seconds until the budget would have had room.
        bound: the longest wait this call allowed, in seconds.

    """

    def __init__(self, wait: float, bound: float) -> None:
        super().__init__(
            f"rate limit: the budget has room in {wait:.1f}s, beyond this call's wait bound "
            f"of {bound:.1f}s (its timeout or the limiter's max_wait)"
        )
        self.wait = wait
        self.bound = bound
        self.retry_after = wait
