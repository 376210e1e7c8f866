"""One hammering process of the multi-process test (run as a script; prints one JSON line).

Usage: ``python rl_worker.py BASE_URL REDIS_URL|- NAME START DURATION``: from the wall-clock
``START`` for ``DURATION`` seconds, send chat calls back to back (no retries), through the
shared Redis limiter unless ``REDIS_URL`` is ``-``; then print the counts and the times of
the answered calls.
"""

from __future__ import annotations

import json
import sys
import time

from wenxin_core import WenxinClient
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.errors import RateLimitError
from wenxin_core.ratelimit import LimiterWaitError, RedisRateLimiter

QUOTA = 120
"""Requests per minute: the emulator's and the limiter's."""


def main(base_url: str, redis_url: str, name: str, start: float, duration: float) -> None:
    limiter = None if redis_url == "-" else RedisRateLimiter(redis_url, name=name, requests=QUOTA)
    ok: list[float] = []
    refused = 0
    waits_refused = 0
    with WenxinClient(
        "ernie-4.5-turbo-32k",
        api_key=DEFAULT_API_KEY,
        base_url=base_url,
        max_retries=0,
        rate_limit=limiter,
    ) as client:
        time.sleep(max(0.0, start - time.time()))
        end = start + duration
        while (left := end - time.time()) > 0:
            try:
                client.chat([{"role": "user", "content": "hi"}], timeout=max(left, 0.01))
            except LimiterWaitError:
                waits_refused += 1
                break
            except RateLimitError:
                refused += 1
                continue
            if time.time() <= end:
                ok.append(time.time())
    print(json.dumps({"ok": ok, "429": refused, "limiter_refused": waits_refused}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
