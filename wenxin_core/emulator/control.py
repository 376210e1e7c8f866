"""The control commands (fault injection, scripts, observability) and the shared control API.

The same commands are reachable in-process (:class:`~wenxin_core.emulator.server.EmulatorServer`)
and over HTTP as ``POST /_emulator/{command}`` with a JSON object of arguments (``GET`` for
``state``), so an emulator in another process is driven exactly like a local one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, cast

from wenxin_core.emulator.state import EmulatorState

__all__ = ["COMMANDS", "CONTROL_PREFIX", "EmulatorControls", "dispatch"]

CONTROL_PREFIX = "/_emulator/"
"""The path prefix of the HTTP control endpoints."""


def _script(state: EmulatorState, args: dict[str, Any]) -> None:
    state.script(str(args["reply"]), times=int(args.get("times", 1)))


def _inject_error(state: EmulatorState, args: dict[str, Any]) -> None:
    message = args.get("message")
    state.inject_error(
        int(args["code"]),
        times=int(args.get("times", 1)),
        message=None if message is None else str(message),
    )


def _inject_http_status(state: EmulatorState, args: dict[str, Any]) -> None:
    headers = args.get("headers") or {}
    if not isinstance(headers, dict):
        raise TypeError("headers must be an object")
    state.inject_http_status(
        int(args["status"]),
        times=int(args.get("times", 1)),
        headers={str(k): str(v) for k, v in headers.items()},
        body=str(args.get("body", "")),
    )


def _drop_stream_after(state: EmulatorState, args: dict[str, Any]) -> None:
    state.drop_stream_after(int(args["chunks"]), times=int(args.get("times", 1)))


def _set_latency(state: EmulatorState, args: dict[str, Any]) -> None:
    state.set_latency(float(args.get("request", 0.0)), float(args.get("chunk", 0.0)))


def _issue_token(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    token, ttl = state.issue_token()
    return {"access_token": token, "expires_in": ttl}


COMMANDS: dict[str, Callable[[EmulatorState, dict[str, Any]], Any]] = {
    "script": _script,
    "inject_error": _inject_error,
    "inject_http_status": _inject_http_status,
    "drop_stream_after": _drop_stream_after,
    "expire_tokens": lambda state, args: state.expire_tokens(),
    "invalidate_tokens": lambda state, args: state.invalidate_tokens(),
    "set_latency": _set_latency,
    "reset": lambda state, args: state.reset(),
    "issue_token": _issue_token,
    "state": lambda state, args: state.snapshot(),
}
"""Every control command by name: ``(state, args) -> JSON-serialisable result or None``."""


def dispatch(state: EmulatorState, name: str, args: dict[str, Any]) -> Any:
    """Run control command ``name`` on ``state``.

    Raises:
        KeyError: no such command.
        ValueError, TypeError: bad or missing arguments.

    """
    return COMMANDS[name](state, args)


class EmulatorControls(ABC):
    """The control API shared by the in-process server and the HTTP control client."""

    @abstractmethod
    def _command(self, name: str, args: dict[str, Any]) -> Any:
        """Run one control command and return its result."""

    def script(self, reply: str, *, times: int = 1) -> None:
        """Use ``reply`` as the exact text of the next ``times`` chat replies.

        ``stop`` and ``max_output_tokens`` of the request still cut it, as the service would.
        """
        self._command("script", {"reply": reply, "times": times})

    def inject_error(self, code: int, *, times: int = 1, message: str | None = None) -> None:
        """Answer the next ``times`` chat calls with Qianfan error ``code`` (HTTP 200 JSON).

        ``message`` defaults to the reference table's ``error_msg`` for the code.
        """
        self._command("inject_error", {"code": code, "times": times, "message": message})

    def inject_http_status(
        self,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: str = "",
    ) -> None:
        """Answer the next ``times`` chat calls with HTTP ``status`` (503, 429 + Retry-After)."""
        self._command(
            "inject_http_status",
            {"status": status, "times": times, "headers": headers or {}, "body": body},
        )

    def drop_stream_after(self, chunks: int, *, times: int = 1) -> None:
        """Close the next ``times`` streams abruptly after ``chunks`` events (never ``is_end``)."""
        self._command("drop_stream_after", {"chunks": chunks, "times": times})

    def expire_tokens(self) -> None:
        """Every token issued so far answers 111 (Access token expired) from now on."""
        self._command("expire_tokens", {})

    def invalidate_tokens(self) -> None:
        """Every token issued so far answers 110 (Access token invalid) from now on."""
        self._command("invalidate_tokens", {})

    def set_latency(self, request: float = 0.0, chunk: float = 0.0) -> None:
        """Sleep ``request`` seconds before each chat response and ``chunk`` between events."""
        self._command("set_latency", {"request": request, "chunk": chunk})

    def reset(self) -> None:
        """Forget faults, scripts, recorded requests, counters and latency settings."""
        self._command("reset", {})

    def issue_token(self) -> str:
        """Issue a valid access token directly (not counted as a token request)."""
        result = cast("dict[str, Any]", self._command("issue_token", {}))
        return str(result["access_token"])

    def snapshot(self) -> dict[str, Any]:
        """``{"requests": [...], "token_requests": n, "chat_calls": n}``."""
        return cast("dict[str, Any]", self._command("state", {}))

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The recorded chat requests, oldest first.

        Each is ``{"method", "endpoint", "path", "query", "headers", "body", "stream"}`` with
        ``access_token`` in ``query`` and secret headers replaced by ``"***"``; ``body`` is the
        parsed JSON (``None`` if it was not JSON).
        """
        return cast("list[dict[str, Any]]", self.snapshot()["requests"])

    @property
    def token_requests(self) -> int:
        """How many times the token endpoint was called."""
        return int(self.snapshot()["token_requests"])

    @property
    def chat_calls(self) -> int:
        """How many chat requests arrived (valid or not)."""
        return int(self.snapshot()["chat_calls"])
