"""A cached, single-flight token and the httpx auth that carries it.

What the two refreshing auths share, V1's OAuth access token (:mod:`wenxin_core.auth.token`) and
V2's BCE-BEARER token minted from IAM keys (:mod:`wenxin_core.auth.iam_bearer`):

* :class:`CachedTokenProvider` owns the cached token (until when it is valid, compare-and-clear
  invalidation, the single-flight locks). It does no I/O: a subclass builds the fetch request
  (:meth:`~CachedTokenProvider.token_request`) and parses its answer
  (:meth:`~CachedTokenProvider.store`), so any httpx client, sync or async, can send it.
* :class:`RefreshingTokenAuth` is the httpx auth: on a cold or stale cache it yields the fetch
  request through the *same* httpx client (its transport, proxies and the call's timeouts), one
  fetch for any number of concurrent threads (a thread lock) or asyncio tasks (a lock per event
  loop). A subclass says how a token goes on a request and how to read it back.

Secrets stay out of what an error can reach: the cached token is a ``SecretStr`` (and
registered with :func:`wenxin_core.redact.register_secret`, so an echo of it is masked), a
request remembers the token it carried as a ``SecretStr`` (for compare-and-clear, so it works
on a request the engine has scrubbed), and the token request is scrubbed in place once its
answer is in (:func:`wenxin_core.errors.scrub_request`).
"""

from __future__ import annotations

import abc
import asyncio
import math
import threading
import weakref
from collections.abc import AsyncGenerator, Callable, Generator

import httpx
from pydantic import SecretStr

from wenxin_core.errors import scrub_request
from wenxin_core.redact import register_secret

__all__ = [
    "DEFAULT_REFRESH_MARGIN",
    "SHORT_LIFETIME",
    "CachedTokenProvider",
    "RefreshingTokenAuth",
]

DEFAULT_REFRESH_MARGIN = 300.0
"""Seconds before expiry at which a cached token counts as stale (at most 10% of its lifetime)."""

SHORT_LIFETIME = 60.0
"""Lifetime given to a token whose answer has an unusable expiry (missing, broken, NaN, past).

Short, so a wrong guess costs little; but a lifetime all the same: a token is never fetched
anew on every call because its expiry could not be read.
"""


class CachedTokenProvider(abc.ABC):
    """Caches one token, knows until when it is valid, and invalidates it by compare-and-clear.

    Subclasses implement :meth:`token_request` and :meth:`store` (which calls :meth:`cache`).

    Args:
        refresh_margin: seconds before expiry at which a token counts as stale (capped at 10% of
            the token's lifetime).
        clock: a monotonic clock in seconds (injectable for tests).

    Attributes:
        fetch_count: how many tokens were fetched (stored) so far.
        refresh_margin: see Args.
        thread_lock: the single-flight lock of synchronous fetches, held while one is in flight.

    """

    def __init__(
        self, *, refresh_margin: float = DEFAULT_REFRESH_MARGIN, clock: Callable[[], float]
    ) -> None:
        if not refresh_margin >= 0:  # also rejects NaN
            raise ValueError("refresh_margin must not be negative")
        self.refresh_margin = float(refresh_margin)
        self._clock = clock
        self._token: SecretStr | None = None
        self._valid_until = 0.0
        self.fetch_count = 0
        # Guards _token/_valid_until/fetch_count; held only for a few instructions.
        self._state_lock = threading.Lock()
        self.thread_lock = threading.Lock()
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._loop_locks_guard = threading.Lock()

    @abc.abstractmethod
    def token_request(self) -> httpx.Request:
        """Build the request that fetches a new token."""

    @abc.abstractmethod
    def store(self, response: httpx.Response) -> str:
        """Parse the answer to :meth:`token_request`, cache the token and return it.

        Raises:
            WenxinError: the answer carries no usable token (typed per subclass).

        """

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
        secret = self.current_secret()
        return secret.get_secret_value() if secret is not None else None

    def current_secret(self) -> SecretStr | None:
        """Return the cached token (as a ``SecretStr``) if it is still valid, else ``None``."""
        with self._state_lock:
            if self._token is not None and self._clock() < self._valid_until:
                return self._token
            return None

    def cache(self, token: str, lifetime: float) -> None:
        """Cache ``token`` for ``lifetime`` seconds less the refresh margin; count the fetch.

        The margin is ``refresh_margin`` or 10% of ``lifetime``, whichever is smaller. A lifetime
        that is not a positive finite number (NaN, infinite, zero, negative) counts as
        :data:`SHORT_LIFETIME`: the token is used for a short while, and should the service
        reject it, :meth:`invalidate` and a fresh fetch follow as for any stale token.
        """
        if not (math.isfinite(lifetime) and lifetime > 0):
            lifetime = SHORT_LIFETIME
        margin = min(self.refresh_margin, 0.1 * lifetime)
        register_secret(token)
        secret = SecretStr(token)
        with self._state_lock:
            self._token = secret
            self._valid_until = self._clock() + lifetime - margin
            self.fetch_count += 1

    def invalidate(self, stale_token: str | None) -> bool:
        """Forget the cached token, but only if it is still ``stale_token`` (compare-and-clear).

        Returns ``True`` when the token was cleared; ``False`` when another caller has already
        replaced (or cleared) it, in which case the current token is used as is.
        """
        if stale_token is None:
            return False
        with self._state_lock:
            if self._token is not None and self._token.get_secret_value() == stale_token:
                self._token = None
                self._valid_until = 0.0
                return True
            return False


