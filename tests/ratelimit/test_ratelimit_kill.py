"""A process killed while it holds a reservation shrinks the budget only for its lifetime."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from wenxin_core.ratelimit import Cost, LimiterWaitError, RedisRateLimiter

WINDOW = 3.0
MARGIN = 0.5
LIFE = WINDOW + MARGIN

HOLDER = """
import sys, time
from wenxin_core.ratelimit import Cost, RedisRateLimiter
limiter = RedisRateLimiter(sys.argv[1], name="kill", input_tokens=1000, window=3.0, margin=0.5)
limiter.reserve(Cost(1, 1000, 0))
print("held", flush=True)
time.sleep(120)
"""


def test_a_killed_holder_frees_the_budget_after_the_reservation_lifetime(redis_url: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, redis_url], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    held_at = time.monotonic()
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(10)
    limiter = RedisRateLimiter(
        redis_url, name="kill", input_tokens=1000, window=WINDOW, margin=MARGIN
    )
    try:
        try:
            limiter.reserve(Cost(1, 10, 0), max_wait=0)
        except LimiterWaitError as refused:
            assert refused.wait <= LIFE
        else:
            raise AssertionError("the dead holder's reservation should still count")
        limiter.reserve(Cost(1, 10, 0), max_wait=LIFE + 2)
        freed_after = time.monotonic() - held_at
    finally:
        limiter.close()
    assert LIFE - 1.0 < freed_after <= LIFE + 0.5
