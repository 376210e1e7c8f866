"""The per-minute quota behind the ``X-Ratelimit-*`` headers (one fixed 60-second window)."""

from __future__ import annotations

import threading
import time

from wenxin_core.emulator.config import RateLimits
from wenxin_core.emulator.responses import Headers

__all__ = ["WINDOW_SECONDS", "RateWindow"]

WINDOW_SECONDS = 60.0
"""How long a window lasts; the quota refills when it ends (the service: within 0-60 s)."""


class RateWindow:
    """Requests and tokens used in the current window; safe to use from any thread."""

    def __init__(self, limits: RateLimits) -> None:
        """A fresh window for ``limits``."""
        self.limits = limits
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._requests = 0
        self._input = 0
        self._output = 0

    def _roll(self) -> None:
        now = time.monotonic()
        if now - self._start >= WINDOW_SECONDS:
            self._start = now
            self._requests = self._input = self._output = 0

    def take_request(self) -> str | None:
        """Count one request; with enforcement on, the 429 code of a used-up quota, else None."""
        limits = self.limits
        with self._lock:
            self._roll()
            exhausted: str | None = None
            if self._requests >= limits.requests:
                exhausted = "rpm_rate_limit_exceeded"
            elif self._input >= limits.input_tokens:
                exhausted = "input_tpm_rate_limit_exceeded"
            elif self._output >= limits.output_tokens:
                exhausted = "output_tpm_rate_limit_exceeded"
            self._requests += 1
        return exhausted if limits.enforce else None

    def add_tokens(self, input_tokens: int, output_tokens: int) -> None:
        """Count the tokens of one answered request."""
        with self._lock:
            self._roll()
            self._input += input_tokens
            self._output += output_tokens

    def headers(self, exhausted: str | None = None) -> Headers:
        """The six ``X-Ratelimit-*`` headers as they stand now.

        ``exhausted`` (a 429 code) shows the matching quota as used up (remaining 0).
        """
        limits = self.limits
        with self._lock:
            self._roll()
            remaining = [
                max(0, limits.requests - self._requests),
                max(0, limits.input_tokens - self._input),
                max(0, limits.output_tokens - self._output),
            ]
        if exhausted is not None:
            for index, prefix in enumerate(("rpm", "input_tpm", "output_tpm")):
                if exhausted.startswith(prefix):
                    remaining[index] = 0
            if exhausted.startswith("tpm"):
                remaining[1] = remaining[2] = 0
        return [
            (b"x-ratelimit-limit-requests", str(limits.requests).encode()),
            (b"x-ratelimit-limit-input-tokens", str(limits.input_tokens).encode()),
            (b"x-ratelimit-limit-output-tokens", str(limits.output_tokens).encode()),
            (b"x-ratelimit-remaining-requests", str(remaining[0]).encode()),
            (b"x-ratelimit-remaining-input-tokens", str(remaining[1]).encode()),
            (b"x-ratelimit-remaining-output-tokens", str(remaining[2]).encode()),
        ]

    def reset(self) -> None:
        """Start a fresh window."""
        with self._lock:
            self._start = time.monotonic()
            self._requests = self._input = self._output = 0
