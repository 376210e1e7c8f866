"""Sampling and call options of :class:`~langchain_wenxin.ChatWenxin`, checked against the catalog.

:func:`check_model_options` runs at construction: an option the model (the catalog's
:class:`~wenxin_core.catalog.ModelSpec` for the chosen ``api``) does not accept fails there with
the core's typed error (:class:`~wenxin_core.errors.UnsupportedParameterError`), and values out of
range with :class:`~wenxin_core.errors.WenxinValidationError`, rather than at the first call. The
rules are the core's own (V2: ``wenxin_core.wire.v2.options.body_fields``; V1:
:class:`~wenxin_core.params.ChatParams`), which it applies again to each call (per-call options,
a per-call ``model``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wenxin_core.catalog import ModelSpec
from wenxin_core.errors import UnsupportedParameterError
from wenxin_core.wire.v2 import options as v2_options

__all__ = [
    "CALL_OPTIONS",
    "MIN_TEMPERATURE",
    "SAMPLING_OPTIONS",
    "check_model_options",
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


def _unsupported(spec: ModelSpec, name: str, rule: str) -> UnsupportedParameterError:
    return UnsupportedParameterError(
        name,
        f"is not accepted by {spec.name}: {rule}",
        message=f"{name!r} is not accepted by {spec.name}: {rule}",
    )


def _check_v2(spec: ModelSpec, options: Mapping[str, Any]) -> None:
    if options.get("top_k") is not None:
        raise _unsupported(spec, "top_k", "top_k is a V1 option (pass api='v1' for V1)")
    # The core's own V2 rules (ranges, the catalog's sampling options, the reasoning switch,
    # the output limit); the encoded body it returns is not needed here.
    v2_options.body_fields(
        spec,
        {
            "temperature": options.get("temperature"),
            "top_p": options.get("top_p"),
            "penalty_score": options.get("penalty_score"),
            "stop": options.get("stop") or None,
            "seed": options.get("seed"),
            "frequency_penalty": options.get("frequency_penalty"),
            "presence_penalty": options.get("presence_penalty"),
            "user_id": options.get("user_id"),
            "reasoning": options.get("reasoning"),
            "max_output_tokens": options.get("max_tokens"),
        },
    )


def _check_v1(spec: ModelSpec, options: Mapping[str, Any]) -> None:
    for name in ("seed", "frequency_penalty", "presence_penalty", "reasoning"):
        if options.get(name) is not None:
            raise _unsupported(spec, name, f"{name} is a V2 option (V1 endpoints take none)")
    # The core's V1 rules: value ranges, then the fields the endpoint accepts.
    from wenxin_core.params import ChatParams  # V1 only: its pydantic model is built on use

    ChatParams.build(
        temperature=options.get("temperature"),
        top_p=options.get("top_p"),
        top_k=options.get("top_k"),
        penalty_score=options.get("penalty_score"),
        stop=options.get("stop") or None,
        user_id=options.get("user_id"),
    ).check_supported(spec)


def check_model_options(spec: ModelSpec, options: Mapping[str, Any]) -> None:
    """Check a model's configured options: their values, and that ``spec`` accepts them.

    ``options`` holds the instance's values by field name (``None`` or ``[]`` means unset;
    ``temperature=0`` counts as :data:`MIN_TEMPERATURE`). The rules are the core's, those it
    applies again to each call. On V1, ``max_tokens`` is left to the caller (a warning there).

    Raises:
        UnsupportedParameterError: an option ``spec`` does not accept.
        WenxinValidationError: a value out of range.

    """
    values = dict(options)
    if values.get("temperature") == 0:
        values["temperature"] = MIN_TEMPERATURE
    if spec.api == "v2":
        _check_v2(spec, values)
    else:
        _check_v1(spec, values)
