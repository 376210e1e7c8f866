"""The control commands (fault injection, scripts, observability) and the shared control API.

The same commands are reachable in-process (:class:`~wenxin_core.emulator.server.EmulatorServer`)
and over HTTP as ``POST /_emulator/{command}`` with a JSON object of arguments (``GET`` for
``state``), so an emulator in another process is driven exactly like a local one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from wenxin_core.emulator.config import DEFAULT_BEARER_TTL
from wenxin_core.emulator.state import EmulatorState
from wenxin_core.emulator.v2.iam import iso_utc

__all__ = ["COMMANDS", "CONTROL_PREFIX", "EmulatorControls", "dispatch"]

CONTROL_PREFIX = "/_emulator/"
"""The path prefix of the HTTP control endpoints."""


def _script(state: EmulatorState, args: dict[str, Any]) -> None:
    state.script(str(args["reply"]), times=int(args.get("times", 1)))


def _script_tool_calls(state: EmulatorState, args: dict[str, Any]) -> None:
    state.script_tool_calls(args["calls"], times=int(args.get("times", 1)))


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


def _inject_v2_error(state: EmulatorState, args: dict[str, Any]) -> None:
    message = args.get("message")
    error_type = args.get("type")
    state.inject_v2_error(
        int(args["status"]),
        str(args["code"]),
        times=int(args.get("times", 1)),
        message=None if message is None else str(message),
        error_type=None if error_type is None else str(error_type),
    )


def _issue_bearer_token(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    token, created, expires = state.issue_bearer_token(int(args.get("ttl", DEFAULT_BEARER_TTL)))
    return {"token": token, "createTime": iso_utc(created), "expireTime": iso_utc(expires)}


def _drop_stream_after(state: EmulatorState, args: dict[str, Any]) -> None:
    state.drop_stream_after(int(args["chunks"]), times=int(args.get("times", 1)))


def _set_latency(state: EmulatorState, args: dict[str, Any]) -> None:
    state.set_latency(float(args.get("request", 0.0)), float(args.get("chunk", 0.0)))


def _issue_token(state: EmulatorState, args: dict[str, Any]) -> dict[str, Any]:
    token, ttl = state.issue_token()
    return {"access_token": token, "expires_in": ttl}


COMMANDS: dict[str, Callable[[EmulatorState, dict[str, Any]], Any]] = {
    "script": _script,
    "script_tool_calls": _script_tool_calls,
    "set_stream_tool_arguments": lambda state, args: state.set_stream_tool_arguments(
        str(args["style"])
    ),
    "inject_error": _inject_error,
    "inject_http_status": _inject_http_status,
    "inject_v2_error": _inject_v2_error,
    "drop_stream_after": _drop_stream_after,
    "expire_tokens": lambda state, args: state.expire_tokens(),
    "invalidate_tokens": lambda state, args: state.invalidate_tokens(),
    "set_latency": _set_latency,
    "reset": lambda state, args: state.reset(),
    "issue_token": _issue_token,
    "issue_bearer_token": _issue_bearer_token,
    "set_usage_placement": lambda state, args: state.set_usage_placement(str(args["placement"])),
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

    def script_tool_calls(self, calls: Sequence[Mapping[str, Any]], *, times: int = 1) -> None:
        """Answer the next ``times`` V2 chat calls with exactly these tool calls.

        Each call is ``{"name": ..., "arguments": {...} or "JSON text", "id"?: ...}``; the
        reply has ``finish_reason: "tool_calls"`` and empty content, streamed or not. Without
        an ``id`` each call gets a fresh ``call_<hex>`` id. Texts scripted with :meth:`script`
        share the queue, so ``script_tool_calls([...])`` then ``script("done")`` scripts a
        whole tool round trip. Example::

            emulator.script_tool_calls([{"name": "get_weather", "arguments": {"city": "Paris"}}])
        """
        self._command(
            "script_tool_calls", {"calls": [dict(call) for call in calls], "times": times}
        )

    def set_stream_tool_arguments(self, style: str) -> None:
        """How V2 streams send tool-call arguments until :meth:`reset`.

        ``"fragmented"`` (the default): the JSON text in several ``delta.tool_calls``
        fragments after one with ``id``, ``type`` and ``function.name``; ``"whole"``: one
        fragment per call with everything.
        """
        self._command("set_stream_tool_arguments", {"style": style})

    def inject_error(self, code: int, *, times: int = 1, message: str | None = None) -> None:
        """Answer the next ``times`` V1 chat calls with Qianfan error ``code`` (HTTP 200 JSON).

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
        """Answer the next ``times`` calls (V1 or V2 chat, embeddings, rerank) with a bare status.

        A gateway failure such as 503 or 429 + ``Retry-After``; ``body`` is sent as plain text.
        """
        self._command(
            "inject_http_status",
            {"status": status, "times": times, "headers": headers or {}, "body": body},
        )

    def inject_v2_error(
        self,
        status: int,
        code: str,
        *,
        times: int = 1,
        message: str | None = None,
        error_type: str | None = None,
    ) -> None:
        """Answer the next ``times`` V2 calls with HTTP ``status`` and ``error.code``.

        Any V2 POST route takes the next fault in arrival order: chat, embeddings or rerank.

        E.g. ``(429, "rpm_rate_limit_exceeded")``, ``(500, "internal_error")`` or
        ``(401, "invalid_iam_token")``. ``message`` and ``error_type`` default to the
        reference's text and the status's type; a 429 shows the matching quota as used up in
        the ``X-Ratelimit-Remaining-*`` headers. V1 calls are not affected (see
        :meth:`inject_error`).
        """
        self._command(
            "inject_v2_error",
            {
                "status": status,
                "code": code,
                "times": times,
                "message": message,
                "type": error_type,
            },
        )

    def set_usage_placement(self, placement: str) -> None:
        """Where V2 streams with ``include_usage`` put the usage until :meth:`reset`.

        ``"separate"``: a final chunk with empty ``choices`` (the default); ``"last_chunk"``:
        on the last content chunk.
        """
        self._command("set_usage_placement", {"placement": placement})

    def issue_bearer_token(self, ttl: int = DEFAULT_BEARER_TTL) -> str:
        """Mint a BCE-BEARER token directly (not counted as a token request)."""
        result = cast("dict[str, Any]", self._command("issue_bearer_token", {"ttl": ttl}))
        return str(result["token"])

    def drop_stream_after(self, chunks: int, *, times: int = 1) -> None:
        """Close the next ``times`` streams abruptly after ``chunks`` events or chunks.

        V1 streams never get ``is_end``, V2 streams never get ``data: [DONE]``.
        """
        self._command("drop_stream_after", {"chunks": chunks, "times": times})

    def expire_tokens(self) -> None:
        """Every token issued so far expires: V1 answers 111, V2 401 ``invalid_iam_token``."""
        self._command("expire_tokens", {})

    def invalidate_tokens(self) -> None:
        """Every token issued so far is invalid: V1 answers 110, V2 401 ``invalid_iam_token``."""
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
        """The observable state as one JSON object.

        ``{"requests": [...], "token_requests": n, "bearer_token_requests": n, "chat_calls": n,
        "embedding_calls": n, "rerank_calls": n}``.
        """
        return cast("dict[str, Any]", self._command("state", {}))

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The recorded chat requests, oldest first.

        Each is ``{"method", "api", "endpoint", "path", "query", "headers", "body", "stream"}``
        (``api`` is ``"v1"`` or ``"v2"``; on V2 ``endpoint`` is the ``model`` and ``appid`` the
        ``appid`` header) with ``access_token`` in ``query`` and secrets in headers replaced by
        ``"***"``; ``body`` is the parsed JSON (``None`` if it was not JSON).
        """
        return cast("list[dict[str, Any]]", self.snapshot()["requests"])

    @property
    def token_requests(self) -> int:
        """How many times the token endpoint was called."""
        return int(self.snapshot()["token_requests"])

    @property
    def bearer_token_requests(self) -> int:
        """How many times the BCE-BEARER token endpoint was called."""
        return int(self.snapshot()["bearer_token_requests"])

    @property
    def chat_calls(self) -> int:
        """How many chat requests arrived (valid or not)."""
        return int(self.snapshot()["chat_calls"])

    @property
    def embedding_calls(self) -> int:
        """How many ``/v2/embeddings`` requests arrived (valid or not)."""
        return int(self.snapshot()["embedding_calls"])

    @property
    def rerank_calls(self) -> int:
        """How many ``/v2/rerank`` requests arrived (valid or not)."""
        return int(self.snapshot()["rerank_calls"])
