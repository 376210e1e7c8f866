"""Size limits: one SSE line and one event (16 MiB by default), decompressed bodies."""

from __future__ import annotations

import gzip
import zlib

import pytest

from tests.hostile.clients import answer_for, measure, run_calls
from tests.hostile.server import Conn, HostileServer, chat_body, sse_body
from wenxin_core._http.errors import ResponseTooLargeError, WenxinProtocolError

PIECE = b"x" * 65536
MIB = 1 << 20


def event_stream_head() -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"


@pytest.mark.parametrize("total_mib", [40, None], ids=["40MiB-line", "endless-line"])
def test_an_over_long_sse_line_is_refused_fast(
    server: HostileServer, stream_path: str, total_mib: int | None
) -> None:
    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(event_stream_head() + b"data: ")
        pieces = (total_mib * MIB // len(PIECE)) if total_mib else 10**9
        for _ in range(pieces):
            await conn.send(PIECE)
        await conn.send(b"\n\n")

    server.serve(script)
    outcome = measure(lambda: run_calls(stream_path, server.base_url))
    assert isinstance(outcome.error, ResponseTooLargeError), repr(outcome.error)
    assert outcome.error.limit == 16 * MIB
    assert outcome.seconds < 10
    assert outcome.peak_mib < 64  # the line itself may reach 16 MiB, never 40


def test_an_event_of_many_lines_is_capped_too(server: HostileServer, stream_path: str) -> None:
    line = b"data: " + b"y" * 60000 + b"\n"

    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(event_stream_head())
        for _ in range(1000):  # ~57 MiB in one event, no blank line
            await conn.send(line)

    server.serve(script)
    outcome = measure(lambda: run_calls(stream_path, server.base_url))
    assert isinstance(outcome.error, ResponseTooLargeError), repr(outcome.error)
    assert outcome.seconds < 10
    assert outcome.peak_mib < 64


def test_the_cap_is_configurable(server: HostileServer, stream_path: str) -> None:
    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(event_stream_head() + b"data: " + b"z" * 200_000 + b"\n\n")

    server.serve(script)
    outcome = measure(lambda: run_calls(stream_path, server.base_url, max_event_size=100_000))
    assert isinstance(outcome.error, ResponseTooLargeError), repr(outcome.error)
    assert outcome.error.limit == 100_000


def test_a_long_line_under_the_cap_is_linear(server: HostileServer, stream_path: str) -> None:
    """12 MiB in one event, sent in 64 KiB pieces: decoded in well under a second of CPU."""
    text = "w" * (12 * MIB)
    body = sse_body(text)

    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(event_stream_head())
        for i in range(0, len(body), 65536):
            await conn.send(body[i : i + 65536])

    server.serve(script)
    outcome = measure(lambda: run_calls(stream_path, server.base_url))
    assert outcome.error is None, repr(outcome.error)
    assert outcome.value == [text]
    assert outcome.seconds < 10


def compressed_response(body: bytes, coding: str) -> bytes:
    data = gzip.compress(body) if coding == "gzip" else zlib.compress(body)
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Encoding: {coding}\r\nContent-Length: {len(data)}\r\n\r\n".encode()
        + data
    )


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_asked_for_codings_are_decoded(server: HostileServer, path: str, coding: str) -> None:
    seen: list[str] = []

    async def script(conn: Conn) -> None:
        request = await conn.read_request()
        assert request is not None
        seen.append(request.headers.get("accept-encoding", ""))
        whole = answer_for(request)
        head, _, body = whole.partition(b"\r\n\r\n")
        kind = b"text/event-stream" if b"event-stream" in head else b"application/json"
        data = gzip.compress(body) if coding == "gzip" else zlib.compress(body)
        await conn.send(
            b"HTTP/1.1 200 OK\r\nContent-Type: "
            + kind
            + b"\r\n"
            + f"Content-Encoding: {coding}\r\nContent-Length: {len(data)}\r\n\r\n".encode()
            + data
        )

    server.serve(script)
    outcome = measure(lambda: run_calls(path, server.base_url))
    assert outcome.error is None, repr(outcome.error)
    assert outcome.value == ["hello"]
    assert seen == ["gzip, deflate"]


def test_a_decompression_bomb_is_refused(server: HostileServer, path: str) -> None:
    bomb = compressed_response(b" " * (200 * MIB), "gzip")  # ~200 KB on the wire

    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(bomb)

    server.serve(script)
    outcome = measure(lambda: run_calls(path, server.base_url, max_decompressed_size=8 * MIB))
    assert isinstance(outcome.error, ResponseTooLargeError), repr(outcome.error)
    assert outcome.seconds < 5
    assert outcome.peak_mib < 48


@pytest.mark.parametrize("coding", ["br", "zstd", "gzip, gzip"])
def test_a_coding_nobody_asked_for_is_refused(
    server: HostileServer, path: str, coding: str
) -> None:
    async def script(conn: Conn) -> None:
        await conn.read_request()
        body = chat_body()
        await conn.send(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Encoding: {coding}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    server.serve(script)
    outcome = measure(lambda: run_calls(path, server.base_url))
    assert isinstance(outcome.error, WenxinProtocolError), repr(outcome.error)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_an_endless_identity_body_is_capped(server: HostileServer, path: str, framing: str) -> None:
    async def script(conn: Conn) -> None:
        await conn.read_request()
        if framing == "chunked":
            await conn.send(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            for _ in range(10_000):
                await conn.send(b"10000\r\n" + PIECE + b"\r\n")
        else:
            await conn.send(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {100 * MIB}\r\n\r\n".encode()
            )
            for _ in range(100 * MIB // len(PIECE)):
                await conn.send(PIECE)

    server.serve(script)
    outcome = measure(lambda: run_calls(path, server.base_url, max_decompressed_size=8 * MIB))
    assert isinstance(outcome.error, ResponseTooLargeError), repr(outcome.error)
    assert outcome.seconds < 5
    assert outcome.peak_mib < 40
