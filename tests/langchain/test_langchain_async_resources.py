"""Issue 6, adapter rows: ``ChatWenxin``'s async calls leak no connection and warn nothing.

The module runs an emulator of its own (a thread of this process, a fresh port), so the sockets
this process holds to that port are the model's connections (counted from ``/proc``).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
import pytest
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage

from langchain_wenxin import ChatWenxin
from tests.support.emulator_text import reply_text
from tests.support.resource_watch import LeakWatch, client_sockets, settle
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.transport import DEFAULT_LIMITS

assert DEFAULT_LIMITS.max_connections is not None
POOL_SIZE: int = DEFAULT_LIMITS.max_connections
IN_FLIGHT = 32


MODEL = "ernie-4.5-turbo-32k"


def new_model(server: EmulatorServer, **kwargs: Any) -> ChatWenxin:
    return ChatWenxin(model=MODEL, api_key=DEFAULT_API_KEY, base_url=server.v2_base_url, **kwargs)


def reply(text: str) -> str:
    return reply_text(text, MODEL)


async def test_abatch_of_200_with_32_in_flight_then_aclose(server: EmulatorServer) -> None:
    server.set_latency(chunk=0.002)
    prompts: list[LanguageModelInput] = [f"p{i}" for i in range(200)]
    with LeakWatch() as watch:
        model = new_model(server)
        results = await model.abatch(prompts, config={"max_concurrency": IN_FLIGHT})
        assert [r.content for r in results] == [reply(f"p{i}") for i in range(200)]
        # streams left after their first chunk (break, then the generator closed)
        for i in range(20):
            more = " ".join(f"More {n}." for n in range(20))
            stream = model.astream(f"s{i}. {more}")
            assert isinstance(stream, AsyncGenerator)  # so it can be closed early
            async for chunk in stream:
                assert chunk.content == f"You said: s{i}. "
                break
            await stream.aclose()
        # One complete call last, so the pool surely keeps a connection (each stream left early
        # closed the one it used, and the batch may have needed fewer than 20).
        await model.ainvoke("last")
        gc.collect()
        await settle()
        left = client_sockets(server.port)
        assert 0 < len(left) <= min(POOL_SIZE, IN_FLIGHT + 1), left
        assert server.chat_calls == 221
        await model.aclose()
        await settle()
        assert client_sockets(server.port) == []
        assert watch.problems() == []


async def test_streams_cancelled_mid_stream_release_their_connections(
    server: EmulatorServer,
) -> None:
    server.set_latency(chunk=0.05)
    with LeakWatch() as watch:
        model = new_model(server)
        first = asyncio.Event()

        async def consume(i: int) -> None:
            async for _ in model.astream(f"c{i}. More. And more. And more."):
                first.set()

        for i in range(10):
            first.clear()
            task = asyncio.create_task(consume(i))
            await asyncio.wait_for(first.wait(), 5)
            assert task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        await settle()
        assert client_sockets(server.port) == []  # cancelled streams' connections are closed
        server.set_latency()
        answer = await model.ainvoke("after")
        assert isinstance(answer, AIMessage)
        assert answer.content == reply("after")
        await model.aclose()
        await settle()
        assert client_sockets(server.port) == []
        assert watch.problems() == []


def test_abatch_under_two_asyncio_runs_then_collected(server: EmulatorServer) -> None:
    with LeakWatch() as watch:
        model = new_model(server)
        for run in range(2):
            texts = [f"r{run}-{i}" for i in range(40)]
            prompts: list[LanguageModelInput] = list(texts)
            results = asyncio.run(model.abatch(prompts, config={"max_concurrency": 8}))
            assert [r.content for r in results] == [reply(t) for t in texts]
            assert client_sockets(server.port) == []  # closed at the loop's shutdown
        del model
        assert watch.problems() == []


def test_collected_without_aclose_in_a_running_loop(server: EmulatorServer) -> None:
    async def main() -> list[str]:
        model = new_model(server)
        prompts: list[LanguageModelInput] = [f"g{i}" for i in range(16)]
        await model.abatch(prompts, config={"max_concurrency": 8})
        assert client_sockets(server.port) != []
        model.close()  # the sync close only: the async pool stays until collected
        del model
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
