"""V2 IAM mode: the account's IAM Access Key / Secret Key mint a BCE-BEARER token.

``GET {iam_base_url}/v1/BCE-BEARER/token?expireInSeconds=<n>``, signed with bce-auth-v1
(:mod:`wenxin_core.auth.signing`, host of ``iam_base_url``), answers
``{"userId", "token", "status", "createTime", "expireTime"}``. :class:`IamBearerProvider` builds
that request and parses the answer; the cache, single flight and compare-and-clear come from
:mod:`wenxin_core.auth.cached`. :class:`IamBearerAuth` sends the token as
``Authorization: Bearer <token>``; when the service answers HTTP 401 ``invalid_iam_token`` the
client calls :meth:`IamBearerAuth.rejected` and replays once, which mints a new token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx
from pydantic import SecretStr

from wenxin_core import jsonsafe
from wenxin_core.auth.bearer import bearer_of
from wenxin_core.auth.cached import (
    DEFAULT_REFRESH_MARGIN,
    SHORT_LIFETIME,
    CachedTokenProvider,
    RefreshingTokenAuth,
)
from wenxin_core.auth.signing import BceSigningAuth
from wenxin_core.errors import (
    AuthenticationError,
    RateLimitError,
    ServerError,
    WenxinError,
    WenxinValidationError,
)
from wenxin_core.redact import REDACTED, redact, register_secret

__all__ = [
    "BCE_BEARER_PATH",
    "DEFAULT_IAM_BASE_URL",
    "DEFAULT_IAM_TOKEN_LIFETIME",
    "MAX_IAM_TOKEN_LIFETIME",
    "MIN_IAM_TOKEN_LIFETIME",
    "IamBearerAuth",
    "IamBearerProvider",
    "parse_bce_time",
]

BCE_BEARER_PATH = "/v1/BCE-BEARER/token"
"""Path of the IAM endpoint that mints BCE-BEARER tokens, below ``iam_base_url``."""

DEFAULT_IAM_BASE_URL = "https://iam.bj.baidubce.com"
"""Baidu Cloud's IAM host: the default unless ``iam_base_url`` / ``QIANFAN_IAM_BASE_URL`` is set."""

DEFAULT_IAM_TOKEN_LIFETIME = 1800
"""Seconds a minted token is asked to live (``expireInSeconds``) unless told otherwise."""

MIN_IAM_TOKEN_LIFETIME = 300
"""The shortest lifetime IAM grants, in seconds."""

MAX_IAM_TOKEN_LIFETIME = 30 * 86400
"""The longest lifetime IAM grants (30 days), in seconds."""

_KEY_HINT = (
    "check that these are the Access Key and Secret Key of the Baidu Cloud account (console: "
    "security / Access Key), not a V2 API Key (api_key) nor a V1 application's qianfan_ak / "
    "qianfan_sk"
)


