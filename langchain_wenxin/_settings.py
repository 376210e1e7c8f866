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
from typing import Any, Literal

import httpx
from pydantic import BaseModel, SecretStr, ValidationError, model_validator
from typing_extensions import Self

from langchain_wenxin.errors import translate_error
from wenxin_core.auth import ENV_VARS, Credentials, build_auth
from wenxin_core.errors import WenxinError, WenxinValidationError

__all__ = [
    "CREDENTIAL_FIELDS",
    "RENAMED_FIELDS",
    "CredentialFields",
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


class CredentialFields(BaseModel):
    """The credential and connection fields of every class of the adapter, and their resolution.

    The fields, env rule and serialisation shared by :class:`~langchain_wenxin.ChatWenxin` and
    the V2-only service classes (embeddings, rerank): arguments win entirely, else the
    environment's credentials of :meth:`_credentials_api`; secrets are ``SecretStr`` and
    ``lc_secrets`` names their variables. :meth:`core_connection` resolves them into one auth
    (one token cache) shared by the sync and the async client.
    """

    api_key: SecretStr | None = None
    """V2: the console API Key (``QIANFAN_API_KEY``), sent as ``Authorization: Bearer``."""
    access_key: SecretStr | None = None
    """The account's IAM Access Key (``QIANFAN_ACCESS_KEY``); mints V2 tokens, signs V1 calls."""
    secret_key: SecretStr | None = None
    """The account's IAM Secret Key (``QIANFAN_SECRET_KEY``)."""
    qianfan_ak: SecretStr | None = None
    """V1 only: the application's API Key (``QIANFAN_AK``); refused by the core on V2."""
    qianfan_sk: SecretStr | None = None
    """V1 only: the application's Secret Key (``QIANFAN_SK``); refused by the core on V2."""
    access_token: SecretStr | None = None
    """V1 only: a ready access token (``QIANFAN_ACCESS_TOKEN``); refused by the core on V2."""
    app_id: str | None = None
    """V2: the application to bill (``QIANFAN_APP_ID``), sent as the ``appid`` header."""
    iam_base_url: str | None = None
    """V2: where the IAM pair mints tokens; default ``QIANFAN_IAM_BASE_URL``, else Baidu's IAM."""
    base_url: str | None = None
    """API base URL; default ``QIANFAN_BASE_URL``, else Baidu's (``.../v2`` on V2)."""

    def __init__(self, **data: Any) -> None:
        """Build the object; a V1-era credential spelling or a core error raises its own class.

        The spelling check runs before pydantic, whose errors would quote the (secret) input.
        """
        try:
            check_renamed(data)
        except WenxinError as exc:
            raise translate_error(exc) from None
        try:
            super().__init__(**data)
        except ValidationError as exc:
            for error in exc.errors():
                original = (error.get("ctx") or {}).get("error")
                if isinstance(original, WenxinError):
                    raise translate_error(original) from None
            raise
        except WenxinError as exc:
            raise translate_error(exc) from None

    def _credentials_api(self) -> Literal["v2", "v1"]:
        """The interface whose credentials are read and resolved (``ChatWenxin``: its ``api``)."""
        return "v2"

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Secret fields and the environment variables ``loads`` reads them from."""
        return secret_env_vars()

    @model_validator(mode="after")
    def _credentials_from_env(self) -> Self:
        """No credential argument: take the environment's credentials of the interface."""
        if all(getattr(self, name) is None for name in CREDENTIAL_FIELDS):
            # The core's rule: arguments win entirely, else the credentials come from env.
            for name, value in credentials_from_env(self._credentials_api()).items():
                object.__setattr__(self, name, value)
        return self

    def core_connection(self) -> tuple[httpx.Auth, str, str | None]:
        """A fresh auth for the credentials, the base URL and the app id (the core's rule).

        Raises:
            MissingCredentialsError: no usable credential of the interface (the core's error,
                naming both APIs when only the other's credentials are there).
            WenxinValidationError: a malformed ``base_url`` or ``iam_base_url``.

        """
        credentials = Credentials.resolve(
            api=self._credentials_api(),
            **{name: getattr(self, name) for name in CREDENTIAL_FIELDS},
            app_id=self.app_id,
            iam_base_url=self.iam_base_url,
            base_url=self.base_url,
        )
        return build_auth(credentials), credentials.base_url, credentials.app_id
