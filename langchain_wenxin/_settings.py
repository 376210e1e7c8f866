"""Credential settings of :class:`~langchain_wenxin.ChatWenxin`: field names, env variables, rule.

The field names are the core's argument names (the public spelling shared by the core and both
adapters), and each reads the environment variable :data:`wenxin_core.auth.ENV_VARS` gives it.

The rule mirrors the core's: if any credential is given as an argument, the environment's
credentials are not read at all; otherwise the credentials the chosen ``api`` uses are read from
the environment (V2: ``QIANFAN_API_KEY`` and the IAM pair; V1: ``QIANFAN_AK`` / ``QIANFAN_SK``,
``QIANFAN_ACCESS_TOKEN`` and the IAM pair). A credential of the other interface is left to the
core, which ignores it beside one of the asked interface and names both when it is alone.
``app_id``, ``iam_base_url`` and ``base_url`` are not credentials: the core reads each from its
argument, else its environment variable, whatever the credentials' source.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from pydantic import SecretStr

from wenxin_core.auth import ENV_VARS
from wenxin_core.errors import WenxinValidationError

__all__ = [
    "CREDENTIAL_FIELDS",
    "RENAMED_FIELDS",
    "check_renamed",
    "credentials_from_env",
    "secret_env_vars",
]

CREDENTIAL_FIELDS = (
    "api_key",
    "access_key",
    "secret_key",
    "qianfan_ak",
    "qianfan_sk",
    "access_token",
)
"""The credential fields: secrets (``SecretStr``, never shown or serialised); giving any of them
as an argument turns the environment's credentials off."""

RENAMED_FIELDS = {
    "iam_secret_key": "secret_key",
    "qianfan_iam_secret_key": "secret_key",
    "qianfan_access_key": "access_key",
    "qianfan_access_token": "access_token",
}
"""Credential spellings of the V1-era adapter -> today's field."""

_READ_FROM_ENV: dict[str, tuple[str, ...]] = {
    "v2": ("api_key", "access_key", "secret_key"),
    "v1": ("qianfan_ak", "qianfan_sk", "access_token", "access_key", "secret_key"),
}
"""The credential fields read from the environment, per interface."""


def secret_env_vars() -> dict[str, str]:
    """Secret field -> its environment variable (LangChain's ``lc_secrets``)."""
    return {name: ENV_VARS[name] for name in CREDENTIAL_FIELDS}


def credentials_from_env(
    api: Literal["v2", "v1"], environ: Mapping[str, str] | None = None
) -> dict[str, SecretStr]:
    """The credentials ``api`` uses that the environment sets (blank values count as unset)."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    found: dict[str, SecretStr] = {}
    for name in _READ_FROM_ENV[api]:
        value = (env.get(ENV_VARS[name]) or "").strip()
        if value:
            found[name] = SecretStr(value)
    return found


def check_renamed(values: Mapping[str, object]) -> None:
    """Refuse a V1-era credential spelling (it would otherwise land, visible, in ``model_kwargs``).

    Raises:
        WenxinValidationError: naming the old argument and its new name (never its value).

    """
    for old, new in RENAMED_FIELDS.items():
        if old in values:
            raise WenxinValidationError(
                old,
                f"was renamed {new!r}; pass it under that name (V1 application keys are "
                "'qianfan_ak' / 'qianfan_sk')",
                message=f"{old!r} was renamed {new!r}; pass it under that name (V1 application "
                "keys are 'qianfan_ak' / 'qianfan_sk')",
            )