def parse_bce_time(value: object) -> float | None:
    """Parse an ISO 8601 time such as ``2026-01-01T00:30:00Z`` into Unix seconds.

    A time without a zone counts as UTC. Anything else (not a string, blank, malformed, out of
    range) gives ``None``.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.timestamp()
    except (ValueError, OverflowError, OSError):
        return None


class IamBearerProvider(CachedTokenProvider):
    """Mints, caches and invalidates the BCE-BEARER token of one IAM Access Key / Secret Key.

    The token is cached until shortly before its ``expireTime`` (``refresh_margin`` seconds, or
    10% of its lifetime, whichever is smaller). The lifetime is the shortest of: what was asked
    (``lifetime``), ``expireTime - createTime`` (the service's own clock) and ``expireTime`` less
    the local time; an answer whose expiry cannot be used (missing, malformed, in the past) is
    cached for :data:`~wenxin_core.auth.cached.SHORT_LIFETIME` seconds, never not at all.

    Args:
        access_key: the account's IAM Access Key (``QIANFAN_ACCESS_KEY``).
        secret_key: the account's IAM Secret Key (``QIANFAN_SECRET_KEY``).
        iam_base_url: the IAM service, e.g. ``https://iam.bj.baidubce.com``.
        lifetime: seconds each token is asked to live (``expireInSeconds``), 300 s to 30 days.
        refresh_margin: seconds before expiry at which a token counts as stale.
        clock: a monotonic clock in seconds (injectable for tests).
        wall_clock: the Unix time, for signatures and ``expireTime`` (injectable for tests).

    Attributes:
        iam_base_url: see Args, without a trailing slash.
        lifetime: see Args.
        fetch_count: how many tokens were minted (stored) so far.

    """

    def __init__(
        self,
        access_key: SecretStr,
        secret_key: SecretStr,
        *,
        iam_base_url: str = DEFAULT_IAM_BASE_URL,
        lifetime: int = DEFAULT_IAM_TOKEN_LIFETIME,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if (
            isinstance(lifetime, bool)
            or not isinstance(lifetime, int)
            or not MIN_IAM_TOKEN_LIFETIME <= lifetime <= MAX_IAM_TOKEN_LIFETIME
        ):
            raise WenxinValidationError(
                "iam_token_lifetime",
                f"must be a whole number of seconds from {MIN_IAM_TOKEN_LIFETIME} to "
                f"{MAX_IAM_TOKEN_LIFETIME} (30 days), got {lifetime!r}",
            )
        super().__init__(refresh_margin=refresh_margin, clock=clock)
        register_secret(access_key)
        register_secret(secret_key)
        self._access_key = access_key
        self._secret_key = secret_key
        self._signer = BceSigningAuth(access_key, secret_key, clock=wall_clock)
        self._wall_clock = wall_clock
        self.iam_base_url = iam_base_url.rstrip("/")
        self.lifetime = lifetime
        self._url = httpx.URL(
            self.iam_base_url + BCE_BEARER_PATH, params={"expireInSeconds": str(lifetime)}
        )

    def token_request(self) -> httpx.Request:
        """Build the signed ``GET {iam_base_url}/v1/BCE-BEARER/token?expireInSeconds=<n>``."""
        request = httpx.Request("GET", self._url, headers={"Accept": "application/json"})
        self._signer.sign(request)
        return request

    def store(self, response: httpx.Response) -> str:
        """Parse IAM's answer, cache the token until shortly before its expiry and return it.

        Raises:
            AuthenticationError: IAM refused (a 4xx: wrong keys, bad signature, disabled key) or
                answered without a token. It carries the HTTP status, IAM's code and message and
                the request id; never a key nor a token.
            RateLimitError: IAM answered 429 (retried by the client like any rate limit).
            ServerError: IAM answered 5xx (retried by the client with backoff).

        """
        body = _json_body(response)
        token = body.get("token") if body is not None else None
        if not response.is_success or body is None or not isinstance(token, str):
            raise self._failure(response, body)
        token = token.strip()
        if not token:
            raise self._failure(response, body)
        self.cache(token, self._lifetime(body))
        return token

    def _lifetime(self, body: dict[str, Any]) -> float:
        expire = parse_bce_time(body.get("expireTime"))
        if expire is None:
            return SHORT_LIFETIME
        lifetime = min(float(self.lifetime), expire - self._wall_clock())
        create = parse_bce_time(body.get("createTime"))
        if create is not None:
            lifetime = min(lifetime, expire - create)
        return lifetime if lifetime > 0 else SHORT_LIFETIME

    def _scrub(self, text: str) -> str:
        """Mask the IAM keys should the service ever echo them."""
        for secret in (self._secret_key, self._access_key):
            value = secret.get_secret_value()
            if value:
                text = text.replace(value, REDACTED)
        return redact(text)

    def _failure(self, response: httpx.Response, body: dict[str, Any] | None) -> WenxinError:
        status = response.status_code
        code, message, body_id = _error_fields(body)
        code = self._scrub(code) if code else None
        message = self._scrub(message) if message else None
        if message is None and body is None and response.content:
            message = self._scrub(response.text[:200].strip()) or None
        request_id = (
            response.headers.get("x-bce-request-id")
            or response.headers.get("x-request-id")
            or body_id
        )
        detail = f"HTTP {status}"
        if code:
            detail += f" {code}"
        if message:
            detail += f": {message}"
        where = f"the IAM token endpoint ({redact(self.iam_base_url)})"
        cls: type[WenxinError] = AuthenticationError
        if status == 429:
            cls, text = RateLimitError, f"{where} is rate limiting token mints: {detail}"
        elif status >= 500:
            cls, text = ServerError, f"{where} failed to mint a BCE-BEARER token: {detail}"
        elif response.is_success:
            text = (
                f"{where} answered without a token for the IAM Access Key / Secret Key "
                f"(access_key / secret_key): {detail}"
            )
        else:
            text = (
                f"{where} refused to mint a BCE-BEARER token for the IAM Access Key / Secret "
                f"Key (access_key / secret_key, QIANFAN_ACCESS_KEY / QIANFAN_SECRET_KEY): "
                f"{detail}; {_KEY_HINT}"
            )
        return cls(
            text, error_code=code, error_msg=message, request_id=request_id, status_code=status
        )

    def __repr__(self) -> str:
        return (
            f"IamBearerProvider(iam_base_url={redact(self.iam_base_url)!r}, "
            f"access_key=SecretStr('**********'), lifetime={self.lifetime}, "
            f"cached={self.current() is not None}, fetch_count={self.fetch_count})"
        )


def _json_body(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = jsonsafe.loads(
            response.content,
            what="IAM token answer",
            max_bytes=jsonsafe.MAX_TOKEN_JSON_BYTES,
            status_code=response.status_code,
        )
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _error_fields(body: dict[str, Any] | None) -> tuple[str | None, str | None, str | None]:
    """``(code, message, request id)`` of an IAM error body, in BCE or V2 shape."""
    if body is None:
        return None, None, None
    source: dict[str, Any] = body
    nested = body.get("error")
    if isinstance(nested, dict):
        source = nested
    code = source.get("code", body.get("error_code"))
    message = source.get("message", body.get("error_msg"))
    request_id = body.get("requestId", body.get("id"))
    return (
        str(code) if code not in (None, "") else None,
        str(message) if message not in (None, "") else None,
        str(request_id) if request_id not in (None, "") else None,
    )


class IamBearerAuth(RefreshingTokenAuth):
    """httpx auth for V2 IAM mode: ``Authorization: Bearer <token>`` from an IAM mint.

    The first call (or the first after the token went stale) mints a token through the same
    httpx client, with the call's timeouts; concurrent first callers share one mint (threads
    and asyncio tasks alike). :meth:`rejected` forgets the token a request carried
    (compare-and-clear), so the client's single replay after HTTP 401 ``invalid_iam_token``
    mints a fresh one.
    """

    provider: IamBearerProvider

    def __init__(self, provider: IamBearerProvider) -> None:
        super().__init__(provider)

    def attach(self, request: httpx.Request, token: str) -> None:
        """Set (replace) ``Authorization: Bearer <token>`` on ``request``."""
        request.headers["Authorization"] = "Bearer " + token

    def token_carried(self, request: httpx.Request) -> str | None:
        """Return the bearer token of ``request``'s ``Authorization`` header."""
        return bearer_of(request)

    def __repr__(self) -> str:
        return f"IamBearerAuth(provider={self.provider!r})"
