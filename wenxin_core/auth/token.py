"""Access-token mode: the application's API Key / Secret Key exchanged for an OAuth access token.

:class:`TokenProvider` owns the cached token: when it expires, how to fetch it, how to parse the
answer, and compare-and-clear invalidation. :class:`AccessTokenAuth` is the httpx auth that puts
the token on each request as ``?access_token=...``, fetching it through the *same* httpx client
(single-flight: one fetch for any number of concurrent threads or asyncio tasks).
:class:`FixedTokenAuth` sends a token the user supplied and never refreshes it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Callable, Generator
from functools import lru_cache
from typing import Any

import httpx
from pydantic import SecretStr

from wenxin_core.errors import AuthenticationError, WenxinError, error_from_body, error_from_status
from wenxin_core.redact import REDACTED

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
    "check that these are the API Key and Secret Key of a Qianfan application, not the "
    "account's IAM Access Key / Secret Key (QIANFAN_ACCESS_KEY / QIANFAN_SECRET_KEY, used for "
    "bce-auth-v1 signing)"
)


def token_of(request: httpx.Request) -> str | None:
    """Return the ``access_token`` query parameter a request carries, if any."""
    value = request.url.params.get("access_token")
    return str(value) if value is not None else None


def _token_request_for(provider: TokenProvider, request: httpx.Request) -> httpx.Request:
    """The provider's token request, with the timeouts of the request it is fetched for.

    A request yielded from an auth flow does not go through ``Client.build_request``, so without
    this it would carry no ``timeout`` extension and could wait forever.
    """
    token_request = provider.token_request()
    timeout = request.extensions.get("timeout")
    if timeout is not None:
        token_request.extensions = {**token_request.extensions, "timeout": timeout}
    return token_request


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


class TokenProvider:
    """Fetches, caches and invalidates the OAuth access token of one application.

    The token is cached until ``refresh_margin`` seconds (or 10% of ``expires_in``, whichever is
    smaller) before it expires. The provider does no I/O itself: :meth:`token_request` builds the
    request and :meth:`store` parses the answer, so any httpx client (sync or async) can send it.

    Args:
        api_key: the application's API Key (``QIANFAN_AK``).
        secret_key: the application's Secret Key (``QIANFAN_SK``).
        base_url: the service base URL, e.g. ``https://aip.baidubce.com``.
        refresh_margin: seconds before expiry at which a token counts as stale.
        clock: a monotonic clock in seconds (injectable for tests).

    Attributes:
        fetch_count: how many tokens were fetched (stored) so far.

    """

    def __init__(
        self,
        api_key: SecretStr,
        secret_key: SecretStr,
        *,
        base_url: str,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if refresh_margin < 0:
            raise ValueError("refresh_margin must not be negative")
        self._api_key = api_key
        self._secret_key = secret_key
        self.base_url = base_url.rstrip("/")
        self.refresh_margin = float(refresh_margin)
        self._clock = clock
        self._token: str | None = None
        self._valid_until = 0.0
        self.fetch_count = 0
        # Guards _token/_valid_until/fetch_count; held only for a few instructions.
        self._state_lock = threading.Lock()
        # Single flight for synchronous fetches; held while the token request is in flight.
        self.thread_lock = threading.Lock()
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._loop_locks_guard = threading.Lock()

    def async_lock(self) -> asyncio.Lock:
        """Return the single-flight lock of the running event loop (created on first use).

        One lock per loop, so a provider used from several event loops over its life (several
        ``asyncio.run`` calls, loops in different threads) never hits "bound to a different
        event loop".
        """
        loop = asyncio.get_running_loop()
        with self._loop_locks_guard:
            lock = self._loop_locks.get(loop)
            if lock is None:
                lock = asyncio.Lock()
                self._loop_locks[loop] = lock
            return lock

    def current(self) -> str | None:
        """Return the cached token if it is still valid, else ``None``."""
        with self._state_lock:
            if self._token is not None and self._clock() < self._valid_until:
                return self._token
            return None

    def invalidate(self, stale_token: str | None) -> bool:
        """Forget the cached token, but only if it is still ``stale_token`` (compare-and-clear).

        Returns ``True`` when the token was cleared; ``False`` when another caller has already
        replaced (or cleared) it, in which case the current token is used as is.
        """
        if stale_token is None:
            return False
        with self._state_lock:
            if self._token is not None and self._token == stale_token:
                self._token = None
                self._valid_until = 0.0
                return True
            return False

    def token_request(self) -> httpx.Request:
        """Build ``POST {base}/oauth/2.0/token?grant_type=client_credentials&...`` (empty body)."""
        url = httpx.URL(
            self.base_url + TOKEN_PATH,
            params={
                "grant_type": "client_credentials",
                "client_id": self._api_key.get_secret_value(),
                "client_secret": self._secret_key.get_secret_value(),
            },
        )
        return httpx.Request("POST", url, content=b"", headers={"Accept": "application/json"})

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
        expires_in = _as_seconds(body.get("expires_in"))
        margin = min(self.refresh_margin, 0.1 * expires_in)
        with self._state_lock:
            self._token = token
            self._valid_until = self._clock() + expires_in - margin
            self.fetch_count += 1
        return token

    @staticmethod
    def _json_body(response: httpx.Response) -> dict[str, Any] | None:
        try:
            body = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
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
            f"TokenProvider(base_url={self.base_url!r}, api_key=SecretStr('**********'), "
            f"cached={self.current() is not None}, fetch_count={self.fetch_count})"
        )


def _as_seconds(value: object) -> float:
    if isinstance(value, bool):
        return DEFAULT_EXPIRES_IN
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return DEFAULT_EXPIRES_IN
    return DEFAULT_EXPIRES_IN


class AccessTokenAuth(httpx.Auth):
    """httpx auth for access-token mode: ``?access_token=`` from a :class:`TokenProvider`.

    On a cold or stale cache the token is fetched by yielding the provider's token request, so it
    goes through the same httpx client (its transport, proxies, timeouts). Fetches are
    single-flight: a thread lock for sync clients, a per-event-loop asyncio lock for async ones.
    One instance may be shared by a sync and an async client to share the token cache.

    When the service answers 110/111 for a request, the client calls :meth:`rejected` and then
    replays the request; the replay fetches a new token (once, however many callers saw the
    stale one).
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(self, provider: TokenProvider) -> None:
        self.provider = provider

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Put a valid token on ``request`` (fetching it first if needed) and send it."""
        if not self.apply_now(request):
            with self.provider.thread_lock:
                if not self.apply_now(request):  # no other thread fetched one meanwhile
                    response = yield _token_request_for(self.provider, request)
                    response.read()
                    _with_token(request, self.provider.store(response))
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Async twin of :meth:`sync_auth_flow`, single-flight per event loop."""
        if not self.apply_now(request):
            async with self.provider.async_lock():
                if not self.apply_now(request):  # no other task fetched one meanwhile
                    response = yield _token_request_for(self.provider, request)
                    await response.aread()
                    _with_token(request, self.provider.store(response))
        yield request

    def apply_now(self, request: httpx.Request) -> bool:
        """Put the cached token on ``request``; False (nothing done) when a fetch is due.

        The flows start with it; the clients' own send path calls it alone when it can.
        """
        token = self.provider.current()
        if token is None:
            return False
        _with_token(request, token)
        return True

    def rejected(self, request: httpx.Request) -> None:
        """Invalidate the token ``request`` carried (the service answered 110/111 for it).

        Compare-and-clear: if another caller already replaced that token, nothing happens and the
        replay uses the current one.
        """
        self.provider.invalidate(token_of(request))

    def __repr__(self) -> str:
        return f"AccessTokenAuth(provider={self.provider!r})"


class FixedTokenAuth(httpx.Auth):
    """httpx auth that sends a fixed, user-supplied access token (``QIANFAN_ACCESS_TOKEN``).

    It cannot refresh: :meth:`rejected` does nothing and the client surfaces the 110/111 error.
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(self, access_token: SecretStr) -> None:
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
