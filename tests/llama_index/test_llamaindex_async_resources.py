"""Issue 6, adapter rows: ``Wenxin``'s async calls leak no connection and warn nothing.

The module runs an emulator of its own (a thread of this process, a fresh port), so the sockets
this process holds to that port are the model's connections (counted from ``/proc``).
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import aiohttp
from llama_index.core.base.llms.types import ChatMessage, ChatResponse

from llama_index_wenxin import DEFAULT_MODEL, Wenxin
from tests.support.emulator_text import reply_text
from tests.support.resource_watch import LeakWatch, client_sockets, settle
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.transport import DEFAULT_LIMITS

assert DEFAULT_LIMITS.max_connections is not None
POOL_SIZE: int = DEFAULT_LIMITS.max_connections
IN_FLIGHT = 32


def reply(text: str) -> str:
    """The emulator's reply to ``text`` on the default model."""
    return reply_text(text, DEFAULT_MODEL)


def new_llm(server: EmulatorServer, **kwargs: Any) -> Wenxin:
    return Wenxin(api_key=DEFAULT_API_KEY, base_url=server.v2_base_url, **kwargs)


def user(text: str) -> list[ChatMessage]:
    return [ChatMessage(role="user", content=text)]


async def test_200_achat_gathered_then_aclose(server: EmulatorServer) -> None:
    server.set_latency(chunk=0.002)
    with LeakWatch() as watch:
        llm = new_llm(server)
        responses = await asyncio.gather(*(llm.achat(user(f"q{i}")) for i in range(200)))
        assert [r.message.content for r in responses] == [reply(f"q{i}") for i in range(200)]
        gc.collect()
        await settle()
        left = client_sockets(server.port)
        assert 0 < len(left) <= POOL_SIZE, left  # 200 at once: the pool's limit holds
        assert server.chat_calls == 200
        await llm.aclose()
        await settle()
        assert client_sockets(server.port) == []
        assert watch.problems() == []


async def test_achat_with_32_in_flight_and_streams_left_early(server: EmulatorServer) -> None:
    server.set_latency(chunk=0.002)
    gate = asyncio.Semaphore(IN_FLIGHT)
    more = " ".join(f"More {n}." for n in range(20))

    async def one(llm: Wenxin, i: int) -> str:
        async with gate:
            if i % 10:
                response: ChatResponse = await llm.achat(user(f"q{i}"))
                return str(response.message.content)
            gen = await llm.astream_chat(user(f"s{i}. {more}"))
            part = await gen.__anext__()  # the first chunk, then left mid-stream
            await gen.aclose()
            return str(part.delta)

    with LeakWatch() as watch:
        llm = new_llm(server)
        texts = await asyncio.gather(*(one(llm, i) for i in range(200)))
        expected = [f"You said: s{i}. " if i % 10 == 0 else reply(f"q{i}") for i in range(200)]
        assert texts == expected
        # One complete call last, so the pool surely keeps a connection (a stream left early
        # closes the one it used).
        await llm.achat(user("last"))
        gc.collect()
        await settle()
        left = client_sockets(server.port)
        assert 0 < len(left) <= min(POOL_SIZE, IN_FLIGHT + 1), left
        await llm.aclose()
        await settle()
        assert client_sockets(server.port) == []
        assert watch.problems() == []


def test_achat_under_two_asyncio_runs_then_collected(server: EmulatorServer) -> None:
    async def batch(llm: Wenxin, run: int) -> list[str]:
        responses = await asyncio.gather(*(llm.achat(user(f"r{run}-{i}")) for i in range(20)))
        return [str(r.message.content) for r in responses]

    with LeakWatch() as watch:
        llm = new_llm(server)
        for run in range(2):
            assert asyncio.run(batch(llm, run)) == [reply(f"r{run}-{i}") for i in range(20)]
            assert client_sockets(server.port) == []  # closed at the loop's shutdown
        del llm
        assert watch.problems() == []


def test_collected_after_sync_close_only(server: EmulatorServer) -> None:
    async def main() -> list[str]:
        llm = new_llm(server)
        await asyncio.gather(*(llm.achat(user(f"g{i}")) for i in range(8)))
        assert client_sockets(server.port) != []
        llm.close()  # the sync close only: the async pool stays until collected
        del llm
        gc.collect()
        for _ in range(20):
            await asyncio.sleep(0.01)
            if not client_sockets(server.port):
                break
        return client_sockets(server.port)

    with LeakWatch() as watch:
        assert asyncio.run(main()) == []
        assert watch.problems() == []


def test_the_leak_watch_sees_an_unclosed_aiohttp_session() -> None:
    async def leak() -> None:
        aiohttp.ClientSession()

    with LeakWatch() as watch:
        asyncio.run(leak())
        problems = watch.problems()
    assert any("Unclosed client session" in p for p in problems), problems
