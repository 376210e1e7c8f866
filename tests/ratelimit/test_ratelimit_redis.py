"""What only the Redis backend promises: server time, one budget for many holders, expiry."""

from __future__ import annotations

import time

import pytest
import redis

from wenxin_core.ratelimit import Cost, LimiterWaitError, RedisRateLimiter


def test_times_are_the_redis_servers_so_client_clocks_do_not_matter(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limiter = RedisRateLimiter(redis_url, name="skew", requests=2, window=30, smooth=False)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600.0)  # a machine an hour ahead
    limiter.reserve(Cost(), max_wait=0)
    monkeypatch.setattr(time, "time", lambda: real_time() - 3600.0)  # and one an hour behind
    limiter.reserve(Cost(), max_wait=0)
    with pytest.raises(LimiterWaitError) as caught:
        limiter.reserve(Cost(), max_wait=0)
    assert 29 < caught.value.wait <= 31
    client = redis.Redis.from_url(redis_url)
    seconds, micros = client.time()
    server_now = seconds + micros / 1e6
    entries = client.zrange(limiter.keys[0], 0, -1, withscores=True)
    scores = [float(entry[1]) for entry in entries]
    assert all(abs(score - server_now) < 5 for score in scores)
    client.close()
    limiter.close()


def test_two_limiters_with_one_name_share_one_budget_and_other_names_do_not(
    redis_url: str,
) -> None:
    first = RedisRateLimiter(redis_url, name="app", input_tokens=100, window=30)
    second = RedisRateLimiter(redis_url, name="app", input_tokens=100, window=30)
    other = RedisRateLimiter(redis_url, name="other-app", input_tokens=100, window=30)
    held = first.reserve(Cost(1, 80, 0), max_wait=0)
    with pytest.raises(LimiterWaitError):
        second.reserve(Cost(1, 30, 0), max_wait=0)
    other.reserve(Cost(1, 80, 0), max_wait=0)
    first.settle(held, input_tokens=50)  # the service counted 50: 30 more fit
    second.reserve(Cost(1, 30, 0), max_wait=0)
    for limiter in (first, second, other):
        limiter.close()


def test_the_budgets_keys_expire_when_idle_and_reset_clears_them(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, name="idle", requests=5, window=2, margin=0.5)
    limiter.reserve(Cost(), max_wait=0)
    client = redis.Redis.from_url(redis_url)
    ttl = client.pttl(limiter.keys[0])
    assert 0 < ttl <= 5000
    limiter.reset()
    assert client.exists(*limiter.keys) == 0
    client.close()
    limiter.close()
