"""Conversion of LangChain messages into the core's ``{"role", "content"}`` dicts.

Only translation happens here: merging same-role turns, system placement, alternation and
length budgets are the core's normaliser's job (``wenxin_core.messages``). The Qianfan chat
endpoints take text only and have no function/tool role, so:

- ``SystemMessage`` -> ``system``; ``HumanMessage`` -> ``user`` (its ``name`` is kept as a
  ``"name: "`` prefix); ``AIMessage`` -> ``assistant`` (tool calls it made are rendered as text);
- ``ChatMessage`` by its role (``user``/``human``, ``assistant``/``ai``, ``system``,
  ``tool``/``function``);
- ``ToolMessage`` / ``FunctionMessage`` -> ``user`` text that names the tool and its result;
- string content and ``text`` blocks are accepted; image, audio, video or file blocks raise
  :class:`langchain_wenxin.errors.InvalidMessagesError` naming the block type.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_wenxin.errors import InvalidMessagesError

__all__ = ["CoreMessage", "convert_message", "convert_messages"]

CoreMessage = dict[str, str]
"""One message as the core takes it: ``{"role": "system"|"user"|"assistant", "content": str}``."""

_OUTPUT_ONLY_BLOCKS = frozenset(
    {
        "tool_call",
        "tool_call_chunk",
        "invalid_tool_call",
        "server_tool_call",
        "server_tool_call_chunk",
        "server_tool_result",
        "reasoning",
        "thinking",
        "citation",
        "non_standard_annotation",
    }
)
"""Block types an AI message may carry from a previous answer; they hold no text to resend."""

_ROLE_ALIASES = {
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "system": "system",
}


def _text_of(content: str | Sequence[Any], *, index: int, ai: bool) -> str:
    """Return the text of ``content``; reject blocks the endpoints cannot take."""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
            continue
        if not isinstance(block, Mapping):
            raise InvalidMessagesError(
                f"messages[{index}].content",
                f"unsupported content item of type {type(block).__name__}",
            )
        kind = block.get("type")
        if kind == "text":
            text = block.get("text")
            if not isinstance(text, str):
                raise InvalidMessagesError(
                    f"messages[{index}].content", "a 'text' block needs a string 'text'"
                )
            parts.append(text)
        elif ai and kind in _OUTPUT_ONLY_BLOCKS:
            continue
        else:
            raise InvalidMessagesError(
                f"messages[{index}].content",
                f"content block of type {kind!r} is not supported: Qianfan chat endpoints "
                "accept text only (strings and 'text' blocks)",
            )
    return "".join(parts)


def _render_tool_calls(message: AIMessage) -> str:
    lines = []
    for call in message.tool_calls:
        args = json.dumps(call.get("args", {}), ensure_ascii=False, sort_keys=True)
        lines.append(f"[called tool {call['name']!r} with arguments {args}]")
    return "\n".join(lines)


def _tool_name(message: ToolMessage, history: Sequence[BaseMessage]) -> str:
    if message.name:
        return message.name
    for earlier in reversed(history):
        if isinstance(earlier, AIMessage):
            for call in earlier.tool_calls:
                if call.get("id") == message.tool_call_id:
                    return call["name"]
    return message.tool_call_id


def _tool_result(name: str, text: str, *, error: bool = False) -> str:
    verb = "failed with" if error else "returned"
    return f"[tool {name!r} {verb}]\n{text}"


def convert_message(
    message: BaseMessage, *, index: int = 0, history: Sequence[BaseMessage] = ()
) -> CoreMessage:
    """Convert one LangChain message into a core message dict.

    Args:
        message: the message to convert.
        index: its position in the conversation (used in error messages).
        history: the messages before it (used to name the tool a ``ToolMessage`` answers).

    Raises:
        InvalidMessagesError: a non-text content block, or a ``ChatMessage`` role with no
            Qianfan equivalent.

    """
    if isinstance(message, SystemMessage):
        return {"role": "system", "content": _text_of(message.content, index=index, ai=False)}
    if isinstance(message, HumanMessage):
        text = _text_of(message.content, index=index, ai=False)
        if message.name:
            text = f"{message.name}: {text}"
        return {"role": "user", "content": text}
    if isinstance(message, AIMessage):
        text = _text_of(message.content, index=index, ai=True)
        calls = _render_tool_calls(message)
        if calls:
            text = f"{text}\n{calls}" if text else calls
        return {"role": "assistant", "content": text}
    if isinstance(message, ToolMessage):
        text = _text_of(message.content, index=index, ai=False)
        name = _tool_name(message, history)
        return {
            "role": "user",
            "content": _tool_result(name, text, error=message.status == "error"),
        }
    if isinstance(message, FunctionMessage):
        text = _text_of(message.content, index=index, ai=False)
        return {"role": "user", "content": _tool_result(message.name, text)}
    if isinstance(message, ChatMessage):
        text = _text_of(message.content, index=index, ai=False)
        role = message.role.strip().lower()
        if role in {"tool", "function"}:
            return {"role": "user", "content": _tool_result(role, text)}
        mapped = _ROLE_ALIASES.get(role)
        if mapped is None:
            raise InvalidMessagesError(
                f"messages[{index}].role",
                f"ChatMessage role {message.role!r} has no Qianfan equivalent "
                "(use user, assistant, system, tool or function)",
            )
        return {"role": mapped, "content": text}
    raise InvalidMessagesError(
        f"messages[{index}]", f"unsupported message type {type(message).__name__}"
    )


def convert_messages(messages: Sequence[BaseMessage]) -> list[CoreMessage]:
    """Convert a LangChain conversation into the core's message dicts (in order, unmerged)."""
    return [
        convert_message(message, index=i, history=messages[:i])
        for i, message in enumerate(messages)
    ]
