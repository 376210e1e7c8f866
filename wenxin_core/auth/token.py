"""V1 access-token mode: the application's API Key / Secret Key exchanged for an OAuth token.

:class:`TokenProvider` knows how to fetch the token and parse the answer; the cache, its
expiry and compare-and-clear invalidation come from
:class:`~wenxin_core.auth.cached.CachedTokenProvider`. :class:`AccessTokenAuth` is the httpx
auth that puts the token on each request as ``?access_token=...``, fetching it through the
*same* httpx client (single-flight: one fetch for any number of concurrent threads or asyncio
tasks). :class:`FixedTokenAuth` sends a token the user supplied and never refreshes it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator
from functools import lru_cache
from typing import Any

import httpx
from pydantic import SecretStr

from wenxin_core import jsonsafe
from wenxin_core.auth.cached import (
    DEFAULT_REFRESH_MARGIN,
    CachedTokenProvider,
    RefreshingTokenAuth,
)
from wenxin_core.errors import (
    AuthenticationError,
    WenxinError,
    error_from_body,
    error_from_status,
)
from wenxin_core.redact import REDACTED, register_secret

__all__ = [
    "DEFAULT_EXPIRES_IN",
    "TOKEN_PATH",
    "AccessTokenAuth",
    "FixedTokenAuth",
    "TokenProvider",
    "token_of",
]

TOKEN_PATH = "/oauth/2.0/token"
"""Path of the OAuth token endpoint below the base URL."""

DEFAULT_EXPIRES_IN = 3600.0
"""Lifetime assumed when the token answer carries no usable ``expires_in`` (conservative)."""

_KEY_HINT = (
    "check that these are the API Key and Secret Key of a V1 Qianfan application (qianfan_ak / "
    "qianfan_sk), not the account's IAM Access Key / Secret Key (access_key / secret_key, "
    "QIANFAN_ACCESS_KEY / QIANFAN_SECRET_KEY)"
)


def token_of(request: httpx.Request) -> str | None:
    """Return the ``access_token`` query parameter a request carries, if any."""
    value = request.url.params.get("access_token")
    return str(value) if value is not None else None


def _with_token(request: httpx.Request, token: str) -> None:
    """Set (replace) the ``access_token`` query parameter of ``request`` in place."""
    request.url = _url_with_token(str(request.url), token)


@lru_cache(maxsize=64)
def _url_with_token(url: str, token: str) -> httpx.URL:
    """Return ``url`` with ``access_token`` set.

    Cached: parsing a URL with a long token costs more than the rest of the client's per-call
    work, and ``httpx.URL`` is immutable.
    """
    return httpx.URL(url).copy_set_param("access_token", token)


class TokenProvider(CachedTokenProvider):
    """Fetches, caches and invalidates the OAuth access token of one V1 application.

    The token is cached until ``refresh_margin`` seconds (or 10% of ``expires_in``, whichever is
    smaller) before it expires. The provider does no I/O itself: :meth:`token_request` builds the
    request and :meth:`store` parses the answer, so any httpx client (sync or async) can send it.

    Args:
        qianfan_ak: the V1 application's API Key (``QIANFAN_AK``).
        qianfan_sk: the V1 application's Secret Key (``QIANFAN_SK``).
        base_url: the V1 service base URL, e.g. ``https://aip.baidubce.com``.
        refresh_margin: seconds before expiry at which a token counts as stale.
        clock: a monotonic clock in seconds (injectable for tests).

    Attributes:
        fetch_count: how many tokens were fetched (stored) so far.

    """

    def __init__(
        self,
        qianfan_ak: SecretStr,
        qianfan_sk: SecretStr,
        *,
        base_url: str,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(refresh_margin=refresh_margin, clock=clock)
        register_secret(qianfan_ak)
        register_secret(qianfan_sk)
        self._api_key = qianfan_ak
        self._secret_key = qianfan_sk
        self.base_url = base_url.rstrip("/")
        self._token_url = httpx.URL(self.base_url + TOKEN_PATH)

    def token_request(self) -> httpx.Request:
        """Build ``POST {base}/oauth/2.0/token?grant_type=client_credentials&...`` (empty body).

        The keys are opened only inside the call that puts them on the URL (parsed once, at
        construction, without them): no frame local holds them in plain. The auth flow scrubs
        the request once the token answer is in.
        """
        return httpx.Request(
            "POST",
            self._token_url.copy_merge_params(
                {
                    "grant_type": "client_credentials",
                    "client_id": self._api_key.get_secret_value(),
                    "client_secret": self._secret_key.get_secret_value(),
                }
            ),
            content=b"",
            headers={"Accept": "application/json"},
        )

    def store(self, response: httpx.Response) -> str:
        """Parse the token endpoint's answer, cache the token and return it.

        The answer is judged by its ``error`` field, not by the HTTP status.

        Raises:
            AuthenticationError: the answer has an ``error`` field (the application API Key /
                Secret Key were rejected) or carries no ``access_token``.
            WenxinError: a Qianfan ``error_code`` body, or a 429/5xx without a JSON answer
                (typed by :mod:`wenxin_core.errors`, so transient failures stay retryable).

        """
        body = self._json_body(response)
        if body is None or not isinstance(body.get("access_token"), str) or body.get("error"):
            raise self._failure(response, body)
        token: str = body["access_token"]
        if not token:
            raise self._failure(response, body)
        self.cache(token, _as_seconds(body.get("expires_in")))
        return token

    @staticmethod
    def _json_body(response: httpx.Response) -> dict[str, Any] | None:
        try:
            body = jsonsafe.loads(
                response.content,
                what="token answer",
                max_bytes=jsonsafe.MAX_TOKEN_JSON_BYTES,
                status_code=response.status_code,
            )
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _scrub(self, text: str) -> str:
        """Mask the application keys should the service ever echo them."""
        for secret in (self._secret_key, self._api_key):
            value = secret.get_secret_value()
            if value:
                text = text.replace(value, REDACTED)
        return text

    def _failure(self, response: httpx.Response, body: dict[str, Any] | None) -> WenxinError:
        status = response.status_code
        request_id = response.headers.get("x-bce-request-id") or response.headers.get(
            "x-request-id"
        )
        if body is not None and body.get("error"):
            error = self._scrub(str(body["error"]))
            description = self._scrub(str(body.get("error_description") or ""))
            detail = f"{error}: {description}" if description else error
            return AuthenticationError(
                "The token endpoint rejected the application API Key / Secret Key "
                f"(QIANFAN_AK / QIANFAN_SK): {detail}; {_KEY_HINT}",
                error_code=error,
                error_msg=description or None,
                request_id=request_id,
                status_code=status,
            )
        if body is not None and body.get("error_code") is not None:
            return error_from_body(
                {k: self._scrub(v) if isinstance(v, str) else v for k, v in body.items()},
                status_code=status,
                request_id=request_id,
            )
        if body is None and (status == 429 or status >= 500):
            excerpt = self._scrub(response.text[:200]) if response.content else ""
            return error_from_status(
                status,
                body_excerpt=excerpt,
                gateway_code=response.headers.get("x-bce-error-code"),
                gateway_message=response.headers.get("x-bce-error-message"),
                request_id=request_id,
            )
        return AuthenticationError(
            "The token endpoint answered without an access_token for the application API Key / "
            f"Secret Key (QIANFAN_AK / QIANFAN_SK) (HTTP {status}); {_KEY_HINT}",
            request_id=request_id,
            status_code=status,
        )

    def __repr__(self) -> str:
        return (
            f"TokenProvider(base_url={self.base_url!r}, qianfan_ak=SecretStr('**********'), "
            f"cached={self.current() is not None}, fetch_count={self.fetch_count})"
        )


def _as_seconds(value: object) -> float:
    if isinstance(value, bool):
        return DEFAULT_EXPIRES_IN
    seconds = DEFAULT_EXPIRES_IN
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            return DEFAULT_EXPIRES_IN
    return seconds if math.isfinite(seconds) else DEFAULT_EXPIRES_IN


class AccessTokenAuth(RefreshingTokenAuth):
    """httpx auth for V1 access-token mode: ``?access_token=`` from a :class:`TokenProvider`.

    The single-flight fetch, the warm-cache fast path (:meth:`apply_now`) and compare-and-clear
    :meth:`rejected` come from :class:`~wenxin_core.auth.cached.RefreshingTokenAuth`. When the
    service answers 110/111 for a request, the client calls :meth:`rejected` and then replays
    the request; the replay fetches a new token (once, however many callers saw the stale one).
    """

    provider: TokenProvider

    def __init__(self, provider: TokenProvider) -> None:
        super().__init__(provider)

    def attach(self, request: httpx.Request, token: str) -> None:
        """Set (replace) the ``access_token`` query parameter of ``request``."""
        _with_token(request, token)

    def token_carried(self, request: httpx.Request) -> str | None:
        """Return the ``access_token`` query parameter of ``request``."""
        return token_of(request)

    def __repr__(self) -> str:
        return f"AccessTokenAuth(provider={self.provider!r})"


class FixedTokenAuth(httpx.Auth):
    """httpx auth that sends a fixed, user-supplied access token (``QIANFAN_ACCESS_TOKEN``).

    It cannot refresh: :meth:`rejected` does nothing and the client surfaces the 110/111 error.
    """

    requires_request_body = False
    requires_response_body = False
    refreshable = False
    """Never: a fixed token cannot be refreshed, so a rejection is final."""

    def __init__(self, access_token: SecretStr) -> None:
        register_secret(access_token)
        self._access_token = access_token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Set ``access_token`` on the request and send it."""
        self.apply_now(request)
        yield request

    def apply_now(self, request: httpx.Request) -> bool:
        """Set ``access_token`` on ``request`` (what the flow does, without the flow)."""
        _with_token(request, self._access_token.get_secret_value())
        return True

    def rejected(self, request: httpx.Request) -> None:
        """Do nothing: a fixed token cannot be refreshed."""

    def __repr__(self) -> str:
        return "FixedTokenAuth(access_token=SecretStr('**********'))"
