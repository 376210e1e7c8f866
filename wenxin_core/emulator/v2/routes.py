"""The V2 routes: chat completions, embeddings, rerank, models and the IAM token endpoint.

``POST /v2/chat/completions``, ``POST /v2/embeddings``, ``POST /v2/rerank``, ``GET /v2/models``.
Every V2 answer carries ``X-Request-Id`` (the request's, or a new one) and the six
``X-Ratelimit-*`` headers. Checks run in the service's order: injected gateway status, method,
key, ``appid``, injected V2 error, quota, JSON, then the route's own body checks; faults and
latency apply to every POST route alike.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from wenxin_core.catalog import list_models, resolve_model
from wenxin_core.emulator.asgi import (
    Receive,
    Scope,
    Send,
    StreamDroppedError,
    read_body,
    redact_header,
    request_headers,
    send_bytes,
    wait,
)
from wenxin_core.emulator.config import V2_PREFIX
from wenxin_core.emulator.responses import (
    JSON_CONTENT_TYPE,
    SSE_CONTENT_TYPE,
    Headers,
    dumps,
    new_completion_id,
    new_request_id,
)
from wenxin_core.emulator.state import EmulatorState, HttpStatusFault
from wenxin_core.emulator.v2.errors import V2Error
from wenxin_core.emulator.v2.iam import bearer_token_response, check_appid, check_bearer
from wenxin_core.emulator.v2.ratelimit import current_window
from wenxin_core.emulator.v2.replies import plan_reply
from wenxin_core.emulator.v2.responses import (
    DONE_FRAME,
    completion_body,
    sse_frame,
    stream_chunks,
)
from wenxin_core.emulator.v2.validation import V2ChatRequest, parse_json, validate_v2_chat
from wenxin_core.emulator.v2.vector_api import embeddings_answer, rerank_answer

__all__ = ["MODELS_CREATED", "V2Routes"]

_Answer = Callable[..., tuple[dict[str, Any], int]]


@dataclass(frozen=True)
class _Accepted:
    """A POST that passed the gate: its body, ids and the latency to apply."""

    body: dict[str, Any]
    completion_id: str
    request_id: str
    latency: float


MODELS_CREATED = 1767225600
"""The ``created`` time every model of ``GET /v2/models`` shows (2026-01-01)."""


def _quota_key(headers: dict[str, str]) -> str:
    """Whose quota a request uses: its bearer key or token."""
    value = headers.get("authorization", "")
    return value[7:].strip() if value[:7].lower() == "bearer " else value.strip()


class V2Routes:
    """The V2 request handlers of one :class:`EmulatorState`."""

    def __init__(self, state: EmulatorState) -> None:
        """Serve ``state``."""
        self.state = state

    # -- helpers ----------------------------------------------------------------------------
    def _headers(
        self, request_id: str, content_type: bytes, exhausted: str | None = None
    ) -> Headers:
        return [
            (b"content-type", content_type),
            (b"x-request-id", request_id.encode("latin-1")),
            *self.state.rate_window.headers(exhausted),
        ]

    async def _send_json(
        self, send: Send, status: int, payload: Any, request_id: str, exhausted: str | None = None
    ) -> None:
        headers = self._headers(request_id, JSON_CONTENT_TYPE, exhausted)
        await send_bytes(send, status, headers, dumps(payload))

    async def _send_error(
        self, send: Send, error: V2Error, completion_id: str, request_id: str
    ) -> None:
        exhausted = error.code if error.status == 429 else None
        await self._send_json(send, error.status, error.body(completion_id), request_id, exhausted)

    async def _send_fault(self, send: Send, fault: HttpStatusFault, request_id: str) -> None:
        extra = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in fault.headers.items()
        ]
        names = {k for k, _ in extra}
        plain = self._headers(request_id, b"text/plain;charset=utf-8")
        base = [h for h in plain if h[0] not in names]
        await send_bytes(send, fault.status, [*base, *extra], fault.body.encode("utf-8"))

    # -- routing ----------------------------------------------------------------------------
    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request under ``/v2``."""
        route = scope["path"][len(V2_PREFIX) :].rstrip("/")
        if route == "/chat/completions":
            await self.chat(scope, receive, send)
        elif route == "/embeddings":
            await self.vectors(scope, receive, send, "embeddings", embeddings_answer)
        elif route == "/rerank":
            await self.vectors(scope, receive, send, "rerank", rerank_answer)
        elif route == "/models":
            await self.models(scope, receive, send)
        else:
            await read_body(receive)
            request_id = request_headers(scope).get("x-request-id") or new_request_id()
            error = V2Error(404, "not_found", f"no route {scope['path']}")
            await self._send_error(send, error, new_completion_id(), request_id)

    async def bearer_token(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer ``GET /v1/BCE-BEARER/token`` (mint a token from a signed request)."""
        await read_body(receive)
        headers = request_headers(scope)
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        request_id = new_request_id()
        status, payload = bearer_token_response(
            self.state, scope["method"], scope["path"], query, headers, request_id
        )
        answer = [(b"content-type", JSON_CONTENT_TYPE), (b"x-bce-request-id", request_id.encode())]
        await send_bytes(send, status, answer, dumps(payload))

    async def models(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer ``GET /v2/models``: the V2 catalog in the OpenAI list shape."""
        await read_body(receive)
        headers = request_headers(scope)
        request_id = headers.get("x-request-id") or new_request_id()
        error = (
            V2Error(405, "method_not_allowed", "Use GET")
            if scope["method"] != "GET"
            else check_bearer(self.state, headers)
        )
        if error is not None:
            await self._send_error(send, error, new_completion_id(), request_id)
            return
        data = [
            {
                "id": name,
                "object": "model",
                "created": MODELS_CREATED,
                "owned_by": "user" if resolve_model(name, api="v2").kind == "service" else "baidu",
            }
            for name in list_models("v2")
        ]
        await self._send_json(send, 200, {"object": "list", "data": data}, request_id)

    # -- POST routes ------------------------------------------------------------------------
    def _record(
        self, scope: Scope, headers: dict[str, str], body: dict[str, Any] | None, kind: str
    ) -> None:
        model = body.get("model") if body is not None else None
        self.state.record(
            {
                "method": scope["method"],
                "api": "v2",
                "endpoint": model if isinstance(model, str) else "",
                "path": scope["path"],
                "query": dict(parse_qsl(scope["query_string"].decode("latin-1"))),
                "headers": {k: redact_header(k, v) for k, v in headers.items()},
                "body": body,
                "stream": bool(body.get("stream")) if body is not None else False,
                "appid": headers.get("appid"),
            },
            kind,
        )

    def _gate(
        self, scope: Scope, headers: dict[str, str], body: dict[str, Any] | None, quota: str | None
    ) -> dict[str, Any]:
        state = self.state
        if scope["method"] != "POST":
            raise V2Error(405, "method_not_allowed", "Use POST")
        error = check_bearer(state, headers) or check_appid(state, headers)
        if error is not None:
            raise error
        injected = state.next_v2_error()
        if injected is not None:
            raise injected
        if quota is not None:
            raise V2Error(429, quota)
        if body is None:
            raise V2Error(400, "malformed_json", "The request body is not a JSON object")
        return body

    async def _accept(
        self, scope: Scope, receive: Receive, send: Send, kind: str
    ) -> _Accepted | None:
        """Read, record and gate a POST; answer its fault or error and return ``None``."""
        raw = await read_body(receive)
        state = self.state
        headers = request_headers(scope)
        request_id = headers.get("x-request-id") or new_request_id()
        body = parse_json(raw)
        self._record(scope, headers, body, kind)
        quota = current_window(state.rate_windows, _quota_key(headers)).take_request()
        # Faults are taken when the request arrives, the latency applied afterwards.
        latency = state.latency
        fault = state.next_http_status()
        if fault is not None:
            await wait(latency)
            await self._send_fault(send, fault, request_id)
            return None
        completion_id = new_completion_id()
        try:
            checked = self._gate(scope, headers, body, quota)
        except V2Error as error:
            await wait(latency)
            await self._send_error(send, error, completion_id, request_id)
            return None
        return _Accepted(checked, completion_id, request_id, latency)

    async def vectors(
        self, scope: Scope, receive: Receive, send: Send, kind: str, answer: _Answer
    ) -> None:
        """Answer ``POST /v2/embeddings`` or ``POST /v2/rerank`` (``kind``) with ``answer``."""
        accepted = await self._accept(scope, receive, send, kind)
        if accepted is None:
            return
        try:
            payload, tokens = answer(
                accepted.body, allow_any_model=self.state.config.allow_any_model
            )
        except V2Error as error:
            await wait(accepted.latency)
            await self._send_error(send, error, accepted.completion_id, accepted.request_id)
            return
        self.state.rate_window.add_tokens(tokens, 0)
        await wait(accepted.latency)
        await self._send_json(send, 200, payload, accepted.request_id)

    async def chat(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer ``POST /v2/chat/completions`` (JSON, or SSE with ``stream: true``)."""
        accepted = await self._accept(scope, receive, send, "chat")
        if accepted is None:
            return
        try:
            request = validate_v2_chat(
                accepted.body, allow_any_model=self.state.config.allow_any_model
            )
        except V2Error as error:
            await wait(accepted.latency)
            await self._send_error(send, error, accepted.completion_id, accepted.request_id)
            return
        await self._answer(
            send, request, accepted.completion_id, accepted.request_id, accepted.latency
        )

    async def _answer(
        self,
        send: Send,
        request: V2ChatRequest,
        completion_id: str,
        request_id: str,
        latency: float,
    ) -> None:
        state = self.state
        reply = plan_reply(request, state.next_v2_script(), state.config.unsafe_trigger)
        state.rate_window.add_tokens(reply.prompt_tokens, reply.completion_tokens)
        created = int(time.time())
        model = request.spec.name
        options = request.options
        if not options.stream:
            body = completion_body(reply, completion_id=completion_id, model=model, created=created)
            await wait(latency)
            await self._send_json(send, 200, body, request_id)
            return
        chunks = stream_chunks(
            reply,
            completion_id=completion_id,
            model=model,
            created=created,
            include_usage=options.include_usage,
            chunk_include_usage=options.chunk_include_usage,
            usage_on_last_chunk=state.usage_placement == "last_chunk",
            tool_style=state.stream_tool_arguments,
        )
        frames = [*(sse_frame(c) for c in chunks), DONE_FRAME]
        drop = state.next_drop()
        if drop is not None:
            drop = min(drop, len(frames) - 1)
        await wait(latency)
        headers = [*self._headers(request_id, SSE_CONTENT_TYPE), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        last = len(frames) - 1
        for index, frame in enumerate(frames):
            if drop is not None and index >= drop:
                raise StreamDroppedError(f"stream dropped after {drop} chunks (injected fault)")
            if index and state.chunk_delay > 0:
                await asyncio.sleep(state.chunk_delay)
            await send({"type": "http.response.body", "body": frame, "more_body": index < last})
