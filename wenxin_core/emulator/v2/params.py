"""V2 request options (everything but ``model`` and ``messages``), checked per model.

A bad value or an option the model does not take is HTTP 400 ``invalid_argument``. Fields the
emulator does not know are ignored, as an OpenAI-compatible service does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wenxin_core.catalog import ModelSpec
from wenxin_core.emulator.v2.errors import V2Error, bad_request
from wenxin_core.emulator.v2.formats import ResponseFormat, check_response_format
from wenxin_core.emulator.v2.tools import ToolOptions, check_tools

__all__ = ["ChatOptions", "check_options"]

_SAMPLING_RANGES: dict[str, tuple[float, float, bool]] = {
    "temperature": (0.0, 1.0, False),
    "top_p": (0.0, 1.0, True),
    "penalty_score": (1.0, 2.0, True),
    "frequency_penalty": (-2.0, 2.0, True),
    "presence_penalty": (-2.0, 2.0, True),
}
"""``name -> (low, high, low_included)``; the high end is always included."""

_SAMPLING_OPTIONS = ("stop", "seed", *_SAMPLING_RANGES)
"""Every option a model accepts only when its ``ModelSpec.sampling`` lists it."""

_EFFORTS = frozenset({"low", "medium", "high"})


@dataclass(frozen=True)
class ChatOptions:
    """The options that shape the reply.

    Attributes:
        stream: an SSE stream was asked for.
        include_usage: ``stream_options.include_usage``.
        chunk_include_usage: ``stream_options.chunk_include_usage``.
        stop: the stop strings, if any.
        max_tokens: the output budget (``max_tokens`` or ``max_completion_tokens``), if any.
        reasoning: the reply carries reasoning text (a reasoning model, thinking on).
        thinking_budget: the reasoning budget in tokens, if given.
        tools: the offered tools, ``tool_choice`` and ``parallel_tool_calls``.
        response_format: the shape the content must have.

    """

    stream: bool
    include_usage: bool
    chunk_include_usage: bool
    stop: list[str] | None
    max_tokens: int | None
    reasoning: bool
    thinking_budget: int | None
    tools: ToolOptions = field(default_factory=ToolOptions)
    response_format: ResponseFormat = field(default_factory=ResponseFormat)


def _arg(message: str) -> V2Error:
    return bad_request("invalid_argument", message)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _given(body: dict[str, Any], name: str) -> bool:
    return body.get(name) is not None


def _check_sampling(body: dict[str, Any], spec: ModelSpec) -> None:
    for name in _SAMPLING_OPTIONS:
        if _given(body, name) and name not in spec.sampling:
            raise _arg(f"{name} is not supported by model {spec.name}")
    for name, (low, high, low_in) in _SAMPLING_RANGES.items():
        if not _given(body, name):
            continue
        value = body[name]
        inside = _is_number(value) and (low <= value if low_in else low < value) and value <= high
        if not inside:
            raise _arg(f"{name} must be in {'[' if low_in else '('}{low:g}, {high:g}]")
    if _given(body, "seed") and not _is_int(body["seed"]):
        raise _arg("seed must be an integer")


def _check_stop(body: dict[str, Any]) -> list[str] | None:
    if not _given(body, "stop"):
        return None
    stop = body["stop"]
    if isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise _arg("stop must be a list of strings")
    if len(stop) > 4:
        raise _arg("stop takes at most 4 strings")
    if any(len(s) > 20 for s in stop):
        raise _arg("each stop string has at most 20 characters")
    return list(stop) or None


def _check_max_tokens(body: dict[str, Any], spec: ModelSpec) -> int | None:
    value: Any = None
    for name in ("max_tokens", "max_completion_tokens"):
        if _given(body, name):
            value = body[name]
            if not _is_int(value) or value < 1:
                raise _arg(f"{name} must be a positive integer")
            if spec.max_output_tokens is not None and value > spec.max_output_tokens:
                raise _arg(f"{name} of model {spec.name} is at most {spec.max_output_tokens}")
    return int(value) if value is not None else None


def _thinking_switch(body: dict[str, Any]) -> tuple[str | None, bool]:
    """``(switch field used or None, whether it turns thinking on)``."""
    if _given(body, "thinking"):
        value = body["thinking"]
        kind = value.get("type") if isinstance(value, dict) else None
        if kind not in ("enabled", "disabled"):
            raise _arg("thinking.type must be enabled or disabled")
        return "thinking", kind == "enabled"
    if _given(body, "enable_thinking"):
        if not isinstance(body["enable_thinking"], bool):
            raise _arg("enable_thinking must be a boolean")
        return "enable_thinking", bool(body["enable_thinking"])
    return None, False


def _check_reasoning(body: dict[str, Any], spec: ModelSpec) -> tuple[bool, int | None]:
    switch, on = _thinking_switch(body)
    budget = body.get("thinking_budget")
    if budget is not None and (not _is_int(budget) or budget < 100):
        raise _arg("thinking_budget must be an integer of at least 100")
    effort = body.get("reasoning_effort")
    if effort is not None and effort not in _EFFORTS:
        raise _arg("reasoning_effort must be low, medium or high")
    if spec.reasoning == "always":
        return True, budget
    if not spec.known:  # a deployed service may reason: any switch is taken as given
        return on, budget if on else None
    if spec.reasoning == "none":
        if on or budget is not None or effort is not None:
            raise _arg(f"model {spec.name} is not a reasoning model")
        return False, None
    if switch is not None and switch != spec.reasoning:
        raise _arg(f"model {spec.name} switches thinking with {spec.reasoning}, not {switch}")
    return on, budget if on else None


def _check_stream(body: dict[str, Any]) -> tuple[bool, bool, bool]:
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise _arg("stream must be a boolean")
    options = body.get("stream_options")
    if options is None:
        return stream, False, False
    if not isinstance(options, dict):
        raise _arg("stream_options must be an object")
    include = options.get("include_usage", False)
    per_chunk = options.get("chunk_include_usage", False)
    if not isinstance(include, bool) or not isinstance(per_chunk, bool):
        raise _arg("stream_options values must be booleans")
    return stream, include, per_chunk


def check_options(body: dict[str, Any], spec: ModelSpec) -> ChatOptions:
    """Check every option of ``body`` for ``spec``; raise :class:`V2Error` (400)."""
    stream, include_usage, chunk_include_usage = _check_stream(body)
    _check_sampling(body, spec)
    stop = _check_stop(body)
    max_tokens = _check_max_tokens(body, spec)
    response_format = check_response_format(body, spec)
    tools = check_tools(body, spec)
    reasoning, budget = _check_reasoning(body, spec)
    if _given(body, "user") and not isinstance(body["user"], str):
        raise _arg("user must be a string")
    return ChatOptions(
        stream=stream,
        include_usage=include_usage,
        chunk_include_usage=chunk_include_usage,
        stop=stop,
        max_tokens=max_tokens,
        reasoning=reasoning,
        thinking_budget=budget,
        tools=tools,
        response_format=response_format,
    )
