"""Core completions and stream chunks -> LlamaIndex ``ChatResponse`` / ``CompletionResponse``.

``raw`` is the parsed response as a dict (``ChatCompletion.model_dump()``, with its ``usage``);
``additional_kwargs`` carries ``prompt_tokens``, ``completion_tokens`` and ``total_tokens``.
In a stream, every response carries its ``delta``; only the last one (the service's ``is_end``
event) carries usage in ``additional_kwargs``, and its ``raw["usage"]`` is the stream's final
usage. ``TokenCountingHandler`` reads exactly that last response, so it records the server's
numbers once per call.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    MessageRole,
)

from wenxin_core.types import ChatCompletion, ChatCompletionChunk, Usage

__all__ = ["chat_response", "stream_chat_response", "to_completion_response", "usage_kwargs"]


def usage_kwargs(usage: Usage | None) -> dict[str, Any]:
    """The token counts of ``usage`` as ``additional_kwargs`` (empty when there is none)."""
    if usage is None:
        return {}
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def chat_response(completion: ChatCompletion) -> ChatResponse:
    """A ``ChatResponse`` for one complete (non-stream) answer."""
    return ChatResponse(
        message=ChatMessage(role=MessageRole.ASSISTANT, content=completion.result),
        raw=completion.model_dump(),
        additional_kwargs=usage_kwargs(completion.usage),
    )


def stream_chat_response(
    chunk: ChatCompletionChunk, text: str, final_usage: Usage | None = None
) -> ChatResponse:
    """A ``ChatResponse`` for one stream event.

    Args:
        chunk: the event; its ``result`` is the delta.
        text: the text so far, this event's delta included.
        final_usage: on the last event, the stream's final usage (it replaces ``raw["usage"]``
            and fills ``additional_kwargs``); ``None`` on earlier events.

    """
    raw = chunk.model_dump()
    extra: dict[str, Any] = {}
    if final_usage is not None:
        raw["usage"] = final_usage.model_dump()
        extra = usage_kwargs(final_usage)
    return ChatResponse(
        message=ChatMessage(role=MessageRole.ASSISTANT, content=text),
        raw=raw,
        delta=chunk.result,
        additional_kwargs=extra,
    )


def to_completion_response(response: ChatResponse) -> CompletionResponse:
    """The ``CompletionResponse`` twin of a ``ChatResponse`` (same text, delta, raw, usage)."""
    return CompletionResponse(
        text=response.message.content or "",
        delta=response.delta,
        raw=response.raw,
        additional_kwargs=dict(response.additional_kwargs),
    )
