"""V2 chat answers: the ``chat.completion`` body and the ``chat.completion.chunk`` stream.

Stream rules: each ``data:`` event is a chunk; ``data: [DONE]`` ends the stream; a stream that
stops before it is a :class:`~wenxin_core.errors.StreamInterruptedError` carrying the text so far.
Usage is counted once and equals the service's final usage whichever way it comes: on a chunk
with empty ``choices`` (``include_usage``), on the last content chunk, or cumulatively on every
chunk (``chunk_include_usage``): the last usage seen is the final one. It is handed out on a
final chunk of its own, made at ``[DONE]``, that also carries the finish reason, the safety
flag and the quota figures. Chunks that carry nothing but usage are not handed out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from wenxin_core import jsonsafe
from wenxin_core.catalog import ModelSpec
from wenxin_core.errors import WenxinError
from wenxin_core.redact import redact_url
from wenxin_core.request import request_id_of
from wenxin_core.sse import DEFAULT_MAX_EVENT_SIZE, DONE
from wenxin_core.types import ChatChunk, ChatCompletion, ToolCall, ToolCallDelta, Usage
from wenxin_core.wire.base import EventReader
from wenxin_core.wire.v2.errors import error_from_payload, rate_limits_of

__all__ = ["V2EventReader", "parse_completion", "usage_of"]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def usage_of(raw: Any) -> Usage | None:
    """The neutral usage of a V2 ``usage`` object (``None`` for ``null`` or no object)."""
    if not isinstance(raw, Mapping):
        return None
    prompt = _int(raw.get("prompt_tokens"))
    completion = _int(raw.get("completion_tokens"))
    total = _int(raw.get("total_tokens")) or prompt + completion
    usage = Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=total)
    prompt_details = raw.get("prompt_tokens_details")
    if isinstance(prompt_details, Mapping):
        usage.cached_tokens = _opt_int(prompt_details.get("cached_tokens"))
        usage.search_tokens = _opt_int(prompt_details.get("search_tokens"))
    completion_details = raw.get("completion_tokens_details")
    if isinstance(completion_details, Mapping):
        usage.reasoning_tokens = _opt_int(completion_details.get("reasoning_tokens"))
    return usage


def _tool_calls(raw: Any) -> list[ToolCall]:
    calls: list[ToolCall] = []
    if not isinstance(raw, list):
        return calls
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        function = item.get("function")
        function = function if isinstance(function, Mapping) else {}
        arguments = function.get("arguments")
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
        calls.append(
            ToolCall(
                id=str(item.get("id") or ""),
                name=str(function.get("name") or ""),
                arguments=arguments,
            )
        )
    return calls


def _deltas(raw: Any) -> list[ToolCallDelta]:
    deltas: list[ToolCallDelta] = []
    if not isinstance(raw, list):
        return deltas
    for position, item in enumerate(raw):
        if not isinstance(item, Mapping):
            continue
        function = item.get("function")
        function = function if isinstance(function, Mapping) else {}
        arguments = function.get("arguments")
        if arguments is not None and not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False)
        index = item.get("index")
        deltas.append(
            ToolCallDelta(
                index=index if isinstance(index, int) else position,
                id=item.get("id") or None,
                name=function.get("name") or None,
                arguments=arguments,
            )
        )
    return deltas


def _search_results(obj: Mapping[str, Any], choice: Mapping[str, Any]) -> Any:
    found = obj.get("search_results", choice.get("search_results"))
    return found if isinstance(found, list) else None


def parse_completion(response: httpx.Response, content: bytes, spec: ModelSpec) -> ChatCompletion:
    """Parse a successful V2 ``chat.completion`` body.

    Raises:
        WenxinError: the body is not a chat completion.

    """
    try:
        obj = jsonsafe.loads(content, what="chat answer", status_code=response.status_code)
        choice = obj["choices"][0]
        message = choice.get("message") or {}
        if type(message) is not dict and not isinstance(message, Mapping):
            raise TypeError("message is not an object")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise WenxinError(
            f"Unexpected response from {redact_url(response.request.url)}: not a chat "
            f"completion ({type(exc).__name__})",
            status_code=response.status_code,
            request_id=request_id_of(response),
        ) from None
    text = message.get("content")
    reasoning = message.get("reasoning_content")
    flag = choice.get("flag")
    ban_round = choice.get("ban_round")
    return ChatCompletion(
        text=text if isinstance(text, str) else "",
        reasoning=reasoning if isinstance(reasoning, str) and reasoning else None,
        tool_calls=_tool_calls(message.get("tool_calls")),
        finish_reason=choice.get("finish_reason") or "stop",
        flag=flag if isinstance(flag, int) else 0,
        ban_round=ban_round if isinstance(ban_round, int) else None,
        usage=usage_of(obj.get("usage")),
        id=str(obj.get("id") or ""),
        model=str(obj.get("model") or spec.name),
        request_id=request_id_of(response) or obj.get("id") or None,
        search_results=_search_results(obj, choice),
        rate_limits=rate_limits_of(response),
        raw=obj,
    )


class V2EventReader(EventReader):
    """Reads a V2 SSE stream: chunks out, one final chunk with the usage at ``[DONE]``."""

    end_marker = "data: [DONE]"

    def __init__(
        self,
        response: httpx.Response,
        spec: ModelSpec,
        *,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        super().__init__(response, spec, max_event_size=max_event_size)
        self._usage: Usage | None = None
        self._finish: str | None = None
        self._flag = 0
        self._ban_round: int | None = None
        self._id = ""
        self._model = spec.name
        self._search: list[dict[str, Any]] | None = None

    def _chunks(self, payloads: list[str]) -> list[ChatChunk]:
        out: list[ChatChunk] = []
        for payload in payloads:
            if self.done:
                break
            if payload.strip() == DONE:
                self.done = True
                out.append(self._final())
                break
            try:
                obj = jsonsafe.loads(payload, what="stream event", status_code=self._status)
            except ValueError as exc:  # the decoding error keeps the event: not chained
                raise self.interrupted(f"an event was not JSON ({exc})") from None
            if not isinstance(obj, dict):
                raise self.interrupted("an event was not a JSON object")
            if "error" in obj and "choices" not in obj:
                raise error_from_payload(obj, status_code=self._status, request_id=self._request_id)
            chunk = self._chunk(obj)
            if chunk is not None:
                out.append(chunk)
        return out

    def _chunk(self, obj: dict[str, Any]) -> ChatChunk | None:
        self.count += 1
        chunk_id = obj.get("id")
        if chunk_id:
            self._id = self.last_id = str(chunk_id)
        model = obj.get("model")
        if isinstance(model, str) and model:
            self._model = model
        usage = obj.get("usage")
        if usage is not None:
            self._usage = usage_of(usage) or self._usage
        search = obj.get("search_results")
        if isinstance(search, list):
            self._search = search
        choices = obj.get("choices")
        if not choices or not isinstance(choices, list):
            return None  # a usage-only chunk: its figures go on the final chunk
        choice = choices[0]
        if not isinstance(choice, Mapping):
            return None
        delta = choice.get("delta") or {}
        finish = choice.get("finish_reason")
        if finish:
            self._finish = str(finish)
        flag = choice.get("flag")
        ban_round = choice.get("ban_round")
        if isinstance(flag, int) and flag >= self._flag:
            self._flag = flag
            if isinstance(ban_round, int):
                self._ban_round = ban_round
        text = delta.get("content") if isinstance(delta, Mapping) else None
        reasoning = delta.get("reasoning_content") if isinstance(delta, Mapping) else None
        calls = delta.get("tool_calls") if isinstance(delta, Mapping) else None
        text = text if isinstance(text, str) else ""
        if text:
            self.parts.append(text)
        return ChatChunk(
            text=text,
            reasoning=reasoning if isinstance(reasoning, str) else "",
            tool_calls=_deltas(calls) if calls else [],
            finish_reason=str(finish) if finish else None,
            flag=flag if isinstance(flag, int) else 0,
            ban_round=ban_round if isinstance(ban_round, int) else None,
            id=self._id,
            model=self._model,
            request_id=self._request_id or self._id or None,
            raw=obj,
        )

    def _final(self) -> ChatChunk:
        return ChatChunk(
            finish_reason=self._finish or "stop",
            flag=self._flag,
            ban_round=self._ban_round,
            usage=self._usage,
            is_final=True,
            id=self._id,
            model=self._model,
            request_id=self._request_id or self._id or None,
            search_results=self._search,
            rate_limits=rate_limits_of(self._response),
        )
