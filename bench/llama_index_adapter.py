"""Cost of the LlamaIndex adapter: ``Wenxin.chat`` / ``.stream_chat`` vs the core vs raw httpx,
and ``Wenxin.achat`` at many calls in flight, where the garbage collector's share shows.

One run, the clients measured in interleaved rounds:
  1. chat: median per call of a raw ``httpx.Client`` POST, ``WenxinClient.chat`` and
     ``Wenxin.chat`` (LlamaIndex callbacks and instrumentation included, as users get them);
  2. stream: median per whole stream of raw httpx streaming + SSE line parsing,
     ``WenxinClient.stream`` and ``Wenxin.stream_chat``, every event consumed;
  3. achat at ``--level`` (256) in flight, against an emulator that answers after
     ``--server-latency`` (12 ms): raw aiohttp, ``AsyncWenxinClient.chat``, the core under
     LlamaIndex's ``llm_chat_callback`` with no translation (what any LlamaIndex LLM over this core
     pays) and ``Wenxin.achat``, each with its calls/s, client CPU per call, garbage collections
     per 1,000 calls by generation, time in the collector per call, and the gc-tracked objects
     each call holds while its request is in flight (every one of them is promoted and walked by
     the full collections, which is where many calls in flight spend their time).
Printed as times and ratios (adapter / core, adapter / raw, core / raw), then the achat table.

Run: ``python bench/llama_index_adapter.py [--calls 500] [--level 256] [--async-calls N]``.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple

import aiohttp
import httpx
from _common import (
    BODY,
    JSON_HEADERS,
    MESSAGES,
    MODEL,
    PROMPT,
    emulator_target,
    gathered,
    interleaved_medians,
    iter_raw_sse,
    make_parser,
    raw_chat,
    reply_text,
)
from framework_floor import InstantLLM
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.llms.callbacks import llm_chat_callback

from llama_index_wenxin import Wenxin
from wenxin_core import AsyncWenxinClient, WenxinClient

LI_MESSAGES = [ChatMessage(role=MessageRole.USER, content=PROMPT)]
"""The conversation of :data:`_common.MESSAGES`, as LlamaIndex messages."""


class CoreUnderCallback(InstantLLM):
    """``AsyncWenxinClient.chat`` under ``llm_chat_callback``, no translation: the floor of any
    LlamaIndex LLM over this core (the framework's events and span around the same request)."""

    _core: AsyncWenxinClient | None = PrivateAttr(default=None)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """The core's answer as a one-text-block response."""
        assert self._core is not None
        completion = await self._core.chat(MESSAGES)
        return ChatResponse(message=ChatMessage(role="assistant", content=completion.text))


class Collections:
    """Counts and times the garbage collector's runs by generation (a ``gc.callbacks`` hook)."""

    def __init__(self) -> None:
        self.runs = [0, 0, 0]
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        """The hook: time each collection, count it under its generation."""
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.runs[info["generation"]] += 1


class Cell(NamedTuple):
    """One contender at one level: rate, CPU, the collector's share, objects held per call."""

    rate: float
    cpu_us: float
    runs_per_1000: tuple[float, float, float]
    gc_us: float
    held: float


async def held_per_call(call: Callable[[], Awaitable[Any]], level: int, latency: float) -> float:
    """Gc-tracked objects alive per call with ``level`` calls waiting on their answers."""
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        tasks = [asyncio.ensure_future(call()) for _ in range(level)]
        await asyncio.sleep(latency / 3)  # every request sent, no answer back yet
        during = len(gc.get_objects())
        await asyncio.gather(*tasks)
    finally:
        gc.enable()
    return (during - before - level) / level  # the tasks themselves left out


async def concurrent_cell(
    call: Callable[[], Awaitable[Any]], calls: int, level: int, latency: float
) -> Cell:
    """``calls`` calls at ``level`` in flight after a warm-up, the collector watched."""
    run = gathered(call, level)
    await run(min(calls, 2 * level))
    held = await held_per_call(call, level, latency)
    hook = Collections()
    gc.collect()
    gc.callbacks.append(hook)
    try:
        cpu, start = time.process_time(), time.perf_counter()
        await run(calls)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        gc.callbacks.remove(hook)
    gen0, gen1, gen2 = (n * 1000 / calls for n in hook.runs)
    gc_us = hook.seconds / calls * 1e6
    return Cell(calls / wall, cpu / calls * 1e6, (gen0, gen1, gen2), gc_us, held)


async def concurrent_round(
    base: str, key: str, url: str, calls: int, level: int, latency: float
) -> dict[str, Cell]:
    """Every contender in turn at ``level`` in flight."""
    cells: dict[str, Cell] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:

        async def raw() -> str:
            async with session.post(url, data=BODY, headers=JSON_HEADERS) as response:
                return reply_text(await response.json())

        cells["raw aiohttp"] = await concurrent_cell(raw, calls, level, latency)
    async with AsyncWenxinClient(MODEL, api_key=key, base_url=base) as core:

        async def core_chat() -> str:
            return (await core.chat(MESSAGES)).text

        cells["AsyncWenxinClient.chat"] = await concurrent_cell(core_chat, calls, level, latency)
        floor = CoreUnderCallback()
        floor._core = core
        cells["core under llm_chat_callback"] = await concurrent_cell(
            lambda: floor.achat(LI_MESSAGES), calls, level, latency
        )
    llm = Wenxin(model=MODEL, api_key=key, base_url=base)
    try:
        cells["Wenxin.achat"] = await concurrent_cell(
            lambda: llm.achat(LI_MESSAGES), calls, level, latency
        )
    finally:
        await llm.aclose()
    return cells


def median_of(
    rounds: list[dict[str, Cell]], name: str, pick: Callable[[Cell, Cell], float]
) -> float:
    """Median over the rounds of ``pick(cell, raw aiohttp's cell in the same round)``."""
    return statistics.median(pick(r[name], r["raw aiohttp"]) for r in rounds)


def print_concurrent(rounds: list[dict[str, Cell]], level: int, latency: float) -> None:
    """Medians over the rounds; the ratio to raw aiohttp is taken within each round."""
    print(
        f"\nachat at {level} in flight, {latency * 1000:.0f} ms answers "
        f"(medians of {len(rounds)} rounds)"
    )
    print(
        f"{'client':30}{'calls/s':>9}{'ratio':>7}{'CPU us':>8}{'gen0/1k':>9}{'gen1/1k':>9}"
        f"{'gen2/1k':>9}{'gc us':>7}{'held':>6}"
    )
    for name in rounds[0]:
        runs = [
            median_of(rounds, name, lambda c, _: c.runs_per_1000[0]),
            median_of(rounds, name, lambda c, _: c.runs_per_1000[1]),
            median_of(rounds, name, lambda c, _: c.runs_per_1000[2]),
        ]
        print(
            f"{name:30}{median_of(rounds, name, lambda c, _: c.rate):9.0f}"
            f"{median_of(rounds, name, lambda c, raw: c.rate / raw.rate):6.2f}x"
            f"{median_of(rounds, name, lambda c, _: c.cpu_us):8.0f}"
            f"{runs[0]:9.1f}{runs[1]:9.2f}{runs[2]:9.2f}"
            f"{median_of(rounds, name, lambda c, _: c.gc_us):7.0f}"
            f"{median_of(rounds, name, lambda c, _: c.held):6.0f}"
        )


def main() -> None:
    """Measure and print the tables."""
    parser = make_parser(__doc__, calls=500)
    parser.add_argument("--level", type=int, default=256, help="achat calls in flight")
    parser.add_argument(
        "--async-calls", type=int, default=None, help="achat calls per cell (default 6 x calls)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="achat rounds; medians are shown")
    parser.add_argument("--server-latency", type=float, default=0.012)
    args = parser.parse_args()

    with emulator_target() as (base, key, url):
        raw = httpx.Client()
        core = WenxinClient(MODEL, api_key=key, base_url=base)
        llm = Wenxin(model=MODEL, api_key=key, base_url=base)

        def chat_raw() -> str:
            return raw_chat(raw, url)

        def chat_core() -> str:
            return core.chat(MESSAGES).text

        def chat_adapter() -> str:
            return llm.chat(LI_MESSAGES).message.content or ""

        def stream_raw() -> int:
            return sum(1 for _ in iter_raw_sse(raw, url))

        def stream_core() -> int:
            return sum(1 for _ in core.stream(MESSAGES))

        def stream_adapter() -> int:
            return sum(1 for _ in llm.stream_chat(LI_MESSAGES))

        assert chat_raw() == chat_core() == chat_adapter()
        events = stream_raw()
        assert stream_core() == stream_adapter() == events

        print(f"emulator {base} (own process); {args.calls} calls per client and mode\n")
        chat = interleaved_medians(
            {"raw": chat_raw, "core": chat_core, "adapter": chat_adapter}, args.calls
        )
        stream = interleaved_medians(
            {"raw": stream_raw, "core": stream_core, "adapter": stream_adapter},
            max(50, args.calls // 2),
        )
        raw.close()
        core.close()
        llm.close()

    header = (
        f"{'median per call (ms)':34} {'raw httpx':>10} {'core':>10} {'Wenxin':>10} "
        f"{'Wenxin/core':>12} {'Wenxin/raw':>11} {'core/raw':>9}"
    )
    print(header)
    for label, row in (("Wenxin.chat", chat), (f"Wenxin.stream_chat ({events} events)", stream)):
        print(
            f"{label:34} {row['raw'] * 1e3:10.3f} {row['core'] * 1e3:10.3f} "
            f"{row['adapter'] * 1e3:10.3f} {row['adapter'] / row['core']:11.2f}x "
            f"{row['adapter'] / row['raw']:10.2f}x {row['core'] / row['raw']:8.2f}x"
        )

    async_calls = args.async_calls or 6 * args.calls
    latency = args.server_latency
    with emulator_target("--latency", str(latency)) as (base, key, url):
        rounds = [
            asyncio.run(concurrent_round(base, key, url, async_calls, args.level, latency))
            for _ in range(args.rounds)
        ]
    print_concurrent(rounds, args.level, latency)


if __name__ == "__main__":
    main()
