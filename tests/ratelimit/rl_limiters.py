"""The type of the ``make_limiter`` fixture (``conftest.py``), for the tests that take it."""

from __future__ import annotations

from collections.abc import Callable

from wenxin_core.ratelimit import RateLimiter

LimiterFactory = Callable[..., RateLimiter]
"""Builds a limiter of the test's backend from ``MemoryRateLimiter``'s keyword options."""
