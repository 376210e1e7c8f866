"""A V2 chat body from bytes to a :class:`V2ChatRequest`: JSON, model, messages, options."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from wenxin_core.catalog import ModelSpec, resolve_model
from wenxin_core.emulator.replies import count_tokens
from wenxin_core.emulator.v2.errors import bad_request
from wenxin_core.emulator.v2.messages import Conversation, check_messages
from wenxin_core.emulator.v2.params import ChatOptions, check_options
from wenxin_core.errors import WenxinValidationError

__all__ = ["V2ChatRequest", "parse_json", "resolve_v2_model", "validate_v2_chat"]


@dataclass(frozen=True)
class V2ChatRequest:
    """A V2 chat request that passed every check.

    Attributes:
        spec: the model's capabilities (``kind="service"`` for a deployed service).
        conversation: the checked messages.
        options: the checked options.

    """

    spec: ModelSpec
    conversation: Conversation
    options: ChatOptions


def parse_json(raw: bytes) -> dict[str, Any] | None:
    """The JSON object of a body, or ``None`` when it is not one."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def resolve_v2_model(model: object, *, allow_any: bool) -> ModelSpec:
    """The spec of ``model``: a catalog id (any case), or with ``allow_any`` any id.

    Raises:
        V2Error: 400 ``invalid_model`` for a missing, malformed or (unless ``allow_any``)
            unknown id.

    """
    if not isinstance(model, str) or not model.strip():
        raise bad_request("invalid_model", "model is required")
    try:
        spec = resolve_model(model, api="v2")
    except WenxinValidationError:
        raise bad_request("invalid_model", f"invalid model id {model!r}") from None
    if not spec.known and not allow_any:
        raise bad_request("invalid_model", f"model {model!r} does not exist")
    return spec


def _check_context(conversation: Conversation, spec: ModelSpec) -> None:
    window = spec.context_window
    if window is None:
        return
    tokens = sum(count_tokens(text) for text in conversation.texts)
    if tokens > window:
        raise bad_request(
            "tokens_too_long", f"the input has {tokens} tokens; model {spec.name} takes {window}"
        )


def validate_v2_chat(body: dict[str, Any], *, allow_any_model: bool) -> V2ChatRequest:
    """Check a parsed chat body as the service does; raise :class:`V2Error` (HTTP 400).

    The input may not exceed the model's context window (400 ``tokens_too_long``, counted
    with the emulator's stand-in tokenizer).
    """
    spec = resolve_v2_model(body.get("model"), allow_any=allow_any_model)
    conversation = check_messages(body.get("messages"), spec)
    options = check_options(body, spec)
    _check_context(conversation, spec)
    return V2ChatRequest(spec, conversation, options)
