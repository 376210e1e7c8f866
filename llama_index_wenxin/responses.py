"""Core answers -> LlamaIndex ``ChatResponse`` / ``CompletionResponse``.

Only the core's neutral fields are read (:class:`~wenxin_core.types.ChatCompletion`,
:class:`~wenxin_core.types.ChatChunk`), whatever the wire protocol.

The assistant message holds, in order, a ``ThinkingBlock`` with the reasoning text (when the
model sent any), a ``TextBlock`` with the answer, and a ``ToolCallBlock`` per tool call; its
``additional_kwargs`` repeat the reasoning as ``reasoning_content`` and the calls as
``tool_calls`` in the OpenAI shape (``{"id", "type": "function", "function": {"name",
"arguments"}}``), as llama-index-llms-openai does.

The response's ``additional_kwargs`` (see :func:`answer_kwargs`) carry the token counts
(``prompt_tokens``, ``completion_tokens``, ``total_tokens`` and, when the service reports them,
``cached_tokens``, ``reasoning_tokens``, ``search_tokens``), ``finish_reason``, the safety
``flag`` and ``ban_round``, ``id``, ``model``, ``request_id``, ``rate_limits`` and
``search_results``. ``raw`` is the service's JSON as received.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    ContentBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from llama_index_wenxin._trusted import plain_model, trusted
from wenxin_core.types import ChatChunk, ChatCompletion, ToolCall, Usage

__all__ = [
    "answer_kwargs",
    "assistant_message",
    "chat_response",
    "openai_tool_call",
    "to_completion_response",
    "usage_dict",
    "usage_kwargs",
]

_DETAILS = ("cached_tokens", "reasoning_tokens", "search_tokens")

_ASSISTANT = MessageRole.ASSISTANT
"""Read once (an ``Enum`` class attribute read makes a method-wrapper object)."""

_MESSAGE_SET = frozenset({"role", "additional_kwargs", "blocks"})
_TEXT_SET = frozenset({"text"})
_RESPONSE_SET = frozenset({"message", "raw", "delta", "additional_kwargs"})

_MESSAGE_TRUSTED = plain_model(
    ChatMessage,
    ("role", "additional_kwargs", "blocks"),
    validators=frozenset({"legacy_additional_kwargs_image"}),  # moves legacy images: none here
)
_TEXT_TRUSTED = plain_model(TextBlock, ("block_type", "text"))
_RESPONSE_TRUSTED = plain_model(
    ChatResponse, ("message", "raw", "delta", "logprobs", "additional_kwargs")
)


def usage_kwargs(usage: Usage | None) -> dict[str, int]:
    """The token counts of ``usage``, flat, with the details the service gave."""
    if usage is None:
        return {}
    counts = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }
    for name in _DETAILS:
        value = getattr(usage, name)
        if value is not None:
            counts[name] = value
    return counts


def usage_dict(usage: Usage) -> dict[str, Any]:
    """``usage`` in the OpenAI shape (``*_tokens_details`` only when the service sent any)."""
    body: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }
    prompt_details = {
        name: value
        for name in ("cached_tokens", "search_tokens")
        if (value := getattr(usage, name)) is not None
    }
    if prompt_details:
        body["prompt_tokens_details"] = prompt_details
    if usage.reasoning_tokens is not None:
        body["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return body


def answer_kwargs(answer: ChatCompletion | ChatChunk) -> dict[str, Any]:
    """What a whole answer (or a stream's final chunk) says besides its text."""
    extra: dict[str, Any] = {
        "finish_reason": answer.finish_reason,
        "flag": answer.flag,
        "ban_round": answer.ban_round,
        "id": answer.id,
        "model": answer.model,
        "request_id": answer.request_id,
    }
    extra.update(usage_kwargs(answer.usage))
    if answer.rate_limits is not None:
        extra["rate_limits"] = answer.rate_limits.as_dict()
    if answer.search_results:
        extra["search_results"] = answer.search_results
    return extra


def openai_tool_call(call_id: str | None, name: str, arguments: str) -> dict[str, Any]:
    """A tool call in the OpenAI shape llama-index-llms-openai stores."""
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def assistant_message(
    text: str,
    reasoning: str | None = None,
    tool_calls: list[ToolCall] | None = None,
    reasoning_tokens: int | None = None,
) -> ChatMessage:
    """The assistant's ``ChatMessage``: thinking, text and tool-call blocks.

    This runs once per answer and once per stream chunk. The text block and the message are
    built from their values (:func:`~llama_index_wenxin._trusted.trusted`): ``ChatMessage``
    validates through a Python ``__init__`` (its legacy ``content``) and an after-validator
    (legacy ``images`` in ``additional_kwargs``), which neither block list nor these
    ``additional_kwargs`` need, so this gives the message validation gives (same fields, same
    fields set) in a fraction of the time. The other blocks are validated.
    """
    blocks: list[ContentBlock] = []
    extra: dict[str, Any] = {}
    if reasoning:
        blocks.append(ThinkingBlock(content=reasoning, num_tokens=reasoning_tokens))
        extra["reasoning_content"] = reasoning
    blocks.append(_text_block(text))
    if tool_calls:
        for call in tool_calls:
            blocks.append(
                ToolCallBlock(tool_call_id=call.id, tool_name=call.name, tool_kwargs=call.arguments)
            )
        extra["tool_calls"] = [openai_tool_call(c.id, c.name, c.arguments) for c in tool_calls]
    values: dict[str, Any] = {
        "role": _ASSISTANT,
        "additional_kwargs": extra,
        "blocks": blocks,
    }
    if not _MESSAGE_TRUSTED:
        return ChatMessage.model_construct(**values)
    return trusted(ChatMessage, values, _MESSAGE_SET)


def _text_block(text: str) -> TextBlock:
    """``TextBlock(text=text)`` for the answer's text (a ``str``, which validation keeps)."""
    if not _TEXT_TRUSTED or type(text) is not str:
        return TextBlock(text=text)
    return trusted(TextBlock, {"block_type": "text", "text": text}, _TEXT_SET)


def chat_response(completion: ChatCompletion) -> ChatResponse:
    """A ``ChatResponse`` for one whole (non-stream) answer."""
    usage = completion.usage
    message = assistant_message(
        completion.text,
        completion.reasoning,
        completion.tool_calls,
        usage.reasoning_tokens if usage is not None else None,
    )
    extra = answer_kwargs(completion)
    if not _RESPONSE_TRUSTED:
        return ChatResponse(
            message=message, raw=completion.raw, delta=None, additional_kwargs=extra
        )
    values = {
        "message": message,
        "raw": completion.raw,
        "delta": None,
        "logprobs": None,
        "additional_kwargs": extra,
    }
    return trusted(ChatResponse, values, _RESPONSE_SET)


def to_completion_response(response: ChatResponse) -> CompletionResponse:
    """The ``CompletionResponse`` twin of a ``ChatResponse``.

    Same text, delta and raw; ``additional_kwargs`` holds the response's and the message's
    (``reasoning_content``, ``tool_calls``), since a completion has no message.
    """
    message = response.message
    extra = {**message.additional_kwargs, **response.additional_kwargs}
    return CompletionResponse(
        text=message.content or "",
        delta=response.delta,
        raw=response.raw,
        additional_kwargs=extra,
    )
