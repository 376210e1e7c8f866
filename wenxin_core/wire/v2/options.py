"""V2 request options: each checked against its rule and the model's capabilities, then encoded.

Every rule raises a typed error naming the option before anything is sent:
:class:`~wenxin_core.errors.WenxinValidationError` for a value out of range,
:class:`~wenxin_core.errors.UnsupportedParameterError` for an option the model does not take
(per the catalog; an unknown model id takes every sampling option and no capability).

The one reasoning option, ``reasoning``, is ``True``/``False`` or a mapping
``{"enabled": bool, "budget": int, "effort": "low" | "medium" | "high"}``, sent per model as
``thinking: {"type": "enabled" | "disabled"}`` (DeepSeek, GLM, Kimi) or ``enable_thinking``
(Qwen3, ERNIE VL, ERNIE 5.0 thinking), with ``thinking_budget`` and ``reasoning_effort``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from wenxin_core.catalog import ModelSpec
from wenxin_core.errors import UnsupportedParameterError, WenxinValidationError

__all__ = ["OPTION_NAMES", "RULES", "body_fields"]

RULES: dict[str, str] = {
    "temperature": "must be a number in (0, 1]: above 0 and at most 1",
    "top_p": "must be a number in [0, 1]",
    "penalty_score": "must be a number in [1, 2]",
    "frequency_penalty": "must be a number in [-2, 2]",
    "presence_penalty": "must be a number in [-2, 2]",
    "stop": "must be a list of at most 4 strings, each of 1 to 20 characters",
    "seed": "must be an integer",
    "user_id": "must be a string",
    "max_output_tokens": "must be a positive integer",
    "tools": "must be a list of tools ({'type': 'function', 'function': {'name': ...}})",
    "tool_choice": "must be 'auto', 'none', 'required' or {'type': 'function', 'function': "
    "{'name': ...}}",
    "parallel_tool_calls": "must be true or false",
    "response_format": "must be {'type': 'text' | 'json_object' | 'json_schema', ...}",
    "reasoning": "must be true, false or {'enabled': bool, 'budget': int >= 100, "
    "'effort': 'low' | 'medium' | 'high'}",
    "web_search": "must be a mapping, e.g. {'enable': True}",
}
"""The rule of each option, in words, as error messages quote it."""

OPTION_NAMES = frozenset(RULES) | {"max_tokens"}
"""Every per-call V2 option (besides model, system, extra_body and timeout)."""

_SAMPLING = ("temperature", "top_p", "penalty_score", "frequency_penalty", "presence_penalty")
_RANGES: dict[str, tuple[float, float, bool]] = {
    "temperature": (0.0, 1.0, False),
    "top_p": (0.0, 1.0, True),
    "penalty_score": (1.0, 2.0, True),
    "frequency_penalty": (-2.0, 2.0, True),
    "presence_penalty": (-2.0, 2.0, True),
}
_RESERVED = frozenset({"messages", "stream", "model", "stream_options"})


def _bad(name: str, value: Any) -> WenxinValidationError:
    rule = RULES[name]
    return WenxinValidationError(
        name,
        f"{rule} (got {value!r})",
        message=f"Invalid value for '{name}': {rule} (got {value!r})",
    )


def _unsupported(name: str, spec: ModelSpec, why: str) -> UnsupportedParameterError:
    return UnsupportedParameterError(name, f"is not accepted by {spec.name}: {why}")


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad(name, value)
    low, high, closed = _RANGES[name]
    if value > high or value < low or (not closed and value <= low):
        raise _bad(name, value)
    return float(value)


def _stop(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence) or isinstance(items, (bytes, bytearray)) or len(items) > 4:
        raise _bad("stop", value)
    for item in items:
        if not isinstance(item, str) or not 1 <= len(item) <= 20:
            raise _bad("stop", value)
    return list(items)


def _tools(value: Any) -> list[Any]:
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        raise _bad("tools", value)
    for tool in value:
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if (
            not isinstance(function, Mapping)
            or tool.get("type", "function") != "function"
            or not isinstance(function.get("name"), str)
        ):
            raise _bad("tools", tool)
    return [dict(tool) for tool in value]


def _tool_choice(value: Any) -> Any:
    if value in ("auto", "none", "required"):
        return value
    if isinstance(value, Mapping):
        function = value.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return {"type": "function", "function": {"name": function["name"]}}
    raise _bad("tool_choice", value)


def _response_format(value: Any, spec: ModelSpec) -> dict[str, Any]:
    kind = value.get("type") if isinstance(value, Mapping) else None
    if kind == "text":
        # Plain text is every model's default; a model with no JSON mode takes no
        # response_format at all (HTTP 400), so the default is not sent to it.
        return dict(value) if spec.json_object or spec.json_schema else {}
    if kind == "json_object":
        if not spec.json_object:
            raise _unsupported("response_format", spec, "it takes no JSON mode")
        return dict(value)
    if kind == "json_schema":
        schema = value.get("json_schema")
        if not isinstance(schema, Mapping) or not isinstance(schema.get("schema"), Mapping):
            raise _bad("response_format", value)
        if not spec.json_schema:
            why = "it has no json_schema mode" + (
                "; use {'type': 'json_object'} or a tool call" if spec.json_object else ""
            )
            raise _unsupported("response_format", spec, why)
        return dict(value)
    raise _bad("response_format", value)


def _reasoning(value: Any, spec: ModelSpec, body: dict[str, Any]) -> None:
    if isinstance(value, bool):
        enabled, budget, effort = value, None, None
    elif isinstance(value, Mapping) and set(value) <= {"enabled", "budget", "effort"}:
        enabled = value.get("enabled", True)
        budget, effort = value.get("budget"), value.get("effort")
        if not isinstance(enabled, bool):
            raise _bad("reasoning", value)
        if budget is not None and (
            isinstance(budget, bool) or not isinstance(budget, int) or budget < 100
        ):
            raise _bad("reasoning", value)
        if effort is not None and effort not in ("low", "medium", "high"):
            raise _bad("reasoning", value)
    else:
        raise _bad("reasoning", value)
    switch = spec.reasoning
    if switch == "none" and spec.known:
        if enabled:
            raise _unsupported("reasoning", spec, "it is not a reasoning model")
        return
    if switch == "always" and not enabled:
        raise _unsupported("reasoning", spec, "it always reasons; its thinking cannot be off")
    if switch == "thinking":
        body["thinking"] = {"type": "enabled" if enabled else "disabled"}
    elif switch == "enable_thinking" or (switch == "none" and not spec.known):
        body["enable_thinking"] = enabled
    if enabled and budget is not None:
        body["thinking_budget"] = budget
    if enabled and effort is not None:
        body["reasoning_effort"] = effort


def body_fields(spec: ModelSpec, options: Mapping[str, Any]) -> dict[str, Any]:
    """The body fields of ``options`` for ``spec`` (``None`` values are unset).

    Raises:
        WenxinValidationError: a value breaks its rule (the message quotes it).
        UnsupportedParameterError: the model does not take the option.

    """
    body: dict[str, Any] = {}
    for name, value in options.items():
        if value is None:
            continue
        if name in _SAMPLING:
            number = _number(name, value)
            if name not in spec.sampling:
                raise _unsupported(name, spec, f"it takes {', '.join(sorted(spec.sampling))}")
            body[name] = number
        elif name == "stop":
            if "stop" not in spec.sampling:
                raise _unsupported("stop", spec, "it takes no stop strings")
            body["stop"] = _stop(value)
        elif name == "seed":
            if isinstance(value, bool) or not isinstance(value, int):
                raise _bad("seed", value)
            if "seed" not in spec.sampling:
                raise _unsupported("seed", spec, "it takes no seed")
            body["seed"] = value
        elif name in ("max_output_tokens", "max_tokens"):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise _bad("max_output_tokens", value)
            if spec.max_output_tokens is not None and value > spec.max_output_tokens:
                raise WenxinValidationError(
                    "max_output_tokens",
                    f"must be at most {spec.max_output_tokens} for {spec.name} (got {value})",
                )
            body["max_tokens"] = value
        elif name == "user_id":
            if not isinstance(value, str):
                raise _bad("user_id", value)
            body["user"] = value
        elif name == "tools":
            tools = _tools(value)
            if tools and not spec.tools:
                raise _unsupported("tools", spec, "it has no tool calling")
            if tools:
                body["tools"] = tools
        elif name == "tool_choice":
            choice = _tool_choice(value)
            if not spec.tool_choice and choice != "auto":
                raise _unsupported("tool_choice", spec, "it does not honour tool_choice")
            body["tool_choice"] = choice
        elif name == "parallel_tool_calls":
            if not isinstance(value, bool):
                raise _bad("parallel_tool_calls", value)
            body["parallel_tool_calls"] = value
        elif name == "response_format":
            response_format = _response_format(value, spec)
            if response_format:
                body["response_format"] = response_format
        elif name == "reasoning":
            _reasoning(value, spec, body)
        elif name == "web_search":
            if not isinstance(value, Mapping):
                raise _bad("web_search", value)
            body["web_search"] = dict(value)
        else:  # pragma: no cover - the engine checks names first
            raise WenxinValidationError(name, "is not a V2 chat option")
    return body


def extra_fields(extra_body: Mapping[str, Any] | None) -> dict[str, Any]:
    """Model-specific fields sent as they are (never the ones the client sets itself)."""
    if not extra_body:
        return {}
    if not isinstance(extra_body, Mapping):
        raise WenxinValidationError("extra_body", "must be a mapping of field names to JSON values")
    for name in extra_body:
        if name in _RESERVED:
            raise UnsupportedParameterError(
                f"extra_body.{name}", "is set by the client; do not pass it"
            )
        if name == "reasoning_content":
            raise UnsupportedParameterError(
                "extra_body.reasoning_content", "is never sent back (the service answers 400)"
            )
    return dict(extra_body)
