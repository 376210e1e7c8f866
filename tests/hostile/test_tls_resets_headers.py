"""TLS with a bad certificate, concurrent resets, and the headers every request carries."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.hostile.clients import MESSAGES, MODEL, answer_for, client_options, measure, run_calls
from tests.hostile.server import Conn, HostileServer, Request
from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core._http.errors import TLSVerificationError
from wenxin_core._http.limits import USER_AGENT
from wenxin_core.errors import StreamInterruptedError, WenxinConnectionError
from wenxin_core.retry import RetryPolicy

FAST_RETRIES = RetryPolicy(max_retries=3, initial_delay=0.02, max_delay=0.1)


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl CLI")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(self_signed: tuple[Path, Path]) -> Iterator[HostileServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*self_signed)
    with HostileServer(ssl_context=context) as hostile:

        def hello(*_: object) -> None:
            hostile.handshakes += 1  # every ClientHello, whether the handshake ends well or not

        context.sni_callback = hello

        async def script(conn: Conn) -> None:
            while (request := await conn.read_request()) is not None:
                await conn.send(answer_for(request))

        hostile.serve(script)
        yield hostile


def test_a_self_signed_certificate_is_refused_and_not_retried(
    tls_server: HostileServer, path: str
) -> None:
    outcome = measure(lambda: run_calls(path, tls_server.base_url, max_retries=2))
    assert isinstance(outcome.error, TLSVerificationError), repr(outcome.error)
    assert outcome.seconds < 3
    assert tls_server.handshakes == 1  # not retried


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_self_signed_token_endpoint_is_refused(tls_server: HostileServer, kind: str) -> None:
    outcome = measure(
        lambda: run_calls(
            f"{kind}-chat",
            tls_server.base_url,
            access_key="hostile-access-key",
            secret_key="hostile-secret-key-0123456789",
            iam_base_url=tls_server.base_url,
            max_retries=2,
        )
    )
    assert isinstance(outcome.error, TLSVerificationError), repr(outcome.error)
    assert tls_server.handshakes == 1


def resetting() -> object:
    count = {"n": 0}

    async def script(conn: Conn) -> None:
        while (request := await conn.read_request()) is not None:
            count["n"] += 1
            if count["n"] % 3 == 0:
                conn.reset()
                return
            if count["n"] % 3 == 1:
                whole = answer_for(request)
                await conn.send(whole[: len(whole) // 2])
                conn.reset()
                return
            await conn.send(answer_for(request))

    return script


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_concurrent_resets_async(server: HostileServer, stream: bool) -> None:
    server.serve(resetting())  # type: ignore[arg-type]

    async def one(client: AsyncWenxinClient) -> str:
        if not stream:
            return (await client.chat(MESSAGES)).text
        return "".join([chunk.text async for chunk in client.stream(MESSAGES)])

    async def main() -> list[object]:
        kwargs = client_options(server.base_url, max_retries=3)
        async with AsyncWenxinClient(MODEL, **kwargs) as client:
            client.retry_policy = FAST_RETRIES
            return await asyncio.gather(*(one(client) for _ in range(30)), return_exceptions=True)

    outcome = measure(lambda: asyncio.run(main()))
    assert outcome.error is None
    for result in outcome.value:
        assert result == "hello" or isinstance(
            result, (WenxinConnectionError, StreamInterruptedError)
        ), repr(result)
    assert outcome.value.count("hello") >= (12 if stream else 20)
    assert outcome.seconds < 10


def test_concurrent_resets_sync(server: HostileServer) -> None:
    server.serve(resetting())  # type: ignore[arg-type]
    kwargs = client_options(server.base_url, max_retries=3)

    def run() -> list[object]:
        with WenxinClient(MODEL, **kwargs) as client, ThreadPoolExecutor(8) as pool:
            client.retry_policy = FAST_RETRIES

            def one(_: int) -> object:
                try:
                    return client.chat(MESSAGES).text
                except WenxinConnectionError as exc:
                    return exc

            return list(pool.map(one, range(24)))

    outcome = measure(run)
    assert outcome.error is None
    assert outcome.value.count("hello") >= 15
    assert all(r == "hello" or isinstance(r, WenxinConnectionError) for r in outcome.value)


def test_one_set_of_default_headers_on_every_path(server: HostileServer, path: str) -> None:
    seen: list[Request] = []

    async def script(conn: Conn) -> None:
        while (request := await conn.read_request()) is not None:
            seen.append(request)
            await conn.send(answer_for(request))

    server.serve(script)
    outcome = measure(lambda: run_calls(path, server.base_url))
    assert outcome.error is None, repr(outcome.error)
    (request,) = seen
    assert request.headers["user-agent"] == USER_AGENT
    assert request.headers["accept"] == "application/json, text/event-stream"
    assert request.headers["accept-encoding"] == "gzip, deflate"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"].startswith("Bearer ")
