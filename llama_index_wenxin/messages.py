"""LlamaIndex chat messages -> the core's ``{"role", "content"}`` turns.

Only the role and the text travel: the core's normaliser then folds system turns, merges runs of
the same role and enforces Qianfan's strict user/assistant alternation.

Role mapping:

- ``SYSTEM`` and ``DEVELOPER`` -> ``system``;
- ``USER`` -> ``user``;
- ``ASSISTANT``, ``CHATBOT`` and ``MODEL`` -> ``assistant``;
- ``TOOL`` and ``FUNCTION`` (a tool's output fed back to the model) -> ``user``, since Qianfan's
  v1 chat API has no tool role for these models.
"""

from __future__ import annotations

from collections.abc import Sequence

from llama_index.core.base.llms.types import (
    CachePoint,
    ChatMessage,
    MessageRole,
    TextBlock,
    ThinkingBlock,
)

from wenxin_core.errors import InvalidMessagesError

__all__ = ["ROLE_MAP", "message_text", "to_wire_messages"]

ROLE_MAP: dict[MessageRole, str] = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "system",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
    MessageRole.TOOL: "user",
    MessageRole.FUNCTION: "user",
}
"""How each LlamaIndex role is sent to Qianfan."""


def message_text(message: ChatMessage, index: int = 0) -> str:
    """The text of ``message``: its text blocks, joined by newlines.

    Cache markers and reasoning ("thinking") blocks carry nothing the service can use and are
    skipped.

    Raises:
        InvalidMessagesError: the message holds an image, audio, document or other non-text block
            (Qianfan's chat models take text only).

    """
    parts: list[str] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            parts.append(block.text)
        elif isinstance(block, (CachePoint, ThinkingBlock)):
            continue
        else:
            raise InvalidMessagesError(
                f"messages[{index}].content",
                f"Qianfan chat models accept text only (got a {type(block).__name__})",
            )
    return "\n".join(parts)


def to_wire_messages(
    messages: Sequence[ChatMessage], system_prompt: str | None = None
) -> list[dict[str, str]]:
    """Convert LlamaIndex messages into the core's message dicts.

    ``system_prompt`` (the LLM's ``system_prompt`` field) is sent first as a system turn, unless
    a system message with exactly that text is already present (``LLM.predict`` and the chat
    engines add it themselves).
    """
    wire: list[dict[str, str]] = []
    for index, message in enumerate(messages):
        role = ROLE_MAP.get(MessageRole(message.role))
        if role is None:  # pragma: no cover - every MessageRole is mapped
            raise InvalidMessagesError(
                f"messages[{index}].role", f"unsupported role {message.role}"
            )
        wire.append({"role": role, "content": message_text(message, index)})
    if system_prompt and system_prompt.strip():
        already = any(m["role"] == "system" and m["content"] == system_prompt for m in wire)
        if not already:
            wire.insert(0, {"role": "system", "content": system_prompt})
    return wire
