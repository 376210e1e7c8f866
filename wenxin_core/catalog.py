"""The model catalog: model name -> chat endpoint, input budget and accepted body fields.

The table ships as ``wenxin_core/data/qianfan-chat-models.csv`` (Baidu's model list). Names match
case-insensitively (the docs write ``Llama-2-13b-chat``, the SDK ``Llama-2-13B-Chat``); a
self-deployed service (how Dolly-12B is offered) is addressed with ``endpoint=``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from wenxin_core.errors import UnknownModelError, WenxinValidationError

__all__ = [
    "CUSTOM_ENDPOINT_FIELDS",
    "CUSTOM_ENDPOINT_MAX_INPUT_CHARS",
    "DEFAULT_MODEL",
    "ModelSpec",
    "list_models",
    "resolve_model",
]

DEFAULT_MODEL = "Llama-2-13b-chat"
"""The model both adapters use when neither ``model`` nor ``endpoint`` is given."""

CUSTOM_ENDPOINT_MAX_INPUT_CHARS = 4800
"""Character budget of a self-deployed service (the reference's rule for Dolly-12B)."""

CUSTOM_ENDPOINT_FIELDS = frozenset(
    {"stream", "temperature", "top_k", "top_p", "penalty_score", "stop", "user_id"}
)
"""Body fields sent to a self-deployed service (the open-model set of the reference)."""

_LAST_MESSAGE_LIMITS = {"llama_2_7b": 2000}
"""Endpoints whose last message has its own limit (Llama-2-7b-chat: 2,000 characters)."""

_TOTAL_BUDGET_OVERRIDES = {"llama_2_7b": 2000}
"""Llama-2-7b-chat forgets the oldest history until the total is within 2,000 characters."""


@dataclass(frozen=True)
class ModelSpec:
    """What the client must know about one chat model or self-deployed endpoint.

    Attributes:
        name: the catalog spelling (``"Llama-2-13B-Chat"``), or the endpoint for custom services.
        endpoint: the path suffix after ``/wenxinworkshop/chat/``.
        max_input_chars: the character budget of all message content and the system text.
        max_input_tokens: the token budget, when the table gives one.
        accepts_system: whether the ``system`` body field is accepted.
        accepts_max_output_tokens: whether ``max_output_tokens`` is accepted.
        accepts_top_k: whether ``top_k`` is accepted.
        accepts_penalty_score: whether ``penalty_score`` is accepted.
        deprecated: the name is an old alias kept by Baidu.
        accepted_fields: every body field besides ``messages`` the endpoint accepts.
        is_custom_endpoint: True for a self-deployed service given by ``endpoint=``.
        last_message_max_chars: a separate limit on the last (current) message, if any.

    """

    name: str
    endpoint: str
    max_input_chars: int
    max_input_tokens: int | None
    accepts_system: bool
    accepts_max_output_tokens: bool
    accepts_top_k: bool
    accepts_penalty_score: bool
    deprecated: bool
    accepted_fields: frozenset[str]
    is_custom_endpoint: bool = False
    last_message_max_chars: int | None = None

    @property
    def path(self) -> str:
        """The chat path relative to the base URL."""
        return f"/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/{self.endpoint}"

    def accepts(self, field: str) -> bool:
        """Whether the endpoint accepts the body field ``field``."""
        return field in self.accepted_fields


def _flag(value: str) -> bool:
    return value.strip() == "1"


@lru_cache(maxsize=1)
def _table() -> dict[str, ModelSpec]:
    text = (
        resources.files("wenxin_core")
        .joinpath("data/qianfan-chat-models.csv")
        .read_text(encoding="utf-8")
    )
    table: dict[str, ModelSpec] = {}
    for row in csv.DictReader(io.StringIO(text)):
        endpoint = row["endpoint"].strip()
        budget = int(row["max_input_chars"])
        spec = ModelSpec(
            name=row["name"].strip(),
            endpoint=endpoint,
            max_input_chars=_TOTAL_BUDGET_OVERRIDES.get(endpoint, budget),
            max_input_tokens=int(row["max_input_tokens"]) if row["max_input_tokens"] else None,
            accepts_system=_flag(row["accepts_system"]),
            accepts_max_output_tokens=_flag(row["accepts_max_output_tokens"]),
            accepts_top_k=_flag(row["accepts_top_k"]),
            accepts_penalty_score=_flag(row["accepts_penalty_score"]),
            deprecated=_flag(row["deprecated"]),
            accepted_fields=frozenset(row["accepted_body_fields"].split()),
            last_message_max_chars=_LAST_MESSAGE_LIMITS.get(endpoint),
        )
        table.setdefault(_key(spec.name), spec)
    return table


def _key(name: str) -> str:
    return name.strip().casefold()


def list_models() -> list[str]:
    """Every model name of the catalog, in the table's order."""
    return [spec.name for spec in _table().values()]


def custom_endpoint_spec(endpoint: str) -> ModelSpec:
    """The spec of a self-deployed service published under ``endpoint``."""
    return ModelSpec(
        name=endpoint,
        endpoint=endpoint,
        max_input_chars=CUSTOM_ENDPOINT_MAX_INPUT_CHARS,
        max_input_tokens=None,
        accepts_system=False,
        accepts_max_output_tokens=False,
        accepts_top_k=True,
        accepts_penalty_score=True,
        deprecated=False,
        accepted_fields=CUSTOM_ENDPOINT_FIELDS,
        is_custom_endpoint=True,
    )


def _check_endpoint(endpoint: str) -> str:
    value = endpoint.strip()
    if not value:
        raise WenxinValidationError("endpoint", "must be a non-empty endpoint suffix")
    if "://" in value or "/" in value:
        raise WenxinValidationError(
            "endpoint",
            "must be the service's endpoint suffix (e.g. 'ngxxxol8_test1'), not a URL or path",
        )
    return value


def resolve_model(model: str | None = None, endpoint: str | None = None) -> ModelSpec:
    """Return the spec for a catalog model name and/or a self-deployed endpoint.

    - ``model`` only: looked up case-insensitively in the catalog.
    - ``endpoint`` only: a self-deployed service with the open-model rules (4,800 characters).
    - both: the model's rules, sent to ``endpoint`` (a deployment of a catalog model).

    Raises:
        UnknownModelError: the name is not in the catalog; the message lists the known names.
        WenxinValidationError: neither was given, or the endpoint looks like a URL.

    """
    if model is None and endpoint is None:
        raise WenxinValidationError(
            "model", "give a catalog model name (e.g. 'Llama-2-13b-chat') or endpoint="
        )
    if model is None:
        assert endpoint is not None
        return custom_endpoint_spec(_check_endpoint(endpoint))
    spec = _table().get(_key(model))
    if spec is None:
        known = ", ".join(list_models())
        raise UnknownModelError(
            "model",
            f"unknown model {model!r}; known models: {known}. For a self-deployed service "
            "(e.g. Dolly-12B) pass endpoint='<your endpoint suffix>' instead",
        )
    if endpoint is not None:
        return replace(spec, endpoint=_check_endpoint(endpoint))
    return spec
