"""LlamaIndex chat messages -> the core's neutral message mappings.

Each ``ChatMessage`` becomes one ``{"role", "content"}`` mapping; the core's normaliser then folds
system turns, repairs the alternation and trims to the model's budget, without dropping content.

Role mapping:

- ``SYSTEM`` and ``DEVELOPER`` -> ``system``;
- ``USER`` -> ``user``;
- ``ASSISTANT``, ``CHATBOT`` and ``MODEL`` -> ``assistant``; the tool calls it made (its
  ``ToolCallBlock`` blocks, else ``additional_kwargs["tool_calls"]`` as llama-index-llms-openai
  stores them) travel as the core's ``tool_calls``, its content ``""`` when it has no text;
- ``TOOL`` and ``FUNCTION`` (a tool's output fed back) -> ``tool`` with its
  ``additional_kwargs["tool_call_id"]`` (and ``name``); without a call id, or on V1 (which has no
  tool role), the output is sent as a ``user`` turn.

Reasoning (``ThinkingBlock`` blocks, ``additional_kwargs["reasoning_content"]``) is never sent
back: the service refuses it. Cache markers carry nothing the service can use. Any other block
(image, audio, document...) is an error rather than silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    CachePoint,
    ChatMessage,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from wenxin_core.errors import InvalidMessagesError

__all__ = ["ROLE_MAP", "message_text", "to_wire_messages", "tool_calls_of"]

ROLE_MAP: dict[MessageRole, str] = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "system",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
    MessageRole.TOOL: "tool",
    MessageRole.FUNCTION: "tool",
}
"""How each LlamaIndex role is sent (``tool`` becomes ``user`` where no tool turn is possible)."""

_SKIPPED_BLOCKS = (CachePoint, ThinkingBlock, ToolCallBlock)
"""Blocks that are not text: markers, reasoning (never sent back), tool calls (sent apart)."""


def message_text(message: ChatMessage, index: int = 0) -> str:
    """The text of ``message``: its text blocks, joined by newlines.

    Raises:
        InvalidMessagesError: the message holds an image, audio, document or other non-text block
            (these chat models take text only).

    """
    blocks = message.blocks
    if len(blocks) == 1 and isinstance(blocks[0], TextBlock):
        return blocks[0].text
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, TextBlock):
            parts.append(block.text)
        elif not isinstance(block, _SKIPPED_BLOCKS):
            raise InvalidMessagesError(
                f"messages[{index}].content",
                f"Qianfan chat models accept text only (got a {type(block).__name__})",
            )
    return "\n".join(parts)


def _arguments_text(arguments: Any) -> str:
    """Tool-call arguments as JSON text (a mapping is encoded; text is kept as sent)."""
    if arguments is None or arguments == "":
        return "{}"
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments, ensure_ascii=False)


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _one_tool_call(item: Any, where: str) -> dict[str, str]:
    """One stored tool call -> ``{"id", "name", "arguments"}``.

    Accepts the OpenAI shape (``{"id", "type", "function": {"name", "arguments"}}``, as a dict or
    as the ``openai`` SDK's object) and the neutral shape (``{"id", "name", "arguments"}``).
    """
    function = _field(item, "function")
    source = function if function is not None else item
    call_id = _field(item, "id")
    name = _field(source, "name")
    if not call_id or not name:
        raise InvalidMessagesError(where, "a tool call needs its id and its function's name")
    return {
        "id": str(call_id),
        "name": str(name),
        "arguments": _arguments_text(_field(source, "arguments")),
    }


def tool_calls_of(message: ChatMessage, index: int = 0) -> list[dict[str, str]]:
    """The tool calls an assistant message made, in the core's neutral shape.

    ``ToolCallBlock`` blocks win over ``additional_kwargs["tool_calls"]`` (llama-index-llms-openai
    stores a call in both places; it is sent once).

    Raises:
        InvalidMessagesError: a call has no id or no function name.

    """
    where = f"messages[{index}].tool_calls"
    blocks = [b for b in message.blocks if isinstance(b, ToolCallBlock)]
    if blocks:
        calls = []
        for block in blocks:
            if not block.tool_call_id:
                raise InvalidMessagesError(where, "a tool call needs its id")
            calls.append(
                {
                    "id": block.tool_call_id,
                    "name": block.tool_name,
                    "arguments": _arguments_text(block.tool_kwargs),
                }
            )
        return calls
    stored = message.additional_kwargs.get("tool_calls")
    if not stored:
        return []
    return [_one_tool_call(item, f"{where}[{i}]") for i, item in enumerate(stored)]


def _convert(message: ChatMessage, index: int, tools: bool) -> dict[str, Any]:
    role = ROLE_MAP.get(MessageRole(message.role))
    if role is None:  # pragma: no cover - every MessageRole is mapped
        raise InvalidMessagesError(f"messages[{index}].role", f"unsupported role {message.role}")
    wire: dict[str, Any] = {"role": role, "content": message_text(message, index)}
    if role == "assistant":
        calls = tool_calls_of(message, index)
        if calls:
            if not tools:
                raise InvalidMessagesError(
                    f"messages[{index}].tool_calls",
                    "the V1 API has no tool calls; use api='v2' for a conversation with tools",
                )
            wire["tool_calls"] = calls
    elif role == "tool":
        call_id = message.additional_kwargs.get("tool_call_id")
        if tools and call_id:
            wire["tool_call_id"] = str(call_id)
            name = message.additional_kwargs.get("name")
            if name:
                wire["name"] = str(name)
        else:
            wire["role"] = "user"
    return wire


def to_wire_messages(
    messages: Sequence[ChatMessage], system_prompt: str | None = None, *, tools: bool = True
) -> list[dict[str, Any]]:
    """Convert LlamaIndex messages into the core's message mappings.

    Args:
        messages: the conversation, oldest first.
        system_prompt: the LLM's ``system_prompt`` field, sent first as a system turn unless a
            system message with exactly that text is already present (``LLM.predict`` and the
            chat engines add it themselves).
        tools: whether the API has tool turns (V2); on V1 tool outputs are ``user`` turns and an
            assistant tool call is an error.

    Raises:
        InvalidMessagesError: a non-text block, or a malformed (or, on V1, any) tool call.

    """
    wire = []
    for index, message in enumerate(messages):  # a loop, not a comprehension: no function
        wire.append(_convert(message, index, tools))
    if system_prompt and system_prompt.strip():
        already = any(m["role"] == "system" and m["content"] == system_prompt for m in wire)
        if not already:
            wire.insert(0, {"role": "system", "content": system_prompt})
    return wire
