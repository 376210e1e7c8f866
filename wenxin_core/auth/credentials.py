"""Credential resolution: explicit arguments over environment variables, the API and the auth mode.

Qianfan has several kinds of keys that look alike and are not interchangeable:

* V2 (``api="v2"``, the default, ``https://qianfan.baidubce.com/v2``):

  - the console **API Key** (``api_key``, ``QIANFAN_API_KEY``), sent as
    ``Authorization: Bearer`` (mode ``"api_key"``);
  - the **account's IAM Access Key / Secret Key** (``access_key`` / ``secret_key``,
    ``QIANFAN_ACCESS_KEY`` / ``QIANFAN_SECRET_KEY``), which mint a BCE-BEARER token at
    ``iam_base_url`` (mode ``"iam_bearer"``).

* V1 (``api="v1"``, legacy, private deployments; the public V1 service was shut on 2026-08-31):

  - the **V1 application's API Key / Secret Key** (``qianfan_ak`` / ``qianfan_sk``,
    ``QIANFAN_AK`` / ``QIANFAN_SK``), exchanged for an OAuth access token (mode ``"token"``);
  - a ready **access token** (``access_token``, ``QIANFAN_ACCESS_TOKEN``; mode ``"fixed_token"``);
  - the **account's IAM Access Key / Secret Key** again, signing each request with bce-auth-v1
    (mode ``"iam"``).

``app_id`` (``QIANFAN_APP_ID``) names the V2 application a call bills to (the ``appid`` header).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Literal

import httpx
from pydantic import SecretStr

from wenxin_core.auth.bearer import BearerAuth
from wenxin_core.auth.iam_bearer import (
    DEFAULT_IAM_BASE_URL,
    DEFAULT_IAM_TOKEN_LIFETIME,
    IamBearerAuth,
    IamBearerProvider,
)
from wenxin_core.auth.signing import BceSigningAuth
from wenxin_core.auth.token import AccessTokenAuth, FixedTokenAuth, TokenProvider
from wenxin_core.errors import MissingCredentialsError, WenxinValidationError
from wenxin_core.redact import redact

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_BASE_URLS",
    "DEFAULT_IAM_BASE_URL",
    "DEFAULT_V1_BASE_URL",
    "ENV_VARS",
    "ApiVersion",
    "AuthMode",
    "Credentials",
    "build_auth",
]

ApiVersion = Literal["v1", "v2"]
"""``"v2"``: the live OpenAI-compatible interface (default); ``"v1"``: legacy deployments."""

DEFAULT_BASE_URL = "https://qianfan.baidubce.com/v2"
"""Qianfan V2's public base URL, used when neither ``base_url`` nor ``QIANFAN_BASE_URL`` is set."""

DEFAULT_V1_BASE_URL = "https://aip.baidubce.com"
"""Qianfan V1's base URL, the default with ``api="v1"`` (the public V1 service is shut)."""

DEFAULT_BASE_URLS: Mapping[ApiVersion, str] = {"v2": DEFAULT_BASE_URL, "v1": DEFAULT_V1_BASE_URL}
"""The default base URL of each API."""

AuthMode = Literal["api_key", "iam_bearer", "token", "fixed_token", "iam"]
"""V2: ``"api_key"`` (a console API Key as bearer), ``"iam_bearer"`` (IAM keys mint a bearer
token). V1: ``"token"`` (application keys -> access token), ``"fixed_token"`` (a given token),
``"iam"`` (IAM keys -> bce-auth-v1 signing)."""

ENV_VARS: Mapping[str, str] = {
    "api_key": "QIANFAN_API_KEY",
    "access_key": "QIANFAN_ACCESS_KEY",
    "secret_key": "QIANFAN_SECRET_KEY",
    "app_id": "QIANFAN_APP_ID",
    "iam_base_url": "QIANFAN_IAM_BASE_URL",
    "qianfan_ak": "QIANFAN_AK",
    "qianfan_sk": "QIANFAN_SK",
    "access_token": "QIANFAN_ACCESS_TOKEN",
    "base_url": "QIANFAN_BASE_URL",
}
"""The environment variable read for each argument of :meth:`Credentials.resolve`."""

