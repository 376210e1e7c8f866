"""The in-process backend: one budget for the threads and tasks of one process."""

from __future__ import annotations

import threading
import time

from typing_extensions import Unpack

from wenxin_core.ratelimit.base import LimiterOptions, RateLimiter, Settlement
from wenxin_core.ratelimit.types import Cost
from wenxin_core.ratelimit.window import SlidingWindow

__all__ = ["MemoryRateLimiter"]


class MemoryRateLimiter(RateLimiter):
    """A limiter whose budget lives in this process (see :class:`RateLimiter` for the options).

    Share one instance between the sync and async clients of the process; for several
    processes or machines use :class:`~wenxin_core.ratelimit.RedisRateLimiter`.
    """

    def __init__(self, **options: Unpack[LimiterOptions]) -> None:
        super().__init__(**options)
        self._lock = threading.Lock()
        self._state = SlidingWindow(self.quota, self.life, self.smooth)

    def _try(self, rid: str, cost: Cost) -> float:
        with self._lock:
            return self._state.try_reserve(rid, cost.as_list(), time.monotonic())

    async def _atry(self, rid: str, cost: Cost) -> float:
        # The lock is held for microseconds: taking it does not stall the loop.
        return self._try(rid, cost)

    def _settle(self, rid: str, settlement: Settlement) -> None:
        used, limit, left = settlement
        with self._lock:
            self._state.settle(rid, used, limit, left, time.monotonic())

    async def _asettle(self, rid: str, settlement: Settlement) -> None:
        self._settle(rid, settlement)
