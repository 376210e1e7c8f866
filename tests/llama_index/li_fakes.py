"""A scripted Qianfan V2 service on ``httpx.MockTransport`` for the tool tests (no network).

Each chat request takes the next scripted answer: text, tool calls, or both. Streams send the
text in pieces and every call's arguments in fragments of ``fragment`` characters (id and name
on a call's first fragment only), optionally interleaving the calls' fragments, then a usage
chunk and ``[DONE]``. Every request body is kept in ``requests``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from llama_index_wenxin import Wenxin

__all__ = ["BASE_URL", "Answer", "FakeQianfan", "call"]

BASE_URL = "https://qianfan.fake/v2"
"""Where the fake service answers (never a real host: the transport is a mock)."""


def call(call_id: str, name: str, arguments: Any) -> dict[str, Any]:
    """A tool call in the V2 wire shape (``arguments``: a mapping is JSON-encoded)."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": text}}


@dataclass
class Answer:
    """One scripted answer."""

    content: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


def _chunk(delta: dict[str, Any], finish: str | None = None, usage: Any = None) -> bytes:
    body = {
        "id": "as-fake",
        "object": "chat.completion.chunk",
        "created": 1767225600,
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "flag": 0}],
        "usage": usage,
    }
    return b"data: " + json.dumps(body, ensure_ascii=False).encode() + b"\n\n"


_USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


class FakeQianfan:
    """The scripted service.

    Args:
        fragment: characters of arguments per streamed fragment.
        interleave: stream the calls' fragments round-robin instead of one call after another.

    """

    def __init__(self, fragment: int = 3, interleave: bool = False) -> None:
        self.answers: list[Answer] = []
        self.requests: list[dict[str, Any]] = []
        self.fragment = fragment
        self.interleave = interleave

    def script(self, *answers: Answer) -> None:
        """Queue answers for the next requests (a request with none queued gets ``"ok"``)."""
        self.answers.extend(answers)

    def _next(self) -> Answer:
        return self.answers.pop(0) if self.answers else Answer(content="ok")

    def _json(self, answer: Answer) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": answer.content}
        if answer.tool_calls:
            message["tool_calls"] = answer.tool_calls
        return {
            "id": "as-fake",
            "object": "chat.completion",
            "created": 1767225600,
            "model": "fake",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if answer.tool_calls else "stop",
                    "flag": 0,
                }
            ],
            "usage": _USAGE,
        }

    def _fragments(self, answer: Answer) -> list[dict[str, Any]]:
        per_call: list[list[dict[str, Any]]] = []
        for index, item in enumerate(answer.tool_calls):
            arguments = item["function"]["arguments"]
            pieces = [
                arguments[i : i + self.fragment] for i in range(0, len(arguments), self.fragment)
            ]
            first = {
                "index": index,
                "id": item["id"],
                "type": "function",
                "function": {"name": item["function"]["name"], "arguments": ""},
            }
            rest = [{"index": index, "function": {"arguments": p}} for p in pieces]
            per_call.append([first, *rest])
        if not self.interleave:
            return [d for deltas in per_call for d in deltas]
        out: list[dict[str, Any]] = []
        while any(per_call):
            for deltas in per_call:
                if deltas:
                    out.append(deltas.pop(0))
        return out

    def _sse(self, answer: Answer) -> bytes:
        parts = [_chunk({"role": "assistant", "content": ""})]
        text = answer.content
        parts += [_chunk({"content": text[i : i + 4]}) for i in range(0, len(text), 4)]
        parts += [_chunk({"tool_calls": [d]}) for d in self._fragments(answer)]
        parts.append(_chunk({}, "tool_calls" if answer.tool_calls else "stop"))
        parts.append(_chunk({}, None, _USAGE))
        return b"".join(parts) + b"data: [DONE]\n\n"

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The mock transport's handler."""
        body = json.loads(request.content)
        self.requests.append(body)
        answer = self._next()
        if body.get("stream"):
            return httpx.Response(
                200, content=self._sse(answer), headers={"content-type": "text/event-stream"}
            )
        return httpx.Response(200, json=self._json(answer))

    def llm(self, model: str = "deepseek-v3.2", **kwargs: Any) -> Wenxin:
        """A ``Wenxin`` on this service (sync and async clients on the mock transport)."""
        return Wenxin(
            model=model,
            api_key="fake-key",
            base_url=BASE_URL,
            max_retries=0,
            http_client=httpx.Client(transport=httpx.MockTransport(self.handle)),
            async_http_client=httpx.AsyncClient(transport=httpx.MockTransport(self.handle)),
            **kwargs,
        )

    def sent_roles(self, index: int = -1) -> Sequence[str]:
        """The roles of one request's messages."""
        return [m["role"] for m in self.requests[index]["messages"]]
