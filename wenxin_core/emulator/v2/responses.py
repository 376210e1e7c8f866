"""V2 wire bodies: ``chat.completion``, ``chat.completion.chunk`` and their usage, SSE frames."""

from __future__ import annotations

from typing import Any

from wenxin_core.emulator.replies import char_counts, split_pieces, tokens_from_counts
from wenxin_core.emulator.responses import dumps
from wenxin_core.emulator.v2.replies import V2Reply
from wenxin_core.emulator.v2.tool_stream import message_tool_calls, tool_call_fragments

__all__ = ["DONE_FRAME", "completion_body", "sse_frame", "stream_chunks", "usage_body"]

DONE_FRAME = b"data: [DONE]\n\n"
"""The frame that ends every complete V2 stream."""


def usage_body(prompt: int, completion: int, reasoning: int) -> dict[str, Any]:
    """A V2 usage object with its token details (no cache and no search in the emulator)."""
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "search_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }


def _final_usage(reply: V2Reply) -> dict[str, Any]:
    return usage_body(reply.prompt_tokens, reply.completion_tokens, reply.reasoning_tokens)


def completion_body(
    reply: V2Reply, *, completion_id: str, model: str, created: int
) -> dict[str, Any]:
    """The body of a non-stream reply."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.reasoning:
        message["reasoning_content"] = reply.reasoning
    if reply.tool_calls:
        message["tool_calls"] = message_tool_calls(reply.tool_calls)
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": reply.finish_reason,
                "flag": reply.flag,
                "ban_round": reply.ban_round,
            }
        ],
        "usage": _final_usage(reply),
    }


def _deltas(reply: V2Reply, tool_style: str) -> list[tuple[str, Any]]:
    """``(field, value)`` of every content chunk.

    Reasoning pieces first, then the text pieces (or the tool-call fragments).
    """
    pieces: list[tuple[str, Any]] = []
    if reply.reasoning:
        pieces.extend(("reasoning_content", p) for p in split_pieces(reply.reasoning))
    if reply.tool_calls:
        fragments = tool_call_fragments(reply.tool_calls, tool_style)
        pieces.extend(("tool_calls", [f]) for f in fragments)
    else:
        pieces.extend(("content", p) for p in split_pieces(reply.text))
    return pieces


def _fragment_text(value: Any) -> str:
    function = value[0].get("function", {})
    return str(function.get("name", "")) + str(function.get("arguments", ""))


class _Cumulative:
    """Completion tokens so far, counted as the whole texts are (pieces add up exactly)."""

    def __init__(self) -> None:
        self._counts = {"reasoning_content": [0, 0], "content": [0, 0], "tool_calls": [0, 0]}

    def add(self, field: str, value: Any) -> None:
        cjk, other = char_counts(_fragment_text(value) if field == "tool_calls" else value)
        self._counts[field][0] += cjk
        self._counts[field][1] += other

    def usage(self, prompt: int) -> dict[str, Any]:
        reasoning = tokens_from_counts(*self._counts["reasoning_content"])
        content = tokens_from_counts(*self._counts["content"])
        calls = tokens_from_counts(*self._counts["tool_calls"])
        return usage_body(prompt, reasoning + content + calls, reasoning)


def stream_chunks(
    reply: V2Reply,
    *,
    completion_id: str,
    model: str,
    created: int,
    include_usage: bool,
    chunk_include_usage: bool,
    usage_on_last_chunk: bool,
    tool_style: str = "fragmented",
) -> list[dict[str, Any]]:
    """The chunks of a stream (without ``[DONE]``), one per sentence or tool-call fragment.

    ``tool_style`` is ``fragmented`` or ``whole`` (:mod:`~wenxin_core.emulator.v2.tool_stream`).

    Usage: ``chunk_include_usage`` puts the cumulative usage on every chunk. ``include_usage``
    adds a last chunk with empty ``choices`` and the usage, or, with ``usage_on_last_chunk``,
    puts the usage on the last content chunk instead. Otherwise ``usage`` is ``null``.
    """
    deltas = _deltas(reply, tool_style)
    last = len(deltas) - 1
    counted = _Cumulative()
    chunks: list[dict[str, Any]] = []
    for index, (field, piece) in enumerate(deltas):
        delta: dict[str, Any] = {field: piece}
        if index == 0:
            delta = {"role": "assistant", **delta}
        counted.add(field, piece)
        usage: dict[str, Any] | None = None
        if chunk_include_usage:
            usage = counted.usage(reply.prompt_tokens)
        elif include_usage and usage_on_last_chunk and index == last:
            usage = _final_usage(reply)
        choice = {
            "index": 0,
            "delta": delta,
            "finish_reason": reply.finish_reason if index == last else None,
            "flag": reply.flag,
            "ban_round": reply.ban_round,
        }
        chunks.append(_chunk(completion_id, model, created, [choice], usage))
    if include_usage and not usage_on_last_chunk:
        chunks.append(_chunk(completion_id, model, created, [], _final_usage(reply)))
    return chunks


def _chunk(
    completion_id: str,
    model: str,
    created: int,
    choices: list[dict[str, Any]],
    usage: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": choices,
        "usage": usage,
    }


def sse_frame(chunk: dict[str, Any]) -> bytes:
    """One SSE frame: ``data: {json}`` and a blank line."""
    return b"data: " + dumps(chunk) + b"\n\n"
