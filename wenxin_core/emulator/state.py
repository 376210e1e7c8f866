"""The emulator's mutable state: issued tokens, queued faults, scripted replies and records.

One :class:`EmulatorState` is shared by the ASGI app (running on the server's event loop) and the
control methods (called from test code in another thread), so every compound change holds a lock.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, cast

from wenxin_core.emulator.config import (
    DEFAULT_BEARER_TTL,
    ERROR_MESSAGES,
    EmulatorConfig,
    StreamToolArguments,
    UsagePlacement,
)
from wenxin_core.emulator.scripts import Script, parse_scripted_calls, script_as_text
from wenxin_core.emulator.v2.errors import V2Error
from wenxin_core.emulator.v2.ratelimit import RateWindow, RateWindows, current_window

__all__ = ["EmulatorState", "HttpStatusFault", "QianfanErrorFault", "TokenStatus"]

TokenStatus = str
"""``"valid"``, ``"expired"`` or ``"invalid"`` (never issued, or revoked)."""


@dataclass(frozen=True)
class QianfanErrorFault:
    """A Qianfan error body to answer instead of a reply."""

    code: int
    message: str


@dataclass(frozen=True)
class HttpStatusFault:
    """A bare HTTP status (a gateway failure) to answer instead of a reply."""

    status: int
    headers: dict[str, str]
    body: str


class _Counted:
    """A queue of items, each used ``times`` times before the next one."""

    def __init__(self) -> None:
        self._items: deque[list[Any]] = deque()

    def push(self, item: object, times: int) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        self._items.append([item, times])

    def pop(self) -> Any:
        if not self._items:
            return None
        head = self._items[0]
        head[1] -= 1
        if head[1] <= 0:
            self._items.popleft()
        return head[0]

    def clear(self) -> None:
        self._items.clear()

    def __bool__(self) -> bool:
        return bool(self._items)


class EmulatorState:
    """Everything that changes while the emulator runs; safe to use from any thread."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        self._bearers: dict[str, float] = {}
        self._expired: set[str] = set()
        self._v2_errors = _Counted()
        self._errors = _Counted()
        self._statuses = _Counted()
        self._drops = _Counted()
        self._scripts = _Counted()
        self.records: deque[dict[str, Any]] = deque(maxlen=self.config.max_records)
        self.token_requests = 0
        self.bearer_token_requests = 0
        self.chat_calls = 0
        self.embedding_calls = 0
        self.rerank_calls = 0
        self.latency = self.config.latency
        self.chunk_delay = self.config.chunk_delay
        self.usage_placement: UsagePlacement = self.config.usage_placement
        self.stream_tool_arguments: StreamToolArguments = self.config.stream_tool_arguments
        self.rate_windows = RateWindows(self.config.rate_limits)

    # -- tokens ---------------------------------------------------------------------------------
    def issue_token(self) -> tuple[str, int]:
        """Create a new access token; return it with its lifetime in seconds."""
        ttl = self.config.token_ttl
        now = time.time()
        token = f"24.{secrets.token_hex(16)}.{ttl}.{int(now + ttl)}.{secrets.randbelow(10**6)}-emu"
        with self._lock:
            self._tokens[token] = now + ttl
        return token, ttl

    def token_status(self, token: str) -> TokenStatus:
        """Classify an access token sent by a client."""
        if token in self.config.fixed_tokens:
            return "valid"
        expiry = self._tokens.get(token)
        if expiry is None:
            return "invalid"
        if token in self._expired or time.time() >= expiry:
            return "expired"
        return "valid"

    def issue_bearer_token(self, ttl: int = DEFAULT_BEARER_TTL) -> tuple[str, float, float]:
        """Mint a BCE-BEARER token: ``(token, created, expires)`` (Unix times, whole seconds).

        ``config.bearer_token_ttl``, when set, replaces ``ttl``.
        """
        lifetime = self.config.bearer_token_ttl or ttl
        created = float(int(time.time()))
        token = f"bce-v3/ALTAK-{secrets.token_hex(10)}/{secrets.token_hex(20)}"
        with self._lock:
            self._bearers[token] = created + lifetime
        return token, created, created + lifetime

    def bearer_status(self, token: str) -> TokenStatus:
        """Classify a BCE-BEARER token (only minted tokens count; API keys are config)."""
        expiry = self._bearers.get(token)
        if expiry is None:
            return "invalid"
        if token in self._expired or time.time() >= expiry:
            return "expired"
        return "valid"

    def expire_tokens(self) -> None:
        """Make every token issued so far expire (V1: 111; V2 BCE-BEARER: 401)."""
        with self._lock:
            self._expired.update(self._tokens)
            self._expired.update(self._bearers)

    def invalidate_tokens(self) -> None:
        """Make every token issued so far invalid (V1: 110; V2 BCE-BEARER: 401)."""
        with self._lock:
            self._tokens.clear()
            self._bearers.clear()
            self._expired.clear()

    def count_bearer_request(self) -> None:
        """Count one call of the BCE-BEARER token endpoint."""
        with self._lock:
            self.bearer_token_requests += 1

    def count_token_request(self) -> None:
        """Count one call of the token endpoint."""
        with self._lock:
            self.token_requests += 1

    # -- faults and scripts ---------------------------------------------------------------------
    def inject_error(self, code: int, *, times: int = 1, message: str | None = None) -> None:
        """Answer the next ``times`` chat calls with Qianfan error ``code``."""
        text = message if message is not None else ERROR_MESSAGES.get(code, "Unknown error")
        with self._lock:
            self._errors.push(QianfanErrorFault(int(code), text), times)

    def inject_http_status(
        self,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: str = "",
    ) -> None:
        """Answer the next ``times`` chat calls with a bare HTTP ``status``."""
        if not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
        with self._lock:
            self._statuses.push(HttpStatusFault(int(status), dict(headers or {}), body), times)

    def inject_v2_error(
        self,
        status: int,
        code: str,
        *,
        times: int = 1,
        message: str | None = None,
        error_type: str | None = None,
    ) -> None:
        """Answer the next ``times`` V2 calls with HTTP ``status`` and ``error.code`` ``code``."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (4xx or 5xx)")
        if not code:
            raise ValueError("code must not be empty")
        with self._lock:
            self._v2_errors.push(V2Error(int(status), str(code), message, error_type), times)

    def set_usage_placement(self, placement: str) -> None:
        """Where V2 streams put the final usage: ``separate`` or ``last_chunk``."""
        if placement not in ("separate", "last_chunk"):
            raise ValueError("placement must be 'separate' or 'last_chunk'")
        self.usage_placement = cast("UsagePlacement", placement)

    def set_stream_tool_arguments(self, style: str) -> None:
        """How V2 streams send tool-call arguments: ``fragmented`` or ``whole``."""
        if style not in ("fragmented", "whole"):
            raise ValueError("style must be 'fragmented' or 'whole'")
        self.stream_tool_arguments = cast("StreamToolArguments", style)

    def drop_stream_after(self, chunks: int, *, times: int = 1) -> None:
        """Close the next ``times`` streams abruptly after ``chunks`` events (no ``is_end``)."""
        if chunks < 0:
            raise ValueError("chunks must not be negative")
        with self._lock:
            self._drops.push(int(chunks), times)

    def script(self, reply: str, *, times: int = 1) -> None:
        """Use ``reply`` as the text of the next ``times`` successful chat replies."""
        with self._lock:
            self._scripts.push(str(reply), times)

    def script_tool_calls(self, calls: object, *, times: int = 1) -> None:
        """Answer the next ``times`` successful V2 chat calls with exactly these tool calls.

        ``calls`` is a list of ``{"name", "arguments" (object or JSON text), "id"?}``.
        """
        parsed = parse_scripted_calls(calls)
        with self._lock:
            self._scripts.push(parsed, times)

    def set_latency(self, request: float = 0.0, chunk: float = 0.0) -> None:
        """Wait ``request`` seconds before each response and ``chunk`` seconds between events."""
        if request < 0 or chunk < 0:
            raise ValueError("latencies must not be negative")
        self.latency = float(request)
        self.chunk_delay = float(chunk)

    def next_http_status(self) -> HttpStatusFault | None:
        """Take the next queued HTTP status fault, if any."""
        if not self._statuses:
            return None
        with self._lock:
            fault: HttpStatusFault | None = self._statuses.pop()
        return fault

    def next_error(self) -> QianfanErrorFault | None:
        """Take the next queued Qianfan error fault, if any."""
        if not self._errors:
            return None
        with self._lock:
            fault: QianfanErrorFault | None = self._errors.pop()
        return fault

    def next_v2_error(self) -> V2Error | None:
        """Take the next queued V2 error fault, if any."""
        if not self._v2_errors:
            return None
        with self._lock:
            fault: V2Error | None = self._v2_errors.pop()
        return fault

    def next_drop(self) -> int | None:
        """Take the next queued stream drop (the number of events to send first), if any."""
        if not self._drops:
            return None
        with self._lock:
            drop: int | None = self._drops.pop()
        return drop

    def next_v2_script(self) -> Script | None:
        """Take the next scripted answer (a text or tool calls), if any."""
        if not self._scripts:
            return None
        with self._lock:
            script: Script | None = self._scripts.pop()
        return script

    def next_script(self) -> str | None:
        """Take the next scripted reply as a text (V1; scripted tool calls as their JSON)."""
        script = self.next_v2_script()
        return None if script is None else script_as_text(script)

    # -- records ----------------------------------------------------------------------------
    def record(self, entry: dict[str, Any], kind: str = "chat") -> None:
        """Record one request and count it as ``kind``: ``chat``, ``embeddings`` or ``rerank``."""
        with self._lock:
            if kind == "embeddings":
                self.embedding_calls += 1
            elif kind == "rerank":
                self.rerank_calls += 1
            else:
                self.chat_calls += 1
            self.records.append(entry)

    def snapshot(self) -> dict[str, Any]:
        """The observable state: recorded requests and counters (JSON-serialisable)."""
        with self._lock:
            return {
                "requests": list(self.records),
                "token_requests": self.token_requests,
                "bearer_token_requests": self.bearer_token_requests,
                "chat_calls": self.chat_calls,
                "embedding_calls": self.embedding_calls,
                "rerank_calls": self.rerank_calls,
            }

    @property
    def rate_window(self) -> RateWindow:
        """The quota window of the request being served (per key; see ``RateLimits.per_key``)."""
        return current_window(self.rate_windows)

    def reset(self) -> None:
        """Forget faults, scripts, records, counters, latencies, stream styles, rate window.

        Issued tokens stay valid (a client's cached token keeps working across tests); tokens made
        to expire by :meth:`expire_tokens` are valid again, invalidated ones stay invalid.
        """
        with self._lock:
            self._errors.clear()
            self._v2_errors.clear()
            self._statuses.clear()
            self._drops.clear()
            self._scripts.clear()
            self.records.clear()
            self._expired.clear()
            self.token_requests = 0
            self.bearer_token_requests = 0
            self.chat_calls = 0
            self.embedding_calls = 0
            self.rerank_calls = 0
            self.latency = self.config.latency
            self.chunk_delay = self.config.chunk_delay
            self.usage_placement = self.config.usage_placement
            self.stream_tool_arguments = self.config.stream_tool_arguments
        self.rate_windows.reset()
