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
``to_dict`` or error message shows. :class:`CredentialFields` declares them (and ``app_id``,
``iam_base_url``, ``base_url``) once for ``Wenxin`` and the V2 service classes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from llama_index.core.bridge.pydantic import BaseModel, Field, SecretStr

from wenxin_core.auth import ENV_VARS
from wenxin_core.errors import WenxinValidationError

__all__ = [
    "CREDENTIAL_FIELDS",
    "RENAMED",
    "CredentialFields",
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


class CredentialFields(BaseModel):
    """The credential fields of ``Wenxin`` and the V2 service classes, and the core's rule.

    The six secrets (``SecretStr``, never serialised nor shown in a repr) and the connection
    settings ``app_id``, ``iam_base_url`` and ``base_url``. A V1-era keyword is refused before
    pydantic sees it; :meth:`_credentials_given` applies the env rule after validation.
    """

    api_key: SecretStr | None = secret_field("V2 console API Key (env QIANFAN_API_KEY).")
    access_key: SecretStr | None = secret_field(
        "Account IAM Access Key (env QIANFAN_ACCESS_KEY): mints V2 tokens, signs V1 requests."
    )
    secret_key: SecretStr | None = secret_field(
        "Account IAM Secret Key (env QIANFAN_SECRET_KEY), with access_key."
    )
    qianfan_ak: SecretStr | None = secret_field("V1 only: application API Key (env QIANFAN_AK).")
    qianfan_sk: SecretStr | None = secret_field("V1 only: application Secret Key (env QIANFAN_SK).")
    access_token: SecretStr | None = secret_field(
        "V1 only: a ready access token (env QIANFAN_ACCESS_TOKEN)."
    )
    app_id: str | None = Field(
        default=None, description="V2 application id sent as the appid header (QIANFAN_APP_ID)."
    )
    iam_base_url: str | None = Field(
        default=None,
        description="IAM host minting V2 tokens from access_key/secret_key "
        "(env QIANFAN_IAM_BASE_URL, default https://iam.bj.baidubce.com).",
    )
    base_url: str | None = Field(
        default=None,
        description="Service base URL (env QIANFAN_BASE_URL; default "
        "https://qianfan.baidubce.com/v2, or https://aip.baidubce.com on V1).",
    )

    def __init__(self, **data: Any) -> None:
        """Refuse a V1-era credential keyword (its value never shown), then validate.

        Raises:
            WenxinValidationError: ``iam_secret_key`` or another V1-era keyword, naming the one
                to use.

        """
        refuse_renamed(data)
        super().__init__(**data)

    def _credentials_given(self) -> dict[str, SecretStr]:
        """The credentials given as arguments; with none, the fields take the environment's.

        The core's rule: when no credential argument is given, every credential comes from the
        environment (the returned mapping is then empty: the core reads the environment too).
        """
        given = credential_arguments({name: getattr(self, name) for name in CREDENTIAL_FIELDS})
        if not given:
            for name, value in env_credentials().items():
                setattr(self, name, value)
        return given
