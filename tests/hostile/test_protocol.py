"""Malformed answers on every client path: typed errors, fast, bounded memory.

Endless headers, broken status lines, broken chunked framing (also on a stream request answered
with JSON), early closes, 1xx and 101 answers, redirects.
"""

from __future__ import annotations

import pytest

from tests.hostile.clients import Outcome, answer_for, measure, run_calls
from tests.hostile.server import Conn, HostileServer, chat_body
from wenxin_core._http.errors import ResponseTooLargeError, WenxinProtocolError
from wenxin_core.errors import StreamInterruptedError, WenxinConnectionError, WenxinError


def assert_fast(outcome: Outcome, error: type[BaseException], seconds: float = 5.0) -> None:
    assert isinstance(outcome.error, error), repr(outcome.error)
    assert outcome.seconds < seconds, outcome.seconds
    assert outcome.peak_mib < 32, outcome.peak_mib


def test_endless_headers_are_refused_at_once(server: HostileServer, path: str) -> None:
    line = b"X-Filler: " + b"a" * 50 + b"\r\n"

    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        for _ in range(200_000):  # 12 MB of headers, never ending until the client hangs up
            await conn.send(line * 64)

    server.serve(script)
    outcome = measure(lambda: run_calls(path, server.base_url))
    assert_fast(outcome, ResponseTooLargeError)


def test_one_endless_header_line_is_refused(server: HostileServer, path: str) -> None:
    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(b"HTTP/1.1 200 OK\r\nX-Long: ")
        for _ in range(2_000):
            await conn.send(b"b" * 65536)

    server.serve(script)
    assert_fast(measure(lambda: run_calls(path, server.base_url)), ResponseTooLargeError)


@pytest.mark.parametrize(
    "status_line",
    [
        b"HTTP/1.1 abc OK\r\n",
        b"garbage\r\n",
        b"HTTP/1.1 99999999999999999999 OK\r\n",
        b"\x00\x01\x02\r\n",
    ],
    ids=["letters", "garbage", "huge-code", "binary"],
)
def test_malformed_status_lines(server: HostileServer, path: str, status_line: bytes) -> None:
    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(status_line + b"Content-Length: 2\r\n\r\n{}")

    server.serve(script)
    assert_fast(measure(lambda: run_calls(path, server.base_url)), WenxinConnectionError)


def chunked_head(content_type: bytes) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )


BROKEN_CHUNKS = {
    "bad-hex": b"zz\r\nabc\r\n",
    "overflow": b"ffffffffffffffffffffffff\r\nabc\r\n",
    "short-chunk": b"64\r\n" + b'{"id":"x"' + b"\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("broken", list(BROKEN_CHUNKS), ids=list(BROKEN_CHUNKS))
def test_broken_chunked_json_is_typed(server: HostileServer, path: str, broken: str) -> None:
    """A JSON answer (to a chat or a stream request) with broken chunked framing."""

    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(chunked_head(b"application/json") + BROKEN_CHUNKS[broken])
        conn.close()

    server.serve(script)
    outcome = measure(lambda: run_calls(path, server.base_url))
    assert_fast(outcome, WenxinConnectionError)
    assert not isinstance(outcome.error, StreamInterruptedError)


@pytest.mark.parametrize("broken", list(BROKEN_CHUNKS), ids=list(BROKEN_CHUNKS))
def test_broken_chunked_json_is_retried_as_a_connection_error(
    server: HostileServer, stream_path: str, broken: str
) -> None:
    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(chunked_head(b"application/json") + BROKEN_CHUNKS[broken])
        conn.close()

    server.serve(script)
    outcome = measure(lambda: run_calls(stream_path, server.base_url, max_retries=1))
    assert_fast(outcome, WenxinConnectionError)
    assert len(server.requests) == 0  # the script reads requests itself
    assert server.connections == 2  # tried once more


@pytest.mark.parametrize("broken", list(BROKEN_CHUNKS), ids=list(BROKEN_CHUNKS))
def test_broken_chunked_event_stream_is_typed(
    server: HostileServer, stream_path: str, broken: str
) -> None:
    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(chunked_head(b"text/event-stream") + BROKEN_CHUNKS[broken])
        conn.close()

    server.serve(script)
    outcome = measure(lambda: run_calls(stream_path, server.base_url))
    assert_fast(outcome, (WenxinProtocolError, StreamInterruptedError))  # type: ignore[arg-type]


@pytest.mark.parametrize("when", ["before-answer", "mid-headers", "mid-body"])
def test_early_close(server: HostileServer, path: str, when: str) -> None:
    async def script(conn: Conn) -> None:
        request = await conn.read_request()
        assert request is not None
        whole = answer_for(request)
        if when == "mid-headers":
            await conn.send(whole[:30])
        elif when == "mid-body":
            await conn.send(whole[: len(whole) - 40])
        conn.close()

    server.serve(script)
    outcome = measure(lambda: run_calls(path, server.base_url))
    assert_fast(outcome, WenxinConnectionError if when != "mid-body" else WenxinError)
    assert isinstance(outcome.error, (WenxinConnectionError, StreamInterruptedError))


@pytest.mark.parametrize("informational", [b"100 Continue", b"103 Early Hints"])
def test_1xx_answers_are_skipped(server: HostileServer, path: str, informational: bytes) -> None:
    async def script(conn: Conn) -> None:
        request = await conn.read_request()
        assert request is not None
        await conn.send(
            b"HTTP/1.1 " + informational + b"\r\nLink: </x>\r\n\r\n" + answer_for(request)
        )

    server.serve(script)
    outcome = measure(lambda: run_calls(path, server.base_url))
    assert outcome.error is None, repr(outcome.error)
    assert outcome.value == ["hello"]


def test_101_switching_protocols_is_an_error(server: HostileServer, path: str) -> None:
    async def script(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
        )
        await conn.send(b"\x00" * 64)

    server.serve(script)
    assert_fast(measure(lambda: run_calls(path, server.base_url, timeout=2.0)), WenxinProtocolError)


@pytest.mark.parametrize("status", [b"301 Moved Permanently", b"307 Temporary Redirect"])
def test_redirects_are_not_followed_and_leak_nothing(
    server: HostileServer, path: str, status: bytes
) -> None:
    with HostileServer() as elsewhere:

        async def record(conn: Conn) -> None:
            request = await conn.read_request()
            if request is not None:
                elsewhere.requests.append(request)
                await conn.send(answer_for(request))

        elsewhere.serve(record)

        async def script(conn: Conn) -> None:
            await conn.read_request()
            location = f"{elsewhere.base_url}/v2/chat/completions".encode()
            await conn.send(
                b"HTTP/1.1 "
                + status
                + b"\r\nLocation: "
                + location
                + b"\r\nContent-Length: 0\r\n\r\n"
            )

        server.serve(script)
        outcome = measure(lambda: run_calls(path, server.base_url))
        assert_fast(outcome, WenxinError)
        assert elsewhere.requests == []
        assert "hostile-api-key" not in str(outcome.error)


def test_a_good_answer_still_works(server: HostileServer, path: str) -> None:
    async def script(conn: Conn) -> None:
        while (request := await conn.read_request()) is not None:
            await conn.send(answer_for(request))

    server.serve(script)
    outcome = measure(lambda: run_calls(path, server.base_url, calls=3))
    assert outcome.error is None, repr(outcome.error)
    assert outcome.value == ["hello"] * 3
    assert server.connections == 1  # kept alive


def test_chat_body_helper_is_json() -> None:
    assert b'"content": "hello"' in chat_body()
