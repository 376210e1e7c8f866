"""Issue 6: the async client's own transport leaks nothing and behaves like httpx.

The tests share an emulator of this module's own (in a thread of this process, on a fresh port),
so the sockets this process holds to that port are exactly the clients' connections (counted from
``/proc``); each test starts and ends with none.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
import httpx
import pytest

from tests.support.emulator_text import reply_text
from tests.support.resource_watch import LeakWatch, client_sockets, settle
from wenxin_core import AsyncWenxinClient
from wenxin_core import transport as transport_module
from wenxin_core._http.aio import WenxinAiohttpTransport
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.errors import (
    ServiceBusyError,
    StreamInterruptedError,
    WenxinConnectionError,
    WenxinTimeoutError,
)
from wenxin_core.transport import DEFAULT_LIMITS

API_KEY = "ak-transport-0123456789"
SECRET_KEY = "sk-transport-9876543210"
MODEL = "Llama-2-13b-chat"
QUESTION = "Name a river"
MESSAGES = [{"role": "user", "content": QUESTION}]
assert DEFAULT_LIMITS.max_connections is not None
POOL_SIZE: int = DEFAULT_LIMITS.max_connections


PIECES = [
    f"You said: {QUESTION}. ",
    "This is the wenxin emulator answering on llama_2_13b. ",
    "The reply is deterministic. ",
    "It has several sentences, so a stream has several events.",
]
assert "".join(PIECES) == reply_text(QUESTION)


def test_the_leak_watch_sees_an_unclosed_aiohttp_session() -> None:
    async def leak() -> None:
        aiohttp.ClientSession()

    with LeakWatch() as watch:
        asyncio.run(leak())
        problems = watch.problems()
    assert any("Unclosed client session" in p for p in problems), problems


# -- fixtures -----------------------------------------------------------------------------------


def new_client(server: EmulatorServer, **kwargs: Any) -> AsyncWenxinClient:
    """A client of ``server`` with a fast backoff (the policy is unit-tested elsewhere)."""
    kwargs.setdefault("api", "v1")
    if not {"access_token", "qianfan_ak"} & set(kwargs):
        kwargs.update(qianfan_ak=API_KEY, qianfan_sk=SECRET_KEY)
    kwargs.setdefault("base_url", server.base_url)
    client = AsyncWenxinClient(MODEL, **kwargs)
    client.retry_policy = replace(client.retry_policy, initial_delay=0.01, max_delay=0.05)
    return client


async def collect(client: AsyncWenxinClient, messages: Any = MESSAGES) -> str:
    parts = []
    async with client.stream(messages) as stream:
        async for chunk in stream:
            parts.append(chunk.result)
    return "".join(parts)


async def chat_text(client: AsyncWenxinClient, messages: Any = MESSAGES) -> str:
    return (await client.chat(messages)).result


def messages_for(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


# -- 1. no leaks under load ---------------------------------------------------------------------

TOTAL_CALLS = 2000
IN_FLIGHT = 32
# Per 20 calls: 1 stream cancelled with task.cancel(), 1 stream left with break + aclose(),
# 9 chats, 9 complete streams -> 100 + 100 cancelled mid-stream, 900 chats, 900 streams.
KINDS = ["cancel_task", "break_aclose"] + ["chat", "stream"] * 9
# Long prompts (one stream event per sentence) keep the cancelled streams open well past
# their first chunk, whatever the scheduling.
LONG = " ".join(f"Sentence {n}." for n in range(30))


@dataclass
class SoakResult:
    done: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def ok(self, kind: str) -> None:
        self.done[kind] = self.done.get(kind, 0) + 1


async def _cancel_by_task(client: AsyncWenxinClient, i: int, result: SoakResult) -> None:
    """Cancel the task reading a stream once its first chunk arrived."""
    first = asyncio.Event()

    async def consume() -> None:
        if i % 40:  # half inside ``async with``, half bare ``async for``
            async with client.stream(messages_for(f"c{i}. {LONG}")) as stream:
                async for _ in stream:
                    first.set()
        else:
            async for _ in client.stream(messages_for(f"c{i}. {LONG}")):
                first.set()

    task = asyncio.create_task(consume())
    waiter = asyncio.create_task(first.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():
        result.failures.append(f"{i} cancel_task: finished before the cancel: {task!r}")
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        result.ok("cancel_task")
    else:
        result.failures.append(f"{i} cancel_task: cancel() did not cancel the stream task")


async def _break_and_aclose(client: AsyncWenxinClient, i: int, result: SoakResult) -> None:
    stream = client.stream(messages_for(f"b{i}. {LONG}"))
    chunk = await stream.__anext__()  # the first chunk, as ``async for ...: break`` would
    async for _ in stream:
        break  # and one more, leaving the loop in the middle of the stream
    await stream.aclose()
    if chunk.result == f"You said: b{i}. " and not chunk.is_end:
        result.ok("break_aclose")
    else:
        result.failures.append(f"{i} break_aclose: first chunk {chunk!r}")


async def _one_call(client: AsyncWenxinClient, i: int, result: SoakResult) -> None:
    kind = KINDS[i % len(KINDS)]
    try:
        if kind == "cancel_task":
            await _cancel_by_task(client, i, result)
        elif kind == "break_aclose":
            await _break_and_aclose(client, i, result)
        else:
            text = f"{kind} {i}"
            if kind == "chat":
                got = (await client.chat(messages_for(text))).result
            else:
                got = await collect(client, messages_for(text))
            if got == reply_text(text):
                result.ok(kind)
            else:
                result.failures.append(f"{i} {kind}: {got!r}")
    except Exception as exc:
        result.failures.append(f"{i} {kind}: {exc!r}")


@pytest.mark.slow
async def test_2000_calls_with_200_cancelled_streams_leak_nothing(server: EmulatorServer) -> None:
    server.set_latency(chunk=0.002)
    started = time.monotonic()
    with LeakWatch() as watch:
        client = new_client(server)
        assert isinstance(client.http_client._transport, WenxinAiohttpTransport)  # the default
        result = SoakResult()
        indices = iter(range(TOTAL_CALLS))
        peak = 0

        async def worker() -> None:
            nonlocal peak
            for i in indices:
                await _one_call(client, i, result)
                if i % 100 == 0:
                    peak = max(peak, len(client_sockets(server.port)))

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
        gc.collect()
        await settle()
        open_after_load = client_sockets(server.port)

        assert result.failures == []
        assert result.done == {
            "cancel_task": 100,
            "break_aclose": 100,
            "chat": 900,
            "stream": 900,
        }
        assert server.chat_calls == TOTAL_CALLS  # nothing was retried
        assert server.token_requests == 1
        # Never more connections than calls in flight (+1: the token request), and so never
        # more than the pool: a cancelled stream's connection is closed, not leaked.
        assert len(open_after_load) <= min(POOL_SIZE, IN_FLIGHT + 1), open_after_load
        assert peak <= min(POOL_SIZE, IN_FLIGHT + 1)
        assert set(open_after_load) <= {"ESTABLISHED"}

        await client.aclose()
        await settle()
        assert client_sockets(server.port) == []
        assert watch.problems() == []
    assert time.monotonic() - started < 20


# -- 2. lifecycle -------------------------------------------------------------------------------


async def _chat_and_stream(client: AsyncWenxinClient) -> tuple[str, str]:
    return (await client.chat(MESSAGES)).result, await collect(client)


def test_one_client_under_two_asyncio_runs(server: EmulatorServer) -> None:
    with LeakWatch() as watch:
        client = new_client(server)
        for _ in range(2):
            assert asyncio.run(_chat_and_stream(client)) == (reply_text(QUESTION),) * 2
            # asyncio.run closed the pool made in its loop while shutting that loop down
            assert client_sockets(server.port) == []
        assert server.chat_calls == 4
        assert server.token_requests == 1  # the token cache outlives the loop
        del client
        assert watch.problems() == []


def test_two_asyncio_runs_with_concurrent_calls(server: EmulatorServer) -> None:
    async def many(client: AsyncWenxinClient) -> list[str]:
        return await asyncio.gather(
            *(chat_text(client, messages_for(f"r{i}")) for i in range(16)),
            *(collect(client, messages_for(f"s{i}")) for i in range(16)),
        )

    expected = [reply_text(f"r{i}") for i in range(16)] + [reply_text(f"s{i}") for i in range(16)]
    with LeakWatch() as watch:
        client = new_client(server)
        for _ in range(2):
            assert asyncio.run(many(client)) == expected
            assert client_sockets(server.port) == []
        del client
        assert watch.problems() == []


def test_collected_without_aclose_inside_a_running_loop(server: EmulatorServer) -> None:
    async def main() -> list[str]:
        client = new_client(server)
        assert await _chat_and_stream(client) == (reply_text(QUESTION),) * 2
        async with client.stream(MESSAGES) as stream:
            await stream.__anext__()
        assert client_sockets(server.port) != []
        del client, stream
        gc.collect()
        for _ in range(20):  # a close is scheduled on this loop; give it a moment
            await asyncio.sleep(0.01)
            if not client_sockets(server.port):
                break
        return client_sockets(server.port)

    with LeakWatch() as watch:
        assert asyncio.run(main()) == []
        assert watch.problems() == []


def _use_in_a_bare_loop(client: AsyncWenxinClient) -> tuple[str, str]:
    """Use ``client`` in a loop closed without ``shutdown_asyncgens()`` (so nothing closed the
    pool at loop shutdown), as code driving its own loop does."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(_chat_and_stream(client))
    finally:
        loop.close()


