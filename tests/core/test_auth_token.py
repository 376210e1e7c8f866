"""Access-token mode: caching and expiry, error answers, compare-and-clear, single flight."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from pydantic import SecretStr

from wenxin_core.auth.cached import SHORT_LIFETIME
from wenxin_core.auth.token import (
    DEFAULT_EXPIRES_IN,
    TOKEN_PATH,
    AccessTokenAuth,
    FixedTokenAuth,
    TokenProvider,
    token_of,
)
from wenxin_core.errors import AuthenticationError, RateLimitError, ServerError

API_KEY = "app-api-key-AAAA1111"
SECRET = "app-secret-key-BBBB2222"
BASE = "https://aip.example.test"
CHAT = BASE + "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_provider(clock: Callable[[], float] | None = None, **kwargs: float) -> TokenProvider:
    return TokenProvider(
        SecretStr(API_KEY),
        SecretStr(SECRET),
        base_url=BASE + "/",
        clock=clock or FakeClock(),
        **kwargs,
    )


def token_response(
    body: object, status: int = 200, *, content: bytes | None = None
) -> httpx.Response:
    request = httpx.Request("POST", BASE + TOKEN_PATH)
    if content is not None:
        return httpx.Response(status, content=content, request=request)
    return httpx.Response(status, json=body, request=request)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert API_KEY not in text
        assert SECRET not in text


class FakeService:
    """Token endpoint + chat endpoint; 110 for a revoked token. Thread-safe counters."""

    def __init__(self, token_delay: float = 0.0, expires_in: int = 2592000) -> None:
        self.token_delay = token_delay
        self.expires_in = expires_in
        self.token_calls = 0
        self.chat_calls = 0
        self.issued: list[str] = []
        self.revoked: set[str] = set()
        self.error: dict[str, str] | None = None
        self._lock = threading.Lock()

    def _token(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        assert request.method == "POST"
        assert request.content == b""
        assert params["grant_type"] == "client_credentials"
        if self.error is not None:
            return httpx.Response(401, json=self.error)
        assert params["client_id"] == API_KEY
        assert params["client_secret"] == SECRET
        with self._lock:
            self.token_calls += 1
            token = f"24.token-{self.token_calls}"
            self.issued.append(token)
        return httpx.Response(200, json={"access_token": token, "expires_in": self.expires_in})

    def _chat(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.chat_calls += 1
        token = token_of(request)
        if token is None or token not in self.issued:
            return httpx.Response(200, json={"error_code": 110, "error_msg": "invalid token"})
        if token in self.revoked:
            return httpx.Response(200, json={"error_code": 111, "error_msg": "expired"})
        return httpx.Response(200, json={"result": "ok", "token": token})

    def sync_handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            time.sleep(self.token_delay)
            return self._token(request)
        return self._chat(request)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            await asyncio.sleep(self.token_delay)
            return self._token(request)
        return self._chat(request)


# --- TokenProvider: request, parsing, caching -------------------------------------------------


def test_token_request_shape() -> None:
    request = make_provider().token_request()
    assert request.method == "POST"
    assert request.url.scheme == "https"
    assert request.url.host == "aip.example.test"
    assert request.url.path == "/oauth/2.0/token"  # trailing slash of base_url stripped
    assert dict(request.url.params) == {
        "grant_type": "client_credentials",
        "client_id": API_KEY,
        "client_secret": SECRET,
    }
    assert request.content == b""


def test_store_caches_until_margin_before_expiry() -> None:
    clock = FakeClock()
    provider = make_provider(clock)
    assert provider.current() is None
    token = provider.store(token_response({"access_token": "T1", "expires_in": 2592000}))
    assert token == "T1"
    assert provider.fetch_count == 1
    assert provider.current() == "T1"
    clock.now += 2592000 - 300 - 0.001
    assert provider.current() == "T1"
    clock.now += 0.001
    assert provider.current() is None


@pytest.mark.parametrize(
    ("expires_in", "margin", "valid_for"),
    [
        (100, 300.0, 90.0),  # 10% of expires_in is smaller than the margin
        (2592000, 60.0, 2592000 - 60.0),
        ("3600", 300.0, 3300.0),  # numeric string accepted
        (None, 300.0, DEFAULT_EXPIRES_IN - 300.0),  # missing -> conservative default
        # unusable expiry -> a short lifetime, never "do not cache"
        (0, 300.0, SHORT_LIFETIME * 0.9),
        (-5, 300.0, SHORT_LIFETIME * 0.9),
        ("nan", 300.0, DEFAULT_EXPIRES_IN - 300.0),
        ("inf", 300.0, DEFAULT_EXPIRES_IN - 300.0),
    ],
)
def test_expiry_margin(expires_in: object, margin: float, valid_for: float) -> None:
    clock = FakeClock()
    provider = make_provider(clock, refresh_margin=margin)
    body: dict[str, object] = {"access_token": "T"}
    if expires_in is not None:
        body["expires_in"] = expires_in
    assert provider.store(token_response(body)) == "T"
    if valid_for > 0:
        clock.now += valid_for - 0.01
        assert provider.current() == "T"
    clock.now = 1000.0 + valid_for
    assert provider.current() is None


def test_negative_refresh_margin_rejected() -> None:
    with pytest.raises(ValueError, match="refresh_margin"):
        make_provider(refresh_margin=-1)


@pytest.mark.parametrize("status", [200, 400, 401])
@pytest.mark.parametrize(
    ("error", "description"),
    [("invalid_client", "unknown client id"), ("invalid_client", "Client authentication failed")],
)
def test_error_field_raises_authentication_error(status: int, error: str, description: str) -> None:
    provider = make_provider()
    with pytest.raises(AuthenticationError) as info:
        provider.store(token_response({"error": error, "error_description": description}, status))
    err = info.value
    text = str(err)
    assert "application API Key / Secret Key (QIANFAN_AK / QIANFAN_SK)" in text
    assert "rejected" in text
    assert error in text
    assert description in text
    assert "QIANFAN_ACCESS_KEY" in text  # explains the other pair
    assert err.error_code == error
    assert err.status_code == status
    assert_no_secret(text, repr(err), repr(err.args), repr(provider))
    assert provider.fetch_count == 0
    assert provider.current() is None


def test_error_field_wins_over_access_token() -> None:
    with pytest.raises(AuthenticationError):
        make_provider().store(token_response({"error": "invalid_client", "access_token": "x"}))


def test_access_token_accepted_whatever_the_status() -> None:
    provider = make_provider()
    assert provider.store(token_response({"access_token": "T", "expires_in": 60}, 500)) == "T"


def test_echoed_secret_is_scrubbed() -> None:
    body = {"error": "invalid_client", "error_description": f"bad {API_KEY} / {SECRET}"}
    with pytest.raises(AuthenticationError) as info:
        make_provider().store(token_response(body))
    assert_no_secret(str(info.value), repr(info.value), str(info.value.error_msg))


@pytest.mark.parametrize(
    "body", [{}, {"access_token": ""}, {"access_token": 5}, {"expires_in": 10}, ["x"]]
)
def test_answer_without_access_token(body: object) -> None:
    with pytest.raises(AuthenticationError, match="without an access_token"):
        make_provider().store(token_response(body))


def test_non_json_answer_with_200_is_authentication_error() -> None:
    with pytest.raises(AuthenticationError):
        make_provider().store(token_response(None, 200, content=b"<html>login</html>"))


def test_transient_failures_keep_their_type() -> None:
    provider = make_provider()
    with pytest.raises(ServerError) as info:
        provider.store(token_response(None, 502, content=b"<html>Bad Gateway</html>"))
    assert not isinstance(info.value, AuthenticationError)
    assert info.value.status_code == 502
    with pytest.raises(RateLimitError):
        provider.store(token_response({"error_code": 18, "error_msg": "qps limit"}))


def test_invalidate_is_compare_and_clear() -> None:
    provider = make_provider()
    provider.store(token_response({"access_token": "T1", "expires_in": 2592000}))
    assert provider.invalidate(None) is False
    assert provider.invalidate("someone-elses") is False
    assert provider.current() == "T1"
    assert provider.invalidate("T1") is True
    assert provider.current() is None
    assert provider.invalidate("T1") is False
    provider.store(token_response({"access_token": "T2", "expires_in": 2592000}))
    assert provider.invalidate("T1") is False  # a token already replaced is left alone
    assert provider.current() == "T2"


def test_reprs_hold_no_secret_nor_token() -> None:
    provider = make_provider()
    provider.store(token_response({"access_token": "the-token-XYZ", "expires_in": 2592000}))
    fixed = FixedTokenAuth(SecretStr("fixed-token-QQQ"))
    texts = [repr(provider), str(provider), repr(AccessTokenAuth(provider)), repr(fixed)]
    assert_no_secret(*texts)
    for text in texts:
        assert "the-token-XYZ" not in text
        assert "fixed-token-QQQ" not in text


# --- AccessTokenAuth over a MockTransport ----------------------------------------------------


def test_sync_flow_fetches_once_and_replaces_existing_param() -> None:
    service = FakeService()
    clock = FakeClock()
    auth = AccessTokenAuth(make_provider(clock))
    with httpx.Client(transport=httpx.MockTransport(service.sync_handler), auth=auth) as client:
        first = client.post(CHAT, params={"access_token": "stale", "x": "1"}, json={})
        second = client.post(CHAT, json={})
        assert first.json()["token"] == second.json()["token"] == "24.token-1"
        assert first.request.url.params.get_list("access_token") == ["24.token-1"]
        assert first.request.url.params["x"] == "1"
        assert service.token_calls == 1
        assert auth.provider.fetch_count == 1
        # the token response went through the same client, and is not the returned response
        assert first.url.path != TOKEN_PATH
        clock.now += 2592000  # past expiry: the next request fetches again
        assert client.post(CHAT, json={}).json()["token"] == "24.token-2"
    assert auth.provider.fetch_count == 2


def test_token_fetch_uses_the_client_timeouts() -> None:
    """A request yielded by an auth flow gets no timeout from the client: the flow copies it."""
    seen: dict[str, object] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.path] = request.extensions.get("timeout")
        if request.url.path == TOKEN_PATH:
            return httpx.Response(200, json={"access_token": "T", "expires_in": 2592000})
        return httpx.Response(200, json={})

    auth = AccessTokenAuth(make_provider())
    timeout = httpx.Timeout(7.0, connect=2.0)
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth, timeout=timeout) as c:
        c.post(CHAT, json={})
    assert seen[TOKEN_PATH] == seen[CHAT.removeprefix(BASE)] == timeout.as_dict()


async def test_async_token_fetch_uses_the_client_timeouts() -> None:
    seen: dict[str, object] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.path] = request.extensions.get("timeout")
        if request.url.path == TOKEN_PATH:
            return httpx.Response(200, json={"access_token": "T", "expires_in": 2592000})
        return httpx.Response(200, json={})

    auth = AccessTokenAuth(make_provider())
    transport = httpx.MockTransport(handler)
    async with httpx.AsyncClient(transport=transport, auth=auth, timeout=3.0) as client:
        await client.post(CHAT, json={}, timeout=5.0)
    assert seen[TOKEN_PATH] == httpx.Timeout(5.0).as_dict()


def test_rejected_then_replay_fetches_a_new_token() -> None:
    service = FakeService()
    auth = AccessTokenAuth(make_provider())
    with httpx.Client(transport=httpx.MockTransport(service.sync_handler), auth=auth) as client:
        assert client.post(CHAT, json={}).json()["token"] == "24.token-1"
        service.revoked.add("24.token-1")
        response = client.post(CHAT, json={})
        assert response.json()["error_code"] == 111
        auth.rejected(response.request)
        replay = client.post(CHAT, json={})
        assert replay.json()["token"] == "24.token-2"
        auth.rejected(response.request)  # late caller with the old token: no effect
        assert auth.provider.current() == "24.token-2"
    assert service.token_calls == 2


def test_concurrent_rejections_refresh_once() -> None:
    service = FakeService(token_delay=0.02)
    auth = AccessTokenAuth(make_provider())
    transport = httpx.MockTransport(service.sync_handler)
    with httpx.Client(transport=transport, auth=auth) as client:
        client.post(CHAT, json={})
        service.revoked.add("24.token-1")
        barrier = threading.Barrier(20)

        def call(i: int) -> str:
            response = client.post(CHAT, json={})
            assert response.json()["error_code"] == 111
            barrier.wait()  # every caller saw the stale token before anyone reacts
            time.sleep(0.005 * i)  # late callers react after the new token arrived
            auth.rejected(response.request)
            return str(client.post(CHAT, json={}).json()["token"])

        with ThreadPoolExecutor(20) as pool:
            tokens = list(pool.map(call, range(20)))
    assert set(tokens) == {"24.token-2"}
    assert service.token_calls == 2
    assert auth.provider.fetch_count == 2


def test_single_flight_50_threads() -> None:
    service = FakeService(token_delay=0.1)
    auth = AccessTokenAuth(make_provider(time.monotonic))
    barrier = threading.Barrier(50)
    with httpx.Client(transport=httpx.MockTransport(service.sync_handler), auth=auth) as client:

        def call() -> str:
            barrier.wait()
            response = client.post(CHAT, json={})
            return str(response.json()["token"])

        with ThreadPoolExecutor(50) as pool:
            tokens = [f.result() for f in [pool.submit(call) for _ in range(50)]]
    assert tokens == ["24.token-1"] * 50
    assert auth.provider.fetch_count == 1
    assert service.token_calls == 1
    assert service.chat_calls == 50
    assert not auth.provider.thread_lock.locked()


async def test_single_flight_50_tasks() -> None:
    service = FakeService(token_delay=0.1)
    auth = AccessTokenAuth(make_provider(time.monotonic))
    transport = httpx.MockTransport(service.async_handler)
    async with httpx.AsyncClient(transport=transport, auth=auth) as client:

        async def call() -> str:
            response = await client.post(CHAT, json={})
            return str(response.json()["token"])

        tokens = await asyncio.gather(*(call() for _ in range(50)))
    assert tokens == ["24.token-1"] * 50
    assert auth.provider.fetch_count == 1
    assert service.token_calls == 1
    assert service.chat_calls == 50


def test_provider_used_from_two_event_loops() -> None:
    """Each asyncio.run has its own loop; contended locks in both must not clash."""
    service = FakeService(token_delay=0.02)
    auth = AccessTokenAuth(make_provider(time.monotonic))
    locks: list[asyncio.Lock] = []

    async def burst() -> list[str]:
        locks.append(auth.provider.async_lock())
        transport = httpx.MockTransport(service.async_handler)
        async with httpx.AsyncClient(transport=transport, auth=auth) as client:
            responses = await asyncio.gather(*(client.post(CHAT, json={}) for _ in range(10)))
        return [str(r.json()["token"]) for r in responses]

    assert asyncio.run(burst()) == ["24.token-1"] * 10
    assert auth.provider.invalidate("24.token-1")
    assert asyncio.run(burst()) == ["24.token-2"] * 10
    assert locks[0] is not locks[1]
    assert auth.provider.fetch_count == 2


async def test_async_lock_is_per_loop_and_reused() -> None:
    provider = make_provider()
    assert provider.async_lock() is provider.async_lock()


def test_sync_and_async_clients_share_one_cache() -> None:
    service = FakeService()
    auth = AccessTokenAuth(make_provider(time.monotonic))
    with httpx.Client(transport=httpx.MockTransport(service.sync_handler), auth=auth) as client:
        client.post(CHAT, json={})

    async def use_async() -> str:
        transport = httpx.MockTransport(service.async_handler)
        async with httpx.AsyncClient(transport=transport, auth=auth) as aclient:
            return str((await aclient.post(CHAT, json={})).json()["token"])

    assert asyncio.run(use_async()) == "24.token-1"
    assert service.token_calls == 1


def test_rejected_keys_raise_through_the_client_and_release_the_lock() -> None:
    service = FakeService()
    service.error = {"error": "invalid_client", "error_description": "unknown client id"}
    auth = AccessTokenAuth(make_provider())
    with httpx.Client(transport=httpx.MockTransport(service.sync_handler), auth=auth) as client:
        with pytest.raises(AuthenticationError, match="QIANFAN_AK / QIANFAN_SK") as info:
            client.post(CHAT, json={})
        assert_no_secret(str(info.value), repr(info.value))
        assert not auth.provider.thread_lock.locked()
        service.error = None
        assert client.post(CHAT, json={}).json()["token"] == "24.token-1"


async def test_async_error_and_cancellation_release_the_lock() -> None:
    service = FakeService(token_delay=5.0)
    auth = AccessTokenAuth(make_provider(time.monotonic))
    transport = httpx.MockTransport(service.async_handler)
    async with httpx.AsyncClient(transport=transport, auth=auth) as client:
        task = asyncio.create_task(client.post(CHAT, json={}))
        await asyncio.sleep(0.05)
        assert auth.provider.async_lock().locked()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not auth.provider.async_lock().locked()
        service.token_delay = 0.0
        service.error = {"error": "invalid_client", "error_description": "unknown client id"}
        with pytest.raises(AuthenticationError):
            await client.post(CHAT, json={})
        assert not auth.provider.async_lock().locked()
        service.error = None
        assert (await client.post(CHAT, json={})).json()["token"] == "24.token-1"


def test_token_url_never_in_the_returned_response_url() -> None:
    service = FakeService()
    auth = AccessTokenAuth(make_provider())
    with httpx.Client(transport=httpx.MockTransport(service.sync_handler), auth=auth) as client:
        response = client.post(CHAT, json={})
    assert SECRET not in str(response.url)
    assert SECRET not in json.dumps(response.json())


# --- FixedTokenAuth ---------------------------------------------------------------------------


def test_fixed_token_auth_sets_and_replaces_param_and_never_refreshes() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"error_code": 110, "error_msg": "invalid"})

    auth = FixedTokenAuth(SecretStr("fixed-token"))
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        response = client.post(CHAT, params={"access_token": "other"}, json={})
        auth.rejected(response.request)
        client.post(CHAT, json={})
    assert [token_of(r) for r in seen] == ["fixed-token", "fixed-token"]
    assert all(r.url.path != TOKEN_PATH for r in seen)
    assert seen[0].url.params.get_list("access_token") == ["fixed-token"]


async def test_fixed_token_auth_async() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token": token_of(request)})

    auth = FixedTokenAuth(SecretStr("fixed-token"))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as client:
        assert (await client.get(CHAT)).json()["token"] == "fixed-token"


def test_token_of() -> None:
    assert token_of(httpx.Request("GET", CHAT)) is None
    assert token_of(httpx.Request("GET", CHAT + "?access_token=a%20b")) == "a b"


def _flow_result(auth: httpx.Auth, request: httpx.Request) -> httpx.Request:
    """The request the sync flow sends (the flow needs no token fetch here)."""
    return next(auth.sync_auth_flow(request))


def test_apply_now_does_what_the_flow_does_on_a_warm_cache() -> None:
    provider = make_provider()
    auth = AccessTokenAuth(provider)
    cold = httpx.Request("POST", CHAT + "?a=1")
    assert auth.apply_now(cold) is False  # a fetch is due: the flow must run
    assert cold.url == httpx.URL(CHAT + "?a=1")
    provider.store(token_response({"access_token": "tok-1", "expires_in": 3600}))
    by_flow = _flow_result(auth, httpx.Request("POST", CHAT + "?a=1"))
    direct = httpx.Request("POST", CHAT + "?a=1")
    assert auth.apply_now(direct) is True
    assert direct.url == by_flow.url
    assert token_of(direct) == "tok-1"


def test_apply_now_of_a_fixed_token() -> None:
    auth = FixedTokenAuth(SecretStr("fixed-tok"))
    direct = httpx.Request("POST", CHAT)
    assert auth.apply_now(direct) is True
    assert direct.url == _flow_result(auth, httpx.Request("POST", CHAT)).url
    assert token_of(direct) == "fixed-tok"
