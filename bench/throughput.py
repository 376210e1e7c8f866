"""Async throughput under concurrency: calls/s at 1, 8, 32 and 128 in flight, side by side.

The emulator runs in its own process (uvicorn + httptools + uvloop, TCP_NODELAY). In one run,
for each level of concurrency, non-stream chat calls per second of:
  raw httpx.AsyncClient, raw aiohttp, AsyncWenxinClient, ChatWenxin.abatch (max_concurrency set)
  and Wenxin.achat gathered under a semaphore,
each printed as a ratio to raw aiohttp. Each round measures every client in turn at one level
(the ones compared with raw aiohttp back to back, in an order rotated from round to round, the
slow httpx cells last);
a ratio is taken within its round (same machine conditions) and the median over the rounds is
shown, with the lowest and highest round for the targets. The client's CPU time per call is
printed too: on a busy machine it moves less than calls/s.

The core is measured on its default transport (httpx-aiohttp) and on the fallback without
aiohttp (httpx's own AsyncHTTPTransport), side by side.

Targets (issue 14): with ``--server-latency 0.012`` at 32 and 256 in flight the core >= 0.9x raw
aiohttp, adapters >= 0.75x; with instant answers at 32 in flight the core >= 0.5x, adapters
>= 0.35x.

Run: ``python bench/throughput.py [--calls 1000] [--levels 1,8,32,128] [--server-latency 0.012]``.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import aiohttp
import httpx
from _common import (
    BODY,
    JSON_HEADERS,
    MESSAGES,
    MODEL,
    PROMPT,
    Timing,
    chat_url,
    emulator_target,
    gathered,
    make_parser,
    raw_achat,
    reply_text,
    timed,
)

from wenxin_core import AsyncWenxinClient
from wenxin_core import transport as transport_module

_AIOHTTP_AVAILABLE = transport_module.aiohttp_available
CORE_HTTPX = "core on httpx transport"
"""The core without aiohttp: httpx's own AsyncHTTPTransport (the fallback)."""


async def measure(run: Callable[[int], Awaitable[Any]], calls: int, level: int) -> Timing:
    """Time one cell, after enough untimed calls for every connection of the level to open."""
    return await timed(run, calls, warmup=min(calls, max(2 * level, 64)))


