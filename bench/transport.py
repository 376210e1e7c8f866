"""Transport overhead of wenxin_core against raw httpx, side by side in one run.

The emulator runs in its own process. Printed as ratios (ours / raw):
  1. sync: median per-call time of ``WenxinClient.chat`` vs a raw ``httpx.Client`` POST (500 calls)
  2. async: calls/s of ``AsyncWenxinClient.chat`` vs raw ``httpx.AsyncClient`` at 32 in flight
  3. stream: per-chunk cost of ``WenxinClient.stream`` vs raw httpx streaming + SSE line parsing

Targets (issue 2): per call <= 1.10x raw httpx; async throughput >= 0.90x raw httpx.

Run: ``python bench/transport.py [--calls 500] [--concurrency 32]``.
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

from wenxin_core import AsyncWenxinClient, WenxinClient
from wenxin_core.emulator import EmulatorProcess

MODEL = "Llama-2-13b-chat"
PATH = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b"
MESSAGES = [{"role": "user", "content": "Tell me about the Great Wall."}]
BODY = json.dumps({"messages": MESSAGES}).encode()
STREAM_BODY = json.dumps({"messages": MESSAGES, "stream": True}).encode()


def fetch_token(base_url: str) -> str:
    """One access token from the emulator, for the raw clients."""
    response = httpx.post(
        f"{base_url}/oauth/2.0/token",
        params={"grant_type": "client_credentials", "client_id": "bench", "client_secret": "s"},
    )
    return str(response.json()["access_token"])


def timed_calls(fn: Callable[[], Any], calls: int, warmup: int = 50) -> list[float]:
    """Per-call wall times of ``fn`` in seconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def interleaved_medians(
    fns: dict[str, Callable[[], Any]], calls: int, rounds: int = 5
) -> dict[str, float]:
    """Median per-call time of each function, measured in interleaved rounds (fair to drift)."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        timed_calls(fn, 0, warmup=50)
    for _ in range(rounds):
        for name, fn in fns.items():
            samples[name].extend(timed_calls(fn, calls // rounds, warmup=0))
    return {name: statistics.median(values) for name, values in samples.items()}


async def throughput(fn: Callable[[], Awaitable[Any]], calls: int, concurrency: int) -> float:
    """Calls per second of ``fn`` with ``concurrency`` calls in flight."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with semaphore:
            await fn()

    await asyncio.gather(*(one() for _ in range(min(100, calls))))
    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(calls)))
    return calls / (time.perf_counter() - start)


def raw_stream_chunks(client: httpx.Client, url: str) -> int:
    """Stream with raw httpx and parse each ``data:`` line as JSON; return the event count."""
    count = 0
    with client.stream("POST", url, content=STREAM_BODY, headers=_JSON) as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                json.loads(line[5:])
                count += 1
    return count


_JSON = {"Content-Type": "application/json"}


def main() -> None:
    """Run the three measurements and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--async-calls", type=int, default=2000)
    args = parser.parse_args()

    with EmulatorProcess() as emulator:
        base = emulator.base_url
        token = fetch_token(base)
        url = f"{base}{PATH}?access_token={token}"
        print(f"emulator {base} (own process); {args.calls} sync calls, "
              f"{args.async_calls} async calls at {args.concurrency} in flight\n")

        raw = httpx.Client()
        ours = WenxinClient(MODEL, access_token=token, base_url=base)

        def raw_call() -> Any:
            response = raw.post(url, content=BODY, headers=_JSON)
            return response.json()["result"]

        def our_call() -> Any:
            return ours.chat(MESSAGES).result

        medians = interleaved_medians({"raw": raw_call, "ours": our_call}, args.calls)
        ratio_call = medians["ours"] / medians["raw"]

        stream_calls = max(50, args.calls // 5)
        events = raw_stream_chunks(raw, url)

        def raw_stream() -> Any:
            return raw_stream_chunks(raw, url)

        def our_stream() -> Any:
            return sum(1 for _ in ours.stream(MESSAGES))

        stream_medians = interleaved_medians(
            {"raw": raw_stream, "ours": our_stream}, stream_calls
        )
        ratio_stream = stream_medians["ours"] / stream_medians["raw"]
        raw.close()
        ours.close()

        async def async_part() -> tuple[float, float]:
            raw_async = httpx.AsyncClient(
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)
            )
            ours_async = AsyncWenxinClient(MODEL, access_token=token, base_url=base)

            async def raw_acall() -> Any:
                response = await raw_async.post(url, content=BODY, headers=_JSON)
                return response.json()["result"]

            async def our_acall() -> Any:
                return (await ours_async.chat(MESSAGES)).result

            raw_rate = await throughput(raw_acall, args.async_calls, args.concurrency)
            our_rate = await throughput(our_acall, args.async_calls, args.concurrency)
            await raw_async.aclose()
            await ours_async.aclose()
            return raw_rate, our_rate

        raw_rate, our_rate = asyncio.run(async_part())

    print(f"{'measurement':44} {'raw httpx':>12} {'wenxin_core':>12} {'ratio':>7}  target")
    print(f"{'sync chat, median per call (ms)':44} {medians['raw'] * 1e3:12.3f} "
          f"{medians['ours'] * 1e3:12.3f} {ratio_call:7.2f}x  <= 1.10x")
    print(f"{'async chat @' + str(args.concurrency) + ' in flight (calls/s)':44} "
          f"{raw_rate:12.0f} {our_rate:12.0f} {our_rate / raw_rate:7.2f}x  >= 0.90x")
    per_chunk_raw = stream_medians["raw"] / events * 1e6
    per_chunk_ours = stream_medians["ours"] / events * 1e6
    print(f"{f'stream, per chunk ({events} events/stream) (us)':44} {per_chunk_raw:12.1f} "
          f"{per_chunk_ours:12.1f} {ratio_stream:7.2f}x")


if __name__ == "__main__":
    main()
