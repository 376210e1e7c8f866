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

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import httpx

from wenxin_core import AsyncWenxinClient
from wenxin_core.emulator import EmulatorProcess

MODEL = "Llama-2-13b-chat"
PATH = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b"
PROMPT = "Tell me about the Great Wall."
MESSAGES = [{"role": "user", "content": PROMPT}]
BODY = json.dumps({"messages": MESSAGES}).encode()
HEADERS = {"Content-Type": "application/json"}

Call = Callable[[], Awaitable[Any]]


async def rate(call: Call, calls: int, concurrency: int) -> float:
    """Calls per second of ``call`` with ``concurrency`` in flight (after a warm-up)."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with semaphore:
            await call()

    await asyncio.gather(*(one() for _ in range(min(calls, max(2 * concurrency, 50)))))
    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(calls)))
    return calls / (time.perf_counter() - start)


async def rate_batch(run_batch: Callable[[int], Awaitable[Any]], calls: int) -> float:
    """Calls per second of a batch runner given the number of calls (after a warm-up)."""
    await run_batch(min(calls, 64))
    start = time.perf_counter()
    await run_batch(calls)
    return calls / (time.perf_counter() - start)


def fetch_token(base_url: str) -> str:
    """One access token from the emulator, for the raw clients."""
    response = httpx.post(
        f"{base_url}/oauth/2.0/token",
        params={"grant_type": "client_credentials", "client_id": "bench", "client_secret": "s"},
    )
    return str(response.json()["access_token"])


async def measure_level(base: str, token: str, calls: int, level: int) -> dict[str, float]:
    """Every client's calls/s at one concurrency level."""
    url = f"{base}{PATH}?access_token={token}"
    results: dict[str, float] = {}

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:

        async def aiohttp_call() -> Any:
            async with session.post(url, data=BODY, headers=HEADERS) as response:
                return (await response.json())["result"]

        results["raw aiohttp"] = await rate(aiohttp_call, calls, level)

    async with httpx.AsyncClient() as raw_httpx:

        async def httpx_call() -> Any:
            response = await raw_httpx.post(url, content=BODY, headers=HEADERS)
            return response.json()["result"]

        results["raw httpx.AsyncClient"] = await rate(httpx_call, calls, level)

    async with AsyncWenxinClient(MODEL, access_token=token, base_url=base) as client:

        async def core_call() -> Any:
            return (await client.chat(MESSAGES)).result

        results["AsyncWenxinClient"] = await rate(core_call, calls, level)

    try:
        from langchain_wenxin import ChatWenxin
    except ImportError:
        ChatWenxin = None  # noqa: N806
    if ChatWenxin is not None:
        chat_model = ChatWenxin(model=MODEL, access_token=token, base_url=base)

        async def lc_batch(n: int) -> Any:
            return await chat_model.abatch([PROMPT] * n, config={"max_concurrency": level})

        results["ChatWenxin.abatch"] = await rate_batch(lc_batch, calls)
        closer = getattr(chat_model, "aclose", None)
        if closer is not None:
            await closer()

    try:
        from llama_index.core.llms import ChatMessage

        from llama_index_wenxin import Wenxin
    except ImportError:
        Wenxin = None  # noqa: N806
    if Wenxin is not None:
        llm = Wenxin(model=MODEL, access_token=token, base_url=base)
        message = [ChatMessage(role="user", content=PROMPT)]

        async def li_call() -> Any:
            return await llm.achat(message)

        results["Wenxin.achat (gathered)"] = await rate(li_call, calls, level)
        closer = getattr(llm, "aclose", None)
        if closer is not None:
            await closer()
    return results


def main() -> None:
    """Measure every level and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--levels", default="1,8,32,128")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]

    with EmulatorProcess() as emulator:
        base = emulator.base_url
        token = fetch_token(base)
        print(f"emulator {base} in its own process; {args.calls} non-stream calls per cell\n")
        table: dict[int, dict[str, float]] = {}
        for level in levels:
            table[level] = asyncio.run(measure_level(base, token, args.calls, level))

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
