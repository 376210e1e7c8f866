"""The retry policy: which failures are retried, and how long to wait before the next attempt.

Modelled on anthropic-sdk-python: exponential backoff from 0.5 s, capped at 8 s, with up to 25%
jitter subtracted, and a ``Retry-After`` the service sends honoured (up to 60 s). Retried: rate
limits (4, 18, 336501, 336502, HTTP 429), server errors (2, 15, 336100, HTTP 5xx), connection
errors and timeouts; the "unknown" server codes 1 and 336000 at most once. Never retried: quota
(17, 19), permission, authentication and validation errors, TLS certificate failures,
oversized responses, and never a stream whose first
chunk already reached the caller (the clients enforce that). Token expiry (110/111) is not a
retry: the clients refresh the token once and replay.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from wenxin_core._http.errors import ResponseTooLargeError, TLSVerificationError
from wenxin_core.errors import (
    QuotaExceededError,
    RateLimitError,
    ServerError,
    WenxinConnectionError,
    WenxinError,
    WenxinTimeoutError,
)

__all__ = ["DEFAULT_MAX_RETRIES", "RetryPolicy", "parse_retry_after"]

DEFAULT_MAX_RETRIES = 2
"""Retries after the first attempt (three attempts in all), like the official SDK."""

_SPARING_CODES = frozenset({1, 336000})
"""Opaque server failures: one retry at most, since a second rarely helps."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` (or ``retry-after-ms``-style numeric) header, if valid."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to retry.

    Attributes:
        max_retries: retries after the first attempt (0 disables retrying).
        initial_delay: the first backoff, in seconds.
        max_delay: the backoff cap, in seconds.
        max_retry_after: the longest ``Retry-After`` honoured; longer ones fail at once.
        jitter: the fraction of the delay randomly subtracted.

    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.25

    def should_retry(self, error: WenxinError, retries_done: int) -> bool:
        """Whether to try again after ``error``, given ``retries_done`` retries so far."""
        if retries_done >= self.max_retries:
            return False
        if error.retry_after is not None and error.retry_after > self.max_retry_after:
            return False
        if isinstance(error, (QuotaExceededError, TLSVerificationError, ResponseTooLargeError)):
            return False  # the same certificate, the same oversized answer, again
        if isinstance(error, RateLimitError):
            return True
        if isinstance(error, ServerError):
            return error.error_code not in _SPARING_CODES or retries_done == 0
        return isinstance(error, (WenxinConnectionError, WenxinTimeoutError))

    def delay(self, error: WenxinError, retries_done: int) -> float:
        """Seconds to wait before retry number ``retries_done + 1``."""
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, (int, float)) and 0 <= retry_after <= self.max_retry_after:
            return float(retry_after)
        base = min(self.initial_delay * (2.0**retries_done), self.max_delay)
        return base * (1.0 - self.jitter * random.random())
