"""A scripted V2 service on ``httpx.MockTransport`` for the tool tests (no network).

:class:`FakeV2` answers each request with the next scripted reply (a JSON answer, or an SSE
stream of chunks) and keeps every request body, so tests can check what was sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from langchain_wenxin import ChatWenxin

__all__ = ["FakeV2", "answer", "call", "chunk", "stream_body"]


def call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    """One V2 tool call of an answer (``arguments``: the JSON text as the service sends it)."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def answer(
    content: str = "", tool_calls: Sequence[dict[str, Any]] = (), finish: str | None = None
) -> dict[str, Any]:
    """A V2 ``chat.completion`` body (``finish`` defaults to ``tool_calls`` when there are)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = list(tool_calls)
    return {
        "id": "as-fake",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "deepseek-v3.2",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish or ("tool_calls" if tool_calls else "stop"),
                "flag": 0,
                "ban_round": -1,
                "message": message,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def chunk(
    *,
    content: str | None = None,
    tool_calls: Sequence[dict[str, Any]] | None = None,
    finish: str | None = None,
    usage: bool = False,
) -> dict[str, Any]:
    """A V2 ``chat.completion.chunk`` (``tool_calls``: the delta's raw entries)."""
    delta: dict[str, Any] = {}
    if content is not None:
        delta["content"] = content
    if tool_calls is not None:
        delta["tool_calls"] = list(tool_calls)
    body: dict[str, Any] = {
        "id": "as-fake",
        "object": "chat.completion.chunk",
        "created": 1767225600,
        "model": "deepseek-v3.2",
        "choices": [
            {"index": 0, "delta": delta, "finish_reason": finish, "flag": 0, "ban_round": -1}
        ],
        "usage": None,
    }
    if usage:
        body["usage"] = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    return body


def stream_body(chunks: Sequence[dict[str, Any]]) -> bytes:
    """The SSE body of ``chunks``, ended by ``data: [DONE]``."""
    events = [f"data: {json.dumps(c, ensure_ascii=False)}\n\n" for c in chunks]
    return ("".join(events) + "data: [DONE]\n\n").encode()


@dataclass
class FakeV2:
    """A scripted V2 chat service: replies are used in order, requests are kept.

    Attributes:
        replies: JSON answers (dicts) or SSE streams (lists of chunk dicts), in order; the last
            one is reused once the others are used.
        bodies: the JSON body of every request received.

    """

    replies: list[dict[str, Any] | list[dict[str, Any]]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        reply = self.replies[min(len(self.bodies) - 1, len(self.replies) - 1)]
        if isinstance(reply, list):
            return httpx.Response(
                200, content=stream_body(reply), headers={"content-type": "text/event-stream"}
            )
        return httpx.Response(200, json=reply)

    def llm(self, model: str = "deepseek-v3.2", **kwargs: Any) -> ChatWenxin:
        """A ChatWenxin whose sync and async clients talk to this fake."""
        return ChatWenxin(
            model=model,
            api_key="test-key",
            base_url="http://fake.test/v2",
            max_retries=0,
            http_client=httpx.Client(transport=httpx.MockTransport(self._handle)),
            http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(self._handle)),
            **kwargs,
        )

    @property
    def last(self) -> dict[str, Any]:
        """The body of the last request."""
        return self.bodies[-1]
