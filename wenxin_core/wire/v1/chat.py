"""V1 (legacy) chat: ``{"messages", "system"}`` bodies, ``result``/``is_end`` answers and events.

The public service shut V1 on 2026-08-31; it stays for private deployments. V1 errors come mostly
with HTTP 200 and ``{"error_code", "error_msg"}``; stream usage is read from the ``is_end`` event
(``completion = total - prompt``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from wenxin_core import jsonsafe
from wenxin_core.catalog import ModelSpec
from wenxin_core.errors import WenxinError, error_from_body, error_from_status
from wenxin_core.jsonfast import encode
from wenxin_core.messages import MessageLike, OverflowPolicy, normalize_messages
from wenxin_core.params import ChatParams
from wenxin_core.redact import redact_url
from wenxin_core.request import header_map, request_id_of
from wenxin_core.retry import parse_retry_after
from wenxin_core.sse import DONE, loads_event
from wenxin_core.types import ChatChunk, ChatCompletion, ToolCall, ToolCallDelta, Usage
from wenxin_core.wire.base import EventReader, PreparedChat, error_body_of

__all__ = [
    "V1EventReader",
    "error_for_response",
    "final_usage",
    "parse_completion",
    "prepare_chat",
]


def prepare_chat(
    spec: ModelSpec,
    messages: Iterable[MessageLike],
    params: ChatParams,
    *,
    system: str | None = None,
    stream: bool = False,
    overflow: OverflowPolicy = "truncate",
) -> PreparedChat:
    """Validate and normalise a V1 call into a :class:`PreparedChat`. Sends nothing.

    Raises:
        WenxinValidationError: a parameter, a message or the length breaks a rule.

    """
    params.check_supported(spec)
    normalized = normalize_messages(messages, spec, system=system, overflow=overflow)
    body: dict[str, Any] = {"messages": normalized.messages}
    if normalized.system is not None:
        body["system"] = normalized.system
    body.update(params.body_fields())
    if stream:
        body["stream"] = True
    return PreparedChat(
        spec=spec,
        body=encode(body),
        stream=stream,
        dropped_turns=normalized.dropped_turns,
    )


def error_for_response(response: httpx.Response, content: bytes) -> WenxinError | None:
    """The typed error a V1 response carries, or ``None`` if it is a success."""
    status = response.status_code
    if status < 400 and b'"error_code"' not in content and content[:1] == b"{":
        return None  # the common case: a JSON answer that is not an error (parsed once, later)
    body, limited = error_body_of(response, content)
    headers = header_map(response)
    retry_after = parse_retry_after(headers.get("retry-after"))
    request_id = request_id_of(response)
    if isinstance(body, dict) and "error_code" in body:
        error = error_from_body(body, status_code=status, request_id=request_id)
        error.retry_after = retry_after
        return error
    if status >= 400:
        excerpt = content[:200].decode("utf-8", errors="replace").strip() if content else ""
        return error_from_status(
            status,
            body_excerpt=" ".join(excerpt.split()),
            gateway_code=headers.get("x-bce-error-code"),
            gateway_message=headers.get("x-bce-error-message"),
            request_id=request_id,
            retry_after=retry_after,
        )
    if limited is not None:
        return limited
    if not isinstance(body, dict):
        excerpt = content[:200].decode("utf-8", errors="replace")
        return WenxinError(
            f"Unexpected response from {redact_url(response.request.url)}: not a JSON object "
            f"(HTTP {status}, {headers.get('content-type', 'no type')}): {excerpt!r}",
            status_code=status,
            request_id=request_id,
        )
    return None


def _usage(raw: Any) -> Usage | None:
    if not isinstance(raw, Mapping):
        return None
    values = [raw.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")]
    ints = [v if isinstance(v, int) and not isinstance(v, bool) else 0 for v in values]
    return Usage(prompt_tokens=ints[0], completion_tokens=ints[1], total_tokens=ints[2])


def _finish(obj: Mapping[str, Any]) -> str:
    if obj.get("is_truncated") is True or obj.get("finish_reason") == "length":
        return "length"
    if obj.get("finish_reason") == "content_filter":
        return "content_filter"
    if obj.get("function_call"):
        return "tool_calls"
    return "stop"


def _safety(obj: Mapping[str, Any]) -> tuple[int, int | None]:
    ban_round = obj.get("ban_round")
    ban = ban_round if isinstance(ban_round, int) and not isinstance(ban_round, bool) else None
    return (2 if obj.get("need_clear_history") is True else 0), ban


def _function_call(obj: Mapping[str, Any]) -> list[ToolCall]:
    call = obj.get("function_call")
    if not isinstance(call, Mapping) or not call.get("name"):
        return []
    arguments = call.get("arguments")
    text = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
    return [ToolCall(id=str(obj.get("id") or ""), name=str(call["name"]), arguments=text)]


def _checked(obj: Any, response: httpx.Response) -> dict[str, Any]:
    result = obj.get("result", "") if isinstance(obj, dict) else None
    if not isinstance(result, str):
        raise WenxinError(
            f"Unexpected response from {redact_url(response.request.url)}: not a chat answer",
            status_code=response.status_code,
            request_id=request_id_of(response),
        )
    return obj  # type: ignore[no-any-return]


def parse_completion(response: httpx.Response, content: bytes, spec: ModelSpec) -> ChatCompletion:
    """Parse a successful V1 JSON answer (call :func:`error_for_response` first).

    Raises:
        WenxinError: the body is not a chat completion.

    """
    try:
        obj = _checked(
            jsonsafe.loads(content, what="chat answer", status_code=response.status_code),
            response,
        )
    except ValueError:
        raise WenxinError(
            f"Unexpected response from {redact_url(response.request.url)}: not JSON",
            status_code=response.status_code,
            request_id=request_id_of(response),
        ) from None
    flag, ban_round = _safety(obj)
    return ChatCompletion(
        text=obj.get("result", ""),
        tool_calls=_function_call(obj),
        finish_reason=_finish(obj),
        flag=flag,
        ban_round=ban_round,
        usage=_usage(obj.get("usage")) or Usage(),
        id=str(obj.get("id") or ""),
        model=spec.name,
        request_id=request_id_of(response) or obj.get("id") or None,
        raw=obj,
    )


def final_usage(raw: Usage | None) -> Usage:
    """The final usage of a V1 stream from its ``is_end`` event (completion = total - prompt)."""
    raw = raw or Usage()
    prompt = raw.prompt_tokens
    total = max(raw.total_tokens, prompt)
    return Usage(prompt_tokens=prompt, completion_tokens=total - prompt, total_tokens=total)


class V1EventReader(EventReader):
    """Reads a V1 SSE stream; ends at the ``is_end: true`` event."""

    end_marker = "its final (is_end) event"

    def _chunks(self, payloads: list[str]) -> list[ChatChunk]:
        out: list[ChatChunk] = []
        for payload in payloads:
            if self.done:
                break
            if payload.strip() == DONE:
                self.done = True
                break
            try:
                jsonsafe.check(payload, what="stream event", status_code=self._status)
                objects = loads_event(payload)
            except RecursionError:
                raise jsonsafe.too_deep("stream event", status_code=self._status) from None
            except ValueError as exc:  # the decoding error keeps the event: not chained
                raise self.interrupted(f"an event was not JSON ({exc})") from None
            for obj in objects:
                if "error_code" in obj:
                    raise error_from_body(
                        obj, status_code=self._status, request_id=self._request_id
                    )
                out.append(self._chunk(obj))
                if self.done:
                    break
        return out

    def _chunk(self, obj: dict[str, Any]) -> ChatChunk:
        result = obj.get("result", "")
        text = result if isinstance(result, str) else ""
        chunk_id = str(obj.get("id") or "")
        self.last_id = chunk_id or self.last_id
        self.count += 1
        self.parts.append(text)
        is_end = obj.get("is_end") is True
        flag, ban_round = _safety(obj)
        calls = _function_call(obj)
        chunk = ChatChunk(
            text=text,
            tool_calls=[
                ToolCallDelta(index=i, id=c.id, name=c.name, arguments=c.arguments)
                for i, c in enumerate(calls)
            ],
            finish_reason=_finish(obj) if is_end else None,
            flag=flag,
            ban_round=ban_round,
            usage=final_usage(_usage(obj.get("usage"))) if is_end else None,
            is_final=is_end,
            id=chunk_id,
            model=self._spec.name,
            request_id=self._request_id or chunk_id or None,
            raw=obj,
        )
        if is_end:
            self.done = True
        return chunk