_CREDENTIAL_FIELDS = (
    "api_key",
    "access_key",
    "secret_key",
    "qianfan_ak",
    "qianfan_sk",
    "access_token",
)
_ONLY_IN: Mapping[str, ApiVersion] = {
    "api_key": "v2",
    "qianfan_ak": "v1",
    "qianfan_sk": "v1",
    "access_token": "v1",
}
_PAIR_PARTNER = {
    "access_key": "secret_key",
    "secret_key": "access_key",
    "qianfan_ak": "qianfan_sk",
    "qianfan_sk": "qianfan_ak",
}
_PAIR_LABEL = {
    "access_key": "the account's IAM Access Key / Secret Key pair (V2: mints a BCE-BEARER "
    "token; V1: bce-auth-v1 signing)",
    "qianfan_ak": "the V1 application's API Key / Secret Key pair (V1 access-token mode)",
}
_PAIR_LABEL["secret_key"] = _PAIR_LABEL["access_key"]
_PAIR_LABEL["qianfan_sk"] = _PAIR_LABEL["qianfan_ak"]

_KINDS = {
    "v2": (
        "Qianfan V2 (api='v2', the default) takes either:\n"
        "  1. the console API Key (console: security / API Key, shaped bce-v3/ALTAK-...): "
        "argument api_key or env QIANFAN_API_KEY; sent as Authorization: Bearer.\n"
        "  2. the Baidu Cloud account's IAM Access Key + Secret Key (console: security / Access "
        "Key): arguments access_key + secret_key or env QIANFAN_ACCESS_KEY + QIANFAN_SECRET_KEY; "
        "they mint a BCE-BEARER token at iam_base_url.\n"
        "qianfan_ak / qianfan_sk (QIANFAN_AK / QIANFAN_SK) and access_token are V1 credentials."
    ),
    "v1": (
        "Qianfan V1 (api='v1', legacy private deployments) takes either:\n"
        "  1. a V1 application's API Key + Secret Key: arguments qianfan_ak + qianfan_sk or env "
        "QIANFAN_AK + QIANFAN_SK (exchanged for an access token), or a ready token: argument "
        "access_token or env QIANFAN_ACCESS_TOKEN.\n"
        "  2. the Baidu Cloud account's IAM Access Key + Secret Key: arguments access_key + "
        "secret_key or env QIANFAN_ACCESS_KEY + QIANFAN_SECRET_KEY (bce-auth-v1 signing).\n"
        "api_key (QIANFAN_API_KEY) is a V2 credential."
    ),
}

_ENV_PER_API = {
    "v2": ("QIANFAN_API_KEY", "QIANFAN_ACCESS_KEY", "QIANFAN_SECRET_KEY"),
    "v1": (
        "QIANFAN_AK",
        "QIANFAN_SK",
        "QIANFAN_ACCESS_TOKEN",
        "QIANFAN_ACCESS_KEY",
        "QIANFAN_SECRET_KEY",
    ),
}


def _describe(name: str, explicit: bool) -> str:
    return f"argument {name}" if explicit else f"env {ENV_VARS[name]}"


def _secret(value: str | SecretStr | None) -> SecretStr | None:
    """Normalise one input: strip whitespace; blank counts as not given."""
    if value is None:
        return None
    raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    raw = raw.strip()
    return SecretStr(raw) if raw else None


def _resolve_api(api: object) -> ApiVersion:
    if api == "v2":
        return "v2"
    if api == "v1":
        return "v1"
    raise WenxinValidationError("api", f"must be 'v2' (the default) or 'v1', got {api!r}")


