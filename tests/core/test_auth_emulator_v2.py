"""The V2 auths over real HTTP against the emulator on 127.0.0.1.

Plain httpx clients (httpx's own pool, and the transport the async client uses) with the auths
``build_auth`` makes from ``Credentials.resolve``: the API Key as bearer, and the IAM pair minting
BCE-BEARER tokens at the emulator's ``/v1/BCE-BEARER/token`` (signature checked by the server),
cached, single-flight, minted again after ``rejected()``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from wenxin_core.auth import BearerAuth, Credentials, IamBearerAuth, bearer_of, build_auth
from wenxin_core.emulator import EmulatorServer
from wenxin_core.emulator.config import (
    DEFAULT_API_KEY,
    DEFAULT_IAM_ACCESS_KEY,
    DEFAULT_IAM_SECRET_KEY,
)
from wenxin_core.errors import AuthenticationError
from wenxin_core.transport import make_async_http_client

BODY = {"model": "ernie-4.5-turbo-32k", "messages": [{"role": "user", "content": "hello"}]}


def iam_auth(
    server: EmulatorServer, secret: str = DEFAULT_IAM_SECRET_KEY, **kwargs: Any
) -> IamBearerAuth:
    creds = Credentials.resolve(
        env={
            "QIANFAN_ACCESS_KEY": DEFAULT_IAM_ACCESS_KEY,
            "QIANFAN_SECRET_KEY": secret,
            "QIANFAN_IAM_BASE_URL": server.base_url,
            "QIANFAN_BASE_URL": server.v2_base_url,
        }
    )
    auth = build_auth(creds, **kwargs)
    assert isinstance(auth, IamBearerAuth)
    return auth


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["choices"][0]["message"]["content"]
    return body


def client_of(server: EmulatorServer, auth: httpx.Auth) -> httpx.Client:
    return httpx.Client(base_url=server.v2_base_url, auth=auth, timeout=30)


@pytest.fixture(scope="module")
def short_lived() -> Iterator[EmulatorServer]:
    """An emulator whose minted tokens live one second, whatever was asked."""
    with EmulatorServer(bearer_token_ttl=1) as server:
        yield server


# --- API key --------------------------------------------------------------------------------------


def test_api_key_is_sent_as_bearer_and_checked(wenxin_emulator: EmulatorServer) -> None:
    auth = build_auth(Credentials.resolve(api_key=DEFAULT_API_KEY, env={}))
    assert isinstance(auth, BearerAuth)
    with client_of(wenxin_emulator, auth) as client:
        ok(client.post("/chat/completions", json=BODY))
    wrong = build_auth(Credentials.resolve(api_key="bce-v3/ALTAK-x/not-a-key", env={}))
    with client_of(wenxin_emulator, wrong) as client:
        refused = client.post("/chat/completions", json=BODY)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_iam_token"
    assert wenxin_emulator.bearer_token_requests == 0


# --- IAM pair minting BCE-BEARER tokens -------------------------------------------------------


def test_mint_once_then_reuse(wenxin_emulator: EmulatorServer) -> None:
    auth = iam_auth(wenxin_emulator)
    with client_of(wenxin_emulator, auth) as client:
        first = client.post("/chat/completions", json=BODY)
        second = client.post("/chat/completions", json=BODY)
    ok(first)
    ok(second)
    token = bearer_of(first.request)
    assert token is not None and token == bearer_of(second.request)
    assert wenxin_emulator.bearer_token_requests == 1
    assert wenxin_emulator.chat_calls == 2
    assert auth.provider.fetch_count == 1


def test_configured_lifetime_is_asked_and_accepted(wenxin_emulator: EmulatorServer) -> None:
    auth = iam_auth(wenxin_emulator, iam_token_lifetime=300)
    with client_of(wenxin_emulator, auth) as client:
        ok(client.post("/chat/completions", json=BODY))
    assert auth.provider.fetch_count == 1
    assert auth.provider.current() is not None


def test_token_is_minted_again_when_its_expire_time_comes(short_lived: EmulatorServer) -> None:
    short_lived.reset()
    auth = iam_auth(short_lived)  # asks 1800 s; the server grants 1 s
    with client_of(short_lived, auth) as client:
        first = client.post("/chat/completions", json=BODY)
        ok(first)
        time.sleep(1.1)
        second = client.post("/chat/completions", json=BODY)
        ok(second)  # no 401: the stale token was replaced before it was sent
    assert bearer_of(first.request) != bearer_of(second.request)
    assert short_lived.bearer_token_requests == 2


@pytest.mark.parametrize("fault", ["invalidate_tokens", "expire_tokens"])
def test_rejected_token_is_minted_again_once(wenxin_emulator: EmulatorServer, fault: str) -> None:
    auth = iam_auth(wenxin_emulator)
    with client_of(wenxin_emulator, auth) as client:
        first = client.post("/chat/completions", json=BODY)
        ok(first)
        getattr(wenxin_emulator, fault)()
        refused = client.post("/chat/completions", json=BODY)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_iam_token"
        auth.rejected(refused.request)
        replay = client.post("/chat/completions", json=BODY)
        ok(replay)
        assert bearer_of(replay.request) not in (None, bearer_of(first.request))
        auth.rejected(refused.request)  # a late caller with the old token changes nothing
        ok(client.post("/chat/completions", json=BODY))
    assert wenxin_emulator.bearer_token_requests == 2


@pytest.mark.parametrize(
    ("access_key", "secret", "status", "code"),
    [
        (DEFAULT_IAM_ACCESS_KEY, "not-the-iam-secret", 400, "SignatureDoesNotMatch"),
        ("unknown-access-key", DEFAULT_IAM_SECRET_KEY, 403, "InvalidAccessKeyId"),
    ],
)
def test_refused_mint_is_an_authentication_error(
    wenxin_emulator: EmulatorServer, access_key: str, secret: str, status: int, code: str
) -> None:
    creds = Credentials.resolve(
        access_key=access_key,
        secret_key=secret,
        iam_base_url=wenxin_emulator.base_url,
        base_url=wenxin_emulator.v2_base_url,
        env={},
    )
    with (
        client_of(wenxin_emulator, build_auth(creds)) as client,
        pytest.raises(AuthenticationError) as info,
    ):
        client.post("/chat/completions", json=BODY)
    err = info.value
    assert (err.status_code, err.error_code) == (status, code)
    assert err.request_id
    assert secret not in str(err) + repr(err) + repr(vars(err))
    assert wenxin_emulator.chat_calls == 0


def test_single_flight_50_threads_real_http(wenxin_emulator: EmulatorServer) -> None:
    auth = iam_auth(wenxin_emulator)
    barrier = threading.Barrier(50)
    with client_of(wenxin_emulator, auth) as client:

        def call(_: int) -> str | None:
            barrier.wait()
            response = client.post("/chat/completions", json=BODY)
            ok(response)
            return bearer_of(response.request)

        with ThreadPoolExecutor(50) as pool:
            tokens = set(pool.map(call, range(50)))
    assert len(tokens) == 1
    assert wenxin_emulator.bearer_token_requests == 1


@pytest.mark.parametrize("transport", ["httpx", "default"])
async def test_single_flight_50_tasks_real_http(
    wenxin_emulator: EmulatorServer, transport: str
) -> None:
    auth = iam_auth(wenxin_emulator)
    base = wenxin_emulator.v2_base_url
    client = (
        make_async_http_client(httpx.Timeout(30), base_url=base, auth=auth)
        if transport == "default"
        else httpx.AsyncClient(base_url=base, auth=auth, timeout=30)
    )
    async with client:
        responses = await asyncio.gather(
            *(client.post("/chat/completions", json=BODY) for _ in range(50))
        )
    for response in responses:
        ok(response)
    assert len({bearer_of(r.request) for r in responses}) == 1
    assert wenxin_emulator.bearer_token_requests == 1
