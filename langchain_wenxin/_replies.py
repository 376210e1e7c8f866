"""LangChain messages from the core's answers: text, reasoning, tool calls and metadata.

- text -> ``content``;
- reasoning -> ``additional_kwargs["reasoning_content"]`` (where langchain-core's
  ``content_blocks`` finds it, so ``output_version="v1"`` gives a ``reasoning`` block first);
- tool calls -> ``tool_calls`` (arguments parsed from JSON; text that is not a JSON object
  -> ``invalid_tool_calls`` with the error), and in streams ``tool_call_chunks`` by ``index``;
- usage and response metadata (:mod:`langchain_wenxin._metadata`): on an answer, and on the
  final chunk of a stream only (so they are counted once when chunks are added up), which is
  also marked ``chunk_position="last"``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
)
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_wenxin._construct import construct
from langchain_wenxin._metadata import response_metadata, usage_metadata
from wenxin_core import types as core

__all__ = [
    "REASONING_KEY",
    "ai_message",
    "chat_generation",
    "chat_result",
    "generation_chunk",
    "parse_tool_calls",
]

REASONING_KEY = "reasoning_content"
"""The ``additional_kwargs`` key of the reasoning text (as langchain-deepseek, Groq, Ollama)."""


def parse_tool_calls(calls: list[core.ToolCall]) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """Split the core's tool calls into parsed calls and the ones whose arguments are invalid."""
    good: list[ToolCall] = []
    bad: list[InvalidToolCall] = []
    for call in calls:
        text = call.arguments or "{}"
        try:
            args: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            bad.append(
                invalid_tool_call(
                    name=call.name, args=text, id=call.id, error=f"invalid JSON: {exc}"
                )
            )
            continue
        if not isinstance(args, dict):
            bad.append(
                invalid_tool_call(
                    name=call.name,
                    args=text,
                    id=call.id,
                    error=f"arguments must be a JSON object, got {type(args).__name__}",
                )
            )
            continue
        good.append(tool_call(name=call.name, args=args, id=call.id))
    return good, bad


_TOOL_CALL_KEYS = tuple(ToolCall.__annotations__)
_INVALID_TOOL_CALL_KEYS = tuple(InvalidToolCall.__annotations__)


def _in_order(call: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """``call`` with its keys in ``keys``' order (a TypedDict's, as pydantic validates it)."""
    return {key: call[key] for key in keys if key in call}


def _validated_calls(
    calls: list[core.ToolCall],
) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """:func:`parse_tool_calls`, each dict's keys in its TypedDict's order, as validation gives."""
    good, bad = parse_tool_calls(calls)
    return (
        [cast("ToolCall", _in_order(call, _TOOL_CALL_KEYS)) for call in good],
        [cast("InvalidToolCall", _in_order(call, _INVALID_TOOL_CALL_KEYS)) for call in bad],
    )


_AI_SET = frozenset(
    {
        "content",
        "additional_kwargs",
        "tool_calls",
        "invalid_tool_calls",
        "id",
        "usage_metadata",
        "response_metadata",
    }
)
"""The fields an answer's ``AIMessage(...)`` is given, hence its set fields."""


def ai_message(completion: core.ChatCompletion, model_name: str) -> AIMessage:
    """The ``AIMessage`` of a complete answer (``model_name``: the label when none is sent).

    Built unvalidated (:func:`~langchain_wenxin._construct.construct`): every field is ours and
    already of its type (the tool calls are ``tool_call`` / ``invalid_tool_call`` dicts, as
    ``AIMessage``'s own validator would remake them), so it equals the validated message field
    for field, set fields included (the tests compare both).
    """
    extra: dict[str, Any] = {REASONING_KEY: completion.reasoning} if completion.reasoning else {}
    good, bad = _validated_calls(completion.tool_calls) if completion.tool_calls else ([], [])
    values = {
        "content": completion.text,
        "additional_kwargs": extra,
        "response_metadata": response_metadata(completion, model_name),
        "type": "ai",
        "name": None,
        "id": completion.id or None,
        "tool_calls": good,
        "invalid_tool_calls": bad,
        "usage_metadata": usage_metadata(completion.usage),
    }
    return construct(AIMessage, values, set(_AI_SET))


def _tool_call_chunks(deltas: list[core.ToolCallDelta]) -> list[ToolCallChunk]:
    return [tool_call_chunk(name=d.name, args=d.arguments, id=d.id, index=d.index) for d in deltas]


def generation_chunk(chunk: core.ChatChunk, model_name: str) -> ChatGenerationChunk:
    """The LangChain chunk of one core chunk; the final one carries usage and metadata."""
    if not (chunk.is_final or chunk.reasoning or chunk.tool_calls):
        # The common case, kept to the fewest fields (one of these is built per token).
        return ChatGenerationChunk(message=AIMessageChunk(content=chunk.text, id=chunk.id or None))
    fields: dict[str, Any] = {"content": chunk.text, "id": chunk.id or None}
    if chunk.reasoning:
        fields["additional_kwargs"] = {REASONING_KEY: chunk.reasoning}
    if chunk.tool_calls:
        fields["tool_call_chunks"] = _tool_call_chunks(chunk.tool_calls)
    if chunk.is_final:
        fields["usage_metadata"] = usage_metadata(chunk.usage)
        fields["response_metadata"] = response_metadata(chunk, model_name)
        fields["chunk_position"] = "last"
    return ChatGenerationChunk(message=AIMessageChunk(**fields))


def chat_generation(message: AIMessage) -> ChatGeneration:
    """``ChatGeneration(message=message)`` without validating ``message`` again.

    The validated generation sets ``text`` from the message (its ``set_text`` validator, which
    marks ``text`` as set); this one does the same for an ``AIMessage`` of string content, the
    only kind :func:`ai_message` makes. Other content takes the validated constructor.
    """
    if not isinstance(message.content, str):
        return ChatGeneration(message=message)
    values = {
        "text": message.text,
        "generation_info": None,
        "type": "ChatGeneration",
        "message": message,
    }
    return construct(ChatGeneration, values, {"message", "text"})


def chat_result(message: AIMessage) -> ChatResult:
    """``ChatResult(generations=[ChatGeneration(message=message)])``, built unvalidated."""
    values = {"generations": [chat_generation(message)], "llm_output": None}
    return construct(ChatResult, values, {"generations"})
