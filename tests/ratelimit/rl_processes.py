"""Processes of the multi-process tests: the emulator on its own, and the hammering workers."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

WORKER = Path(__file__).with_name("rl_worker.py")


@contextmanager
def emulator_process(rate_limits: str) -> Iterator[str]:
    """``wenxin-emulator`` in its own process enforcing ``REQ:IN:OUT``; yields its V2 URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wenxin_core.emulator",
            "--port",
            "0",
            "--rate-limits",
            rate_limits,
            "--enforce-rate-limits",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield url + "/v2"
    finally:
        process.terminate()
        process.wait(10)


@dataclass
class RunFigures:
    """What the workers of one run saw."""

    answered: int
    refused_429: int
    limiter_refused: int
    duration: float

    @property
    def rate_per_minute(self) -> float:
        """Answered calls per minute over the run."""
        return self.answered / self.duration * 60.0


def hammer(base_url: str, redis_url: str, name: str, processes: int, duration: float) -> RunFigures:
    """Run ``processes`` workers for ``duration`` seconds from a common start; sum their counts."""
    start = time.time() + 3.0  # every worker imported and connected before the start
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), base_url, redis_url, name, str(start), str(duration)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    answered = refused = limiter_refused = 0
    for worker in workers:
        out, _ = worker.communicate(timeout=duration + 60)
        assert worker.returncode == 0, out
        figures = json.loads(out.strip().splitlines()[-1])
        answered += len(figures["ok"])
        refused += figures["429"]
        limiter_refused += figures["limiter_refused"]
    return RunFigures(answered, refused, limiter_refused, duration)
