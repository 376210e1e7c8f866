"""Per-call keyword arguments -> the core client's request options.

Every keyword LlamaIndex (or the user) passes to ``chat``/``complete``/... reaches the request:
the sampling options by name, ``timeout`` and ``extra_body`` as the core defines them, and any
other keyword as a model-specific body field in ``extra_body``, which the core checks against the
model's accepted fields (so a field the model does not take raises
:class:`~wenxin_core.errors.UnsupportedParameterError` instead of being dropped).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wenxin_core.errors import WenxinValidationError

__all__ = ["ALIASES", "REQUEST_FIELDS", "SAMPLING_FIELDS", "request_options"]

SAMPLING_FIELDS = (
    "temperature",
    "top_p",
    "top_k",
    "penalty_score",
    "stop",
    "user_id",
    "max_output_tokens",
)
"""Sampling options the core takes as named keywords (model defaults, overridable per call)."""

REQUEST_FIELDS = (*SAMPLING_FIELDS, "system", "timeout", "model", "endpoint")
"""Every named keyword forwarded to the core's ``chat``/``stream`` as is."""

ALIASES = {"max_tokens": "max_output_tokens", "max_new_tokens": "max_output_tokens"}
"""Common spellings from other LLM integrations, mapped to the Qianfan field."""

_REFUSED = {
    "stream": "streaming is chosen by the method: use stream_chat()/stream_complete()",
    "messages": "pass the conversation as the messages argument",
}


def request_options(
    defaults: Mapping[str, Any],
    additional_kwargs: Mapping[str, Any],
    overrides: Mapping[str, Any],
) -> dict[str, Any]:
    """Merge model defaults, model-level ``additional_kwargs`` and per-call keywords.

    Args:
        defaults: the model's sampling options (``None`` values mean unset).
        additional_kwargs: the model's ``additional_kwargs`` (extra body fields).
        overrides: the keywords of one call; ``None`` values leave the default in place.

    Returns:
        The keyword arguments for the core client's ``chat``/``stream``.

    Raises:
        WenxinValidationError: ``stream`` or ``messages`` was passed as a keyword.

    """
    options: dict[str, Any] = {k: v for k, v in defaults.items() if v is not None}
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
