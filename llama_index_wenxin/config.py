"""Construction-time checks of a ``Wenxin`` configuration, and the core clients' options.

A bad configuration fails when the model is built, not at its first call: the model and its
capabilities, the credentials, the options of the other API (``top_k`` on V2), a value outside
its range or an option the model does not take (the core's rules, applied as a call would).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pydantic import SecretStr

from llama_index_wenxin.options import V1_ONLY_OPTIONS
from wenxin_core.catalog import Api, ModelSpec, resolve_model
from wenxin_core.client import WenxinClient
from wenxin_core.errors import WenxinValidationError

__all__ = ["ClientSettings", "check_options", "client_options", "resolve_spec"]

_V2_ONLY_OPTIONS = frozenset({"seed", "frequency_penalty", "presence_penalty", "reasoning"})

_PROBE_TURN = {"role": "user", "content": "?"}
"""The one turn of the request :func:`check_options` prepares (and never sends)."""

_CONNECTION_FIELDS = (
    "rate_limit",
    "app_id",
    "iam_base_url",
    "endpoint",
    "base_url",
    "timeout",
    "overflow",
    "capabilities",
)


class ClientSettings(Protocol):
    """The fields of ``Wenxin`` that configure its core clients (read only here)."""

    @property
    def api(self) -> Api:
        """The wire protocol."""

    @property
    def max_retries(self) -> int:
        """Retries of retryable failures."""


def resolve_spec(
    model: str | None, endpoint: str | None, api: Api, capabilities: Mapping[str, Any] | None
) -> ModelSpec:
    """The catalog's spec of the model, with the caller's capability overrides.

    Raises:
        UnknownModelError: a V1 name the catalog does not know.
        WenxinValidationError: ``endpoint`` on V2, or a capability that is not a spec field.

    """
    spec = resolve_model(model, endpoint, api=api)
    return spec.with_overrides(capabilities) if capabilities else spec


def check_options(
    spec: ModelSpec,
    options: Mapping[str, Any],
    client: WenxinClient,
    extra_body: Mapping[str, Any] | None = None,
) -> None:
    """Check the model-level options (the core's names) as a call would, before any call.

    An option of the other API is named with the API it belongs to; every other rule (names,
    ranges, what the model accepts, the reasoning switch) is the core's own, applied by
    preparing (not sending) a one-turn request.

    Raises:
        WenxinValidationError: an option of the other API, or a value outside its range.
        UnsupportedParameterError: an option the model does not accept.

    """
    wrong_api = V1_ONLY_OPTIONS if spec.api == "v2" else _V2_ONLY_OPTIONS
    for name in options:
        if name in wrong_api:
            other = "v1" if spec.api == "v2" else "v2"
            raise WenxinValidationError(
                name, f"is an option of the {other.upper()} API only (api={other!r})"
            )
    probe = dict(options)
    if extra_body:
        probe["extra_body"] = dict(extra_body)
    client.prepare([_PROBE_TURN], stream=False, options=probe)


def client_options(
    settings: ClientSettings, credentials: Mapping[str, SecretStr]
) -> dict[str, Any]:
    """The core clients' keyword options: the API, the credentials given, the connection.

    Only credentials given as arguments are passed: without any, the core reads every
    credential from the environment itself (and names the variables in its errors).
    """
    options: dict[str, Any] = {"api": settings.api, **credentials}
    options["max_retries"] = settings.max_retries
    for name in _CONNECTION_FIELDS:
        options[name] = getattr(settings, name)
    return options
