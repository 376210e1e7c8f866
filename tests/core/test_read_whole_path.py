"""The async client's one-step path: our aiohttp transport sends a call and reads its answer whole.

``WenxinAiohttpTransport.send_read`` reads a plain answer (no content coding, a declared length
within the cap) in the step that got its head, and hands back a response made read
(``read_response``). Every other answer takes the general path (a streamed response, then
``read_body``). These tests check both paths over real HTTP on 127.0.0.1 give the same answers
and the same typed errors, and that the made response is what httpx builds.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import httpx
import pytest

from tests.hostile.clients import API_KEY, MESSAGES, MODEL
from tests.hostile.server import Conn, HostileServer, chat_body, json_response
from wenxin_core import AsyncWenxinClient
from wenxin_core._http import body
from wenxin_core._http.errors import ResponseTooLargeError
from wenxin_core.errors import WenxinError


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as running:
        yield running


@pytest.fixture
def general_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the answers read by ``read_body`` (the general path), wherever it is called."""
    calls: list[int] = []
    original = body.read_body

    async def counted(response: httpx.Response, limit: int) -> bytes:
        calls.append(response.status_code)
        return await original(response, limit)

    for where in ("wenxin_core._http.aio", "wenxin_core.async_client"):
        monkeypatch.setattr(f"{where}.read_body", counted)
    return calls


def answering(*answers: bytes) -> object:
    """A script answering each request on a connection with the next of ``answers``."""

    async def script(conn: Conn) -> None:
        for answer in answers:
            if await conn.read_request() is None:
                return
            await conn.send(answer)

    return script


def chunked(payload: bytes) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + f"{len(payload):x}\r\n".encode()
        + payload
        + b"\r\n0\r\n\r\n"
    )


def gzipped(payload: bytes) -> bytes:
    data = gzip.compress(payload)
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        + f"Content-Length: {len(data)}\r\n\r\n".encode()
        + data
    )


async def chat_twice(server: HostileServer, **options: object) -> list[str]:
    async with AsyncWenxinClient(
        MODEL,
        api_key=API_KEY,
        base_url=server.base_url + "/v2",
        max_retries=0,
        **options,  # type: ignore[arg-type]
    ) as client:
        return [(await client.chat(MESSAGES)).text for _ in range(2)]


async def test_a_plain_answer_is_read_in_one_step(
    server: HostileServer, general_reads: list[int]
) -> None:
    extra = b"X-Bce-Request-Id: rid-7\r\nX-Ratelimit-Remaining-Requests: 41\r\n"
    server.serve(answering(*[json_response(chat_body("plain"), extra=extra)] * 2))  # type: ignore[arg-type]
    async with AsyncWenxinClient(
        MODEL, api_key=API_KEY, base_url=server.base_url + "/v2", max_retries=0
    ) as client:
        answers = [await client.chat(MESSAGES) for _ in range(2)]
    assert [a.text for a in answers] == ["plain", "plain"]
    assert {a.request_id for a in answers} == {"rid-7"}  # headers read as before, any case
    assert answers[0].rate_limits is not None
    assert answers[0].rate_limits.remaining_requests == 41
    assert general_reads == []  # neither answer went to read_body
    assert server.connections == 1  # the connection went back to the pool, reused


@pytest.mark.parametrize(
    "answer",
    [chunked(chat_body("other")), gzipped(chat_body("other"))],
    ids=["chunked", "gzip"],
)
async def test_any_other_answer_takes_the_general_path(
    server: HostileServer, general_reads: list[int], answer: bytes
) -> None:
    server.serve(answering(answer, answer))  # type: ignore[arg-type]
    assert await chat_twice(server) == ["other", "other"]
    assert general_reads == [200, 200]
    assert server.connections == 1


async def test_a_declared_length_over_the_cap_is_refused_unread(
    server: HostileServer, general_reads: list[int]
) -> None:
    big = chat_body("x" * 5000)
    server.serve(answering(json_response(big)))  # type: ignore[arg-type]
    with pytest.raises(ResponseTooLargeError):
        await chat_twice(server, max_decompressed_size=1000)
    assert general_reads == [200]  # left to read_body, which enforces the cap


async def test_an_error_answer_read_in_one_step_is_typed(server: HostileServer) -> None:
    payload = b'{"error": {"code": "invalid_model", "message": "no such model", "type": "x"}}'
    extra = b"X-Bce-Request-Id: rid-err\r\n"
    server.serve(answering(json_response(payload, status="404 Not Found", extra=extra)))  # type: ignore[arg-type]
    with pytest.raises(WenxinError) as caught:
        await chat_twice(server)
    assert caught.value.status_code == 404
    assert caught.value.request_id == "rid-err"
    assert caught.value.error_code == "invalid_model"


def test_the_made_response_is_what_httpx_builds() -> None:
    request = httpx.Request("POST", "http://127.0.0.1:9/v2/chat/completions")
    raw = [(b"Content-Type", b"application/json"), (b"X-Bce-Request-Id", b"r1")]
    content = b'{"a": 1}'
    extensions = {"http_version": b"HTTP/1.1", "reason_phrase": b"OK"}
    ours = body.read_response(request, 200, httpx.Headers(raw), content, extensions)
    theirs = httpx.Response(
        200,
        headers=raw,
        stream=httpx.ByteStream(content),
        request=request,
        extensions=extensions,
    )
    theirs.read()
    theirs.close()
    # httpx keeps the decoder it read the stream with; ours came decoded, read by aiohttp.
    assert set(vars(ours)) == set(vars(theirs)) - {"_decoder"}
    for name in ("status_code", "extensions", "is_closed", "is_stream_consumed", "content"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.headers.raw == theirs.headers.raw
    assert ours.request is request
    assert ours.json() == theirs.json() == {"a": 1}
    assert ours.text == theirs.text