def _collect_after_a_bare_loop(server: EmulatorServer) -> tuple[list[str], list[str]]:
    """Sockets left and problems seen when a client is collected after its loop was closed."""
    with LeakWatch() as watch:
        client = new_client(server)
        assert _use_in_a_bare_loop(client) == (reply_text(QUESTION),) * 2
        assert client_sockets(server.port) != []  # still pooled, its loop is gone
        del client
        gc.collect()
        return client_sockets(server.port), watch.problems()


def _reuse_after_a_bare_loop(server: EmulatorServer) -> tuple[list[str], list[str]]:
    """Sockets left and problems seen when a client is used again after its loop was closed."""
    with LeakWatch() as watch:
        client = new_client(server)
        _use_in_a_bare_loop(client)
        assert client_sockets(server.port) != []
        # the pool of the dead loop is released when the client makes one in the new loop
        assert asyncio.run(_chat_and_stream(client)) == (reply_text(QUESTION),) * 2
        sockets = client_sockets(server.port)
        del client
        return sockets, watch.problems()


def test_collected_after_its_loop_ended_closes_its_sockets(server: EmulatorServer) -> None:
    assert _collect_after_a_bare_loop(server)[0] == []


def test_used_again_after_its_loop_ended_closes_the_old_sockets(server: EmulatorServer) -> None:
    assert _reuse_after_a_bare_loop(server)[0] == []


