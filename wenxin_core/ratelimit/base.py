"""The limiter interface: reserve before a call, settle after it, wait without blocking a loop.

:class:`RateLimiter` holds what every backend shares: the configured quota, the wait loop (sync
and async, bounded), settling, and LangChain's ``BaseRateLimiter`` face (``acquire`` /
``aacquire``: one request each, without tokens; a subclass of LangChain's class when
``langchain-core`` is installed, so it passes as ``rate_limiter=``). A backend implements
the two primitives of the algorithm in :mod:`wenxin_core.ratelimit.window`: try to reserve
(granted, or seconds to wait) and settle.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, TypedDict

from wenxin_core.errors import WenxinValidationError
from wenxin_core.ratelimit.errors import LimiterWaitError
from wenxin_core.ratelimit.types import Cost, LimiterBase, Quota, Reservation
from wenxin_core.types import RateLimits

__all__ = [
    "DEFAULT_OUTPUT_TOKENS",
    "DEFAULT_WINDOW",
    "LimiterOptions",
    "RateLimiter",
    "Settlement",
]

if TYPE_CHECKING:
    from langchain_core.rate_limiters import BaseRateLimiter
else:
    try:  # LangChain's hook type when the [langchain] extra is installed; the core needs none
        from langchain_core.rate_limiters import BaseRateLimiter
    except ImportError:  # pragma: no cover - depends on the environment
        BaseRateLimiter = ABC

DEFAULT_WINDOW = 60.0
"""Qianfan meters per minute."""

DEFAULT_OUTPUT_TOKENS = 1024
"""Output tokens reserved for a chat call that sends no ``max_tokens``."""

Settlement = tuple[list[int | None], list[int | None], list[int | None]]
"""Used, reported limits and reported remaining figures, per dimension (``None``: not known)."""


class LimiterOptions(TypedDict, total=False):
    """The options every backend takes (see :class:`RateLimiter`)."""

    requests: int | None
    input_tokens: int | None
    output_tokens: int | None
    window: float
    margin: float
    smooth: bool
    default_output_tokens: int
    max_wait: float | None


def _positive(name: str, value: int | None) -> int | None:
    if value is not None and (not isinstance(value, int) or value <= 0):
        raise WenxinValidationError(name, "must be a positive integer or None")
    return value


class RateLimiter(LimiterBase, BaseRateLimiter):
    """A budget of requests and input/output tokens per window, shared by every call given it.

    Pass it as ``rate_limit=`` to the clients and adapters (LangChain users may also pass it
    as ``rate_limiter=``; that hook budgets one request per call and no tokens).

    Args:
        requests: requests per window (Qianfan's RPM); ``None``: the service's figure once
            an answer reports it (``X-Ratelimit-Limit-Requests``), unlimited before.
        input_tokens: input tokens per window (TPM in), same rules.
        output_tokens: output tokens per window (TPM out), same rules.
        window: the quota's window in seconds (60: a minute; shorter only for tests).
        margin: seconds added to the window before a reservation stops counting, to cover the
            time between our grant and the service's count.
        smooth: spread requests evenly (one per ``(window + margin) / requests`` seconds, two
            back to back at most) instead of spending a window's quota in one burst.
        default_output_tokens: output tokens reserved for a chat call without ``max_tokens``.
        max_wait: the longest a call waits for budget, in seconds (``None``: the call's
            timeout bounds it alone).

    """

    def __init__(
        self,
        *,
        requests: int | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        window: float = DEFAULT_WINDOW,
        margin: float = 1.0,
        smooth: bool = True,
        default_output_tokens: int = DEFAULT_OUTPUT_TOKENS,
        max_wait: float | None = None,
    ) -> None:
        if window <= 0 or margin < 0:
            raise WenxinValidationError("window", "window must be positive, margin not negative")
        if max_wait is not None and max_wait < 0:
            raise WenxinValidationError("max_wait", "must not be negative")
        self.quota = Quota(
            _positive("requests", requests),
            _positive("input_tokens", input_tokens),
            _positive("output_tokens", output_tokens),
        )
        self.window = float(window)
        self.margin = float(margin)
        self.smooth = smooth
        self.default_output_tokens = default_output_tokens
        self.max_wait = max_wait

    @property
    def life(self) -> float:
        """Seconds a reservation counts against the budget (window plus margin)."""
        return self.window + self.margin

    def __repr__(self) -> str:
        q = self.quota
        return (
            f"{type(self).__name__}(requests={q.requests}, input_tokens={q.input_tokens}, "
            f"output_tokens={q.output_tokens}, window={self.window})"
        )

    # -- the backend's primitives -----------------------------------------------------------
    @abstractmethod
    def _try(self, rid: str, cost: Cost) -> float:
        """Reserve ``cost`` as ``rid`` and return 0.0, or return seconds until it may fit."""

    @abstractmethod
    async def _atry(self, rid: str, cost: Cost) -> float:
        """:meth:`_try` without blocking the event loop."""

    @abstractmethod
    def _settle(self, rid: str, settlement: Settlement) -> None:
        """Apply ``settlement`` to ``rid`` (see :data:`Settlement`)."""

    @abstractmethod
    async def _asettle(self, rid: str, settlement: Settlement) -> None:
        """:meth:`_settle` without blocking the event loop."""

    # -- reserving --------------------------------------------------------------------------
    def _bound(self, max_wait: float | None) -> float | None:
        bounds = [b for b in (max_wait, self.max_wait) if b is not None]
        return min(bounds) if bounds else None

    def reserve(self, cost: Cost, *, max_wait: float | None = None) -> Reservation:
        """Wait until the budget has room for ``cost``, then hold it.

        Args:
            cost: the estimate to hold (settle it after the call).
            max_wait: the longest wait this call allows (its timeout), in seconds.

        Raises:
            LimiterWaitError: the budget has room only after the bound: raised at once.

        """
        bound = self._bound(max_wait)
        rid = uuid.uuid4().hex
        deadline = None if bound is None else time.monotonic() + bound
        while True:
            wait = self._try(rid, cost)
            if wait <= 0:
                return Reservation(rid, cost, self)
            _check_bound(wait, deadline, bound)
            time.sleep(_jittered(wait))

    async def areserve(self, cost: Cost, *, max_wait: float | None = None) -> Reservation:
        """:meth:`reserve` for async code: waits with ``asyncio.sleep``."""
        bound = self._bound(max_wait)
        rid = uuid.uuid4().hex
        deadline = None if bound is None else time.monotonic() + bound
        while True:
            wait = await self._atry(rid, cost)
            if wait <= 0:
                return Reservation(rid, cost, self)
            _check_bound(wait, deadline, bound)
            await asyncio.sleep(_jittered(wait))

    # -- settling ---------------------------------------------------------------------------
    def settle(
        self,
        reservation: Reservation,
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        reported: RateLimits | None = None,
    ) -> None:
        """Replace the estimate by the usage the service reported, and adopt its quota figures.

        ``None`` keeps the estimate for that dimension. ``reported`` (the answer's
        ``X-Ratelimit-*``) can only make the budget smaller: the service is the truth.
        """
        self._settle(reservation.id, _settlement(input_tokens, output_tokens, reported))

    async def asettle(
        self,
        reservation: Reservation,
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        reported: RateLimits | None = None,
    ) -> None:
        """:meth:`settle` for async code."""
        await self._asettle(reservation.id, _settlement(input_tokens, output_tokens, reported))

    # -- LangChain's BaseRateLimiter --------------------------------------------------------
    def acquire(self, *, blocking: bool = True) -> bool:
        """LangChain's hook: take one request (no tokens); ``False`` if not now and not blocking."""
        try:
            self.reserve(Cost(), max_wait=None if blocking else 0.0)
        except LimiterWaitError:
            return False
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        """LangChain's async hook: :meth:`acquire` without blocking the event loop."""
        try:
            await self.areserve(Cost(), max_wait=None if blocking else 0.0)
        except LimiterWaitError:
            return False
        return True


def _check_bound(wait: float, deadline: float | None, bound: float | None) -> None:
    if deadline is not None and bound is not None and wait > deadline - time.monotonic():
        raise LimiterWaitError(wait, bound)


def _jittered(wait: float) -> float:
    """A little spread so that waiters do not all wake in the same millisecond."""
    return wait + random.uniform(0.0, min(0.02, wait * 0.05))


def _settlement(
    input_tokens: int | None, output_tokens: int | None, reported: RateLimits | None
) -> Settlement:
    used: list[int | None] = [None, input_tokens, output_tokens]
    if reported is None:
        return used, [None] * 3, [None] * 3
    limit = [reported.limit_requests, reported.limit_input_tokens, reported.limit_output_tokens]
    left = [
        reported.remaining_requests,
        reported.remaining_input_tokens,
        reported.remaining_output_tokens,
    ]
    return used, limit, left