async def raw_aiohttp_cell(url: str, calls: int, level: int) -> Timing:
    """Raw aiohttp: POST the pre-encoded body, parse the JSON answer."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:

        async def call() -> Any:
            async with session.post(url, data=BODY, headers=JSON_HEADERS) as response:
                return reply_text(await response.json())

        return await measure(gathered(call, level), calls, level)


async def raw_httpx_cell(url: str, calls: int, level: int) -> Timing:
    """Raw ``httpx.AsyncClient`` with its default pool: the same request."""
    # No pool timeout: at 256 in flight httpx's pool would make callers wait past 5 s.
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, pool=None)) as client:
        return await measure(gathered(lambda: raw_achat(client, url), level), calls, level)


async def core_cell(
    base: str, key: str, calls: int, level: int, *, aiohttp_transport: bool = True
) -> Timing:
    """``AsyncWenxinClient.chat`` gathered at ``level`` in flight.

    ``aiohttp_transport=False``: the client as installed without aiohttp / httpx-aiohttp
    (httpx's own ``AsyncHTTPTransport`` under the same lean send path).
    """
    if not aiohttp_transport:
        transport_module.aiohttp_available = lambda: False
    try:
        client = AsyncWenxinClient(MODEL, api_key=key, base_url=base)
        await client.chat(MESSAGES)  # the loop's pool is made here, on the transport asked for
    finally:
        transport_module.aiohttp_available = _AIOHTTP_AVAILABLE
    async with client:

        async def call() -> Any:
            return (await client.chat(MESSAGES)).text

        return await measure(gathered(call, level), calls, level)


async def langchain_cell(base: str, key: str, calls: int, level: int) -> Timing | None:
    """``ChatWenxin.abatch`` with ``max_concurrency=level``; None without LangChain."""
    try:
        from langchain_wenxin import ChatWenxin
    except ImportError:
        return None
    chat_model = ChatWenxin(model=MODEL, api_key=key, base_url=base)

    async def run(n: int) -> Any:
        return await chat_model.abatch([PROMPT] * n, config={"max_concurrency": level})

    try:
        return await measure(run, calls, level)
    finally:
        await chat_model.aclose()


async def llama_index_cell(base: str, key: str, calls: int, level: int) -> Timing | None:
    """``Wenxin.achat`` gathered at ``level`` in flight; None without LlamaIndex."""
    try:
        from llama_index.core.llms import ChatMessage

        from llama_index_wenxin import Wenxin
    except ImportError:
        return None
    llm = Wenxin(model=MODEL, api_key=key, base_url=base)
    message = [ChatMessage(role="user", content=PROMPT)]
    try:
        return await measure(gathered(lambda: llm.achat(message), level), calls, level)
    finally:
        await llm.aclose()


BASELINE = "raw aiohttp"
"""The client every ratio is taken against."""
CORE = "AsyncWenxinClient"
"""The core row."""
ADAPTERS = ("ChatWenxin.abatch", "Wenxin.achat (gathered)")
"""The adapter rows."""


async def measure_round(
    base: str, key: str, calls: int, level: int, turn: int = 0
) -> dict[str, Timing]:
    """One round at one level: every client in turn, side by side.

    The clients compared with raw aiohttp run back to back, in an order rotated by ``turn``
    (so none is always first or last after a slow stretch of the VM); the two httpx cells,
    which take seconds each at high concurrency, run after them.
    """
    url = chat_url(base)
    fast: list[tuple[str, Callable[[], Awaitable[Timing | None]]]] = [
        (BASELINE, lambda: raw_aiohttp_cell(url, calls, level)),
        (CORE, lambda: core_cell(base, key, calls, level)),
        (ADAPTERS[0], lambda: langchain_cell(base, key, calls, level)),
        (ADAPTERS[1], lambda: llama_index_cell(base, key, calls, level)),
    ]
    shift = turn % len(fast)
    slow: list[tuple[str, Callable[[], Awaitable[Timing | None]]]] = [
        ("raw httpx.AsyncClient", lambda: raw_httpx_cell(url, calls, level)),
        (CORE_HTTPX, lambda: core_cell(base, key, calls, level, aiohttp_transport=False)),
    ]
    measured: dict[str, Timing | None] = {}
    for name, run in [*fast[shift:], *fast[:shift], *slow]:
        measured[name] = await run()
    order = [BASELINE, "raw httpx.AsyncClient", CORE, CORE_HTTPX, *ADAPTERS]
    return {name: timing for name in order if (timing := measured.get(name)) is not None}


class Summary(NamedTuple):
    """One client at one level over all rounds."""

    rate: float
    """Median calls/s."""
    ratio: float
    """Median over the rounds of (calls/s / raw aiohttp's calls/s in the same round)."""
    low: float
    """Lowest per-round ratio."""
    high: float
    """Highest per-round ratio."""
    cpu_us: float
    """Median client CPU per call, microseconds."""


def summarise(rounds: list[dict[str, Timing]]) -> dict[str, Summary]:
    """Medians over the rounds; each ratio is taken within its own round (same conditions)."""
    summary: dict[str, Summary] = {}
    for name in rounds[0]:
        ratios = [r[name].rate / r[BASELINE].rate for r in rounds]
        summary[name] = Summary(
            rate=statistics.median(r[name].rate for r in rounds),
            ratio=statistics.median(ratios),
            low=min(ratios),
            high=max(ratios),
            cpu_us=statistics.median(r[name].cpu_us for r in rounds),
        )
    return summary


def print_tables(
    table: dict[int, dict[str, Summary]], levels: list[int], latency: float = 0.0
) -> None:
    """The calls/s table, the client CPU table and the issue 14 targets."""
    names = list(table[levels[0]])
    cells = "".join(f"{f'@{level} calls/s':>14}{'ratio':>7}" for level in levels)
    print(f"{'client':26}{cells}")
    for name in names:
        row = "".join(
            f"{table[level][name].rate:14.0f}{table[level][name].ratio:6.2f}x" for level in levels
        )
        print(f"{name:26}{row}")
    print("\nclient CPU per call, us (medians; the emulator's CPU is not counted)")
    print(f"{'client':26}" + "".join(f"{f'@{level}':>10}" for level in levels))
    for name in names:
        print(f"{name:26}" + "".join(f"{table[level][name].cpu_us:10.0f}" for level in levels))
    print_targets(table, levels, latency)


def print_targets(table: dict[int, dict[str, Summary]], levels: list[int], latency: float) -> None:
    """Issue 14's targets: 12 ms answers at 32 and 256 in flight, instant answers at 32."""
    core_min, adapter_min = (0.9, 0.75) if latency else (0.5, 0.35)
    shown = levels if latency else [level for level in levels if level == 32]
    for level in shown:
        cell = table[level]
        print(f"\ntargets @{level} (median of per-round ratios; lowest-highest round in brackets):")
        for name, floor in ((CORE, core_min), *((name, adapter_min) for name in ADAPTERS)):
            if name in cell:
                mark = "ok" if cell[name].ratio >= floor else "below"
                print(
                    f"  {name} >= {floor:.2f}x raw aiohttp: {cell[name].ratio:.2f}x "
                    f"[{cell[name].low:.2f}-{cell[name].high:.2f}] {mark}"
                )


def main() -> None:
    """Measure every level and print the tables."""
    parser = make_parser(__doc__, calls=1000)
    parser.add_argument("--levels", default="1,8,32,128")
    parser.add_argument(
        "--rounds", type=int, default=5, help="interleaved rounds per level; medians are shown"
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
    with emulator_target(*emulator_args) as (base, key, _url):
        print(
            f"emulator {base} in its own process; {args.calls} non-stream calls per cell, "
            f"{args.rounds} interleaved rounds; server latency "
            f"{args.server_latency * 1000:.0f} ms\n"
        )
        table = {
            level: summarise(
                [
                    asyncio.run(measure_round(base, key, args.calls, level, turn))
                    for turn in range(args.rounds)
                ]
            )
            for level in levels
        }
    print_tables(table, levels, args.server_latency)


if __name__ == "__main__":
    main()