def test_collected_after_its_loop_ended_warns_nothing(server: EmulatorServer) -> None:
    assert _collect_after_a_bare_loop(server)[1] == []


def test_used_again_after_its_loop_ended_warns_nothing(server: EmulatorServer) -> None:
    assert _reuse_after_a_bare_loop(server)[1] == []


async def test_abandoned_streams_are_released_when_collected(server: EmulatorServer) -> None:
    server.set_latency(chunk=0.05)  # so each stream is still arriving when abandoned
    with LeakWatch() as watch:
        client = new_client(server)
        streams = [client.stream(messages_for(f"a{i}. {LONG}")) for i in range(20)]
        for i, stream in enumerate(streams):  # one chunk read, then neither closed nor exhausted
            assert (await stream.__anext__()).result == f"You said: a{i}. "
        assert len(client_sockets(server.port)) == 20
        del streams, stream
        gc.collect()
        for _ in range(20):
            await asyncio.sleep(0.01)
            if len(client_sockets(server.port)) <= 1:
                break
        assert client_sockets(server.port) == []
        assert (await client.chat(MESSAGES)).result == reply_text(QUESTION)
        await client.aclose()
        await settle()
        assert client_sockets(server.port) == []
        assert watch.problems() == []


def test_one_client_used_from_two_threads_loops_at_once(server: EmulatorServer) -> None:
    client = new_client(server, max_retries=1)
    asyncio.run(client.chat(MESSAGES))  # the token, so both calls below are chat calls
    server.set_latency(request=0.4)
    outcomes: dict[str, str] = {}

    def run(name: str) -> None:
        try:
            outcomes[name] = asyncio.run(client.chat(messages_for(name))).result
        except BaseException as exc:
            outcomes[name] = repr(exc)

    with LeakWatch():  # keeps whatever the failure leaves behind out of the next tests
        first = threading.Thread(target=run, args=("first",))
        first.start()
        deadline = time.monotonic() + 5
        while server.chat_calls < 2 and time.monotonic() < deadline:  # "first" is in flight
            time.sleep(0.005)
        second = threading.Thread(target=run, args=("second",))
        second.start()
        first.join(10)
        second.join(10)
    assert outcomes == {"first": reply_text("first"), "second": reply_text("second")}


