"""Sampling and call options of :class:`~langchain_wenxin.ChatWenxin`, checked against the catalog.

:func:`check_model_options` runs at construction: an option the model (the catalog's
:class:`~wenxin_core.catalog.ModelSpec` for the chosen ``api``) does not accept fails there with
the core's typed error (:class:`~wenxin_core.errors.UnsupportedParameterError`), and values out of
range with :class:`~wenxin_core.errors.WenxinValidationError`, rather than at the first call.
The core checks each call again (per-call options, a per-call ``model``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wenxin_core.catalog import ModelSpec
from wenxin_core.errors import UnsupportedParameterError, WenxinValidationError
from wenxin_core.params import ChatParams

__all__ = [
    "CALL_OPTIONS",
    "MIN_TEMPERATURE",
    "SAMPLING_OPTIONS",
    "check_model_options",
    "reasoning_enabled",
]

MIN_TEMPERATURE = 0.01
"""What ``temperature=0`` is sent as: Qianfan accepts (0, 1], and LangChain's 0 means "greedy"."""

SAMPLING_OPTIONS = (
    "temperature",
    "top_p",
    "penalty_score",
    "stop",
    "seed",
    "frequency_penalty",
    "presence_penalty",
)
"""The V2 sampling options a model may or may not accept (its catalog ``sampling``)."""

CALL_OPTIONS = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "penalty_score",
        "seed",
        "frequency_penalty",
        "presence_penalty",
        "user_id",
        "reasoning",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "web_search",
        "timeout",
    }
)
"""Per-call keyword arguments passed to the core under the same name (others: ``extra_body``)."""

_V1_NAMES = {"stop": "stop", "user_id": "user_id", "top_k": "top_k"}


def reasoning_enabled(reasoning: bool | Mapping[str, Any] | None) -> bool | None:
    """Whether a ``reasoning`` option asks for thinking (``None``: not set).

    A mapping asks for it unless it says ``{"enabled": False}``.
    """
    if reasoning is None:
        return None
    if isinstance(reasoning, Mapping):
        return bool(reasoning.get("enabled", True))
    return bool(reasoning)


def _unsupported(spec: ModelSpec, name: str, rule: str) -> UnsupportedParameterError:
    return UnsupportedParameterError(
        name,
        f"is not accepted by {spec.name}: {rule}",
        message=f"{name!r} is not accepted by {spec.name}: {rule}",
    )


def _check_v2(spec: ModelSpec, options: Mapping[str, Any]) -> None:
    for name in SAMPLING_OPTIONS:
        if options.get(name) not in (None, []) and name not in spec.sampling:
            accepted = ", ".join(sorted(spec.sampling)) or "none"
            raise _unsupported(spec, name, f"it accepts {accepted}")
    if options.get("top_k") is not None:
        raise _unsupported(spec, "top_k", "top_k is a V1 option (pass api='v1' for V1)")
    enabled = reasoning_enabled(options.get("reasoning"))
    if enabled and not spec.is_reasoning_model:
        raise _unsupported(
            spec,
            "reasoning",
            "it is not a reasoning model (for a service that is, pass "
            "capabilities={'reasoning': 'thinking'} or 'enable_thinking')",
        )
    if enabled is False and spec.reasoning == "always":
        raise _unsupported(spec, "reasoning", "it always reasons; its thinking has no switch")
    max_tokens = options.get("max_tokens")
    if max_tokens is not None and spec.max_output_tokens and max_tokens > spec.max_output_tokens:
        raise WenxinValidationError(
            "max_tokens",
            f"must be at most {spec.max_output_tokens} for {spec.name} (got {max_tokens!r})",
        )


def _check_v1(spec: ModelSpec, options: Mapping[str, Any]) -> None:
    for name in ("temperature", "top_p", "top_k", "penalty_score", "stop", "user_id"):
        if options.get(name) not in (None, []) and not spec.accepts(_V1_NAMES.get(name, name)):
            accepted = ", ".join(sorted(spec.accepted_fields - {"stream"}))
            raise _unsupported(spec, name, f"it accepts {accepted}")
    for name in ("seed", "frequency_penalty", "presence_penalty", "reasoning"):
        if options.get(name) is not None:
            raise _unsupported(spec, name, f"{name} is a V2 option (V1 endpoints take none)")


def check_model_options(spec: ModelSpec, options: Mapping[str, Any]) -> None:
    """Check a model's configured options: their values, and that ``spec`` accepts them.

    ``options`` holds the instance's values by field name (``None`` or ``[]`` means unset;
    ``temperature=0`` counts as :data:`MIN_TEMPERATURE`).

    Raises:
        UnsupportedParameterError: an option ``spec`` does not accept.
        WenxinValidationError: a value out of range.

    """
    temperature = options.get("temperature")
    ChatParams.build(
        temperature=MIN_TEMPERATURE if temperature == 0 else temperature,
        top_p=options.get("top_p"),
        top_k=options.get("top_k"),
        penalty_score=options.get("penalty_score"),
        stop=options.get("stop") or None,
        user_id=options.get("user_id"),
    )
    if spec.api == "v2":
        _check_v2(spec, options)
    else:
        _check_v1(spec, options)
