"""The credential fields of ``Wenxin``: their spelling, their environment, their hiding.

The spelling is the core's (the same in both adapters):

- V2 (the default): ``api_key`` (``QIANFAN_API_KEY``, sent as ``Authorization: Bearer``), or the
  account's IAM pair ``access_key`` / ``secret_key`` (``QIANFAN_ACCESS_KEY`` /
  ``QIANFAN_SECRET_KEY``), which mints a bearer token at ``iam_base_url``;
- V1 (``api="v1"``, legacy): the application pair ``qianfan_ak`` / ``qianfan_sk``
  (``QIANFAN_AK`` / ``QIANFAN_SK``), a ready ``access_token`` (``QIANFAN_ACCESS_TOKEN``), or the
  IAM pair signing each request.

The core's rule decides where credentials come from: when any credential argument is given, only
the arguments count; otherwise every credential is read from the environment, under the names of
:data:`wenxin_core.auth.ENV_VARS`. The values are ``SecretStr`` fields that no ``repr``,
``to_dict`` or error message shows.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from llama_index.core.bridge.pydantic import Field, SecretStr

from wenxin_core.auth import ENV_VARS
from wenxin_core.errors import WenxinValidationError

__all__ = [
    "CREDENTIAL_FIELDS",
    "RENAMED",
    "credential_arguments",
    "env_credentials",
    "env_name",
    "refuse_renamed",
    "secret_field",
]

CREDENTIAL_FIELDS = (
    "api_key",
    "access_key",
    "secret_key",
    "qianfan_ak",
    "qianfan_sk",
    "access_token",
)
"""The secret fields, in the core's keyword spelling."""


RENAMED: dict[str, str] = {
    "iam_secret_key": "secret_key",
    "qianfan_access_key": "access_key",
    "qianfan_secret_key": "secret_key",
}
"""V1-era keyword -> its name now (pydantic would otherwise drop it without a word)."""


def refuse_renamed(data: Mapping[str, Any]) -> None:
    """Raise for a credential keyword of the V1-era spelling (its value never shown).

    Raises:
        WenxinValidationError: naming the old keyword and the one to use.

    """
    for old, new in RENAMED.items():
        if old in data:
            raise WenxinValidationError(
                old,
                f"is the old spelling: pass {new}= (the account's IAM key); V1 application "
                "keys are qianfan_ak= / qianfan_sk= with api='v1'",
            )


def secret_field(description: str) -> Any:
    """A credential field: a ``SecretStr``, never serialised, never shown in a repr."""
    return Field(default=None, description=description, exclude=True, repr=False)


def env_name(field: str) -> str:
    """The environment variable read for the credential ``field``."""
    return ENV_VARS[field]


def credential_arguments(values: Mapping[str, Any]) -> dict[str, SecretStr]:
    """The credentials given as arguments (blank counts as not given)."""
    given: dict[str, SecretStr] = {}
    for name in CREDENTIAL_FIELDS:
        value = values.get(name)
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(raw, str) and raw.strip():
            given[name] = SecretStr(raw.strip())
    return given


def env_credentials(environ: Mapping[str, str] | None = None) -> dict[str, SecretStr]:
    """The credentials the environment holds, by field name (blank counts as unset)."""
    source = os.environ if environ is None else environ
    found: dict[str, SecretStr] = {}
    for name in CREDENTIAL_FIELDS:
        raw = (source.get(env_name(name)) or "").strip()
        if raw:
            found[name] = SecretStr(raw)
    return found