class CountingTransport(httpx.AsyncBaseTransport):
    """httpx's own transport, counting the requests that go through it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.paths: list[str] = []
        self.closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        self.closed = True
        await self.inner.aclose()


async def test_a_user_supplied_http_client_is_used_as_is_and_left_open(
    server: EmulatorServer,
) -> None:
    with LeakWatch() as watch:
        transport = CountingTransport()
        http = httpx.AsyncClient(transport=transport)
        client = new_client(server, http_client=http)
        assert client.http_client is http
        assert await _chat_and_stream(client) == (reply_text(QUESTION),) * 2
        chat_path = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b"
        assert transport.paths == ["/oauth/2.0/token", chat_path, chat_path]
        await client.aclose()
        assert not http.is_closed
        assert not transport.closed
        # still usable by its owner (and by the client, which keeps using it)
        assert (await http.get(f"{server.base_url}/_emulator/state")).status_code == 200
        assert (await client.chat(MESSAGES)).result == reply_text(QUESTION)
        assert len(transport.paths) == 5
        await http.aclose()
        assert transport.closed
        await settle()
        assert client_sockets(server.port) == []
        assert watch.problems() == []


def test_a_user_supplied_http_client_survives_loop_end_and_collection(
    server: EmulatorServer,
) -> None:
    async def main() -> tuple[bool, int]:
        transport = CountingTransport()
        http = httpx.AsyncClient(transport=transport)
        client = new_client(server, http_client=http)
        await _chat_and_stream(client)
        del client
        gc.collect()
        await settle()
        closed = http.is_closed
        await http.aclose()
        return closed, len(transport.paths)

    with LeakWatch() as watch:
        assert asyncio.run(main()) == (False, 3)
        assert client_sockets(server.port) == []
        assert watch.problems() == []


# -- 3. the same behaviour on httpx-aiohttp (default), httpx's own (fallback) and a user's httpx

MakeClient = Callable[..., AsyncWenxinClient]


@pytest.fixture(params=["httpx-aiohttp", "httpx-fallback", "httpx-plain"])
async def make(
    request: pytest.FixtureRequest, server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MakeClient]:
    """Makes clients on the default transport, on the fallback without aiohttp, or on plain httpx.

    ``httpx-fallback``: the core as installed without aiohttp / httpx-aiohttp (httpx's own
    ``AsyncHTTPTransport`` under our client).
    """
    clients: list[AsyncWenxinClient] = []
    plain: list[httpx.AsyncClient] = []
    if request.param == "httpx-fallback":
        monkeypatch.setattr(transport_module, "aiohttp_available", lambda: False)

    def factory(**kwargs: Any) -> AsyncWenxinClient:
        if request.param == "httpx-plain":
            plain.append(httpx.AsyncClient())
            kwargs["http_client"] = plain[-1]
        client = new_client(server, **kwargs)
        transport = client.http_client._transport
        expected = (
            WenxinAiohttpTransport if request.param == "httpx-aiohttp" else httpx.AsyncHTTPTransport
        )
        assert isinstance(transport, expected)
        clients.append(client)
        return client

    with LeakWatch() as watch:
        yield factory
        for client in clients:
            await client.aclose()
        for http in plain:
            await http.aclose()
        await settle()
        assert client_sockets(server.port) == []
        assert watch.problems() == []


def retries_logged(caplog: pytest.LogCaptureFixture, error: type[Exception]) -> int:
    return sum(
        1
        for r in caplog.records
        if r.name.startswith("wenxin_core")
        and r.getMessage().startswith("retry")
        and f"after {error.__name__}" in r.getMessage()
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def unanswered_port() -> Iterator[int]:
    """A port whose accept queue is full, so a new connection hangs (a connect timeout)."""
    listener = socket.socket()
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
async def test_connect_timeout_is_a_timeout_retried_per_attempt(
    make: MakeClient, caplog: pytest.LogCaptureFixture, stream: bool
) -> None:
    with unanswered_port() as port:
        client = make(
            access_token="t",
            base_url=f"http://127.0.0.1:{port}",
            timeout=httpx.Timeout(5, connect=0.1),
        )
        start = time.monotonic()
        with (
            caplog.at_level(logging.DEBUG, logger="wenxin_core"),
            pytest.raises(WenxinTimeoutError) as info,
        ):
            await collect(client) if stream else await client.chat(MESSAGES)
        elapsed = time.monotonic() - start
    assert "ConnectTimeout" in str(info.value)
    assert retries_logged(caplog, WenxinTimeoutError) == 2
    assert 0.28 <= elapsed < 2  # three attempts of 0.1 s each


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
async def test_connection_refused_is_a_connection_error_retried_per_attempt(
    make: MakeClient, caplog: pytest.LogCaptureFixture, stream: bool
) -> None:
    client = make(access_token="t", base_url=f"http://127.0.0.1:{closed_port()}", timeout=5)
    start = time.monotonic()
    with (
        caplog.at_level(logging.DEBUG, logger="wenxin_core"),
        pytest.raises(WenxinConnectionError) as info,
    ):
        await collect(client) if stream else await client.chat(MESSAGES)
    assert not isinstance(info.value, WenxinTimeoutError)
    assert "timed out" not in str(info.value)
    assert retries_logged(caplog, WenxinConnectionError) == 2
    assert time.monotonic() - start < 2  # refused at once, not waited out


async def test_read_timeout_is_per_attempt_and_retried(
    server: EmulatorServer, make: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = make(timeout=0.15)
    await client.chat(MESSAGES)  # the token, fetched without latency
    server.set_latency(request=0.5)
    start = time.monotonic()
    with (
        caplog.at_level(logging.DEBUG, logger="wenxin_core"),
        pytest.raises(WenxinTimeoutError),
    ):
        await client.chat(MESSAGES)
    assert 0.45 <= time.monotonic() - start < 1.4
    assert retries_logged(caplog, WenxinTimeoutError) == 2
    assert server.chat_calls == 1 + 3


async def test_stream_timeouts_before_and_after_the_first_chunk(
    server: EmulatorServer, make: MakeClient
) -> None:
    client = make(timeout=0.15, max_retries=1)
    await client.chat(MESSAGES)
    server.set_latency(request=0.4)
    with pytest.raises(WenxinTimeoutError):
        await collect(client)
    assert server.chat_calls == 1 + 2  # before the first chunk: retried
    server.set_latency(chunk=0.4)
    seen: list[str] = []
    with pytest.raises(StreamInterruptedError) as info:
        async for chunk in client.stream(MESSAGES):
            seen.append(chunk.result)
    assert seen == PIECES[:1]
    assert info.value.partial_text == PIECES[0]
    assert server.chat_calls == 1 + 2 + 1  # after a chunk: not retried
    server.set_latency()
    assert await collect(client) == reply_text(QUESTION)


async def test_dropped_stream_raises_with_the_partial_text(
    server: EmulatorServer, make: MakeClient
) -> None:
    client = make(max_retries=4)
    server.drop_stream_after(2)
    seen: list[str] = []
    with pytest.raises(StreamInterruptedError) as info:
        async for chunk in client.stream(MESSAGES):
            seen.append(chunk.result)
    assert seen == PIECES[:2]
    assert info.value.partial_text == "".join(PIECES[:2])
    assert info.value.chunks_received == 2
    assert server.chat_calls == 1
    server.drop_stream_after(0, times=2)  # before any chunk: retried
    assert await collect(client) == reply_text(QUESTION)
    assert server.chat_calls == 1 + 3


async def test_cancelling_a_chat_in_flight(server: EmulatorServer, make: MakeClient) -> None:
    client = make()
    await client.chat(MESSAGES)
    server.set_latency(request=0.3)
    task = asyncio.create_task(client.chat(MESSAGES))
    for _ in range(100):  # until the server has the request
        await asyncio.sleep(0.01)
        if server.chat_calls == 2:
            break
    assert server.chat_calls == 2
    assert task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await settle()
    # the cancelled call's connection (the pool's only one) is closed: its answer is unread
    assert client_sockets(server.port) == []
    server.set_latency()
    assert (await client.chat(MESSAGES)).result == reply_text(QUESTION)
    assert server.chat_calls == 3
    await asyncio.sleep(0.35)  # the server answered the cancelled call into a closed socket
    assert (await client.chat(MESSAGES)).result == reply_text(QUESTION)


async def test_cancelling_a_stream_after_its_first_chunk(
    server: EmulatorServer, make: MakeClient
) -> None:
    client = make()
    await client.chat(MESSAGES)
    server.set_latency(chunk=0.3)
    first = asyncio.Event()
    seen: list[str] = []

    async def consume() -> None:
        async for chunk in client.stream(MESSAGES):
            seen.append(chunk.result)
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 5)
    assert task.cancel()
    with pytest.raises(asyncio.CancelledError):  # not StreamInterruptedError
        await task
    assert seen == PIECES[:1]
    await settle()
    assert client_sockets(server.port) == []  # closed, not returned to the pool half read
    server.set_latency()
    assert await collect(client) == reply_text(QUESTION)
    assert server.chat_calls == 3


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
async def test_retries_on_busy_and_503_succeed(
    server: EmulatorServer, make: MakeClient, stream: bool
) -> None:
    client = make(max_retries=3)
    server.inject_error(336100, times=2)
    server.inject_http_status(503)
    text = await collect(client) if stream else (await client.chat(MESSAGES)).result
    assert text == reply_text(QUESTION)
    assert server.chat_calls == 4
    server.inject_error(336100, times=4)
    with pytest.raises(ServiceBusyError):
        await collect(client) if stream else await client.chat(MESSAGES)
    assert server.chat_calls == 4 + 4


async def test_concurrent_calls_with_faults_on_one_pool(
    server: EmulatorServer, make: MakeClient
) -> None:
    client = make(max_retries=3)
    await client.chat(MESSAGES)
    server.inject_error(336100, times=8)
    server.inject_http_status(503, times=4)
    server.drop_stream_after(0, times=4)
    names = [f"f{i}" for i in range(32)]
    calls = (
        collect(client, messages_for(n)) if i % 2 else chat_text(client, messages_for(n))
        for i, n in enumerate(names)
    )
    texts = await asyncio.gather(*calls)
    assert texts == [reply_text(n) for n in names]
    assert server.chat_calls == 1 + 32 + 8 + 4 + 4
    assert len(client_sockets(server.port)) <= 32
