"""The budget algorithm in Python (the Redis backend runs the same steps in Lua).

Each granted reservation is an entry of a sliding log, counted for ``life`` seconds (the quota
window plus a margin) from the moment it was granted, whether it is settled or not: a process
that dies mid-call leaves an entry that simply ages out. A new reservation is granted when every
dimension has room for its cost under the effective limit (the smaller of the configured one
and the one the service reported), and, with ``smooth``, when the pacing slot has come (one
request every ``life / limit`` seconds, two back to back at most). Settling replaces the estimate
by the reported usage; the service's remaining figures are adopted by adding an "observed" entry
for what it counted beyond what the log holds (they only ever make the budget smaller).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

from wenxin_core.ratelimit.types import Quota

__all__ = ["DIMENSIONS", "SlidingWindow", "effective_limits"]

DIMENSIONS = 3
"""Requests, input tokens, output tokens."""

_observed = itertools.count()


def effective_limits(configured: list[int | None], reported: list[int | None]) -> list[int | None]:
    """Per dimension, the smaller of the configured and the reported limit (``None``: none)."""
    limits: list[int | None] = []
    for mine, theirs in zip(configured, reported, strict=True):
        if mine is None:
            limits.append(theirs)
        elif theirs is None:
            limits.append(mine)
        else:
            limits.append(min(mine, theirs))
    return limits


class SlidingWindow:
    """The state of one budget: the log of reservations, their totals, pacing, reported limits.

    Not thread-safe by itself (:class:`~wenxin_core.ratelimit.memory.MemoryRateLimiter` holds
    a lock around it). Times are seconds on any monotonic clock.
    """

    def __init__(self, configured: Quota, life: float, smooth: bool) -> None:
        """An empty budget of ``configured`` per ``life`` seconds."""
        self.configured = configured.as_list()
        self.life = life
        self.smooth = smooth
        self.entries: OrderedDict[str, tuple[float, list[int]]] = OrderedDict()
        self.used = [0] * DIMENSIONS
        self.reported: list[int | None] = [None] * DIMENSIONS
        self.tat = 0.0

    def _expire(self, now: float) -> None:
        while self.entries:
            rid, (start, cost) = next(iter(self.entries.items()))
            if start > now - self.life:
                break
            del self.entries[rid]
            for k in range(DIMENSIONS):
                self.used[k] -= cost[k]
        if not self.entries:
            self.used = [0] * DIMENSIONS

    def limits(self) -> list[int | None]:
        """The limits in force now."""
        return effective_limits(self.configured, self.reported)

    def try_reserve(self, rid: str, cost: list[int], now: float) -> float:
        """Grant ``cost`` as ``rid`` and return 0.0, or return the seconds until it may fit."""
        self._expire(now)
        limits = self.limits()
        cost = [c if lim is None else min(c, lim) for c, lim in zip(cost, limits, strict=True)]
        wait = 0.0
        spacing = 0.0
        requests = limits[0]
        if self.smooth and requests:
            spacing = self.life / requests
            wait = max(wait, self.tat - spacing - now)
        for k, lim in enumerate(limits):
            need = self.used[k] + cost[k] - lim if lim is not None else 0
            if need > 0:
                wait = max(wait, self._frees_in(k, need, now))
        if wait > 0:
            return wait
        self.entries[rid] = (now, cost)
        for k in range(DIMENSIONS):
            self.used[k] += cost[k]
        if spacing:
            self.tat = max(self.tat, now) + spacing
        return 0.0

    def _frees_in(self, k: int, need: int, now: float) -> float:
        freed = 0
        for start, cost in self.entries.values():
            freed += cost[k]
            if freed >= need:
                return max(start + self.life - now, 1e-3)
        return self.life

    def settle(
        self,
        rid: str,
        used: list[int | None],
        limit: list[int | None],
        remaining: list[int | None],
        now: float,
    ) -> None:
        """Replace ``rid``'s estimate by ``used`` (``None``: keep) and adopt reported figures."""
        self._expire(now)
        entry = self.entries.get(rid)
        if entry is not None:
            cost = entry[1]
            for k, value in enumerate(used):
                if value is not None:
                    self.used[k] += value - cost[k]
                    cost[k] = value
        for k, value in enumerate(limit):
            if value is not None:
                self.reported[k] = value
        limits = self.limits()
        extra = [0] * DIMENSIONS
        for k, left in enumerate(remaining):
            lim = limits[k] if limit[k] is None else limit[k]
            if left is not None and lim is not None:
                extra[k] = max(0, lim - left - self.used[k])
        if any(extra):
            self.entries[f"observed-{next(_observed)}"] = (now, extra)
            for k in range(DIMENSIONS):
                self.used[k] += extra[k]