@dataclass(frozen=True)
class Credentials:
    """Resolved credentials, API and URLs; build them with :meth:`resolve`.

    Only the fields of the chosen mode are set by :meth:`resolve`. The ``repr`` shows which
    fields are set, never their values.

    Attributes:
        api: ``"v2"`` or ``"v1"``.
        api_key: the V2 console API Key (mode ``"api_key"``).
        access_key: the account's IAM Access Key (modes ``"iam_bearer"`` and ``"iam"``).
        secret_key: the account's IAM Secret Key (modes ``"iam_bearer"`` and ``"iam"``).
        qianfan_ak: the V1 application's API Key (mode ``"token"``).
        qianfan_sk: the V1 application's Secret Key (mode ``"token"``).
        access_token: a fixed V1 access token (mode ``"fixed_token"``).
        app_id: the V2 application id sent as the ``appid`` header, if any.
        base_url: the service base URL, without a trailing slash.
        iam_base_url: the IAM service that mints BCE-BEARER tokens, without a trailing slash.

    """

    api: ApiVersion = "v2"
    api_key: SecretStr | None = None
    access_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    qianfan_ak: SecretStr | None = None
    qianfan_sk: SecretStr | None = None
    access_token: SecretStr | None = None
    app_id: str | None = None
    base_url: str = DEFAULT_BASE_URL
    iam_base_url: str = DEFAULT_IAM_BASE_URL

    def __post_init__(self) -> None:
        _resolve_api(self.api)
        if self._mode_or_none() is None:  # a Credentials always has a usable mode
            raise MissingCredentialsError(
                f"Credentials for api={self.api!r} need one of the credentials below.\n"
                + _KINDS[self.api]
            )

    def _mode_or_none(self) -> AuthMode | None:
        iam_pair = self.access_key is not None and self.secret_key is not None
        if self.api == "v2":
            if self.api_key is not None:
                return "api_key"
            return "iam_bearer" if iam_pair else None
        if self.access_token is not None:
            return "fixed_token"
        if iam_pair:
            return "iam"
        if self.qianfan_ak is not None and self.qianfan_sk is not None:
            return "token"
        return None

    @property
    def mode(self) -> AuthMode:
        """The auth mode, by precedence.

        V2: ``"api_key"`` over ``"iam_bearer"``; V1: ``"fixed_token"`` over ``"iam"`` over
        ``"token"``.
        """
        mode = self._mode_or_none()
        assert mode is not None  # guaranteed by __post_init__
        return mode

    @classmethod
    def resolve(
        cls,
        *,
        api: ApiVersion = "v2",
        api_key: str | SecretStr | None = None,
        access_key: str | SecretStr | None = None,
        secret_key: str | SecretStr | None = None,
        app_id: str | None = None,
        iam_base_url: str | None = None,
        qianfan_ak: str | SecretStr | None = None,
        qianfan_sk: str | SecretStr | None = None,
        access_token: str | SecretStr | None = None,
        base_url: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Credentials:
        """Resolve credentials from explicit arguments, else from the environment.

        If any credential argument is given (``api_key``, ``access_key``, ``secret_key``,
        ``qianfan_ak``, ``qianfan_sk``, ``access_token``), only the arguments are used (the
        environment's credentials are ignored entirely); otherwise the ``QIANFAN_*`` variables
        of :data:`ENV_VARS` are read. Within that one source, V2: an API Key wins over the IAM
        pair; V1: a fixed access token wins over the IAM pair, which wins over the application
        pair. Blank values count as not given. ``app_id``, ``iam_base_url`` and ``base_url`` come
        from the argument, else the environment, else the default (``base_url``'s depends on
        ``api``: :data:`DEFAULT_BASE_URLS`).

        Arguments of the other API are an error (``api="v1"`` with ``api_key``; ``api="v2"``
        with ``qianfan_ak``, ``qianfan_sk`` or ``access_token``); in the environment they are
        ignored while a credential of the asked API is there, and named in the error otherwise.

        Args:
            api: ``"v2"`` (default) or ``"v1"``.
            api_key: the V2 console API Key.
            access_key: the account's IAM Access Key.
            secret_key: the account's IAM Secret Key.
            app_id: the V2 application id (``appid`` header).
            iam_base_url: the IAM service minting BCE-BEARER tokens (V2 IAM mode).
            qianfan_ak: the V1 application's API Key.
            qianfan_sk: the V1 application's Secret Key.
            access_token: a ready V1 access token.
            base_url: the service base URL.
            env: the environment to read (default ``os.environ``).

        Raises:
            MissingCredentialsError: nothing usable was found, only half of a pair (the message
                names the missing argument and its environment variable), or credentials of
                the other API (the message names both the API asked and the credential).
            WenxinValidationError: ``api`` is not ``"v1"``/``"v2"``, or ``base_url`` /
                ``iam_base_url`` is not an http(s) URL.

        """
        version = _resolve_api(api)
        environ: Mapping[str, str] = os.environ if env is None else env
        given = {
            "api_key": _secret(api_key),
            "access_key": _secret(access_key),
            "secret_key": _secret(secret_key),
            "qianfan_ak": _secret(qianfan_ak),
            "qianfan_sk": _secret(qianfan_sk),
            "access_token": _secret(access_token),
        }
        explicit = any(value is not None for value in given.values())
        if not explicit:
            given = {name: _secret(environ.get(ENV_VARS[name])) for name in _CREDENTIAL_FIELDS}
        app = _resolve_plain("app_id", app_id, environ)
        url = _resolve_url("base_url", base_url, environ, DEFAULT_BASE_URLS[version])
        iam_url = _resolve_url("iam_base_url", iam_base_url, environ, DEFAULT_IAM_BASE_URL)

        def make(**secrets: SecretStr | None) -> Credentials:
            return cls(api=version, app_id=app, base_url=url, iam_base_url=iam_url, **secrets)

        foreign = [n for n, only in _ONLY_IN.items() if only != version and given[n] is not None]
        if explicit and foreign:
            raise _mismatch(version, foreign, explicit)
        if version == "v2":
            if given["api_key"] is not None:
                return make(api_key=given["api_key"])
            pairs: tuple[tuple[str, str], ...] = (("access_key", "secret_key"),)
        else:
            if given["access_token"] is not None:
                return make(access_token=given["access_token"])
            pairs = (("access_key", "secret_key"), ("qianfan_ak", "qianfan_sk"))
        for first, second in pairs:
            if given[first] is not None or given[second] is not None:
                _require_pair(given, first, second, explicit, version)
                return make(**{first: given[first], second: given[second]})
        if foreign:
            raise _mismatch(version, foreign, explicit)
        raise MissingCredentialsError(
            f"No Qianfan credentials for api={version!r} found: none were passed as arguments "
            f"and none of {', '.join(_ENV_PER_API[version])} is set.\n" + _KINDS[version]
        )

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}=SecretStr('**********')"
            for f in fields(self)
            if f.name in _CREDENTIAL_FIELDS and getattr(self, f.name) is not None
        )
        if self.app_id is not None:
            shown += ", app_id='***'"
        iam = f", iam_base_url={redact(self.iam_base_url)!r}" if self.mode == "iam_bearer" else ""
        return (
            f"Credentials(api={self.api!r}, mode={self.mode!r}, {shown}, "
            f"base_url={redact(self.base_url)!r}{iam})"
        )

    __str__ = __repr__


