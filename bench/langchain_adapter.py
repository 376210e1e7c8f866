"""Cost of the LangChain adapter: ``ChatWenxin.invoke`` / ``.stream`` vs the core vs raw httpx.

One run, one emulator in its own process, the same conversation for every contender. Each row
is a median per-call wall time, measured in interleaved rounds (fair to drift), printed with
ratios to raw httpx and to the core client:

  invoke:  raw ``httpx.Client`` POST + JSON  |  ``WenxinClient.chat``  |  ``ChatWenxin.invoke``
  stream:  raw httpx SSE lines + JSON        |  ``WenxinClient.stream`` |  ``ChatWenxin.stream``
  ainvoke: raw ``httpx.AsyncClient``         |  ``AsyncWenxinClient.chat`` | ``ChatWenxin.ainvoke``

Then, on a second emulator answering in 12 ms, batches at 32 and 256 in flight (2 x ``--calls``
calls per cell, interleaved rounds, medians): calls/s and client CPU per call of
``AsyncWenxinClient.chat`` gathered, ``ChatWenxin.abatch`` through LangChain's default
``Runnable.abatch`` and ``ChatWenxin.abatch`` itself (its batch path, ``langchain_wenxin._batch``).

Run: ``python bench/langchain_adapter.py [--calls 500]``.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from _common import (
    MESSAGES,
    MODEL,
    PROMPT,
    Timing,
    async_interleaved_medians,
    chunk_text,
    emulator_target,
    gathered,
    interleaved_medians,
    iter_raw_sse,
    make_parser,
    raw_achat,
    raw_chat,
    timed,
)
from langchain_core.language_models.chat_models import BaseChatModel

from langchain_wenxin import ChatWenxin
from wenxin_core import AsyncWenxinClient, WenxinClient

WARMUP = 30
"""Untimed calls per contender before the timed rounds."""


def raw_stream(client: httpx.Client, url: str) -> str:
    """Stream with raw httpx, parse each ``data:`` line, return the joined text."""
    return "".join(chunk_text(event) for event in iter_raw_sse(client, url))


def row(label: str, medians: dict[str, float]) -> str:
    """One table row: the three medians in ms and the two ratios."""
    raw, core, lc = medians["raw"], medians["core"], medians["langchain"]
    return (
        f"{label:32} {raw * 1e3:10.3f} {core * 1e3:10.3f} {lc * 1e3:10.3f} "
        f"{lc / raw:9.2f}x {lc / core:9.2f}x"
    )


BATCH_LEVELS = (32, 256)
"""Items in flight of the batch rows."""
BATCH_ROUNDS = 3
"""Interleaved rounds per level of the batch rows."""


async def batch_round(base: str, key: str, calls: int, level: int) -> dict[str, Timing]:
    """One round at ``level`` in flight: the core gathered, then both ``abatch`` paths."""
    core = AsyncWenxinClient(MODEL, api_key=key, base_url=base)
    llm = ChatWenxin(model=MODEL, api_key=key, base_url=base)
    prompts: list[Any] = [PROMPT]

    async def core_call() -> Any:
        return (await core.chat(MESSAGES)).text

    async def default_batch(n: int) -> Any:
        return await BaseChatModel.abatch(llm, prompts * n, {"max_concurrency": level})

    async def own_batch(n: int) -> Any:
        return await llm.abatch(prompts * n, {"max_concurrency": level})

    runs: dict[str, Callable[[int], Awaitable[Any]]] = {
        "AsyncWenxinClient (gathered)": gathered(core_call, level),
        "abatch, LangChain's default": default_batch,
        "ChatWenxin.abatch": own_batch,
    }
    try:
        warmup = min(calls, 2 * level)
        return {name: await timed(run, calls, warmup) for name, run in runs.items()}
    finally:
        await core.aclose()
        await llm.aclose()


def print_batches(calls: int) -> None:
    """The batch rows: medians over interleaved rounds at each level, 12 ms answers."""
    with emulator_target("--latency", "0.012") as (base, key, _url):
        table = {
            level: [asyncio.run(batch_round(base, key, calls, level)) for _ in range(BATCH_ROUNDS)]
            for level in BATCH_LEVELS
        }
    print(f"\nbatches, 12 ms answers ({calls} calls per cell, medians of {BATCH_ROUNDS} rounds)")
    cells = "".join(f"{f'@{level} calls/s':>14}{'CPU us':>8}" for level in BATCH_LEVELS)
    print(f"{'':32}{cells}")
    for name in table[BATCH_LEVELS[0]][0]:
        row = ""
        for level in BATCH_LEVELS:
            rate = statistics.median(r[name].rate for r in table[level])
            cpu = statistics.median(r[name].cpu_us for r in table[level])
            row += f"{rate:14.0f}{cpu:8.0f}"
        print(f"{name:32}{row}")


def main() -> None:
    """Run the three measurements against one emulator process and print the table."""
    parser = make_parser(__doc__, calls=500)
    args = parser.parse_args()

    with emulator_target() as (base, key, url):
        raw = httpx.Client()
        core = WenxinClient(MODEL, api_key=key, base_url=base)
        llm = ChatWenxin(model=MODEL, api_key=key, base_url=base)
        expected = core.chat(MESSAGES).text
        assert llm.invoke(PROMPT).content == expected == raw_stream(raw, url)

        invoke = interleaved_medians(
            {
                "raw": lambda: raw_chat(raw, url),
                "core": lambda: core.chat(MESSAGES).text,
                "langchain": lambda: llm.invoke(PROMPT).content,
            },
            args.calls,
            warmup=WARMUP,
        )
        stream_calls = max(50, args.calls // 2)
        stream = interleaved_medians(
            {
                "raw": lambda: raw_stream(raw, url),
                "core": lambda: "".join(chunk.text for chunk in core.stream(MESSAGES)),
                "langchain": lambda: "".join(str(c.content) for c in llm.stream(PROMPT)),
            },
            stream_calls,
            warmup=WARMUP,
        )
        events = sum(1 for _ in core.stream(MESSAGES))
        raw.close()
        core.close()
        llm.close()

        async def async_part() -> dict[str, float]:
            raw_async = httpx.AsyncClient()
            core_async = AsyncWenxinClient(MODEL, api_key=key, base_url=base)

            async def core_call() -> Any:
                return (await core_async.chat(MESSAGES)).text

            async def lc_call() -> Any:
                return (await llm.ainvoke(PROMPT)).content

            try:
                return await async_interleaved_medians(
                    {
                        "raw": lambda: raw_achat(raw_async, url),
                        "core": core_call,
                        "langchain": lc_call,
                    },
                    args.calls,
                    warmup=WARMUP,
                )
            finally:
                await raw_async.aclose()
                await core_async.aclose()
                await llm.aclose()

        ainvoke = asyncio.run(async_part())

    print(
        f"emulator {base} (own process); medians over {args.calls} calls "
        f"({stream_calls} streams of {events} events)\n"
    )
    header = (
        f"{'per call (ms)':32} {'raw httpx':>10} {'core':>10} {'ChatWenxin':>10} "
        f"{'lc/raw':>10} {'lc/core':>10}"
    )
    print(header)
    print(row("invoke", invoke))
    print(row(f"stream ({events} chunks)", stream))
    print(row("ainvoke", ainvoke))
    print_batches(2 * args.calls)


if __name__ == "__main__":
    main()
