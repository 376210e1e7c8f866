"""The raw ASGI application: routing of token, chat and control requests.

No framework: one small coroutine per request keeps the emulator far from being the bottleneck of
a benchmark (thousands of requests per second on one core under uvicorn + httptools).
"""

from __future__ import annotations

import asyncio
import json
import logging
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from wenxin_core.catalog import ModelSpec, custom_endpoint_spec, list_models, resolve_model
from wenxin_core.emulator.asgi import (
    Receive,
    Scope,
    Send,
    StreamDroppedError,
    read_body,
    redact_header,
    request_headers,
    wait,
)
from wenxin_core.emulator.authn import check_chat_auth, token_response
from wenxin_core.emulator.config import BEARER_TOKEN_PATH, CHAT_PATH_PREFIX, TOKEN_PATH, V2_PREFIX
from wenxin_core.emulator.control import COMMANDS, CONTROL_PREFIX, dispatch
from wenxin_core.emulator.replies import build_reply, default_text
from wenxin_core.emulator.responses import (
    completion_body,
    dumps,
    error_body,
    json_headers,
    new_completion_id,
    new_request_id,
    sse_event,
    sse_headers,
    stream_events,
)
from wenxin_core.emulator.state import EmulatorState
from wenxin_core.emulator.v2.routes import V2Routes
from wenxin_core.emulator.validation import ChatRequest, QianfanError, parse_body, validate_chat

__all__ = ["EmulatorApp", "StreamDroppedError", "install_log_filter"]


class _DropFilter(logging.Filter):
    """Hide the server's traceback for a deliberate :class:`StreamDroppedError`."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, StreamDroppedError)


_FILTER = _DropFilter()


def install_log_filter() -> None:
    """Keep deliberate stream drops out of uvicorn's error log (idempotent)."""
    logger = logging.getLogger("uvicorn.error")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


@lru_cache(maxsize=1)
def _catalog_by_endpoint() -> dict[str, ModelSpec]:
    table: dict[str, ModelSpec] = {}
    for name in list_models("v1"):
        spec = resolve_model(name)
        current = table.get(spec.endpoint)
        if current is None or (current.deprecated and not spec.deprecated):
            table[spec.endpoint] = spec
    return table


