"""Wire formats: JSON bodies, SSE events, ids and response headers as the service sends them."""

from __future__ import annotations

import json
import random
import string
import time
from typing import Any

from wenxin_core.emulator.replies import Reply, char_counts, split_pieces, tokens_from_counts

__all__ = [
    "JSON_CONTENT_TYPE",
    "REQUEST_ID_HEADER",
    "SSE_CONTENT_TYPE",
    "Headers",
    "completion_body",
    "dumps",
    "error_body",
    "json_headers",
    "new_completion_id",
    "new_request_id",
    "sse_event",
    "sse_headers",
    "stream_events",
]

JSON_CONTENT_TYPE = b"application/json;charset=utf-8"
"""The Content-Type of JSON answers (replies and errors, also when ``stream`` was true)."""

SSE_CONTENT_TYPE = b"text/event-stream;charset=utf-8"
"""The Content-Type of a stream."""

REQUEST_ID_HEADER = "X-Baidu-Request-Id"
"""The response header carrying the service's request id."""

Headers = list[tuple[bytes, bytes]]
"""ASGI response headers."""

_ALNUM = string.ascii_lowercase + string.digits
_rng = random.Random()


def new_completion_id() -> str:
    """A body ``id`` like the service's: ``"as-"`` and 10 lowercase letters or digits."""
    return "as-" + "".join(_rng.choices(_ALNUM, k=10))


def new_request_id() -> str:
    """A request id for the ``X-Baidu-Request-Id`` header (hex, like the service's)."""
    return f"{_rng.getrandbits(156):039x}"


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, non-ASCII kept as is (as the service writes it)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _common(request_id: str) -> Headers:
    return [
        (REQUEST_ID_HEADER.lower().encode(), request_id.encode()),
        (b"statement", b"AI-generated"),
        (b"x-openapi-server-timestamp", str(int(time.time())).encode()),
    ]


def json_headers(request_id: str, length: int) -> Headers:
    """Headers of a JSON answer of ``length`` bytes."""
    return [
        (b"content-type", JSON_CONTENT_TYPE),
        (b"content-length", str(length).encode()),
        *_common(request_id),
    ]


def sse_headers(request_id: str) -> Headers:
    """Headers of a stream."""
    return [
        (b"content-type", SSE_CONTENT_TYPE),
        (b"cache-control", b"no-cache"),
        *_common(request_id),
    ]


def error_body(code: int, message: str, completion_id: str | None = None) -> dict[str, Any]:
    """A Qianfan error body."""
    return {
        "error_code": code,
        "error_msg": message,
        "id": completion_id or new_completion_id(),
    }


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def completion_body(
    reply: Reply,
    *,
    completion_id: str,
    ernie: bool,
    flagged: bool = False,
) -> dict[str, Any]:
    """The body of a non-stream reply."""
    body: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "result": reply.text,
        "is_truncated": reply.is_truncated,
        "need_clear_history": flagged,
    }
    if flagged:
        body["ban_round"] = -1
    if ernie:
        body["finish_reason"] = "content_filter" if flagged else reply.finish_reason
    body["usage"] = _usage(reply.prompt_tokens, reply.completion_tokens)
    return body


def stream_events(
    reply: Reply,
    *,
    completion_id: str,
    ernie: bool,
    usage_style: str,
    flagged: bool = False,
) -> list[dict[str, Any]]:
    """The events of a stream, one per sentence; ``is_end`` on the last.

    Usage: ``prompt_tokens`` on every event; ``per_event`` gives each event's completion count
    and a cumulative total, ``final_only`` gives 0 until the final event. Either way the final
    event's ``total_tokens - prompt_tokens`` is the reply's completion count.
    """
    pieces = [""] if flagged else split_pieces(reply.text)
    created = int(time.time())
    prompt = reply.prompt_tokens
    events: list[dict[str, Any]] = []
    done = 0
    cjk = other = 0
    last = len(pieces) - 1
    for index, piece in enumerate(pieces):
        piece_cjk, piece_other = char_counts(piece)
        cjk += piece_cjk
        other += piece_other
        cumulative = tokens_from_counts(cjk, other)
        is_end = index == last
        if usage_style == "final_only":
            completion = cumulative if is_end else 0
            total = prompt + completion
        else:
            completion = cumulative - done
            total = prompt + cumulative
        done = cumulative
        event: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "sentence_id": index,
            "is_end": is_end,
            "is_truncated": reply.is_truncated and is_end,
            "result": piece,
            "need_clear_history": flagged,
        }
        if flagged:
            event["ban_round"] = -1
        if ernie:
            if flagged:
                event["finish_reason"] = "content_filter"
            else:
                event["finish_reason"] = reply.finish_reason if is_end else "normal"
        event["usage"] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": total,
        }
        events.append(event)
    return events


def sse_event(event: dict[str, Any]) -> bytes:
    """One SSE frame: ``data: {json}`` and a blank line."""
    return b"data: " + dumps(event) + b"\n\n"
