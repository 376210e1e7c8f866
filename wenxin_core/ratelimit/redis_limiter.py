"""The shared backend: one budget in Redis for any number of processes and machines.

Every reservation and settlement is one Lua script (:mod:`wenxin_core.ratelimit.lua`), so it
is atomic; time is the Redis server's, so clock skew between machines is harmless; an entry
counts for the window plus the margin and then ages out, so a process that dies mid-call
holds its share no longer than that. Needs the ``redis`` package (the ``redis`` extra).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from wenxin_core.ratelimit.base import LimiterOptions, RateLimiter, Settlement
from wenxin_core.ratelimit.lua import RESERVE, SETTLE
from wenxin_core.ratelimit.types import Cost

if TYPE_CHECKING:
    import redis
    import redis.asyncio

__all__ = ["DEFAULT_REDIS_URL", "RedisRateLimiter"]

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
"""Where :class:`RedisRateLimiter` looks by default."""

_PARTS = ("log", "cost", "used", "limit", "tat", "seq")


def _import_redis() -> Any:
    try:
        import redis
        import redis.asyncio
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "RedisRateLimiter needs the redis package: pip install 'wenxin-integrations[redis]'"
        ) from None
    return redis


class RedisRateLimiter(RateLimiter):
    """A limiter whose budget lives in Redis (see :class:`RateLimiter` for the quota options).

    Args:
        url: the Redis URL (``redis://host:port/db``, ``rediss://`` for TLS).
        name: the budget's name: limiters with the same name on the same Redis share one
            budget (use one name per Qianfan account or application quota).
        client: a ready ``redis.Redis`` to use for sync calls instead of one made from ``url``.
        **options: the quota and waiting options of :class:`RateLimiter`.

    Async calls use a ``redis.asyncio`` client per event loop, made from ``url``.

    """

    def __init__(
        self,
        url: str = DEFAULT_REDIS_URL,
        *,
        name: str = "default",
        client: redis.Redis | None = None,
        **options: Unpack[LimiterOptions],
    ) -> None:
        super().__init__(**options)
        module = _import_redis()
        self.url = url
        self.name = name
        self.keys = [f"wenxin:ratelimit:{{{name}}}:{part}" for part in _PARTS]
        self._redis: redis.Redis = client or module.Redis.from_url(url)
        self._reserve = self._redis.register_script(RESERVE)
        self._settle_script = self._redis.register_script(SETTLE)
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, name={self.name!r})"

    def _limits(self) -> list[int]:
        return [-1 if v is None else v for v in self.quota.as_list()]

    def _reserve_args(self, rid: str, cost: Cost) -> list[Any]:
        return [self.life, *self._limits(), int(self.smooth), rid, *cost.as_list()]

    def _settle_args(self, rid: str, settlement: Settlement) -> list[Any]:
        figures = [-1 if v is None else v for part in settlement for v in part]
        return [self.life, *self._limits(), rid, *figures]

    def _async(self) -> Any:
        """The ``redis.asyncio`` client and scripts of the running loop (made on first use)."""
        loop = asyncio.get_running_loop()
        entry = self._loops.get(loop)
        if entry is None:
            client = _import_redis().asyncio.Redis.from_url(self.url)
            entry = (client, client.register_script(RESERVE), client.register_script(SETTLE))
            self._loops[loop] = entry
        return entry

    def _try(self, rid: str, cost: Cost) -> float:
        granted, wait = self._reserve(keys=self.keys, args=self._reserve_args(rid, cost))
        return 0.0 if int(granted) else float(wait)

    async def _atry(self, rid: str, cost: Cost) -> float:
        _, reserve, _ = self._async()
        granted, wait = await reserve(keys=self.keys, args=self._reserve_args(rid, cost))
        return 0.0 if int(granted) else float(wait)

    def _settle(self, rid: str, settlement: Settlement) -> None:
        self._settle_script(keys=self.keys, args=self._settle_args(rid, settlement))

    async def _asettle(self, rid: str, settlement: Settlement) -> None:
        _, _, settle = self._async()
        await settle(keys=self.keys, args=self._settle_args(rid, settlement))

    def reset(self) -> None:
        """Forget the budget's state in Redis (every process sharing it starts afresh)."""
        self._redis.delete(*self.keys)

    def close(self) -> None:
        """Close the sync connection pool (async clients close with their loops)."""
        self._redis.close()