def _mismatch(version: ApiVersion, foreign: list[str], explicit: bool) -> MissingCredentialsError:
    found = ", ".join(_describe(name, explicit) for name in foreign)
    if version == "v1":
        message = (
            "api='v1' was asked, but api_key is a V2 credential (the console API Key, sent as "
            "Authorization: Bearer); V1 takes qianfan_ak/qianfan_sk, access_token or "
            "access_key+secret_key. Pass api='v2' (the default) to use api_key"
        )
    else:
        names = [n for n in ("qianfan_ak", "qianfan_sk") if n in foreign]
        parts = ["qianfan_ak/qianfan_sk"] if names else []
        if "access_token" in foreign:
            parts.append("access_token")
        plural = len(names) > 0 or len(parts) > 1
        message = (
            f"api='v2' (the default) was asked, but {' and '.join(parts)} "
            f"{'are V1 credentials' if plural else 'is a V1 credential'}; pass api='v1' for a "
            "private V1 deployment, or use api_key / access_key+secret_key for V2"
        )
    message += f" (found: {found})."
    if explicit:
        message += (
            " When any credential is passed as an argument, the QIANFAN_* environment "
            "variables are not consulted."
        )
    return MissingCredentialsError(message + "\n" + _KINDS[version])


def _resolve_plain(name: str, value: str | None, environ: Mapping[str, str]) -> str | None:
    raw = (value or "").strip() or (environ.get(ENV_VARS[name]) or "").strip()
    return raw or None


