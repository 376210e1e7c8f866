"""Fixtures of the rate-limit tests: a real ``redis-server`` on a loopback port, and limiters.

The server is Debian's ``redis-server`` (``.ci/run`` installs it when missing), started once per
session without persistence; each test gets a flushed database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.ratelimit.rl_limiters import LimiterFactory
from tests.ratelimit.rl_redis import RedisProcess, start_redis
from wenxin_core.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from wenxin_core.ratelimit.base import LimiterOptions


@pytest.fixture(scope="session")
def redis_process() -> Iterator[RedisProcess]:
    """One ``redis-server`` for the session, on 127.0.0.1 and a free port."""
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_process: RedisProcess) -> str:
    """The URL of the session's Redis, its data flushed for this test."""
    client = redis.Redis.from_url(redis_process.url)
    client.flushall()
    client.close()
    return redis_process.url


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> Iterator[LimiterFactory]:
    """Build limiters of the test's backend (both backends run every behaviour test)."""
    made: list[RedisRateLimiter] = []

    if request.param == "memory":

        def memory(**options: object) -> RateLimiter:
            opts: LimiterOptions = options  # type: ignore[assignment]
            return MemoryRateLimiter(**opts)

        yield memory
        return
    url = request.getfixturevalue("redis_url")

    def shared(**options: object) -> RateLimiter:
        opts: LimiterOptions = options  # type: ignore[assignment]
        limiter = RedisRateLimiter(url, name=request.node.name, **opts)
        made.append(limiter)
        return limiter

    yield shared
    for limiter in made:
        limiter.close()
