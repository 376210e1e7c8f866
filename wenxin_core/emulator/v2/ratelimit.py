"""The quota behind the ``X-Ratelimit-*`` headers: fixed windows (60 s by default), one per key.

Each API key or bearer token has its own window (:class:`RateWindows`), as the service meters
each account and application. A refused request (429) does not count against the quota.
"""

from __future__ import annotations

import contextvars
import threading
import time

from wenxin_core.emulator.config import RateLimits
from wenxin_core.emulator.responses import Headers

__all__ = ["WINDOW_SECONDS", "RateWindow", "RateWindows", "current_window"]

WINDOW_SECONDS = 60.0
"""How long a window lasts by default; the quota refills when it ends (the service: 0-60 s)."""


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
        if now - self._start >= self.limits.window:
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
            elif limits.tokens is not None and self._input + self._output >= limits.tokens:
                exhausted = "tpm_rate_limit_exceeded"
            elif self._input >= limits.input_tokens:
                exhausted = "input_tpm_rate_limit_exceeded"
            elif self._output >= limits.output_tokens:
                exhausted = "output_tpm_rate_limit_exceeded"
            if not (exhausted and limits.enforce):
                self._requests += 1  # a refused request uses no quota
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


class RateWindows:
    """One :class:`RateWindow` per key (API key or bearer token), made on first use."""

    def __init__(self, limits: RateLimits) -> None:
        """Windows for ``limits``, none made yet."""
        self.limits = limits
        self._lock = threading.Lock()
        self._windows: dict[str, RateWindow] = {}

    def for_key(self, key: str) -> RateWindow:
        """The window of ``key`` (one shared window when ``limits.per_key`` is off)."""
        name = key if self.limits.per_key else ""
        with self._lock:
            window = self._windows.get(name)
            if window is None:
                window = self._windows[name] = RateWindow(self.limits)
            return window

    def reset(self) -> None:
        """Forget every window (each key starts afresh)."""
        with self._lock:
            self._windows.clear()


_CURRENT: contextvars.ContextVar[RateWindow | None] = contextvars.ContextVar(
    "wenxin_emulator_rate_window", default=None
)


def current_window(windows: RateWindows, key: str | None = None) -> RateWindow:
    """The window of the request being served (``key`` selects and remembers it)."""
    if key is not None:
        window = windows.for_key(key)
        _CURRENT.set(window)
        return window
    return _CURRENT.get() or windows.for_key("")
