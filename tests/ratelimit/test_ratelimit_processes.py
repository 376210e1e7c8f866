"""Eight processes on one 120 RPM quota (the emulator in its own process, enforcing it).

With the shared Redis limiter the emulator answers no 429 and the achieved rate is within 10%
of the quota; without it the same processes meet a storm of 429s. The emulator's window is a
minute from its start: each run gets a fresh emulator, and the limited run (20 s) measures the
paced rate (one request every (60 + 1) / 120 s) rather than a burst of the whole quota.
"""

from __future__ import annotations

import pytest

from tests.ratelimit.rl_processes import emulator_process, hammer

pytestmark = pytest.mark.slow

QUOTA = "120:100000000:100000000"
PROCESSES = 8


@pytest.mark.timeout(180)
def test_eight_processes_share_one_budget_and_see_no_429(redis_url: str) -> None:
    with emulator_process(QUOTA) as base_url:
        limited = hammer(base_url, redis_url, "eight", PROCESSES, duration=20.0)
    print(
        f"\nwith the shared limiter: {limited.answered} answered in {limited.duration:.0f}s "
        f"({limited.rate_per_minute:.1f}/min vs 120), {limited.refused_429} x 429"
    )
    assert limited.refused_429 == 0
    # A worker's last call may find its wait longer than the run's time left: refused at once.
    assert limited.limiter_refused <= PROCESSES
    assert abs(limited.rate_per_minute - 120) <= 12


@pytest.mark.timeout(120)
def test_without_the_limiter_the_same_processes_meet_a_429_storm() -> None:
    with emulator_process(QUOTA) as base_url:
        unlimited = hammer(base_url, "-", "none", PROCESSES, duration=5.0)
    print(
        f"\nwithout a limiter: {unlimited.answered} answered in {unlimited.duration:.0f}s, "
        f"{unlimited.refused_429} x 429"
    )
    assert unlimited.answered == 120
    assert unlimited.refused_429 > 100