def _resolve_url(name: str, value: str | None, environ: Mapping[str, str], default: str) -> str:
    raw = (value or "").strip() or (environ.get(ENV_VARS[name]) or "").strip()
    url = (raw or default).rstrip("/")
    if not url.lower().startswith(("http://", "https://")):
        source = name if (value or "").strip() else ENV_VARS[name]
        raise WenxinValidationError(
            source, f"must be an http:// or https:// URL, got {redact(url)!r}"
        )
    return url


def _require_pair(
    given: Mapping[str, SecretStr | None],
    first: str,
    second: str,
    explicit: bool,
    version: ApiVersion,
) -> None:
    missing = second if given[first] is not None else first
    if given[missing] is not None:
        return
    present = _PAIR_PARTNER[missing]
    message = (
        f"Half a key pair: {_describe(present, explicit)} is set but {missing} is missing "
        f"(pass argument {missing} or set env {ENV_VARS[missing]}); both are needed for "
        f"{_PAIR_LABEL[missing]}."
    )
    others = [
        name for name in _PAIR_PARTNER if name not in (first, second) and given[name] is not None
    ]
    if others:
        verb = "belongs" if len(others) == 1 else "belong"
        message += (
            f" Note: {' and '.join(_describe(n, explicit) for n in others)} {verb} to "
            f"{_PAIR_LABEL[others[0]]}; keys of the two pairs cannot be mixed."
        )
    if explicit:
        message += (
            " (When any credential is passed as an argument, the QIANFAN_* environment "
            "variables are not consulted.)"
        )
    raise MissingCredentialsError(message + "\n" + _KINDS[version])


def build_auth(
    credentials: Credentials, *, iam_token_lifetime: int = DEFAULT_IAM_TOKEN_LIFETIME
) -> httpx.Auth:
    """Return a fresh httpx auth for ``credentials``' mode.

    V2: ``"api_key"`` -> :class:`~wenxin_core.auth.bearer.BearerAuth`; ``"iam_bearer"`` ->
    :class:`~wenxin_core.auth.iam_bearer.IamBearerAuth` over a new
    :class:`~wenxin_core.auth.iam_bearer.IamBearerProvider` minting tokens of
    ``iam_token_lifetime`` seconds at ``credentials.iam_base_url``. V1: ``"token"`` ->
    :class:`AccessTokenAuth` over a new :class:`TokenProvider`; ``"fixed_token"`` ->
    :class:`FixedTokenAuth`; ``"iam"`` -> :class:`BceSigningAuth`. Each call returns a new
    instance with its own token cache: share one instance between a sync and an async client to
    share the cache. The ``appid`` header (``credentials.app_id``) is the client's to send.

    Raises:
        WenxinValidationError: ``iam_token_lifetime`` is outside 300 s to 30 days (IAM mode).

    """
    mode = credentials.mode
    if mode == "api_key":
        assert credentials.api_key is not None
        return BearerAuth(credentials.api_key)
    if mode == "iam_bearer":
        assert credentials.access_key is not None and credentials.secret_key is not None
        provider = IamBearerProvider(
            credentials.access_key,
            credentials.secret_key,
            iam_base_url=credentials.iam_base_url,
            lifetime=iam_token_lifetime,
        )
        return IamBearerAuth(provider)
    if mode == "fixed_token":
        assert credentials.access_token is not None
        return FixedTokenAuth(credentials.access_token)
    if mode == "iam":
        assert credentials.access_key is not None and credentials.secret_key is not None
        return BceSigningAuth(credentials.access_key, credentials.secret_key)
    assert credentials.qianfan_ak is not None and credentials.qianfan_sk is not None
    return AccessTokenAuth(
        TokenProvider(credentials.qianfan_ak, credentials.qianfan_sk, base_url=credentials.base_url)
    )
