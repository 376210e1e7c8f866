"""Model defaults and per-call keyword arguments -> the core client's request options.

Every keyword LlamaIndex (or the user) passes to ``chat``/``complete``/... reaches the request:
the core's named options by name, ``extra_body`` as the core defines it, and any other keyword
as a model-specific body field in ``extra_body``, which the core checks against the model (so a
field the model does not take raises :class:`~wenxin_core.errors.UnsupportedParameterError`
instead of being dropped).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wenxin_core.errors import WenxinValidationError

__all__ = [
    "ALIASES",
    "FIELD_OPTIONS",
    "REQUEST_FIELDS",
    "V1_ONLY_OPTIONS",
    "default_options",
    "request_options",
]

FIELD_OPTIONS: dict[str, str] = {
    "temperature": "temperature",
    "top_p": "top_p",
    "penalty_score": "penalty_score",
    "stop": "stop",
    "max_tokens": "max_output_tokens",
    "seed": "seed",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "user_id": "user_id",
    "top_k": "top_k",
    "reasoning": "reasoning",
}
"""``Wenxin`` field -> the core's option: the defaults of every call (``None`` = unset)."""

_FIELD_PAIRS = tuple(FIELD_OPTIONS.items())

REQUEST_FIELDS = frozenset(
    {
        *FIELD_OPTIONS.values(),
        "system",
        "timeout",
        "model",
        "endpoint",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "web_search",
    }
)
"""Every named keyword forwarded to the core's ``chat``/``stream`` as is."""

V1_ONLY_OPTIONS = frozenset({"top_k", "endpoint"})
"""Options only the V1 API has."""

ALIASES = {"max_tokens": "max_output_tokens", "max_new_tokens": "max_output_tokens"}
"""Spellings from other LLM integrations, mapped to the core's option."""

_REFUSED = {
    "stream": "streaming is chosen by the method: use stream_chat()/stream_complete()",
    "messages": "pass the conversation as the messages argument",
}


def default_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """The core options of the ``Wenxin`` fields that are set (``values``: field -> value)."""
    options: dict[str, Any] = {}
    for field, option in _FIELD_PAIRS:  # a loop, not a comprehension: no function per call
        value = values.get(field)
        if value is not None:
            options[option] = value
    return options


def request_options(
    defaults: Mapping[str, Any],
    additional_kwargs: Mapping[str, Any],
    overrides: Mapping[str, Any],
) -> dict[str, Any]:
    """Merge model defaults, model-level ``additional_kwargs`` and per-call keywords.

    Args:
        defaults: the model's options, by the core's names (from :func:`default_options`).
        additional_kwargs: the model's ``additional_kwargs`` (extra body fields).
        overrides: the keywords of one call; ``None`` values leave the default in place.

    Returns:
        The keyword arguments for the core client's ``chat``/``stream``.

    Raises:
        WenxinValidationError: ``stream`` or ``messages`` was passed as a keyword, or
            ``extra_body`` is not a mapping.

    """
    options: dict[str, Any] = dict(defaults)
    extra: dict[str, Any] = dict(additional_kwargs)
    for raw_key, value in overrides.items():
        key = ALIASES.get(raw_key, raw_key)
        if key in _REFUSED:
            raise WenxinValidationError(key, _REFUSED[key])
        if value is None:
            continue
        if key in REQUEST_FIELDS:
            options[key] = value
        elif key in ("extra_body", "additional_kwargs"):
            if not isinstance(value, Mapping):
                raise WenxinValidationError(key, "must be a mapping of body fields to values")
            extra.update(value)
        else:
            extra[key] = value
    if extra:
        options["extra_body"] = extra
    return options
