"""The default async transport on the wire: framing, keep-alive, limits, failures, proxies.

Each test runs a scripted HTTP server on 127.0.0.1 (asyncio streams) that answers with exact
bytes, so the cases the emulator never produces (chunked and EOF-delimited bodies,
``Connection: close``, garbage, hang-ups) are covered through a real socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import shutil
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from wenxin_core import AsyncWenxinClient
from wenxin_core.errors import WenxinTimeoutError
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
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client went away, or the test is over
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
        await asyncio.sleep(0)  # let asyncio's own done-callbacks see them finished
        await server.wait_closed()


NewTransport = Callable[..., HTTP1Transport]


@pytest.fixture
async def new_transport() -> AsyncIterator[NewTransport]:
    """Makes transports and closes them all when the test ends (nothing leaks or warns)."""
    made: list[HTTP1Transport] = []

    def factory(**kwargs: Any) -> HTTP1Transport:
        made.append(HTTP1Transport(**kwargs))
        return made[-1]

    yield factory
    for transport in made:
        await transport.aclose()
        assert transport.open_connections == 0


def answer(raw: bytes, *, close: bool = False) -> Reply:
    async def reply(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(raw)
        await writer.drain()
        if close:
            writer.close()

    return reply


OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'


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


async def test_content_length_body_and_keep_alive_reuse(new_transport: NewTransport) -> None:
    async with scripted(answer(OK)) as server:
        transport = new_transport()
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


async def test_chunked_body_arrives_piece_by_piece(new_transport: NewTransport) -> None:
    async def reply(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in (b"data: one\n\n", b"data: two\n\n"):
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
            await asyncio.sleep(0.02)
        writer.write(b"0\r\n\r\n")

    async with scripted(reply) as server:
        transport = new_transport()
        async with httpx.AsyncClient(transport=transport) as client:
            async with client.stream("POST", server.url, content=b"{}") as response:
                pieces = [piece async for piece in response.aiter_raw()]
            assert pieces == [b"data: one\n\n", b"data: two\n\n"]
            assert (await client.post(server.url, content=b"{}")).status_code == 200
        assert server.connections == 1  # the chunked response was read whole: reused


async def test_body_until_the_server_closes(new_transport: NewTransport) -> None:
    async with scripted(answer(b"HTTP/1.1 200 OK\r\n\r\nno length, ends at EOF", close=True)) as s:
        transport = new_transport()
        response = await fetch(transport, s.url)
        assert response.content == b"no length, ends at EOF"
        assert transport.open_connections == 0


async def test_connection_close_is_not_reused(new_transport: NewTransport) -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    async with scripted(answer(closing, close=True)) as server:
        transport = new_transport()
        async with httpx.AsyncClient(transport=transport) as client:
            for _ in range(2):
                assert (await client.post(server.url, content=b"")).text == "ok"
                assert transport.open_connections == 0
        assert server.connections == 2


async def test_server_hangs_up_before_answering(new_transport: NewTransport) -> None:
    async def reply(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async with scripted(reply) as server:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            await fetch(new_transport(), server.url)


async def test_server_hangs_up_mid_body(new_transport: NewTransport) -> None:
    partial = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part"
    async with scripted(answer(partial, close=True)) as server:
        transport = new_transport()
        with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
            await fetch(transport, server.url)
        assert transport.open_connections == 0


async def test_garbage_is_a_protocol_error(new_transport: NewTransport) -> None:
    async with scripted(answer(b"SMTP ready\r\n\r\n")) as server:
        transport = new_transport()
        with pytest.raises(httpx.RemoteProtocolError, match="Invalid HTTP response"):
            await fetch(transport, server.url)
        assert transport.open_connections == 0


async def test_read_timeout_closes_the_connection(new_transport: NewTransport) -> None:
    async def reply(request: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(1)

    async with scripted(reply) as server:
        transport = new_transport()
        with pytest.raises(httpx.ReadTimeout):
            await fetch(transport, server.url, httpx.Timeout(5, read=0.05))
        assert transport.open_connections == 0


async def test_connection_refused_is_a_connect_error(new_transport: NewTransport) -> None:
    async with scripted(answer(OK)) as server:
        port = server.port
    with pytest.raises(httpx.ConnectError):
        await fetch(new_transport(), f"http://127.0.0.1:{port}/")


async def test_the_pool_never_opens_more_than_max_connections(new_transport: NewTransport) -> None:
    async def slow(request: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.02)
        writer.write(OK)

    async with scripted(slow) as server:
        transport = new_transport(limits=httpx.Limits(max_connections=2))
        async with httpx.AsyncClient(transport=transport) as client:
            replies = await asyncio.gather(
                *(client.post(server.url, content=b"") for _ in range(10))
            )
        assert [r.json() for r in replies] == [{"ok": True}] * 10
        assert server.connections == 2


async def test_pool_timeout_when_every_connection_is_busy(new_transport: NewTransport) -> None:
    async def slow(request: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.3)
        writer.write(OK)

    async with scripted(slow) as server:
        transport = new_transport(limits=httpx.Limits(max_connections=1))
        timeout = httpx.Timeout(5, pool=0.05)
        async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
            first = asyncio.ensure_future(client.post(server.url, content=b""))
            await asyncio.sleep(0.01)
            with pytest.raises(httpx.PoolTimeout):
                await client.post(server.url, content=b"")
            assert (await first).status_code == 200


async def test_an_expired_idle_connection_is_replaced(new_transport: NewTransport) -> None:
    async with scripted(answer(OK)) as server:
        transport = new_transport(limits=httpx.Limits(keepalive_expiry=0.05))
        async with httpx.AsyncClient(transport=transport) as client:
            await client.post(server.url, content=b"")
            await asyncio.sleep(0.1)
            await client.post(server.url, content=b"")
            assert transport.open_connections == 1
        assert server.connections == 2


async def test_a_body_left_unread_closes_its_connection(new_transport: NewTransport) -> None:
    async def long(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        await writer.drain()
        await asyncio.sleep(0.2)

    async with scripted(long) as server:
        transport = new_transport()
        async with httpx.AsyncClient(transport=transport) as client:
            async with client.stream("POST", server.url, content=b"") as response:
                async for piece in response.aiter_raw():
                    assert piece == b"first"
                    break
            assert transport.open_connections == 0


async def test_a_large_body_is_read_whole_with_flow_control(new_transport: NewTransport) -> None:
    size = 3 << 20  # three times the buffer at which reading pauses
    payload = bytes(range(256)) * (size // 256)

    async def big(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        writer.write(payload)
        await writer.drain()

    async with scripted(big) as server:
        transport = new_transport()
        async with httpx.AsyncClient(transport=transport) as client:
            async with client.stream("POST", server.url, content=b"") as response:
                received = bytearray()
                async for piece in response.aiter_raw():
                    received += piece
                    await asyncio.sleep(0)  # a slow reader
            assert bytes(received) == payload
            assert (await client.post(server.url, content=b"")).status_code == 200
        assert server.connections == 1


async def test_a_line_break_in_a_header_is_refused_before_sending(
    new_transport: NewTransport,
) -> None:
    async with scripted(answer(OK)) as server:
        transport = new_transport()
        request = httpx.Request("POST", server.url, content=b"")
        request.headers._list.append((b"X-Evil", b"x-evil", b"a\r\nInjected: 1"))
        with pytest.raises(httpx.LocalProtocolError):
            await transport.handle_async_request(request)
        assert server.requests == []


async def test_a_streamed_request_body_is_sent_chunked(new_transport: NewTransport) -> None:
    async def parts() -> AsyncIterator[bytes]:
        yield b"hello "
        yield b"world"

    async with scripted(answer(OK)) as server:
        transport = new_transport()
        async with httpx.AsyncClient(transport=transport) as client:
            response = await client.post(server.url, content=parts())
            assert response.status_code == 200
            assert transport.open_connections == 1  # the framing was right: kept alive
        head, _, body = server.requests[0].partition(b"\r\n\r\n")
        assert b"transfer-encoding: chunked" in head.lower()
        assert body == b"b\r\nhello world\r\n0\r\n\r\n"


async def test_a_proxied_host_goes_through_the_proxy(
    monkeypatch: pytest.MonkeyPatch, new_transport: NewTransport
) -> None:
    async with scripted(answer(OK)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        transport = new_transport()
        response = await fetch(transport, "http://qianfan.example/chat?x=1")
        assert response.json() == {"ok": True}
        # the request line of a request sent to a proxy names the whole URL
        assert proxy.requests[0].startswith(b"POST http://qianfan.example/chat?x=1 HTTP/1.1")
        assert transport.open_connections == 0


async def test_closed_transport_refuses_requests(new_transport: NewTransport) -> None:
    async with scripted(answer(OK)) as server:
        transport = new_transport()
        await fetch(transport, server.url)
        await transport.aclose()
        with pytest.raises(httpx.ConnectError, match="closed"):
            await transport.handle_async_request(httpx.Request("GET", server.url))


async def test_an_informational_response_is_skipped(new_transport: NewTransport) -> None:
    early = b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" + OK
    async with scripted(answer(early)) as server:
        transport = new_transport()
        response = await fetch(transport, server.url)
        assert response.status_code == 200
        assert "link" not in response.headers
        assert response.json() == {"ok": True}
        assert transport.open_connections == 1


async def test_a_second_response_to_one_request_closes_the_connection(
    new_transport: NewTransport,
) -> None:
    async with scripted(answer(OK + OK)) as server:
        transport = new_transport()
        response = await fetch(transport, server.url)
        assert response.json() == {"ok": True}  # the first answer is kept
        assert transport.open_connections == 0  # the connection is not trusted again


async def test_an_idle_connection_the_server_closes_is_forgotten(
    new_transport: NewTransport,
) -> None:
    async with scripted(answer(OK, close=True)) as server:
        transport = new_transport()
        await fetch(transport, server.url)
        for _ in range(50):
            if transport.open_connections == 0:
                break
            await asyncio.sleep(0.01)
        assert transport.open_connections == 0
        assert (await fetch(transport, server.url)).status_code == 200
        assert server.connections == 2


async def test_a_cancelled_pool_waiter_hands_its_turn_on(new_transport: NewTransport) -> None:
    async def slow(request: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.05)
        writer.write(OK)

    async with scripted(slow) as server:
        transport = new_transport(limits=httpx.Limits(max_connections=1))
        busy = asyncio.ensure_future(fetch(transport, server.url))
        await asyncio.sleep(0.01)
        cancelled = asyncio.ensure_future(fetch(transport, server.url))
        waiting = asyncio.ensure_future(fetch(transport, server.url))
        await asyncio.sleep(0.01)
        cancelled.cancel()
        assert (await busy).status_code == 200
        assert (await asyncio.wait_for(waiting, 2)).status_code == 200
        assert cancelled.cancelled()


def _self_signed(tmp: Path) -> tuple[Path, Path] | None:
    """A certificate for 127.0.0.1 and its key, made with the openssl command (None without)."""
    if shutil.which("openssl") is None:
        return None
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    done = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        capture_output=True,
        check=False,
    )  # fmt: skip
    return (cert, key) if done.returncode == 0 else None


async def test_https_with_verification(tmp_path: Path, new_transport: NewTransport) -> None:
    pair = _self_signed(tmp_path)
    if pair is None:
        pytest.skip("no openssl command to make a certificate with")
    cert, key = pair
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(OK)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    url = f"https://127.0.0.1:{port}/chat"
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        response = await fetch(new_transport(verify=trusted), url)
        assert response.json() == {"ok": True}
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await fetch(new_transport(), url)  # the default CA bundle does not know it
    finally:
        server.close()
        await server.wait_closed()


async def test_the_token_fetch_gets_the_calls_timeouts() -> None:
    async def silent(request: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async with scripted(silent) as server:
        client = AsyncWenxinClient(
            "Llama-2-13b-chat",
            api="v1",
            qianfan_ak="ak-timeout",
            qianfan_sk="sk-timeout",
            base_url=f"http://127.0.0.1:{server.port}",
            timeout=httpx.Timeout(5, read=0.1),
            max_retries=0,
        )
        async with client:
            started = time.monotonic()
            with pytest.raises(WenxinTimeoutError):
                await client.chat([{"role": "user", "content": "hi"}])
            assert time.monotonic() - started < 2
        assert server.requests[0].startswith(b"POST /oauth/2.0/token?")


COMPLETION = (
    b'{"id":"as-1","object":"chat.completion","created":1,"result":"Hello there",'
    b'"is_truncated":false,"need_clear_history":false,'
    b'"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}'
)


async def test_a_compressed_answer_is_decoded() -> None:
    # The client asks for no content coding; an answer that has one anyway is still decoded.
    packed = gzip.compress(COMPLETION)
    reply = answer(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(packed), packed)
    )
    async with (
        scripted(reply) as server,
        AsyncWenxinClient(
            "Llama-2-13b-chat",
            api="v1",
            access_token="tok",
            base_url=f"http://127.0.0.1:{server.port}",
        ) as client,
    ):
        completion = await client.chat([{"role": "user", "content": "hi"}])
    assert completion.result == "Hello there"
    assert b"accept-encoding" not in server.requests[0].lower()


async def test_a_chunked_answer_in_pieces_is_read_whole() -> None:
    async def reply(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        writer.write(b"Transfer-Encoding: chunked\r\n\r\n")
        for start in range(0, len(COMPLETION), 40):
            piece = COMPLETION[start : start + 40]
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
            await asyncio.sleep(0.005)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async with (
        scripted(reply) as server,
        AsyncWenxinClient(
            "Llama-2-13b-chat",
            api="v1",
            access_token="tok",
            base_url=f"http://127.0.0.1:{server.port}",
        ) as client,
    ):
        for _ in range(2):
            completion = await client.chat([{"role": "user", "content": "hi"}])
            assert completion.result == "Hello there"
    assert server.connections == 1  # read whole, so the connection was reused


async def test_the_request_on_the_wire_is_what_httpx_would_build() -> None:
    async with scripted(answer(OK)) as server:
        base = f"http://127.0.0.1:{server.port}"
        async with AsyncWenxinClient(
            "Llama-2-13b-chat", api="v1", access_token="tok", base_url=base
        ) as c:
            with contextlib.suppress(Exception):
                await c.chat([{"role": "user", "content": "Hello, 世界"}], temperature=0.5)
    sent = server.requests[0]
    head, body = sent.split(b"\r\n\r\n", 1)
    expected = httpx.Request(
        "POST",
        f"{base}/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b?access_token=tok",
        content=body,
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            "User-Agent": "wenxin-integrations/0.1.0",
        },
    )
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST " + expected.url.raw_path + b" HTTP/1.1"
    assert [tuple(line.split(b": ", 1)) for line in lines[1:]] == expected.headers.raw
    assert json.loads(body) == {
        "messages": [{"role": "user", "content": "Hello, 世界"}],
        "temperature": 0.5,
    }
