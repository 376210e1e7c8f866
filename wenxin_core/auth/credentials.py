"""Credential resolution: explicit arguments over environment variables, and the auth mode.

Qianfan has two key pairs that look alike and are not interchangeable:

* the **application's API Key / Secret Key** (``api_key`` / ``secret_key``, ``QIANFAN_AK`` /
  ``QIANFAN_SK``), exchanged for an OAuth access token (mode ``"token"``); a ready-made token can
  be given instead (``access_token``, ``QIANFAN_ACCESS_TOKEN``; mode ``"fixed_token"``);
* the **account's IAM Access Key / Secret Key** (``access_key`` / ``iam_secret_key``,
  ``QIANFAN_ACCESS_KEY`` / ``QIANFAN_SECRET_KEY``), used to sign each request with bce-auth-v1
  (mode ``"iam"``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Literal

import httpx
from pydantic import SecretStr

from wenxin_core.auth.signing import BceSigningAuth
from wenxin_core.auth.token import AccessTokenAuth, FixedTokenAuth, TokenProvider
from wenxin_core.errors import MissingCredentialsError, WenxinValidationError
from wenxin_core.redact import redact

__all__ = ["DEFAULT_BASE_URL", "ENV_VARS", "AuthMode", "Credentials", "build_auth"]

DEFAULT_BASE_URL = "https://aip.baidubce.com"
"""Qianfan's public base URL, used when neither ``base_url`` nor ``QIANFAN_BASE_URL`` is set."""

AuthMode = Literal["iam", "token", "fixed_token"]
"""``"token"``: application keys -> access token; ``"fixed_token"``: a given token;
``"iam"``: account IAM keys -> bce-auth-v1 signing."""

ENV_VARS: dict[str, str] = {
    "api_key": "QIANFAN_AK",
    "secret_key": "QIANFAN_SK",
    "access_token": "QIANFAN_ACCESS_TOKEN",
    "access_key": "QIANFAN_ACCESS_KEY",
    "iam_secret_key": "QIANFAN_SECRET_KEY",
    "base_url": "QIANFAN_BASE_URL",
}
"""The environment variable read for each argument of :meth:`Credentials.resolve`."""

_CREDENTIAL_FIELDS = ("api_key", "secret_key", "access_token", "access_key", "iam_secret_key")

_PAIR_PARTNER = {
    "api_key": "secret_key",
    "secret_key": "api_key",
    "access_key": "iam_secret_key",
    "iam_secret_key": "access_key",
}

_PAIR_LABEL = {
    "api_key": "the application's API Key / Secret Key pair (access-token mode)",
    "secret_key": "the application's API Key / Secret Key pair (access-token mode)",
    "access_key": "the account's IAM Access Key / Secret Key pair (bce-auth-v1 signing mode)",
    "iam_secret_key": "the account's IAM Access Key / Secret Key pair (bce-auth-v1 signing mode)",
}

_TWO_PAIRS = (
    "Qianfan has two different key pairs, and they are not interchangeable:\n"
    "  1. access-token mode: the API Key and Secret Key of a Qianfan *application* (console: "
    "application list) - arguments api_key + secret_key, or env QIANFAN_AK + QIANFAN_SK; they "
    "are exchanged for an access token. A ready-made token can be given instead: argument "
    "access_token or env QIANFAN_ACCESS_TOKEN.\n"
    "  2. IAM signing mode: the Access Key and Secret Key of the Baidu Cloud *account* (IAM, "
    "console: security / Access Key) - arguments access_key + iam_secret_key, or env "
    "QIANFAN_ACCESS_KEY + QIANFAN_SECRET_KEY; every request is signed with bce-auth-v1.\n"
    "Application keys used as IAM keys fail with error 14; IAM keys used as application keys "
    "fail with invalid_client."
)


def _describe(name: str, explicit: bool) -> str:
    return f"argument {name}" if explicit else f"env {ENV_VARS[name]}"


def _secret(value: str | SecretStr | None) -> SecretStr | None:
    """Normalise one input: strip whitespace; blank counts as not given."""
    if value is None:
        return None
    raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    raw = raw.strip()
    return SecretStr(raw) if raw else None


