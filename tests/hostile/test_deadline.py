"""The overall per-attempt deadline (``total_timeout``): drips, slow headers, a slow token mint."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.hostile.clients import MESSAGES, MODEL, answer_for, measure, run_calls
from tests.hostile.server import Conn, HostileServer
from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core._http.errors import DeadlineExceededError
from wenxin_core.errors import StreamInterruptedError, WenxinTimeoutError

TOTAL = 0.6


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_one_byte_a_second_drip_ends_at_the_deadline(
    server: HostileServer, path: str, where: str
) -> None:
    async def script(conn: Conn) -> None:
        request = await conn.read_request()
        assert request is not None
        whole = answer_for(request)
        split = whole.index(b"\r\n\r\n") + 4 if where == "body" else 20
        await conn.send(whole[:split])
        await conn.drip(whole[split:], 0.3)  # each read well inside the 5 s read timeout

    server.serve(script)
    outcome = measure(lambda: run_calls(path, server.base_url, timeout=5.0, total_timeout=TOTAL))
    assert isinstance(outcome.error, DeadlineExceededError), repr(outcome.error)
    assert TOTAL * 0.9 < outcome.seconds < TOTAL + 1.5


def test_a_stream_past_its_first_event_keeps_its_partial_text(
    server: HostileServer, stream_path: str
) -> None:
    async def script(conn: Conn) -> None:
        request = await conn.read_request()
        assert request is not None
        whole = answer_for(request, "hello world")
        first_event_end = whole.index(b"\n\n", whole.index(b"\r\n\r\n")) + 2
        await conn.send(whole[:first_event_end])
        await conn.drip(whole[first_event_end:], 0.3)

    server.serve(script)
    outcome = measure(lambda: run_calls(stream_path, server.base_url, total_timeout=TOTAL))
    assert isinstance(outcome.error, StreamInterruptedError), repr(outcome.error)
    assert outcome.error.partial_text == "hello"
    assert "total_timeout" in str(outcome.error)
    assert outcome.seconds < TOTAL + 1.5


def test_timeout_stays_per_phase(server: HostileServer, path: str) -> None:
    """A silent server trips the per-read timeout long before the total."""

    async def script(conn: Conn) -> None:
        await conn.read_request()
        await asyncio.sleep(10)

    server.serve(script)
    outcome = measure(lambda: run_calls(path, server.base_url, timeout=0.3, total_timeout=30))
    assert isinstance(outcome.error, WenxinTimeoutError), repr(outcome.error)
    assert not isinstance(outcome.error, DeadlineExceededError)
    assert outcome.seconds < 2


def token_then_chat(drip_token: bool):  # type: ignore[no-untyped-def]
    answer = json.dumps(
        {
            "userId": "u",
            "token": "bce-bearer-token-from-iam",
            "status": "enable",
            "createTime": "2030-01-01T00:00:00Z",
            "expireTime": "2030-01-01T00:30:00Z",
        }
    ).encode()
    token = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(answer)}\r\n\r\n".encode()
        + answer
    )

    async def script(conn: Conn) -> None:
        while (request := await conn.read_request()) is not None:
            if request.path.startswith("/v1/BCE-BEARER"):
                if drip_token:
                    await conn.send(token[:40])
                    await conn.drip(token[40:], 0.3)
                else:
                    await conn.send(token)
            else:
                await conn.send(answer_for(request))

    return script


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_dripping_token_endpoint_is_bounded_too(server: HostileServer, kind: str) -> None:
    server.serve(token_then_chat(drip_token=True))
    options = dict(
        access_key="hostile-access-key",
        secret_key="hostile-secret-key-0123456789",
        iam_base_url=server.base_url,
        base_url=server.base_url + "/v2",
        max_retries=0,
        total_timeout=TOTAL,
    )

    def run() -> str:
        if kind == "sync":
            with WenxinClient(MODEL, **options) as client:  # type: ignore[arg-type]
                return client.chat(MESSAGES).text

        async def main() -> list[str]:
            async with AsyncWenxinClient(MODEL, **options) as client:  # type: ignore[arg-type]
                # concurrent first callers wait on the one mint: all bounded by the deadline
                results = await asyncio.gather(
                    *(client.chat(MESSAGES) for _ in range(5)), return_exceptions=True
                )
                return [type(r).__name__ for r in results]

        return str(asyncio.run(main()))

    outcome = measure(run)
    if kind == "sync":
        assert isinstance(outcome.error, DeadlineExceededError), repr(outcome.error)
    else:
        assert outcome.error is None
        assert outcome.value.count("DeadlineExceededError") == 5, outcome.value
    assert outcome.seconds < TOTAL + 1.5


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_token_endpoint_gets_our_headers_and_works(server: HostileServer, kind: str) -> None:
    server.serve(token_then_chat(drip_token=False))
    options = dict(
        access_key="hostile-access-key",
        secret_key="hostile-secret-key-0123456789",
        iam_base_url=server.base_url,
    )
    outcome = measure(lambda: run_calls(f"{kind}-chat", server.base_url, calls=2, **options))
    assert outcome.error is None, repr(outcome.error)
    assert outcome.value == ["hello", "hello"]
