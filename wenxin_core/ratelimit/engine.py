"""The clients' hook: reserve before each attempt, settle after it (a no-op without a limiter).

The wait for budget is bounded by the attempt's timeout (its longest phase, normally the read
timeout; none when the call has no timeout) and by the limiter's own ``max_wait``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from wenxin_core.errors import RateLimitError, WenxinError, WenxinValidationError
from wenxin_core.ratelimit.estimate import estimate_cost
from wenxin_core.types import ChatChunk, ChatCompletion, RateLimits, RerankResult, Usage
from wenxin_core.wire.v2.errors import rate_limits_of

if TYPE_CHECKING:
    from wenxin_core.ratelimit.base import RateLimiter
    from wenxin_core.ratelimit.types import Reservation
    from wenxin_core.wire import PreparedChat, PreparedPost

__all__ = ["areserve", "asettle", "check_limiter", "reserve", "settle", "wait_bound"]


def check_limiter(value: object) -> RateLimiter | None:
    """``value`` if it is a limiter (or ``None``); a validation error otherwise."""
    from wenxin_core.ratelimit.base import RateLimiter

    if value is None or isinstance(value, RateLimiter):
        return value
    raise WenxinValidationError(
        "rate_limit", "must be a wenxin_core.ratelimit limiter (MemoryRateLimiter, ...) or None"
    )


def wait_bound(timeout: httpx.Timeout) -> float | None:
    """The longest wait an attempt with ``timeout`` allows: its longest phase, else none."""
    phases = [t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool) if t]
    return max(phases) if phases else None


def reserve(
    limiter: RateLimiter | None,
    prepared: PreparedChat | PreparedPost,
    timeout: httpx.Timeout,
) -> Reservation | None:
    """Hold the estimate of one attempt (waiting if need be), or nothing without a limiter."""
    if limiter is None:
        return None
    cost = estimate_cost(prepared, limiter.default_output_tokens)
    return limiter.reserve(cost, max_wait=wait_bound(timeout))


async def areserve(
    limiter: RateLimiter | None,
    prepared: PreparedChat | PreparedPost,
    timeout: httpx.Timeout,
) -> Reservation | None:
    """:func:`reserve` for async code."""
    if limiter is None:
        return None
    cost = estimate_cost(prepared, limiter.default_output_tokens)
    return await limiter.areserve(cost, max_wait=wait_bound(timeout))


def _figures(
    outcome: object, response: httpx.Response | None
) -> tuple[int | None, int | None, RateLimits | None]:
    """Input and output tokens used and the quota figures an attempt's outcome shows."""
    usage: Usage | None = None
    reported: RateLimits | None = None
    if isinstance(outcome, (ChatCompletion, ChatChunk)):
        usage, reported = outcome.usage, outcome.rate_limits
    elif isinstance(outcome, RerankResult):
        usage = outcome.usage
    elif isinstance(outcome, tuple) and outcome and isinstance(outcome[-1], Usage):
        usage = outcome[-1]
    elif isinstance(outcome, WenxinError):
        # Refused answers use no tokens; a failure on the way may have, so keep the estimate.
        if isinstance(outcome, RateLimitError):
            reported = getattr(outcome, "rate_limits", None)
        if outcome.status_code is not None:
            return 0, 0, reported or (rate_limits_of(response) if response else None)
        return None, None, reported
    if reported is None and response is not None:
        reported = rate_limits_of(response)
    if usage is None:
        return None, None, reported
    return usage.prompt_tokens, usage.completion_tokens, reported


def settle(
    reservation: Reservation | None, outcome: object, response: httpx.Response | None = None
) -> None:
    """Settle an attempt's reservation against its outcome (a result, a chunk or an error)."""
    if reservation is None:
        return
    used_in, used_out, reported = _figures(outcome, response)
    reservation.limiter.settle(
        reservation, input_tokens=used_in, output_tokens=used_out, reported=reported
    )


async def asettle(
    reservation: Reservation | None, outcome: object, response: httpx.Response | None = None
) -> None:
    """:func:`settle` for async code."""
    if reservation is None:
        return
    used_in, used_out, reported = _figures(outcome, response)
    await reservation.limiter.asettle(
        reservation, input_tokens=used_in, output_tokens=used_out, reported=reported
    )
