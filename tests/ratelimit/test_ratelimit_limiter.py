"""The limiter's behaviour, the same on the in-memory and the Redis backend."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.ratelimit.rl_limiters import LimiterFactory
from wenxin_core.errors import RateLimitError
from wenxin_core.ratelimit import Cost, LimiterWaitError
from wenxin_core.types import RateLimits


def test_grants_within_quota_then_refuses_a_wait_beyond_the_bound_at_once(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(requests=3, window=30, smooth=False)
    for _ in range(3):
        limiter.reserve(Cost(), max_wait=0)
    started = time.monotonic()
    with pytest.raises(LimiterWaitError) as caught:
        limiter.reserve(Cost(), max_wait=5)
    assert time.monotonic() - started < 0.5
    assert isinstance(caught.value, RateLimitError)
    assert 29 < caught.value.wait <= 31
    assert caught.value.retry_after == caught.value.wait


def test_a_wait_within_the_bound_sleeps_until_the_window_frees(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(requests=2, window=0.6, margin=0.0, smooth=False)
    limiter.reserve(Cost())
    limiter.reserve(Cost())
    started = time.monotonic()
    limiter.reserve(Cost(), max_wait=5)
    assert 0.5 < time.monotonic() - started < 1.5


def test_tokens_are_budgeted_and_settling_gives_back_the_overestimate(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(input_tokens=100, output_tokens=1000, window=30)
    held = limiter.reserve(Cost(1, 90, 10), max_wait=0)
    with pytest.raises(LimiterWaitError):
        limiter.reserve(Cost(1, 20, 10), max_wait=0)
    limiter.settle(held, input_tokens=30, output_tokens=5)
    limiter.reserve(Cost(1, 70, 10), max_wait=0)
    with pytest.raises(LimiterWaitError):
        limiter.reserve(Cost(1, 1, 0), max_wait=0)


def test_the_service_remaining_figures_are_adopted(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(requests=100, window=30, smooth=False)
    held = limiter.reserve(Cost(), max_wait=0)
    # The service counted 95 of 100 (ours and another client's): 5 are left.
    limiter.settle(held, reported=RateLimits(limit_requests=100, remaining_requests=5))
    for _ in range(5):
        limiter.reserve(Cost(), max_wait=0)
    with pytest.raises(LimiterWaitError):
        limiter.reserve(Cost(), max_wait=0)


def test_a_429_with_nothing_left_blocks_until_the_window_has_passed(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(requests=100, window=30, smooth=False)
    held = limiter.reserve(Cost(), max_wait=0)
    limiter.settle(held, reported=RateLimits(remaining_requests=0))
    with pytest.raises(LimiterWaitError) as caught:
        limiter.reserve(Cost(), max_wait=0)
    assert caught.value.wait > 29


def test_a_reported_limit_below_the_configured_one_wins_and_one_is_learned(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(window=30, smooth=False)  # nothing configured: unlimited at first
    for _ in range(5):
        held = limiter.reserve(Cost(), max_wait=0)
    limiter.settle(held, reported=RateLimits(limit_requests=6, remaining_requests=1))
    limiter.reserve(Cost(), max_wait=0)
    with pytest.raises(LimiterWaitError):
        limiter.reserve(Cost(), max_wait=0)


def test_a_cost_above_the_whole_quota_waits_for_an_empty_window_instead_of_never(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(input_tokens=50, window=30)
    limiter.reserve(Cost(1, 500, 0), max_wait=0)
    with pytest.raises(LimiterWaitError):
        limiter.reserve(Cost(1, 1, 0), max_wait=0)


def test_smooth_spreads_requests_over_the_window(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(requests=10, window=1.0, margin=0.0)
    started = time.monotonic()
    for _ in range(6):
        limiter.reserve(Cost(), max_wait=5)
    elapsed = time.monotonic() - started
    # Two back to back, then one every 0.1 s.
    assert 0.35 < elapsed < 0.8


def test_langchain_acquire_takes_one_request(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(requests=2, window=30, smooth=False)
    assert limiter.acquire(blocking=False)
    assert limiter.acquire()
    assert not limiter.acquire(blocking=False)


async def test_async_waits_leave_the_event_loop_running(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(requests=1, window=0.5, margin=0.0, smooth=False)
    await limiter.areserve(Cost())
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.monotonic()
    await limiter.areserve(Cost(), max_wait=5)
    waited = time.monotonic() - started
    task.cancel()
    assert waited > 0.4
    assert ticks >= 10
    assert not await limiter.aacquire(blocking=False)
    with pytest.raises(LimiterWaitError):
        await limiter.areserve(Cost(), max_wait=0.01)
    held = await limiter.areserve(Cost(), max_wait=5)
    await limiter.asettle(held, input_tokens=1, output_tokens=1)


def test_threads_share_one_budget(make_limiter: LimiterFactory) -> None:
    from concurrent.futures import ThreadPoolExecutor

    limiter = make_limiter(requests=20, window=30, smooth=False)

    def take(_: int) -> bool:
        try:
            limiter.reserve(Cost(), max_wait=0)
        except LimiterWaitError:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        granted = sum(pool.map(take, range(60)))
    assert granted == 20
