"""Conversion of LangChain messages into the core's neutral message mappings.

Only translation happens here: merging same-role turns, system placement, alternation, the
order of tool turns and length budgets are the core's normaliser's job (``wenxin_core.messages``).

On V2 (the default), the mappings are the core's neutral turns:

- ``SystemMessage`` -> ``system``; ``HumanMessage`` -> ``user`` (its ``name`` is kept as a
  ``"name: "`` prefix, so no user text is lost);
- ``AIMessage`` -> ``assistant``, with its ``tool_calls`` (and ``invalid_tool_calls`` that have an
  id) as the core's ``{"id", "name", "arguments"}`` calls, ``arguments`` as JSON text; its text is
  kept (``""`` when it has none). ``additional_kwargs["reasoning_content"]`` and reasoning blocks
  are never sent back (the service answers HTTP 400 to them);
- ``ToolMessage`` -> ``tool`` with its ``tool_call_id`` and the tool's name (its own ``name``, else
  the name of the call it answers);
- ``FunctionMessage`` (legacy, no call id to answer) -> ``user`` text naming the function;
- ``ChatMessage`` by its role (``user``/``human``, ``assistant``/``ai``, ``system``; ``tool`` /
  ``function`` roles carry no call id and become ``user`` text naming the role).

On V1 (``api="v1"``), whose endpoints have no tool role, tool calls are rendered as assistant
text and tool results as ``user`` text naming the tool.

String content and ``text`` blocks are accepted (blocks joined in order); image, audio, video or
file blocks raise :class:`langchain_wenxin.errors.InvalidMessagesError` naming the block type,
rather than being dropped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

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

CoreMessage = dict[str, Any]
"""One message as the core takes it: ``{"role", "content"}`` plus, on V2, ``tool_calls``
(assistant) or ``tool_call_id`` / ``name`` (tool)."""

_OUTPUT_ONLY_BLOCKS = frozenset(
    {
        "tool_call",
        "tool_call_chunk",
        "invalid_tool_call",
        "tool_use",  # Anthropic-style history: the call itself is in ``tool_calls``
        "server_tool_use",
        "redacted_thinking",
        "server_tool_call",
        "server_tool_call_chunk",
        "server_tool_result",
        "reasoning",
        "thinking",
        "citation",
        "non_standard_annotation",
    }
)
"""Block types an AI message may carry from a previous answer; they hold no text to resend
(tool calls travel in ``tool_calls``, also for Anthropic-style ``tool_use`` blocks; reasoning is
never sent back)."""

_ROLE_ALIASES = {
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "system": "system",
}


def _text_of(content: str | Sequence[Any], *, index: int, ai: bool) -> str:
    """Return the text of ``content``; reject blocks the service cannot take."""
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
                f"content block of type {kind!r} is not supported: the chat models take text "
                "only here (strings and 'text' blocks)",
            )
    return "".join(parts)


def _arguments(args: Any) -> str:
    """A tool call's arguments as the JSON text the service sent (and expects back)."""
    if isinstance(args, str):
        return args
    return json.dumps(args if args is not None else {}, ensure_ascii=False)


def _core_tool_calls(message: AIMessage) -> list[dict[str, str]]:
    calls = [
        {"id": call.get("id") or "", "name": call["name"], "arguments": _arguments(call["args"])}
        for call in message.tool_calls
    ]
    calls.extend(
        {"id": str(bad["id"]), "name": bad.get("name") or "", "arguments": bad.get("args") or ""}
        for bad in message.invalid_tool_calls
        if bad.get("id")
    )
    return calls


def _render_tool_calls(message: AIMessage) -> str:
    lines = []
    for call in message.tool_calls:
        args = json.dumps(call.get("args", {}), ensure_ascii=False, sort_keys=True)
        lines.append(f"[called tool {call['name']!r} with arguments {args}]")
    return "\n".join(lines)


def _tool_result(name: str, text: str, *, error: bool = False) -> str:
    verb = "failed with" if error else "returned"
    return f"[tool {name!r} {verb}]\n{text}"


def convert_message(
    message: BaseMessage,
    *,
    index: int = 0,
    tool_names: Mapping[str, str] | None = None,
    api: Literal["v2", "v1"] = "v2",
) -> CoreMessage:
    """Convert one LangChain message into a core message mapping.

    Args:
        message: the message to convert.
        index: its position in the conversation (used in error messages).
        tool_names: tool call id -> tool name, of the calls made earlier in the conversation
            (names the tool a ``ToolMessage`` without ``name`` answers).
        api: ``"v2"`` (tool turns as such) or ``"v1"`` (tool turns rendered as text).

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
        if api == "v1":
            calls = _render_tool_calls(message)
            if calls:
                text = f"{text}\n{calls}" if text else calls
            return {"role": "assistant", "content": text}
        core_calls = _core_tool_calls(message)
        if core_calls:
            return {"role": "assistant", "content": text, "tool_calls": core_calls}
        return {"role": "assistant", "content": text}
    if isinstance(message, ToolMessage):
        text = _text_of(message.content, index=index, ai=False)
        name = message.name or (tool_names or {}).get(message.tool_call_id) or ""
        if api == "v1":
            label = name or message.tool_call_id
            return {
                "role": "user",
                "content": _tool_result(label, text, error=message.status == "error"),
            }
        turn: CoreMessage = {"role": "tool", "content": text, "tool_call_id": message.tool_call_id}
        if name:
            turn["name"] = name
        return turn
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


def convert_messages(
    messages: Sequence[BaseMessage], *, api: Literal["v2", "v1"] = "v2"
) -> list[CoreMessage]:
    """Convert a LangChain conversation into the core's message mappings (in order, unmerged)."""
    out: list[CoreMessage] = []
    tool_names: dict[str, str] = {}
    for i, message in enumerate(messages):
        if type(message) is HumanMessage and type(message.content) is str and not message.name:
            out.append({"role": "user", "content": message.content})  # the common turn
            continue
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                if call.get("id"):
                    tool_names[str(call["id"])] = call["name"]
        out.append(convert_message(message, index=i, tool_names=tool_names, api=api))
    return out
