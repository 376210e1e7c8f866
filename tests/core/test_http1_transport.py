"""The default async transport on the wire: framing, keep-alive, limits, failures, proxies.

Each test runs a scripted HTTP server on 127.0.0.1 (asyncio streams) that answers with exact
bytes, so the cases the emulator never produces (chunked and EOF-delimited bodies,
``Connection: close``, garbage, hang-ups) are covered through a real socket.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest

from wenxin_core.http1_transport import HTTP1Transport

Reply = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Scripted:
    """A server that hands every request (head and body bytes) to ``reply``."""

    port: int
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/path?q=1"


@contextlib.asynccontextmanager
async def scripted(reply: Reply) -> AsyncIterator[Scripted]:
    state = Scripted(port=0)
    handlers: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if b"transfer-encoding: chunked" in head.lower():
                    body = await reader.readuntil(b"0\r\n\r\n")
                else:
                    body = await reader.readexactly(length) if length else b""
                request = head + body
                state.requests.append(request)
                await reply(request, writer)
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()


def answer(raw: bytes, *, close: bool = False) -> Reply:
    async def reply(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(raw)
        await writer.drain()
        if close:
            writer.close()

    return reply


OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"


async def fetch(
    transport: HTTP1Transport, url: str, timeout: httpx.Timeout | None = None
) -> httpx.Response:
    """POST straight to the transport (which stays open) and read the whole body."""
    timeout = timeout or httpx.Timeout(5)
    request = httpx.Request(
        "POST", url, content=b'{"q":1}', extensions={"timeout": timeout.as_dict()}
    )
    response = await transport.handle_async_request(request)
    try:
        await response.aread()
    finally:
        await response.aclose()
    return response


async def test_content_length_body_and_keep_alive_reuse() -> None:
    async with scripted(answer(OK)) as server:
        transport = HTTP1Transport()
        async with httpx.AsyncClient(transport=transport) as client:
            first = await client.post(server.url, content=b'{"q":1}')
            second = await client.post(server.url, content=b'{"q":2}')
            assert transport.open_connections == 1
        assert first.json() == second.json() == {"ok": True}
        assert first.reason_phrase == "OK"
        assert first.http_version == "HTTP/1.1"
        assert server.connections == 1
        head, _, body = server.requests[1].partition(b"\r\n\r\n")
        assert head.startswith(b"POST /path?q=1 HTTP/1.1\r\n")
        assert b"\r\ncontent-length: 7" in head.lower()
        assert f"host: 127.0.0.1:{server.port}".encode() in head.lower()
        assert body == b'{"q":2}'
        assert transport.open_connections == 0


async def test_chunked_body_arrives_piece_by_piece() -> None:
    async def reply(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in (b"data: one\n\n", b"data: two\n\n"):
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
            await asyncio.sleep(0.02)
        writer.write(b"0\r\n\r\n")

    async with scripted(reply) as server:
        transport = HTTP1Transport()
        async with httpx.AsyncClient(transport=transport) as client:
            async with client.stream("POST", server.url, content=b"{}") as response:
                pieces = [piece async for piece in response.aiter_raw()]
            assert pieces == [b"data: one\n\n", b"data: two\n\n"]
            assert (await client.post(server.url, content=b"{}")).status_code == 200
        assert server.connections == 1  # the chunked response was read whole: reused


async def test_body_until_the_server_closes() -> None:
    async with scripted(answer(b"HTTP/1.1 200 OK\r\n\r\nno length, ends at EOF", close=True)) as s:
        transport = HTTP1Transport()
        response = await fetch(transport, s.url)
        assert response.content == b"no length, ends at EOF"
        assert transport.open_connections == 0


async def test_connection_close_is_not_reused() -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    async with scripted(answer(closing, close=True)) as server:
        transport = HTTP1Transport()
        async with httpx.AsyncClient(transport=transport) as client:
            for _ in range(2):
                assert (await client.post(server.url, content=b"")).text == "ok"
                assert transport.open_connections == 0
        assert server.connections == 2


async def test_server_hangs_up_before_answering() -> None:
    async def reply(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async with scripted(reply) as server:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            await fetch(HTTP1Transport(), server.url)


async def test_server_hangs_up_mid_body() -> None:
    partial = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part"
    async with scripted(answer(partial, close=True)) as server:
        transport = HTTP1Transport()
        with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
            await fetch(transport, server.url)
        assert transport.open_connections == 0


async def test_garbage_is_a_protocol_error() -> None:
    async with scripted(answer(b"SMTP ready\r\n\r\n")) as server:
        transport = HTTP1Transport()
        with pytest.raises(httpx.RemoteProtocolError, match="Invalid HTTP response"):
            await fetch(transport, server.url)
        assert transport.open_connections == 0


async def test_read_timeout_closes_the_connection() -> None:
    async def reply(request: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(1)

    async with scripted(reply) as server:
        transport = HTTP1Transport()
        with pytest.raises(httpx.ReadTimeout):
            await fetch(transport, server.url, httpx.Timeout(5, read=0.05))
        assert transport.open_connections == 0


async def test_connection_refused_is_a_connect_error() -> None:
    async with scripted(answer(OK)) as server:
        port = server.port
    with pytest.raises(httpx.ConnectError):
        await fetch(HTTP1Transport(), f"http://127.0.0.1:{port}/")


async def test_the_pool_never_opens_more_than_max_connections() -> None:
    async def slow(request: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.02)
        writer.write(OK)

    async with scripted(slow) as server:
        transport = HTTP1Transport(limits=httpx.Limits(max_connections=2))
        async with httpx.AsyncClient(transport=transport) as client:
            replies = await asyncio.gather(
                *(client.post(server.url, content=b"") for _ in range(10))
            )
        assert [r.json() for r in replies] == [{"ok": True}] * 10
        assert server.connections == 2


async def test_pool_timeout_when_every_connection_is_busy() -> None:
    async def slow(request: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.3)
        writer.write(OK)

    async with scripted(slow) as server:
        transport = HTTP1Transport(limits=httpx.Limits(max_connections=1))
        timeout = httpx.Timeout(5, pool=0.05)
        async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
            first = asyncio.ensure_future(client.post(server.url, content=b""))
            await asyncio.sleep(0.01)
            with pytest.raises(httpx.PoolTimeout):
                await client.post(server.url, content=b"")
            assert (await first).status_code == 200


async def test_an_expired_idle_connection_is_replaced() -> None:
    async with scripted(answer(OK)) as server:
        transport = HTTP1Transport(limits=httpx.Limits(keepalive_expiry=0.05))
        async with httpx.AsyncClient(transport=transport) as client:
            await client.post(server.url, content=b"")
            await asyncio.sleep(0.1)
            await client.post(server.url, content=b"")
            assert transport.open_connections == 1
        assert server.connections == 2


async def test_a_body_left_unread_closes_its_connection() -> None:
    async def long(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        await writer.drain()
        await asyncio.sleep(0.2)

    async with scripted(long) as server:
        transport = HTTP1Transport()
        async with httpx.AsyncClient(transport=transport) as client:
            async with client.stream("POST", server.url, content=b"") as response:
                async for piece in response.aiter_raw():
                    assert piece == b"first"
                    break
            assert transport.open_connections == 0


async def test_a_large_body_is_read_whole_with_flow_control() -> None:
    size = 3 << 20  # three times the buffer at which reading pauses
    payload = bytes(range(256)) * (size // 256)

    async def big(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        writer.write(payload)
        await writer.drain()

    async with scripted(big) as server:
        transport = HTTP1Transport()
        async with httpx.AsyncClient(transport=transport) as client:
            async with client.stream("POST", server.url, content=b"") as response:
                received = bytearray()
                async for piece in response.aiter_raw():
                    received += piece
                    await asyncio.sleep(0)  # a slow reader
            assert bytes(received) == payload
            assert (await client.post(server.url, content=b"")).status_code == 200
        assert server.connections == 1


async def test_a_line_break_in_a_header_is_refused_before_sending() -> None:
    async with scripted(answer(OK)) as server:
        transport = HTTP1Transport()
        request = httpx.Request("POST", server.url, content=b"")
        request.headers._list.append((b"X-Evil", b"x-evil", b"a\r\nInjected: 1"))
        with pytest.raises(httpx.LocalProtocolError):
            await transport.handle_async_request(request)
        assert server.requests == []


async def test_a_streamed_request_body_is_sent_chunked() -> None:
    async def parts() -> AsyncIterator[bytes]:
        yield b"hello "
        yield b"world"

    async with scripted(answer(OK)) as server:
        transport = HTTP1Transport()
        async with httpx.AsyncClient(transport=transport) as client:
            response = await client.post(server.url, content=parts())
            assert response.status_code == 200
            assert transport.open_connections == 1  # the framing was right: kept alive
        head, _, body = server.requests[0].partition(b"\r\n\r\n")
        assert b"transfer-encoding: chunked" in head.lower()
        assert body == b"b\r\nhello world\r\n0\r\n\r\n"


async def test_a_proxied_host_goes_through_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    async with scripted(answer(OK)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        transport = HTTP1Transport()
        response = await fetch(transport, "http://qianfan.example/chat?x=1")
        assert response.json() == {"ok": True}
        # the request line of a request sent to a proxy names the whole URL
        assert proxy.requests[0].startswith(b"POST http://qianfan.example/chat?x=1 HTTP/1.1")
        assert transport.open_connections == 0


async def test_closed_transport_refuses_requests() -> None:
    async with scripted(answer(OK)) as server:
        transport = HTTP1Transport()
        await fetch(transport, server.url)
        await transport.aclose()
        with pytest.raises(httpx.ConnectError, match="closed"):
            await transport.handle_async_request(httpx.Request("GET", server.url))