async def _send_json(
    send: Send,
    status: int,
    payload: Any,
    request_id: str,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    data = dumps(payload)
    headers = json_headers(request_id, len(data))
    if extra:
        headers.extend(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


class EmulatorApp:
    """The ASGI callable serving one :class:`EmulatorState`."""

    def __init__(self, state: EmulatorState) -> None:
        """Serve ``state`` (V1 and V2 routes, the token endpoints and the controls)."""
        self.state = state
        self.v2 = V2Routes(state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route one ASGI connection scope."""
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            return
        path: str = scope["path"]
        if path.startswith(V2_PREFIX + "/"):
            await self.v2.serve(scope, receive, send)
        elif path == BEARER_TOKEN_PATH:
            await self.v2.bearer_token(scope, receive, send)
        elif path.startswith(CHAT_PATH_PREFIX):
            await self._chat(scope, receive, send)
        elif path == TOKEN_PATH:
            await self._token(scope, receive, send)
        elif path.startswith(CONTROL_PREFIX):
            await self._control(scope, receive, send)
        else:
            await read_body(receive)
            await _send_json(
                send, 404, error_body(3, "Unsupported openapi method"), new_request_id()
            )

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _token(self, scope: Scope, receive: Receive, send: Send) -> None:
        await read_body(receive)
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        status, payload = token_response(self.state, query)
        await _send_json(send, status, payload, new_request_id())

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = await read_body(receive)
        name = scope["path"][len(CONTROL_PREFIX) :].strip("/")
        request_id = new_request_id()
        try:
            args = json.loads(raw) if raw.strip() else {}
            if not isinstance(args, dict):
                raise TypeError("the arguments must be a JSON object")
            result = dispatch(self.state, name, args)
        except KeyError as exc:
            if name not in COMMANDS:
                await _send_json(send, 404, {"error": f"unknown command {name!r}"}, request_id)
            else:
                await _send_json(send, 400, {"error": f"missing argument {exc}"}, request_id)
            return
        except (TypeError, ValueError) as exc:
            await _send_json(send, 400, {"error": str(exc)}, request_id)
            return
        if name == "state":
            await _send_json(send, 200, result, request_id)
        else:
            await _send_json(send, 200, {"ok": True, "result": result}, request_id)

    def _resolve(self, endpoint: str) -> ModelSpec:
        if not endpoint or "/" in endpoint:
            raise QianfanError(3, "Unsupported openapi method")
        spec = _catalog_by_endpoint().get(endpoint)
        if spec is not None:
            return spec
        allowed = self.state.config.custom_endpoints
        if allowed is None or endpoint in allowed:
            return custom_endpoint_spec(endpoint)
        raise QianfanError(336005, "API name not exist")

    def _record(
        self,
        scope: Scope,
        endpoint: str,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        body: dict[str, Any] | None,
    ) -> None:
        self.state.record(
            {
                "method": scope["method"],
                "api": "v1",
                "endpoint": endpoint,
                "path": scope["path"],
                "query": {k: ("***" if k == "access_token" else v) for k, v in query},
                "headers": {k: redact_header(k, v) for k, v in headers.items()},
                "body": body,
                "stream": bool(body.get("stream")) if body is not None else False,
            }
        )

    async def _chat(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = await read_body(receive)
        state = self.state
        path: str = scope["path"]
        endpoint = path[len(CHAT_PATH_PREFIX) :]
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        headers = request_headers(scope)
        body: dict[str, Any] | None
        try:
            body = parse_body(raw)
        except QianfanError:
            body = None
        self._record(scope, endpoint, query, headers, body)
        request_id = new_request_id()
        # Faults are taken when the request arrives, the latency applied afterwards: a request
        # still waiting out its latency never takes a fault injected after it arrived.
        latency = state.latency
        fault = state.next_http_status()
        if fault is not None:
            await wait(latency)
            extra = [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in fault.headers.items()
            ]
            data = fault.body.encode("utf-8")
            start_headers = [(b"content-length", str(len(data)).encode()), *extra]
            if not any(k == b"content-type" for k, _ in extra):
                start_headers.append((b"content-type", b"text/plain;charset=utf-8"))
            await send(
                {"type": "http.response.start", "status": fault.status, "headers": start_headers}
            )
            await send({"type": "http.response.body", "body": data})
            return
        completion_id = new_completion_id()
        try:
            if scope["method"] != "POST":
                raise QianfanError(336101, "Invalid HTTP Method")
            auth_error = check_chat_auth(state, scope["method"], path, query, headers)
            if auth_error is not None:
                raise auth_error
            spec = self._resolve(endpoint)
            injected = state.next_error()
            if injected is not None:
                raise QianfanError(injected.code, injected.message)
            if body is None:
                raise QianfanError(336002, "Invalid JSON")
            request = validate_chat(body, spec)
        except QianfanError as err:
            payload = error_body(err.code, err.message, completion_id)
            await wait(latency)
            await _send_json(send, 200, payload, request_id)
            return
        await self._answer(send, spec, request, completion_id, request_id, latency)

    async def _answer(
        self,
        send: Send,
        spec: ModelSpec,
        request: ChatRequest,
        completion_id: str,
        request_id: str,
        latency: float,
    ) -> None:
        state = self.state
        messages = request.messages
        prompt_texts = [m["content"] for m in messages]
        if request.system:
            prompt_texts.append(request.system)
        trigger = state.config.unsafe_trigger
        flagged = bool(trigger) and any(trigger in text for text in prompt_texts)
        if flagged:
            text = ""
        else:
            scripted = state.next_script()
            text = (
                scripted
                if scripted is not None
                else default_text(spec.endpoint, messages[-1]["content"], request.system)
            )
        reply = build_reply(
            text,
            prompt_texts=prompt_texts,
            stop=request.stop,
            max_output_tokens=request.max_output_tokens,
        )
        ernie = spec.accepts_system and not spec.is_custom_endpoint
        if not request.stream:
            body = completion_body(reply, completion_id=completion_id, ernie=ernie, flagged=flagged)
            await wait(latency)
            await _send_json(send, 200, body, request_id)
            return
        events = stream_events(
            reply,
            completion_id=completion_id,
            ernie=ernie,
            usage_style=state.config.stream_usage_style,
            flagged=flagged,
        )
        drop = state.next_drop()
        if drop is not None:
            drop = min(drop, len(events) - 1)
        await wait(latency)
        await send(
            {"type": "http.response.start", "status": 200, "headers": sse_headers(request_id)}
        )
        last = len(events) - 1
        for index, event in enumerate(events):
            if drop is not None and index >= drop:
                raise StreamDroppedError(f"stream dropped after {drop} events (injected fault)")
            if index and state.chunk_delay > 0:
                await asyncio.sleep(state.chunk_delay)
            await send(
                {"type": "http.response.body", "body": sse_event(event), "more_body": index < last}
            )
