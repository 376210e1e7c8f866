"""Async throughput under concurrency: calls/s at 1, 8, 32 and 128 in flight, side by side.

The emulator runs in its own process (uvicorn + httptools + uvloop, TCP_NODELAY). In one run,
for each level of concurrency, non-stream chat calls per second of:
  raw httpx.AsyncClient, raw aiohttp, AsyncWenxinClient, ChatWenxin.abatch (max_concurrency set)
  and Wenxin.achat gathered under a semaphore,
each printed as a ratio to raw aiohttp.

Targets at 32 in flight (issue 6): AsyncWenxinClient >= 0.5x raw aiohttp; adapters >= 0.35x.

Run: ``python bench/throughput.py [--calls 1000] [--levels 1,8,32,128]``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import httpx
from _common import (
    BODY,
    JSON_HEADERS,
    MESSAGES,
    MODEL,
    PROMPT,
    calls_per_second,
    chat_url,
    emulator_target,
    make_parser,
    raw_achat,
)

from wenxin_core import AsyncWenxinClient


async def rate_batch(run_batch: Callable[[int], Awaitable[Any]], calls: int) -> float:
    """Calls per second of a batch runner given the number of calls (after a warm-up)."""
    await run_batch(min(calls, 64))
    start = time.perf_counter()
    await run_batch(calls)
    return calls / (time.perf_counter() - start)


async def langchain_rate(base: str, token: str, calls: int, level: int) -> float | None:
    """Calls/s of ``ChatWenxin.abatch`` with ``max_concurrency=level``; None without LangChain."""
    try:
        from langchain_wenxin import ChatWenxin
    except ImportError:
        return None
    chat_model = ChatWenxin(model=MODEL, access_token=token, base_url=base)

    async def lc_batch(n: int) -> Any:
        return await chat_model.abatch([PROMPT] * n, config={"max_concurrency": level})

    try:
        return await rate_batch(lc_batch, calls)
    finally:
        await chat_model.aclose()


async def llama_index_rate(base: str, token: str, calls: int, level: int) -> float | None:
    """Calls/s of ``Wenxin.achat`` gathered at ``level`` in flight; None without LlamaIndex."""
    try:
        from llama_index.core.llms import ChatMessage

        from llama_index_wenxin import Wenxin
    except ImportError:
        return None
    llm = Wenxin(model=MODEL, access_token=token, base_url=base)
    message = [ChatMessage(role="user", content=PROMPT)]

    async def li_call() -> Any:
        return await llm.achat(message)

    try:
        return await calls_per_second(li_call, calls, level)
    finally:
        await llm.aclose()


async def measure_level(base: str, token: str, calls: int, level: int) -> dict[str, float]:
    """Every client's calls/s at one concurrency level."""
    url = chat_url(base, token)
    results: dict[str, float] = {}

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:

        async def aiohttp_call() -> Any:
            async with session.post(url, data=BODY, headers=JSON_HEADERS) as response:
                return (await response.json())["result"]

        results["raw aiohttp"] = await calls_per_second(aiohttp_call, calls, level)

    async with httpx.AsyncClient() as raw_httpx:
        results["raw httpx.AsyncClient"] = await calls_per_second(
            lambda: raw_achat(raw_httpx, url), calls, level
        )

    async with AsyncWenxinClient(MODEL, access_token=token, base_url=base) as client:

        async def core_call() -> Any:
            return (await client.chat(MESSAGES)).result

        results["AsyncWenxinClient"] = await calls_per_second(core_call, calls, level)

    lc_rate = await langchain_rate(base, token, calls, level)
    if lc_rate is not None:
        results["ChatWenxin.abatch"] = lc_rate
    li_rate = await llama_index_rate(base, token, calls, level)
    if li_rate is not None:
        results["Wenxin.achat (gathered)"] = li_rate
    return results


def main() -> None:
    """Measure every level and print the table."""
    parser = make_parser(__doc__, calls=1000)
    parser.add_argument("--levels", default="1,8,32,128")
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds per level; the median is shown"
    )
    parser.add_argument(
        "--server-latency",
        type=float,
        default=0.0,
        help="seconds the emulator waits before each answer (a slower service)",
    )
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]

    emulator_args = ("--latency", str(args.server_latency)) if args.server_latency else ()
    with emulator_target(*emulator_args) as (base, token, _url):
        print(
            f"emulator {base} in its own process; {args.calls} non-stream calls per cell, "
            f"median of {args.rounds} interleaved rounds; "
            f"server latency {args.server_latency * 1000:.0f} ms\n"
        )
        table: dict[int, dict[str, float]] = {}
        for level in levels:
            rounds = [
                asyncio.run(measure_level(base, token, args.calls, level))
                for _ in range(args.rounds)
            ]
            table[level] = {
                name: statistics.median(r[name] for r in rounds) for name in rounds[0]
            }

    names = list(table[levels[0]])
    cells = "".join(f"{f'@{level} calls/s':>14}{'ratio':>7}" for level in levels)
    header = f"{'client':26}{cells}"
    print(header)
    for name in names:
        row = f"{name:26}"
        for level in levels:
            value = table[level].get(name, float("nan"))
            ratio = value / table[level]["raw aiohttp"]
            row += f"{value:14.0f}{ratio:6.2f}x"
        print(row)
    if 32 in table:
        cell = table[32]
        base_rate = cell["raw aiohttp"]
        print("\ntargets @32: AsyncWenxinClient >= 0.50x raw aiohttp "
              f"(measured {cell['AsyncWenxinClient'] / base_rate:.2f}x); adapters >= 0.35x "
              + ", ".join(
                  f"({name}: {cell[name] / base_rate:.2f}x)"
                  for name in names
                  if name.startswith(("ChatWenxin", "Wenxin"))
              ))


if __name__ == "__main__":
    main()
