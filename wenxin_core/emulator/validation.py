"""Validation of a chat body exactly as the service does it, with its error codes and texts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from wenxin_core.catalog import ModelSpec

__all__ = ["ChatRequest", "QianfanError", "parse_body", "validate_chat"]


class QianfanError(Exception):
    """A Qianfan error answer: ``{"error_code": code, "error_msg": message}`` with HTTP 200."""

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True)
class ChatRequest:
    """A validated chat request.

    Attributes:
        messages: the conversation as the model sees it (Llama-2-7b may forget old turns).
        system: the ``system`` text, if any.
        stream: whether an SSE stream was asked for.
        stop: the stop strings, if any.
        max_output_tokens: the output budget, if any.
        forgotten: how many oldest messages were dropped to fit the budget.

    """

    messages: list[dict[str, str]]
    system: str | None
    stream: bool
    stop: list[str] | None
    max_output_tokens: int | None
    forgotten: int


def parse_body(raw: bytes) -> dict[str, Any]:
    """Decode the JSON object of a chat body, or raise 336002 Invalid JSON."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise QianfanError(336002, "Invalid JSON") from None
    if not isinstance(body, dict):
        raise QianfanError(336002, "Invalid JSON")
    return body


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_params(body: dict[str, Any], spec: ModelSpec) -> None:
    for name in body:
        if name != "messages" and name not in spec.accepted_fields:
            raise QianfanError(336003, f"the field '{name}' is not supported by {spec.endpoint}")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise QianfanError(336003, "stream must be a boolean")
    if "temperature" in body:
        value = body["temperature"]
        if not _is_number(value) or not 0 < value <= 1:
            raise QianfanError(336003, "temperature range is (0, 1.0]")
    if "top_p" in body:
        value = body["top_p"]
        if not _is_number(value) or not 0 <= value <= 1:
            raise QianfanError(336003, "top_p range is [0, 1.0]")
    if "top_k" in body:
        value = body["top_k"]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise QianfanError(336003, "top_k must be a positive integer")
    if "penalty_score" in body:
        value = body["penalty_score"]
        if not _is_number(value) or not 1 <= value <= 2:
            raise QianfanError(336003, "penalty_score range is [1.0, 2.0]")
    if "stop" in body:
        stop = body["stop"]
        if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
            raise QianfanError(336003, "stop must be a list of strings")
        if len(stop) > 4:
            raise QianfanError(336003, "stop: the max number of elements is 4")
        if any(len(s) > 20 for s in stop):
            raise QianfanError(336003, "stop: the max length of each element is 20")
    if "max_output_tokens" in body:
        value = body["max_output_tokens"]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise QianfanError(336003, "max_output_tokens must be a positive integer")
    if "system" in body and not isinstance(body["system"], str):
        raise QianfanError(336003, "system must be a string")
    if "user_id" in body and not isinstance(body["user_id"], str):
        raise QianfanError(336003, "user_id must be a string")


def _check_messages(raw: object) -> list[dict[str, str]]:
    if raw is None or not isinstance(raw, list):
        raise QianfanError(336001, "Invalid Argument")
    if not raw:
        raise QianfanError(336003, "messages must not be empty")
    messages: list[dict[str, str]] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("role"), str):
            raise QianfanError(336003, f"messages[{index}]: role is required")
        content = item.get("content")
        if not isinstance(content, str):
            raise QianfanError(336003, f"messages[{index}]: content must be a string")
        role = item["role"]
        if index % 2 == 0 and role != "user":
            raise QianfanError(
                336006, "the role of message with even index in the messages must be user"
            )
        if index % 2 == 1 and role != "assistant":
            raise QianfanError(
                336006, "the role of message with odd index in the messages must be assistant"
            )
        if not content:
            raise QianfanError(336006, "the content of message must not be empty")
        messages.append({"role": role, "content": content})
    if len(messages) % 2 == 0:
        raise QianfanError(336006, "the length of messages must be an odd number")
    return messages


def _fit_budget(
    messages: list[dict[str, str]], system: str | None, spec: ModelSpec
) -> tuple[list[dict[str, str]], int]:
    last = len(messages[-1]["content"])
    if spec.last_message_max_chars is not None and last > spec.last_message_max_chars:
        raise QianfanError(
            336007, f"the max length of current question is {spec.last_message_max_chars}"
        )
    total = sum(len(m["content"]) for m in messages) + len(system or "")
    if total <= spec.max_input_chars:
        return messages, 0
    if spec.last_message_max_chars is None:
        raise QianfanError(
            336007, f"the max length of all messages content is {spec.max_input_chars}"
        )
    forgotten = 0
    while total > spec.max_input_chars and len(messages) - forgotten > 1:
        total -= len(messages[forgotten]["content"]) + len(messages[forgotten + 1]["content"])
        forgotten += 2
    return messages[forgotten:], forgotten


def validate_chat(body: dict[str, Any], spec: ModelSpec) -> ChatRequest:
    """Check ``body`` against ``spec``'s rules; raise :class:`QianfanError` like the service."""
    messages = _check_messages(body.get("messages"))
    _check_params(body, spec)
    system = body.get("system") or None
    kept, forgotten = _fit_budget(messages, system, spec)
    return ChatRequest(
        messages=kept,
        system=system,
        stream=bool(body.get("stream", False)),
        stop=body.get("stop") or None,
        max_output_tokens=body.get("max_output_tokens"),
        forgotten=forgotten,
    )
