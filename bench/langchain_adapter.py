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

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from langchain_wenxin import ChatWenxin
from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core.emulator import EmulatorProcess

MODEL = "Llama-2-13b-chat"
PATH = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b"
PROMPT = "Tell me about the Great Wall."
MESSAGES = [{"role": "user", "content": PROMPT}]
BODY = json.dumps({"messages": MESSAGES}).encode()
STREAM_BODY = json.dumps({"messages": MESSAGES, "stream": True}).encode()
JSON_HEADERS = {"Content-Type": "application/json"}


def fetch_token(base_url: str) -> str:
    """One access token from the emulator, shared by every contender."""
    response = httpx.post(
        f"{base_url}/oauth/2.0/token",
        params={"grant_type": "client_credentials", "client_id": "bench", "client_secret": "s"},
    )
    return str(response.json()["access_token"])


def interleaved_medians(
    fns: dict[str, Callable[[], Any]], calls: int, rounds: int = 5
) -> dict[str, float]:
    """Median seconds per call of each function, in interleaved rounds after a warm-up."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        for _ in range(30):
            fn()
    for _ in range(rounds):
        for name, fn in fns.items():
            for _ in range(max(1, calls // rounds)):
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


async def async_medians(
    fns: dict[str, Callable[[], Awaitable[Any]]], calls: int, rounds: int = 5
) -> dict[str, float]:
    """Async twin of :func:`interleaved_medians` (one call in flight: per-call overhead)."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        for _ in range(30):
            await fn()
    for _ in range(rounds):
        for name, fn in fns.items():
            for _ in range(max(1, calls // rounds)):
                start = time.perf_counter()
                await fn()
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def raw_stream(client: httpx.Client, url: str) -> str:
    """Stream with raw httpx, parse each ``data:`` line, return the joined text."""
    parts = []
    with client.stream("POST", url, content=STREAM_BODY, headers=JSON_HEADERS) as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                parts.append(json.loads(line[5:])["result"])
    return "".join(parts)


def row(label: str, medians: dict[str, float]) -> str:
    """One table row: the three medians in ms and the two ratios."""
    raw, core, lc = medians["raw"], medians["core"], medians["langchain"]
    return (
        f"{label:32} {raw * 1e3:10.3f} {core * 1e3:10.3f} {lc * 1e3:10.3f} "
        f"{lc / raw:9.2f}x {lc / core:9.2f}x"
    )


def main() -> None:
    """Run the three measurements against one emulator process and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()

    with EmulatorProcess() as emulator:
        base = emulator.base_url
        token = fetch_token(base)
        url = f"{base}{PATH}?access_token={token}"
        raw = httpx.Client()
        core = WenxinClient(MODEL, access_token=token, base_url=base)
        llm = ChatWenxin(model=MODEL, access_token=token, base_url=base)
        expected = core.chat(MESSAGES).result
        assert llm.invoke(PROMPT).content == expected == raw_stream(raw, url)

        invoke = interleaved_medians(
            {
                "raw": lambda: raw.post(url, content=BODY, headers=JSON_HEADERS).json()["result"],
                "core": lambda: core.chat(MESSAGES).result,
                "langchain": lambda: llm.invoke(PROMPT).content,
            },
            args.calls,
        )
        stream_calls = max(50, args.calls // 2)
        stream = interleaved_medians(
            {
                "raw": lambda: raw_stream(raw, url),
                "core": lambda: "".join(chunk.result for chunk in core.stream(MESSAGES)),
                "langchain": lambda: "".join(str(c.content) for c in llm.stream(PROMPT)),
            },
            stream_calls,
        )
        events = sum(1 for _ in core.stream(MESSAGES))
        raw.close()
        core.close()
        llm.close()

        async def async_part() -> dict[str, float]:
            raw_async = httpx.AsyncClient()
            core_async = AsyncWenxinClient(MODEL, access_token=token, base_url=base)

            async def raw_call() -> Any:
                response = await raw_async.post(url, content=BODY, headers=JSON_HEADERS)
                return response.json()["result"]

            async def core_call() -> Any:
                return (await core_async.chat(MESSAGES)).result

            async def lc_call() -> Any:
                return (await llm.ainvoke(PROMPT)).content

            try:
                return await async_medians(
                    {"raw": raw_call, "core": core_call, "langchain": lc_call}, args.calls
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
