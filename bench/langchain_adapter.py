"""Cost of the LangChain adapter: ``ChatWenxin.invoke`` / ``.stream`` vs the core vs raw httpx.

One run, one emulator in its own process, the same conversation for every contender. Each row
is a median per-call wall time, measured in interleaved rounds (fair to drift), printed with
ratios to raw httpx and to the core client:

  invoke:  raw ``httpx.Client`` POST + JSON  |  ``WenxinClient.chat``  |  ``ChatWenxin.invoke``
  stream:  raw httpx SSE lines + JSON        |  ``WenxinClient.stream`` |  ``ChatWenxin.stream``
  ainvoke: raw ``httpx.AsyncClient``         |  ``AsyncWenxinClient.chat`` | ``ChatWenxin.ainvoke``

Run: ``python bench/langchain_adapter.py [--calls 500]``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from _common import (
    MESSAGES,
    MODEL,
    PROMPT,
    async_interleaved_medians,
    chunk_text,
    emulator_target,
    interleaved_medians,
    iter_raw_sse,
    make_parser,
    raw_achat,
    raw_chat,
)

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


if __name__ == "__main__":
    main()
