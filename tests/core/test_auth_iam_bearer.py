"""V2 auths: BearerAuth (API key) and IamBearerAuth (BCE-BEARER minted from IAM keys).

Narrow unit tests against ``httpx.MockTransport``: the signed mint request, caching until shortly
before ``expireTime``, broken expiries, ``rejected()``, single flight over 50 threads and 50
tasks, the client's timeouts, typed failures that hold no secret.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from wenxin_core.auth import BearerAuth, IamBearerAuth, IamBearerProvider, bearer_of
from wenxin_core.auth.cached import SHORT_LIFETIME
from wenxin_core.auth.iam_bearer import BCE_BEARER_PATH, parse_bce_time
from wenxin_core.auth.signing import build_authorization
from wenxin_core.errors import AuthenticationError, RateLimitError, ServerError

IAM_AK = "iam-ak-AAAA1111"
IAM_SK = "iam-sk-BBBB2222"
API_KEY = "bce-v3/ALTAK-unit/api-key-CCCC3333"
IAM = "https://iam.example.test"
CHAT = "https://qianfan.example.test/v2/chat/completions"
WALL = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_provider(
    *, mono: FakeClock | None = None, wall: FakeClock | None = None, **kwargs: Any
) -> IamBearerProvider:
    return IamBearerProvider(
        SecretStr(IAM_AK),
        SecretStr(IAM_SK),
        iam_base_url=IAM + "/",
        clock=mono or FakeClock(1000.0),
        wall_clock=wall or FakeClock(WALL),
        **kwargs,
    )


def mint_answer(body: object, status: int = 200, **kwargs: Any) -> httpx.Response:
    request = httpx.Request("GET", IAM + BCE_BEARER_PATH)
    if isinstance(body, bytes):
        return httpx.Response(status, content=body, request=request, **kwargs)
    return httpx.Response(status, json=body, request=request, **kwargs)


def answer_body(token: str, lifetime: float = 1800, *, now: float = WALL) -> dict[str, Any]:
    return {
        "userId": "u-1",
        "token": token,
        "status": "enable",
        "createTime": iso(now),
        "expireTime": iso(now + lifetime),
    }


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert IAM_AK not in text
        assert IAM_SK not in text


class FakeIam:
    """IAM mint endpoint + a V2 chat endpoint (401 invalid_iam_token for unknown tokens)."""

    def __init__(self, mint_delay: float = 0.0, lifetime: float = 1800) -> None:
        self.mint_delay = mint_delay
        self.lifetime = lifetime
        self.mints = 0
        self.chats = 0
        self.issued: list[str] = []
        self.revoked: set[str] = set()
        self.mint_requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def _mint(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "GET"
        assert request.url.path == BCE_BEARER_PATH
        assert request.headers["authorization"].startswith(f"bce-auth-v1/{IAM_AK}/")
        with self._lock:
            self.mints += 1
            token = f"bce-v3/ALTAK-minted/{self.mints}"
            self.issued.append(token)
            self.mint_requests.append(request)
        return httpx.Response(200, json=answer_body(token, self.lifetime, now=time.time()))

    def _chat(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.chats += 1
        token = bearer_of(request)
        if token is None or token not in self.issued or token in self.revoked:
            error = {"code": "invalid_iam_token", "message": "IAM token invalid"}
            return httpx.Response(401, json={"error": error})
        return httpx.Response(200, json={"token": token})

    def sync_handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == BCE_BEARER_PATH:
            time.sleep(self.mint_delay)
            return self._mint(request)
        return self._chat(request)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == BCE_BEARER_PATH:
            await asyncio.sleep(self.mint_delay)
            return self._mint(request)
        return self._chat(request)


def iam_auth(**kwargs: Any) -> IamBearerAuth:
    return IamBearerAuth(
        IamBearerProvider(SecretStr(IAM_AK), SecretStr(IAM_SK), iam_base_url=IAM, **kwargs)
    )


# --- BearerAuth -------------------------------------------------------------------------------


def test_bearer_auth_sets_and_replaces_the_header() -> None:
    auth = BearerAuth(SecretStr(API_KEY))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        client.post(CHAT, json={}, headers={"Authorization": "Bearer old"})
    assert seen[0].headers.get_list("authorization") == [f"Bearer {API_KEY}"]
    request = httpx.Request("POST", CHAT)
    assert auth.apply_now(request) is True
    assert bearer_of(request) == API_KEY
    auth.rejected(request)  # a no-op: an API key cannot be refreshed
    assert auth.apply_now(request) and bearer_of(request) == API_KEY
    assert auth.refreshable is False
    assert API_KEY not in repr(auth)
    assert "ALTAK" not in repr(auth)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Bearer ", None),
        ("bce-auth-v1/ak/2026-01-01T00:00:00Z/1800/host/sig", None),
        (None, None),
    ],
)
def test_bearer_of(header: str | None, token: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    assert bearer_of(httpx.Request("GET", CHAT, headers=headers)) == token


# --- the mint request -------------------------------------------------------------------------


def test_mint_request_is_signed_for_the_iam_host() -> None:
    wall = FakeClock(WALL)
    request = make_provider(wall=wall).token_request()
    assert request.method == "GET"
    assert str(request.url) == f"{IAM}{BCE_BEARER_PATH}?expireInSeconds=1800"
    assert request.headers["host"] == "iam.example.test"
    assert request.headers["x-bce-date"] == "2026-01-01T00:00:00Z"
    expected = build_authorization(
        IAM_AK,
        IAM_SK,
        "GET",
        BCE_BEARER_PATH,
        [("expireInSeconds", "1800")],
        {"host": "iam.example.test", "x-bce-date": "2026-01-01T00:00:00Z"},
        "2026-01-01T00:00:00Z",
        1800,
        ["host", "x-bce-date"],
    )
    assert request.headers["authorization"] == expected
    wall.now += 60  # each mint is signed afresh
    assert make_provider(wall=wall).token_request().headers["x-bce-date"] == "2026-01-01T00:01:00Z"


def test_mint_request_keeps_a_path_prefix_and_a_port() -> None:
    provider = IamBearerProvider(
        SecretStr(IAM_AK),
        SecretStr(IAM_SK),
        iam_base_url="http://127.0.0.1:8123/iam/",
        lifetime=300,
    )
    request = provider.token_request()
    assert str(request.url) == "http://127.0.0.1:8123/iam/v1/BCE-BEARER/token?expireInSeconds=300"
    assert request.headers["host"] == "127.0.0.1:8123"
    assert "/host;x-bce-date/" in request.headers["authorization"]


# --- parsing and caching ----------------------------------------------------------------------


def test_store_caches_until_shortly_before_expire_time() -> None:
    mono = FakeClock(1000.0)
    provider = make_provider(mono=mono)
    assert provider.current() is None
    assert provider.store(mint_answer(answer_body("T1"))) == "T1"
    assert provider.fetch_count == 1
    # 1800 s lifetime, margin min(300, 10%) = 180 s
    mono.now += 1620 - 0.01
    assert provider.current() == "T1"
    mono.now += 0.02
    assert provider.current() is None


@pytest.mark.parametrize(
    ("create", "expire", "valid_for"),
    [
        (WALL, WALL + 1800, 1620.0),
        (None, WALL + 1800, 1620.0),  # no createTime: the local clock
        (WALL + 3600, WALL + 3600 + 1800, 1620.0),  # local clock an hour behind IAM's
        (WALL, WALL + 10 * 86400, 1620.0),  # never longer than asked for
        (WALL - 1500, WALL + 300, 270.0),  # local clock ahead: the shorter, safe one
    ],
)
def test_lifetime_is_the_shortest_sane_reading(
    create: float | None, expire: float, valid_for: float
) -> None:
    mono = FakeClock(1000.0)
    provider = make_provider(mono=mono)
    body: dict[str, Any] = {"token": "T", "expireTime": iso(expire)}
    if create is not None:
        body["createTime"] = iso(create)
    provider.store(mint_answer(body))
    mono.now += valid_for - 0.01
    assert provider.current() == "T"
    mono.now += 0.02
    assert provider.current() is None


@pytest.mark.parametrize(
    "expiry",
    [
        {},  # missing
        {"expireTime": "soon"},
        {"expireTime": ""},
        {"expireTime": None},
        {"expireTime": 1800},  # not a string
        {"expireTime": float("nan")},
        {"expireTime": "NaN"},
        {"expireTime": iso(WALL - 60)},  # already past
        {"createTime": iso(WALL), "expireTime": iso(WALL - 5)},  # negative lifetime
        {"expireTime": "9999-99-99T00:00:00Z"},
    ],
    ids=lambda e: repr(e)[:40],
)
def test_broken_expiry_is_a_short_lifetime_not_no_cache(expiry: dict[str, Any]) -> None:
    mono = FakeClock(1000.0)
    provider = make_provider(mono=mono)
    body: dict[str, Any] = {"token": "T", **expiry}
    # json= refuses NaN, so that body goes as the raw text Python's json reads back as nan
    content = json.dumps(body).encode()
    assert provider.store(mint_answer(content)) == "T"
    mono.now += SHORT_LIFETIME * 0.9 - 0.01
    assert provider.current() == "T"  # cached: the next call does not mint again
    mono.now += 0.02
    assert provider.current() is None


@pytest.mark.parametrize(
    ("text", "unix"),
    [
        ("2026-01-01T00:00:00Z", WALL),
        ("2026-01-01T00:00:00.500Z", WALL + 0.5),
        ("2026-01-01T08:00:00+08:00", WALL),
        ("2026-01-01T00:00:00", WALL),  # no zone: UTC
        (" 2026-01-01T00:00:00z ", WALL),
        ("garbage", None),
        ("", None),
        (12, None),
        (None, None),
    ],
)
def test_parse_bce_time(text: object, unix: float | None) -> None:
    assert parse_bce_time(text) == unix


def test_token_whitespace_is_stripped() -> None:
    assert make_provider().store(mint_answer(answer_body("  T  "))) == "T"


def test_lifetime_is_checked() -> None:
    for bad in (299, 30 * 86400 + 1, True, 1800.0):
        with pytest.raises(ValueError, match="iam_token_lifetime"):
            make_provider(lifetime=bad)
    assert make_provider(lifetime=300).lifetime == 300


# --- failures ---------------------------------------------------------------------------------


def all_text(err: BaseException) -> str:
    """Everything an exception keeps: str, repr, args, attributes, pickled form, chain."""
    parts = [str(err), repr(err), repr(err.args), repr(vars(err)), repr(pickle.dumps(err))]
    for linked in (err.__cause__, err.__context__):
        if linked is not None:
            parts.append(all_text(linked))
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("status", "body", "headers", "code", "message", "request_id"),
    [
        (
            403,
            {
                "requestId": "req-body-1",
                "code": "SignatureDoesNotMatch",
                "message": f"The request signature of {IAM_AK} does not match (sk {IAM_SK})",
            },
            {},
            "SignatureDoesNotMatch",
            "The request signature of *** does not match (sk ***)",
            "req-body-1",
        ),
        (
            401,
            {"code": "InvalidAccessKeyId", "message": "access key not found"},
            {"x-bce-request-id": "req-hdr-2"},
            "InvalidAccessKeyId",
            "access key not found",
            "req-hdr-2",
        ),
        (
            400,
            {"error": {"code": "invalid_argument", "message": "bad expireInSeconds"}, "id": "as-3"},
            {},
            "invalid_argument",
            "bad expireInSeconds",
            "as-3",
        ),
        (401, b"<html>denied</html>", {}, None, "<html>denied</html>", None),
        (200, {"userId": "u", "status": "enable"}, {}, None, None, None),  # no token
        (200, {"token": "   "}, {}, None, None, None),
        (200, b"not json", {}, None, "not json", None),
    ],
)
def test_failed_mint_is_a_typed_authentication_error_without_secrets(
    status: int,
    body: object,
    headers: dict[str, str],
    code: str | None,
    message: str | None,
    request_id: str | None,
) -> None:
    provider = make_provider()
    with pytest.raises(AuthenticationError) as info:
        provider.store(mint_answer(body, status, headers=headers))
    err = info.value
    assert type(err) is AuthenticationError
    assert err.status_code == status
    assert err.error_code == code
    assert err.error_msg == message
    assert err.request_id == request_id
    assert f"HTTP {status}" in str(err)
    assert "iam.example.test" in str(err)
    assert "access_key" in str(err)  # says which credentials are concerned
    assert err.__cause__ is None and err.__context__ is None
    assert_no_secret(all_text(err))
    assert provider.current() is None and provider.fetch_count == 0


@pytest.mark.parametrize(
    ("status", "cls"), [(429, RateLimitError), (500, ServerError), (503, ServerError)]
)
def test_transient_mint_failures_keep_a_retryable_type(status: int, cls: type[Exception]) -> None:
    body = {"code": "InternalError", "message": f"oops {IAM_SK}", "requestId": "r-9"}
    with pytest.raises(cls) as info:
        make_provider().store(mint_answer(body, status))
    err = info.value
    assert not isinstance(err, AuthenticationError)
    assert getattr(err, "status_code", None) == status
    assert getattr(err, "request_id", None) == "r-9"
    assert_no_secret(all_text(err))


def test_failed_mint_through_a_client_releases_the_lock_and_carries_no_secret() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == BCE_BEARER_PATH:
            calls["n"] += 1
            if calls["n"] == 1:
                return httpx.Response(403, json={"code": "AccessDenied", "message": "no"})
            return httpx.Response(200, json=answer_body("T-ok", now=time.time()))
        return httpx.Response(200, json={"token": bearer_of(request)})

    auth = iam_auth()
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        with pytest.raises(AuthenticationError) as info:
            client.post(CHAT, json={})
        assert info.value.status_code == 403
        assert_no_secret(all_text(info.value))
        assert not auth.provider.thread_lock.locked()
        assert client.post(CHAT, json={}).json() == {"token": "T-ok"}


async def test_async_failed_mint_releases_the_lock() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == BCE_BEARER_PATH:
            calls["n"] += 1
            if calls["n"] == 1:
                return httpx.Response(401, json={"code": "InvalidAccessKeyId", "message": "x"})
            return httpx.Response(200, json=answer_body("T-ok", now=time.time()))
        return httpx.Response(200, json={"token": bearer_of(request)})

    auth = iam_auth()
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as client:
        with pytest.raises(AuthenticationError):
            await client.post(CHAT, json={})
        assert not auth.provider.async_lock().locked()
        assert (await client.post(CHAT, json={})).json() == {"token": "T-ok"}


# --- through a client -------------------------------------------------------------------------


def test_first_call_mints_then_the_token_is_reused() -> None:
    iam = FakeIam()
    auth = iam_auth()
    with httpx.Client(transport=httpx.MockTransport(iam.sync_handler), auth=auth) as client:
        first = client.post(CHAT, json={})
        second = client.post(CHAT, json={})
    assert first.json() == second.json() == {"token": "bce-v3/ALTAK-minted/1"}
    assert first.request.headers["authorization"] == "Bearer bce-v3/ALTAK-minted/1"
    assert first.url == CHAT  # the mint's response is not the one returned
    assert iam.mints == 1 and iam.chats == 2
    assert iam.mint_requests[0].url.params["expireInSeconds"] == "1800"
    assert auth.provider.fetch_count == 1


def test_stale_token_is_minted_again() -> None:
    iam = FakeIam()
    mono = FakeClock(1000.0)
    auth = iam_auth(clock=mono)
    with httpx.Client(transport=httpx.MockTransport(iam.sync_handler), auth=auth) as client:
        client.post(CHAT, json={})
        mono.now += 1700  # past 1800 - 180
        assert client.post(CHAT, json={}).json() == {"token": "bce-v3/ALTAK-minted/2"}
    assert iam.mints == 2


def test_rejected_invalidates_the_carried_token_then_the_replay_mints_once() -> None:
    iam = FakeIam()
    auth = iam_auth()
    with httpx.Client(transport=httpx.MockTransport(iam.sync_handler), auth=auth) as client:
        first = client.post(CHAT, json={})
        iam.revoked.add("bce-v3/ALTAK-minted/1")
        refused = client.post(CHAT, json={})
        assert refused.status_code == 401
        auth.rejected(refused.request)  # what the engine does on 401 invalid_iam_token
        auth.rejected(refused.request)  # a second caller with the same stale token: no-op
        replay = client.post(CHAT, json={})
    assert first.json() == {"token": "bce-v3/ALTAK-minted/1"}
    assert replay.json() == {"token": "bce-v3/ALTAK-minted/2"}
    assert iam.mints == 2


def test_rejected_is_compare_and_clear() -> None:
    provider = make_provider()
    auth = IamBearerAuth(provider)
    provider.store(mint_answer(answer_body("NEW")))
    old = httpx.Request("POST", CHAT, headers={"Authorization": "Bearer OLD"})
    auth.rejected(old)  # a token already replaced: the current one stays
    assert provider.current() == "NEW"
    auth.rejected(httpx.Request("POST", CHAT))  # carried none: nothing happens
    assert provider.current() == "NEW"
    current = httpx.Request("POST", CHAT)
    assert auth.apply_now(current)
    auth.rejected(current)
    assert provider.current() is None


def test_apply_now_does_what_the_flow_does_on_a_warm_cache() -> None:
    provider = make_provider()
    auth = IamBearerAuth(provider)
    cold = httpx.Request("POST", CHAT)
    assert auth.apply_now(cold) is False
    assert "authorization" not in cold.headers
    provider.store(mint_answer(answer_body("WARM")))
    via_apply = httpx.Request("POST", CHAT, headers={"Authorization": "Bearer stale"})
    assert auth.apply_now(via_apply) is True
    via_flow = httpx.Request("POST", CHAT, headers={"Authorization": "Bearer stale"})
    flow = auth.sync_auth_flow(via_flow)
    assert next(flow) is via_flow
    assert via_apply.headers.get_list("authorization") == ["Bearer WARM"]
    assert via_flow.headers.get_list("authorization") == ["Bearer WARM"]
    assert auth.refreshable is True


def test_mint_uses_the_client_timeouts() -> None:
    seen: dict[str, object] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.path] = request.extensions.get("timeout")
        if request.url.path == BCE_BEARER_PATH:
            return httpx.Response(200, json=answer_body("T", now=time.time()))
        return httpx.Response(200, json={})

    timeout = httpx.Timeout(7.0, connect=2.0)
    with httpx.Client(
        transport=httpx.MockTransport(handler), auth=iam_auth(), timeout=timeout
    ) as client:
        client.post(CHAT, json={})
    assert seen[BCE_BEARER_PATH] == seen["/v2/chat/completions"] == timeout.as_dict()


async def test_async_mint_uses_the_client_timeouts() -> None:
    seen: dict[str, object] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.path] = request.extensions.get("timeout")
        if request.url.path == BCE_BEARER_PATH:
            return httpx.Response(200, json=answer_body("T", now=time.time()))
        return httpx.Response(200, json={})

    timeout = httpx.Timeout(3.0, read=9.0)
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(handler), auth=iam_auth(), timeout=timeout
    ) as client:
        await client.post(CHAT, json={})
    assert seen[BCE_BEARER_PATH] == seen["/v2/chat/completions"] == timeout.as_dict()


# --- single flight ----------------------------------------------------------------------------


def test_single_flight_50_threads() -> None:
    iam = FakeIam(mint_delay=0.2)
    auth = iam_auth()
    barrier = threading.Barrier(50)
    with httpx.Client(
        transport=httpx.MockTransport(iam.sync_handler),
        auth=auth,
        limits=httpx.Limits(max_connections=64),
    ) as client:

        def call(_: int) -> str:
            barrier.wait()
            token: str = client.post(CHAT, json={}).json()["token"]
            return token

        with ThreadPoolExecutor(max_workers=50) as pool:
            tokens = list(pool.map(call, range(50)))
    assert iam.mints == 1
    assert set(tokens) == {"bce-v3/ALTAK-minted/1"}
    assert iam.chats == 50


async def test_single_flight_50_tasks() -> None:
    iam = FakeIam(mint_delay=0.2)
    auth = iam_auth()
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(iam.async_handler), auth=auth
    ) as client:

        async def call() -> str:
            token: str = (await client.post(CHAT, json={})).json()["token"]
            return token

        tokens = await asyncio.gather(*(call() for _ in range(50)))
    assert iam.mints == 1
    assert set(tokens) == {"bce-v3/ALTAK-minted/1"}


async def test_50_tasks_after_rejection_mint_once() -> None:
    iam = FakeIam(mint_delay=0.05)
    auth = iam_auth()
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(iam.async_handler), auth=auth
    ) as client:
        await client.post(CHAT, json={})
        iam.revoked.add("bce-v3/ALTAK-minted/1")

        async def call_and_replay() -> str:
            response = await client.post(CHAT, json={})
            if response.status_code == 401:
                auth.rejected(response.request)
                response = await client.post(CHAT, json={})
            token: str = response.json()["token"]
            return token

        tokens = await asyncio.gather(*(call_and_replay() for _ in range(50)))
    assert iam.mints == 2
    assert set(tokens) == {"bce-v3/ALTAK-minted/2"}


def test_one_auth_shared_by_a_sync_and_an_async_client() -> None:
    iam = FakeIam()
    auth = iam_auth()
    with httpx.Client(transport=httpx.MockTransport(iam.sync_handler), auth=auth) as client:
        client.post(CHAT, json={})

    async def use() -> None:
        transport = httpx.MockTransport(iam.async_handler)
        async with httpx.AsyncClient(transport=transport, auth=auth) as client:
            await client.post(CHAT, json={})

    asyncio.run(use())
    asyncio.run(use())  # a second event loop: its own lock, the same cache
    assert iam.mints == 1


# --- reprs ------------------------------------------------------------------------------------


def test_reprs_hold_no_key_nor_token() -> None:
    provider = make_provider()
    auth = IamBearerAuth(provider)
    provider.store(mint_answer(answer_body("bce-v3/ALTAK-minted/secret-token")))
    for text in (repr(provider), repr(auth), str(auth)):
        assert_no_secret(text)
        assert "secret-token" not in text
    assert "cached=True" in repr(provider)
    assert "iam.example.test" in repr(provider)