@dataclass(frozen=True)
class Credentials:
    """Resolved credentials and base URL; build them with :meth:`resolve`.

    Only the fields of the chosen mode are set by :meth:`resolve`. The ``repr`` shows which
    fields are set, never their values.

    Attributes:
        api_key: the application's API Key (token mode).
        secret_key: the application's Secret Key (token mode).
        access_token: a fixed access token (fixed_token mode).
        access_key: the account's IAM Access Key (iam mode).
        iam_secret_key: the account's IAM Secret Key (iam mode).
        base_url: the service base URL, without a trailing slash.

    """

    api_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    access_token: SecretStr | None = None
    access_key: SecretStr | None = None
    iam_secret_key: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL

    def __post_init__(self) -> None:
        if self._mode_or_none() is None:  # a Credentials always has a usable mode
            raise MissingCredentialsError(
                "Credentials need an access token, an IAM Access Key + Secret Key pair, or an "
                "application API Key + Secret Key pair.\n" + _TWO_PAIRS
            )

    def _mode_or_none(self) -> AuthMode | None:
        if self.access_token is not None:
            return "fixed_token"
        if self.access_key is not None and self.iam_secret_key is not None:
            return "iam"
        if self.api_key is not None and self.secret_key is not None:
            return "token"
        return None

    @property
    def mode(self) -> AuthMode:
        """The auth mode: ``"fixed_token"`` > ``"iam"`` > ``"token"`` by precedence."""
        mode = self._mode_or_none()
        assert mode is not None  # guaranteed by __post_init__
        return mode

    @classmethod
    def resolve(
        cls,
        *,
        api_key: str | SecretStr | None = None,
        secret_key: str | SecretStr | None = None,
        access_token: str | SecretStr | None = None,
        access_key: str | SecretStr | None = None,
        iam_secret_key: str | SecretStr | None = None,
        base_url: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Credentials:
        """Resolve credentials from explicit arguments, else from the environment.

        If any credential argument is given, only the arguments are used (the environment's
        credentials are ignored entirely); otherwise the ``QIANFAN_*`` variables are read. Within
        that one source: a fixed access token wins over an IAM pair, which wins over an
        application API Key pair. Blank values count as not given. ``base_url`` comes from the
        argument, else ``QIANFAN_BASE_URL``, else :data:`DEFAULT_BASE_URL`.

        Raises:
            MissingCredentialsError: nothing usable was found, or only half of a pair (the
                message names the missing argument and its environment variable).
            WenxinValidationError: ``base_url`` is not an http(s) URL.

        """
        environ: Mapping[str, str] = os.environ if env is None else env
        given = {
            "api_key": _secret(api_key),
            "secret_key": _secret(secret_key),
            "access_token": _secret(access_token),
            "access_key": _secret(access_key),
            "iam_secret_key": _secret(iam_secret_key),
        }
        explicit = any(value is not None for value in given.values())
        if not explicit:
            given = {name: _secret(environ.get(ENV_VARS[name])) for name in _CREDENTIAL_FIELDS}
        url = _resolve_base_url(base_url, environ)

        if given["access_token"] is not None:
            return cls(access_token=given["access_token"], base_url=url)
        for first, second in (("access_key", "iam_secret_key"), ("api_key", "secret_key")):
            if given[first] is not None or given[second] is not None:
                _require_pair(given, first, second, explicit)
                return cls(**{first: given[first], second: given[second]}, base_url=url)
        raise MissingCredentialsError(
            "No Qianfan credentials found: none were passed as arguments and none of "
            "QIANFAN_AK, QIANFAN_SK, QIANFAN_ACCESS_TOKEN, QIANFAN_ACCESS_KEY, QIANFAN_SECRET_KEY "
            "is set.\n" + _TWO_PAIRS
        )

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}=SecretStr('**********')"
            for f in fields(self)
            if f.name in _CREDENTIAL_FIELDS and getattr(self, f.name) is not None
        )
        return f"Credentials(mode={self.mode!r}, {shown}, base_url={redact(self.base_url)!r})"

    __str__ = __repr__


def _resolve_base_url(base_url: str | None, environ: Mapping[str, str]) -> str:
    raw = (base_url or "").strip() or (environ.get(ENV_VARS["base_url"]) or "").strip()
    url = (raw or DEFAULT_BASE_URL).rstrip("/")
    if not url.lower().startswith(("http://", "https://")):
        source = "base_url" if (base_url or "").strip() else ENV_VARS["base_url"]
        raise WenxinValidationError(
            source, f"must be an http:// or https:// URL, got {redact(url)!r}"
        )
    return url


def _require_pair(
    given: Mapping[str, SecretStr | None], first: str, second: str, explicit: bool
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
    raise MissingCredentialsError(message + "\n" + _TWO_PAIRS)


def build_auth(credentials: Credentials) -> httpx.Auth:
    """Return a fresh httpx auth for ``credentials``' mode.

    ``"token"`` -> :class:`AccessTokenAuth` over a new :class:`TokenProvider`; ``"fixed_token"``
    -> :class:`FixedTokenAuth`; ``"iam"`` -> :class:`BceSigningAuth`. Each call returns a new
    instance with its own token cache: share one instance between a sync and an async client to
    share the cache.
    """
    mode = credentials.mode
    if mode == "fixed_token":
        assert credentials.access_token is not None
        return FixedTokenAuth(credentials.access_token)
    if mode == "iam":
        assert credentials.access_key is not None and credentials.iam_secret_key is not None
        return BceSigningAuth(credentials.access_key, credentials.iam_secret_key)
    assert credentials.api_key is not None and credentials.secret_key is not None
    return AccessTokenAuth(
        TokenProvider(credentials.api_key, credentials.secret_key, base_url=credentials.base_url)
    )