_CARRIED = "_wenxin_token"
"""Where a request keeps the token it carried, as a ``SecretStr`` (its headers get scrubbed)."""


def _token_request_for(provider: CachedTokenProvider, request: httpx.Request) -> httpx.Request:
    """The provider's token request, with the timeouts of the request it is fetched for.

    A request yielded from an auth flow does not go through ``Client.build_request``, so without
    this it would carry no ``timeout`` extension and could wait forever.
    """
    token_request = provider.token_request()
    timeout = request.extensions.get("timeout")
    if timeout is not None:
        token_request.extensions = {**token_request.extensions, "timeout": timeout}
    return token_request


class RefreshingTokenAuth(httpx.Auth, abc.ABC):
    """httpx auth that puts a cached token from a :class:`CachedTokenProvider` on each request.

    On a cold or stale cache the token is fetched by yielding the provider's request, so it goes
    through the same httpx client. Fetches are single-flight: a thread lock for sync clients, a
    per-event-loop asyncio lock for async ones. One instance may be shared by a sync and an async
    client to share the token cache.

    When the service rejects the token a request carried, the client calls :meth:`rejected` and
    replays the request once; the replay fetches a new token (once, however many callers saw
    the stale one). Subclasses implement :meth:`attach` and :meth:`token_carried`.
    """

    requires_request_body = False
    requires_response_body = False
    refreshable = True
    """Whether :meth:`rejected` can make a replay succeed (clients replay once only then)."""

    def __init__(self, provider: CachedTokenProvider) -> None:
        self.provider = provider

    @abc.abstractmethod
    def attach(self, request: httpx.Request, token: str) -> None:
        """Put ``token`` on ``request`` in place (replacing any token it carries)."""

    @abc.abstractmethod
    def token_carried(self, request: httpx.Request) -> str | None:
        """Return the token ``request`` carries, if any."""

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Put a valid token on ``request`` (fetching it first if needed) and send it."""
        if not self.apply_now(request):
            with self.provider.thread_lock:
                if not self.apply_now(request):  # no other thread fetched one meanwhile
                    token_request = _token_request_for(self.provider, request)
                    try:
                        response = yield token_request
                        response.read()
                        self._attach_secret(request, self.provider.store(response))
                    finally:  # answered, failed or given up: its keys come off it
                        scrub_request(token_request)
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Async twin of :meth:`sync_auth_flow`, single-flight per event loop."""
        if not self.apply_now(request):
            async with self.provider.async_lock():
                if not self.apply_now(request):  # no other task fetched one meanwhile
                    token_request = _token_request_for(self.provider, request)
                    try:
                        response = yield token_request
                        await response.aread()
                        self._attach_secret(request, self.provider.store(response))
                    finally:  # answered, failed or given up: its keys come off it
                        scrub_request(token_request)
        yield request

    def apply_now(self, request: httpx.Request) -> bool:
        """Put the cached token on ``request``; False (nothing done) when a fetch is due.

        The flows start with it; the clients' own send path calls it alone when it can.
        """
        secret = self.provider.current_secret()
        if secret is None:
            return False
        request.__dict__[_CARRIED] = secret
        self.attach(request, secret.get_secret_value())
        return True

    def _attach_secret(self, request: httpx.Request, token: str) -> None:
        """Put a freshly fetched token on ``request`` and remember it (as a ``SecretStr``)."""
        request.__dict__[_CARRIED] = SecretStr(token)
        self.attach(request, token)

    def rejected(self, request: httpx.Request) -> None:
        """Invalidate the token ``request`` carried (the service rejected it).

        Compare-and-clear: if another caller already replaced that token, nothing happens and the
        replay uses the current one. Works on a scrubbed request too: the request remembers
        the token it carried.
        """
        carried = request.__dict__.get(_CARRIED)
        if isinstance(carried, SecretStr):
            self.provider.invalidate(carried.get_secret_value())
        else:
            self.provider.invalidate(self.token_carried(request))
