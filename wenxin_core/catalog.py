"""The model catalog: model id -> what it accepts (V2) or its V1 endpoint and budget.

Two tables ship in ``wenxin_core/data``:

* ``qianfan-v2-models.csv``: the V2 preset ids (and the seeds' models as services a user would
  redeploy under their old names) with each one's context window, output limit, accepted
  sampling options, tools, ``tool_choice``, JSON modes and reasoning switch. An id the table does
  not know passes through (it may be a user's own service) with conservative capabilities:
  :func:`resolve_model` with ``api="v2"`` never rejects an id.
* ``qianfan-chat-models.csv``: the legacy V1 names and endpoints (``api="v1"``). Names match
  case-insensitively; a self-deployed V1 service is addressed with ``endpoint=``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from wenxin_core.errors import UnknownModelError, WenxinValidationError

__all__ = [
    "CUSTOM_ENDPOINT_FIELDS",
    "CUSTOM_ENDPOINT_MAX_INPUT_CHARS",
    "DEFAULT_MODEL",
    "DEFAULT_V1_MODEL",
    "Api",
    "ModelSpec",
    "ReasoningSwitch",
    "list_models",
    "resolve_model",
    "unknown_v2_spec",
]

Api = Literal["v1", "v2"]
"""The wire protocol: ``"v2"`` (the live service, the default) or ``"v1"`` (legacy)."""

ReasoningSwitch = Literal["none", "always", "thinking", "enable_thinking"]
"""How a V2 model's thinking is switched: ``none`` (not a reasoning model), ``always`` (always
thinks, no switch), ``thinking`` (``{"thinking": {"type": "enabled"}}``, DeepSeek/GLM/Kimi) or
``enable_thinking`` (``"enable_thinking": true``, Qwen3/ERNIE VL/ERNIE 5.0 thinking)."""

DEFAULT_MODEL = "ernie-4.5-turbo-32k"
"""The V2 preset both adapters use when no ``model`` is given."""

DEFAULT_V1_MODEL = "Llama-2-13b-chat"
"""The V1 model used when ``api="v1"`` and neither ``model`` nor ``endpoint`` is given."""

V2_SAMPLING_OPTIONS = frozenset(
    {
        "temperature",
        "top_p",
        "penalty_score",
        "stop",
        "seed",
        "frequency_penalty",
        "presence_penalty",
    }
)
"""Every V2 sampling option a model may accept (an unknown id is assumed to accept them all)."""

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
        api: the wire protocol the spec is for (``"v1"`` or ``"v2"``).
        known: False for a V2 id the catalog does not know (conservative capabilities).
        kind: ``"preset"`` (a V2 preset id), ``"service"`` (a user's deployed service) or
            ``"v1"``.
        context_window: the V2 context window in tokens, when known.
        max_output_tokens: the largest ``max_tokens`` a V2 model takes, when known.
        sampling: the V2 sampling options the model accepts.
        tools: the model takes ``tools`` (tool calling).
        tool_choice: the model honours ``tool_choice``.
        json_object: the model takes ``response_format: {"type": "json_object"}``.
        json_schema: the model takes ``response_format: {"type": "json_schema"}``.
        reasoning: how the model's thinking is switched (:data:`ReasoningSwitch`).
        last_turn_user_only: the last message must be ``user`` (a ``tool`` turn is refused).
        vision: the model takes image parts.

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
    api: Api = "v1"
    known: bool = True
    kind: Literal["preset", "service", "v1"] = "v1"
    context_window: int | None = None
    max_output_tokens: int | None = None
    sampling: frozenset[str] = frozenset()
    tools: bool = False
    tool_choice: bool = False
    json_object: bool = False
    json_schema: bool = False
    reasoning: ReasoningSwitch = "none"
    last_turn_user_only: bool = False
    vision: bool = False

    @property
    def path(self) -> str:
        """The chat path relative to the base URL."""
        if self.api == "v2":
            return "/chat/completions"
        return f"/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/{self.endpoint}"

    @property
    def is_reasoning_model(self) -> bool:
        """Whether the model can answer with reasoning text."""
        return self.reasoning != "none"

    def accepts(self, field: str) -> bool:
        """Whether the endpoint accepts the body field ``field``."""
        return field in self.accepted_fields

    def with_overrides(self, overrides: Mapping[str, Any]) -> ModelSpec:
        """A copy with some capabilities replaced (e.g. ``{"tools": True}`` for a service).

        Raises:
            WenxinValidationError: a key is not a field of :class:`ModelSpec`.

        """
        names = {f.name for f in fields(self)}
        for key in overrides:
            if key not in names:
                raise WenxinValidationError(
                    "capabilities", f"{key!r} is not a model capability; known: {sorted(names)}"
                )
        values = dict(overrides)
        if "sampling" in values:
            values["sampling"] = frozenset(values["sampling"])
        return replace(self, **values)


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


@lru_cache(maxsize=1)
def _v2_table() -> dict[str, ModelSpec]:
    text = (
        resources.files("wenxin_core")
        .joinpath("data/qianfan-v2-models.csv")
        .read_text(encoding="utf-8")
    )
    table: dict[str, ModelSpec] = {}
    for row in csv.DictReader(io.StringIO(text)):
        context = int(row["context_window"])
        model_id = row["id"].strip()
        kind: Literal["preset", "service"] = "service" if row["kind"] == "service" else "preset"
        reasoning: ReasoningSwitch = row["reasoning"].strip()  # type: ignore[assignment]
        table[_key(model_id)] = ModelSpec(
            name=model_id,
            endpoint=model_id,
            max_input_chars=context,
            max_input_tokens=context,
            accepts_system=True,
            accepts_max_output_tokens=True,
            accepts_top_k=False,
            accepts_penalty_score="penalty_score" in row["sampling"].split(),
            deprecated=False,
            accepted_fields=frozenset(row["sampling"].split()),
            api="v2",
            kind=kind,
            context_window=context,
            max_output_tokens=int(row["max_output_tokens"]),
            sampling=frozenset(row["sampling"].split()),
            tools=_flag(row["tools"]),
            tool_choice=_flag(row["tool_choice"]),
            json_object=_flag(row["json_object"]),
            json_schema=_flag(row["json_schema"]),
            reasoning=reasoning,
            last_turn_user_only=_flag(row["last_turn_user_only"]),
            vision=_flag(row["vision"]),
        )
    return table


_UNBOUNDED_CHARS = 10**9
"""The character budget of an unknown V2 id: nothing is trimmed, the service decides."""


def unknown_v2_spec(model_id: str) -> ModelSpec:
    """The conservative spec of a V2 id the catalog does not know (a user's own service).

    Every sampling option passes through (the service decides), nothing is trimmed, and no
    capability is claimed: no tools, no JSON modes, no reasoning switch. Override with
    ``capabilities=`` on the clients (:meth:`ModelSpec.with_overrides`).
    """
    return ModelSpec(
        name=model_id,
        endpoint=model_id,
        max_input_chars=_UNBOUNDED_CHARS,
        max_input_tokens=None,
        accepts_system=True,
        accepts_max_output_tokens=True,
        accepts_top_k=False,
        accepts_penalty_score=True,
        deprecated=False,
        accepted_fields=V2_SAMPLING_OPTIONS,
        api="v2",
        known=False,
        kind="service",
        sampling=V2_SAMPLING_OPTIONS,
    )


def list_models(api: Api = "v2") -> list[str]:
    """Every model id of the catalog for ``api``, in the table's order."""
    table = _v2_table() if api == "v2" else _table()
    return [spec.name for spec in table.values()]


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


def resolve_model(
    model: str | None = None, endpoint: str | None = None, *, api: Api = "v1"
) -> ModelSpec:
    """Return the spec for a model id (V2) or a catalog name and/or endpoint (V1).

    With ``api="v2"``: ``model`` is a preset id or a deployed service's API name, matched
    case-insensitively against the V2 table; an unknown id passes through
    (:func:`unknown_v2_spec`). ``endpoint`` is a V1 notion and is refused.

    With ``api="v1"`` (the legacy default of this function):

    - ``model`` only: looked up case-insensitively in the catalog.
    - ``endpoint`` only: a self-deployed service with the open-model rules (4,800 characters).
    - both: the model's rules, sent to ``endpoint`` (a deployment of a catalog model).

    Raises:
        UnknownModelError: the name is not in the catalog; the message lists the known names.
        WenxinValidationError: neither was given, or the endpoint looks like a URL.

    """
    if api == "v2":
        return _resolve_v2(model, endpoint)
    if model is None and endpoint is None:
        raise WenxinValidationError(
            "model", "give a catalog model name (e.g. 'Llama-2-13b-chat') or endpoint="
        )
    if model is None:
        assert endpoint is not None
        return custom_endpoint_spec(_check_endpoint(endpoint))
    spec = _table().get(_key(model))
    if spec is None:
        known = ", ".join(list_models("v1"))
        raise UnknownModelError(
            "model",
            f"unknown model {model!r}; known models: {known}. For a self-deployed service "
            "(e.g. Dolly-12B) pass endpoint='<your endpoint suffix>' instead",
        )
    if endpoint is not None:
        return replace(spec, endpoint=_check_endpoint(endpoint))
    return spec


def _resolve_v2(model: str | None, endpoint: str | None) -> ModelSpec:
    if endpoint is not None:
        raise WenxinValidationError(
            "endpoint",
            "is a V1 setting; on V2 a deployed service is called by its API name: "
            "model='<service API name>' (or pass api='v1' for a private V1 deployment)",
        )
    if model is None or not model.strip():
        raise WenxinValidationError(
            "model", f"must be a V2 model id or service name (e.g. {DEFAULT_MODEL!r})"
        )
    value = model.strip()
    if "/" in value or any(ch.isspace() for ch in value):
        raise WenxinValidationError(
            "model", "must be a model id or service name, without '/' or spaces"
        )
    return _v2_table().get(_key(value)) or unknown_v2_spec(value)
