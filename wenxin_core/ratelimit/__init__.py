"""Rate limits that hold across threads, tasks, processes and machines.

Qianfan meters each account and application in requests and input/output tokens per minute
and reports what is left on every answer (``X-Ratelimit-*``). A limiter budgets the three:

- :class:`MemoryRateLimiter`: one budget for the threads and tasks of one process;
- :class:`RedisRateLimiter`: one budget in Redis for any number of processes and machines
  (the ``redis`` extra).

Pass one as ``rate_limit=`` to ``WenxinClient``, ``AsyncWenxinClient``, ``ChatWenxin``,
``Wenxin`` and the embeddings/rerank classes: every attempt of chat, stream, embed and rerank
then reserves an estimate before it is sent (:mod:`.estimate`), waits for room (async code
awaits; the wait is bounded by the call's timeout, beyond which :class:`LimiterWaitError` is
raised at once), and settles against the usage and quota figures the service reports.

Importing this package is cheap; the limiter classes load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wenxin_core.ratelimit.base import RateLimiter
    from wenxin_core.ratelimit.errors import LimiterWaitError
    from wenxin_core.ratelimit.estimate import estimate_cost
    from wenxin_core.ratelimit.memory import MemoryRateLimiter
    from wenxin_core.ratelimit.redis_limiter import RedisRateLimiter
    from wenxin_core.ratelimit.types import Cost, Quota, Reservation

__all__ = [
    "Cost",
    "LimiterWaitError",
    "MemoryRateLimiter",
    "Quota",
    "RateLimiter",
    "RedisRateLimiter",
    "Reservation",
    "estimate_cost",
]

_HOMES = {
    "Cost": "types",
    "Quota": "types",
    "Reservation": "types",
    "LimiterWaitError": "errors",
    "RateLimiter": "base",
    "MemoryRateLimiter": "memory",
    "RedisRateLimiter": "redis_limiter",
    "estimate_cost": "estimate",
}


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (the base class imports LangChain's)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"wenxin_core.ratelimit.{home}"), name)
