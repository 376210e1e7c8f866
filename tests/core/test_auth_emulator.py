"""The three auth modes over real HTTP against the emulator on 127.0.0.1.

Plain httpx clients (httpx's own pool, and the aiohttp-backed transport the async client uses)
with the auth objects of ``wenxin_core.auth``: token fetch and caching, single flight, refresh
after 110/111, invalid_client, fixed tokens, and bce-auth-v1 signatures verified by the server.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from wenxin_core.auth import (
    AccessTokenAuth,
    BceSigningAuth,
    Credentials,
    FixedTokenAuth,
    build_auth,
    token_of,
)
from wenxin_core.emulator import EmulatorServer
from wenxin_core.emulator.config import DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY
from wenxin_core.errors import AuthenticationError
from wenxin_core.transport import make_async_http_client

CHAT_PATH = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b"
BODY = {"messages": [{"role": "user", "content": "hello"}]}
APP_KEY = "integration-app-key"
APP_SECRET = "integration-app-secret"


def token_auth(server: EmulatorServer) -> AccessTokenAuth:
    creds = Credentials.resolve(
        api="v1",
        env={"QIANFAN_AK": APP_KEY, "QIANFAN_SK": APP_SECRET, "QIANFAN_BASE_URL": server.base_url},
    )
    auth = build_auth(creds)
    assert isinstance(auth, AccessTokenAuth)
    return auth


def iam_auth(secret: str = DEFAULT_IAM_SECRET_KEY) -> BceSigningAuth:
    return BceSigningAuth(SecretStr(DEFAULT_IAM_ACCESS_KEY), SecretStr(secret))


def ok(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert "error_code" not in body, body
    assert body["result"]
    return body


@pytest.fixture(scope="module")
def strict_server() -> Iterator[EmulatorServer]:
    """An emulator that only knows one application key pair."""
    with EmulatorServer(api_keys={APP_KEY: APP_SECRET}) as server:
        yield server


# --- access-token mode --------------------------------------------------------------------------


def test_token_fetched_once_and_reused(wenxin_emulator: EmulatorServer) -> None:
    auth = token_auth(wenxin_emulator)
    with httpx.Client(base_url=wenxin_emulator.base_url, auth=auth, timeout=10) as client:
        ok(client.post(CHAT_PATH, json=BODY))
        ok(client.post(CHAT_PATH, json=BODY))
    assert wenxin_emulator.token_requests == 1
    assert auth.provider.fetch_count == 1
    assert wenxin_emulator.chat_calls == 2


@pytest.mark.parametrize(("fault", "code"), [("invalidate_tokens", 110), ("expire_tokens", 111)])
def test_rejected_token_is_refreshed_once(
    wenxin_emulator: EmulatorServer, fault: str, code: int
) -> None:
    auth = token_auth(wenxin_emulator)
    with httpx.Client(base_url=wenxin_emulator.base_url, auth=auth, timeout=10) as client:
        first = client.post(CHAT_PATH, json=BODY)
        ok(first)
        old = token_of(first.request)
        getattr(wenxin_emulator, fault)()
        rejected = client.post(CHAT_PATH, json=BODY)
        assert rejected.json()["error_code"] == code
        auth.rejected(rejected.request)
        replay = client.post(CHAT_PATH, json=BODY)
        ok(replay)
        assert token_of(replay.request) not in (None, old)
        auth.rejected(rejected.request)  # a late caller with the old token changes nothing
        ok(client.post(CHAT_PATH, json=BODY))
    assert wenxin_emulator.token_requests == 2


def test_single_flight_50_threads_real_http(wenxin_emulator: EmulatorServer) -> None:
    auth = token_auth(wenxin_emulator)
    barrier = threading.Barrier(50)
    with httpx.Client(base_url=wenxin_emulator.base_url, auth=auth, timeout=30) as client:

        def call(_: int) -> str:
            barrier.wait()
            response = client.post(CHAT_PATH, json=BODY)
            ok(response)
            return str(token_of(response.request))

        with ThreadPoolExecutor(50) as pool:
            tokens = set(pool.map(call, range(50)))
    assert len(tokens) == 1
    assert wenxin_emulator.token_requests == 1
    assert auth.provider.fetch_count == 1


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
async def test_single_flight_50_tasks_real_http(
    wenxin_emulator: EmulatorServer, transport: str
) -> None:
    auth = token_auth(wenxin_emulator)
    client = (
        make_async_http_client(httpx.Timeout(30), base_url=wenxin_emulator.base_url, auth=auth)
        if transport == "aiohttp"
        else httpx.AsyncClient(base_url=wenxin_emulator.base_url, auth=auth, timeout=30)
    )
    async with client:
        responses = await asyncio.gather(*(client.post(CHAT_PATH, json=BODY) for _ in range(50)))
    for response in responses:
        ok(response)
    assert len({token_of(r.request) for r in responses}) == 1
    assert wenxin_emulator.token_requests == 1


def test_one_auth_across_event_loops_and_a_sync_client(wenxin_emulator: EmulatorServer) -> None:
    auth = token_auth(wenxin_emulator)

    async def burst() -> None:
        async with httpx.AsyncClient(
            base_url=wenxin_emulator.base_url, auth=auth, timeout=30
        ) as client:
            for response in await asyncio.gather(
                *(client.post(CHAT_PATH, json=BODY) for _ in range(10))
            ):
                ok(response)

    asyncio.run(burst())
    wenxin_emulator.invalidate_tokens()
    assert auth.provider.invalidate(str(auth.provider.current()))
    asyncio.run(burst())  # a second loop, contended lock again: no "different event loop"
    with httpx.Client(base_url=wenxin_emulator.base_url, auth=auth, timeout=10) as client:
        ok(client.post(CHAT_PATH, json=BODY))  # the sync client reuses the cached token
    assert wenxin_emulator.token_requests == 2


def test_invalid_client_raises_authentication_error(strict_server: EmulatorServer) -> None:
    creds = Credentials.resolve(
        api="v1",
        qianfan_ak="wrong-key",
        qianfan_sk=APP_SECRET,
        base_url=strict_server.base_url,
        env={},
    )
    auth = build_auth(creds)
    with (
        httpx.Client(base_url=strict_server.base_url, auth=auth, timeout=10) as client,
        pytest.raises(AuthenticationError) as info,
    ):
        client.post(CHAT_PATH, json=BODY)
    text = str(info.value)
    assert "unknown client id" in text
    assert "QIANFAN_AK / QIANFAN_SK" in text
    assert "wrong-key" not in text and APP_SECRET not in text
    assert info.value.status_code == 401


async def test_wrong_secret_raises_authentication_error_async(
    strict_server: EmulatorServer,
) -> None:
    creds = Credentials.resolve(
        api="v1",
        qianfan_ak=APP_KEY,
        qianfan_sk="wrong-secret",
        base_url=strict_server.base_url,
        env={},
    )
    async with make_async_http_client(
        httpx.Timeout(10), base_url=strict_server.base_url, auth=build_auth(creds)
    ) as client:
        with pytest.raises(AuthenticationError, match="Client authentication failed") as info:
            await client.post(CHAT_PATH, json=BODY)
    assert "wrong-secret" not in str(info.value)
    assert APP_KEY not in str(info.value)


# --- fixed token ----------------------------------------------------------------------------


def test_fixed_token_works_and_is_never_refreshed(wenxin_emulator: EmulatorServer) -> None:
    token = wenxin_emulator.issue_token()
    auth = build_auth(
        Credentials.resolve(api="v1", access_token=token, base_url=wenxin_emulator.base_url, env={})
    )
    assert isinstance(auth, FixedTokenAuth)
    with httpx.Client(base_url=wenxin_emulator.base_url, auth=auth, timeout=10) as client:
        ok(client.post(CHAT_PATH, json=BODY))
        wenxin_emulator.invalidate_tokens()
        rejected = client.post(CHAT_PATH, json=BODY)
        assert rejected.json()["error_code"] == 110
        auth.rejected(rejected.request)
        assert client.post(CHAT_PATH, json=BODY).json()["error_code"] == 110
    assert wenxin_emulator.token_requests == 0


# --- IAM signing ------------------------------------------------------------------------------


def test_iam_signing_sync_verified_by_server(wenxin_emulator: EmulatorServer) -> None:
    with httpx.Client(base_url=wenxin_emulator.base_url, auth=iam_auth(), timeout=10) as client:
        response = client.post(CHAT_PATH, json=BODY, params={"q": "a b~*"})
        ok(response)
        header = response.request.headers["authorization"]
        assert f"/{DEFAULT_IAM_ACCESS_KEY}/" in header
        assert "/content-type;host;x-bce-date/" in header
        assert response.request.headers["host"] == f"127.0.0.1:{wenxin_emulator.port}"
    assert wenxin_emulator.token_requests == 0


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
async def test_iam_signing_async_verified_by_server(
    wenxin_emulator: EmulatorServer, transport: str
) -> None:
    auth = iam_auth()
    client = (
        make_async_http_client(httpx.Timeout(10), base_url=wenxin_emulator.base_url, auth=auth)
        if transport == "aiohttp"
        else httpx.AsyncClient(base_url=wenxin_emulator.base_url, auth=auth, timeout=10)
    )
    async with client:
        for response in await asyncio.gather(
            *(client.post(CHAT_PATH, json=BODY) for _ in range(5))
        ):
            ok(response)


def test_iam_wrong_secret_is_rejected_by_server(wenxin_emulator: EmulatorServer) -> None:
    auth = iam_auth("not-the-secret")
    with httpx.Client(base_url=wenxin_emulator.base_url, auth=auth, timeout=10) as client:
        assert client.post(CHAT_PATH, json=BODY).json()["error_code"] == 14


def test_iam_signature_from_the_past_is_rejected(wenxin_emulator: EmulatorServer) -> None:
    """The server checks the timestamp too: a signature older than its expiration fails."""
    auth = BceSigningAuth(
        SecretStr(DEFAULT_IAM_ACCESS_KEY),
        SecretStr(DEFAULT_IAM_SECRET_KEY),
        expiration=300,
        clock=lambda: 1700000000.0,
    )
    with httpx.Client(base_url=wenxin_emulator.base_url, auth=auth, timeout=10) as client:
        assert client.post(CHAT_PATH, json=BODY).json()["error_code"] == 14
