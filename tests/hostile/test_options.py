"""The HTTP options: max_connections, validation, the transport without aiohttp, lazy imports."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
import pytest

from tests.hostile.clients import MESSAGES, MODEL, answer_for, client_options, measure, run_calls
from tests.hostile.server import Conn, HostileServer
from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core import transport as transport_module
from wenxin_core._http.errors import ResponseTooLargeError
from wenxin_core.errors import WenxinValidationError


def slow_answers(server: HostileServer) -> None:
    async def script(conn: Conn) -> None:
        while (request := await conn.read_request()) is not None:
            await asyncio.sleep(0.05)
            await conn.send(answer_for(request))

    server.serve(script)


@pytest.mark.parametrize("fallback", [False, True], ids=["httpx-aiohttp", "httpx-own"])
def test_max_connections_bounds_the_async_pool(
    server: HostileServer, fallback: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if fallback:
        monkeypatch.setattr(transport_module, "aiohttp_available", lambda: False)
    slow_answers(server)

    async def main() -> list[str]:
        kwargs = client_options(server.base_url, max_connections=2)
        async with AsyncWenxinClient(MODEL, **kwargs) as client:
            results = await asyncio.gather(*(client.chat(MESSAGES) for _ in range(8)))
            transport = client.http_client._transport
            expected = httpx.AsyncHTTPTransport if fallback else httpx.AsyncBaseTransport
            assert isinstance(transport, expected)
            return [r.text for r in results]

    assert asyncio.run(main()) == ["hello"] * 8
    assert server.connections == 2


def test_max_connections_bounds_the_sync_pool(server: HostileServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    slow_answers(server)
    with (
        WenxinClient(MODEL, **client_options(server.base_url, max_connections=2)) as client,
        ThreadPoolExecutor(6) as pool,
    ):
        texts = list(pool.map(lambda _: client.chat(MESSAGES).text, range(6)))
    assert texts == ["hello"] * 6
    assert server.connections == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_connections", 0),
        ("max_connections", True),
        ("total_timeout", 0),
        ("total_timeout", float("nan")),
        ("total_timeout", "300"),
        ("max_event_size", -1),
        ("max_decompressed_size", 1.5),
    ],
)
def test_bad_limits_are_refused_by_name(name: str, value: object) -> None:
    with pytest.raises(WenxinValidationError) as info:
        WenxinClient(MODEL, api_key="k", **{name: value})  # type: ignore[arg-type]
    assert info.value.field == name


def test_the_fallback_transport_has_the_same_guards(
    server: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport_module, "aiohttp_available", lambda: False)
    line = b"X-Filler: " + b"a" * 50 + b"\r\n"

    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(b"HTTP/1.1 200 OK\r\n")
        for _ in range(100_000):
            await conn.send(line * 64)

    server.serve(script)
    for path in ("async-chat", "async-stream"):
        outcome = measure(lambda: run_calls(path, server.base_url))  # noqa: B023
        assert isinstance(outcome.error, ResponseTooLargeError), repr(outcome.error)
        assert outcome.seconds < 5


def test_importing_the_core_does_not_import_aiohttp() -> None:
    code = "import sys, wenxin_core; print('aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
