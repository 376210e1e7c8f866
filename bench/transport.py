"""Transport overhead of wenxin_core against raw httpx, side by side in one run.

The emulator runs in its own process. Printed as ratios (ours / raw):
  1. sync: median per-call time of ``WenxinClient.chat`` vs a raw ``httpx.Client`` POST (500 calls)
  2. async: calls/s of ``AsyncWenxinClient.chat`` vs raw ``httpx.AsyncClient`` at 32 in flight
  3. stream: per-chunk cost of ``WenxinClient.stream`` vs raw httpx streaming + SSE line parsing

Targets (issue 2): per call <= 1.10x raw httpx; async throughput >= 0.90x raw httpx.

Run: ``python bench/transport.py [--calls 500] [--concurrency 32]``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from _common import (
    MESSAGES,
    MODEL,
    calls_per_second,
    emulator_target,
    interleaved_medians,
    iter_raw_sse,
    make_parser,
    raw_achat,
    raw_chat,
)

from wenxin_core import AsyncWenxinClient, WenxinClient


def main() -> None:
    """Run the three measurements and print the table."""
    parser = make_parser(__doc__, calls=500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--async-calls", type=int, default=2000)
    args = parser.parse_args()

    with emulator_target() as (base, key, url):
        print(
            f"emulator {base} (own process); {args.calls} sync calls, "
            f"{args.async_calls} async calls at {args.concurrency} in flight\n"
        )

        raw = httpx.Client()
        ours = WenxinClient(MODEL, api_key=key, base_url=base)

        def raw_call() -> Any:
            return raw_chat(raw, url)

        def our_call() -> Any:
            return ours.chat(MESSAGES).text

        medians = interleaved_medians({"raw": raw_call, "ours": our_call}, args.calls)
        ratio_call = medians["ours"] / medians["raw"]

        stream_calls = max(50, args.calls // 5)
        events = sum(1 for _ in iter_raw_sse(raw, url))

        def raw_stream() -> Any:
            return sum(1 for _ in iter_raw_sse(raw, url))

        def our_stream() -> Any:
            return sum(1 for _ in ours.stream(MESSAGES))

        stream_medians = interleaved_medians({"raw": raw_stream, "ours": our_stream}, stream_calls)
        ratio_stream = stream_medians["ours"] / stream_medians["raw"]
        raw.close()
        ours.close()

        async def async_part() -> tuple[float, float]:
            raw_async = httpx.AsyncClient(
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)
            )
            ours_async = AsyncWenxinClient(MODEL, api_key=key, base_url=base)

            async def our_acall() -> Any:
                return (await ours_async.chat(MESSAGES)).text

            warmup = min(100, args.async_calls)
            raw_rate = await calls_per_second(
                lambda: raw_achat(raw_async, url), args.async_calls, args.concurrency, warmup=warmup
            )
            our_rate = await calls_per_second(
                our_acall, args.async_calls, args.concurrency, warmup=warmup
            )
            await raw_async.aclose()
            await ours_async.aclose()
            return raw_rate, our_rate

        raw_rate, our_rate = asyncio.run(async_part())

    print(f"{'measurement':44} {'raw httpx':>12} {'wenxin_core':>12} {'ratio':>7}  target")
    print(
        f"{'sync chat, median per call (ms)':44} {medians['raw'] * 1e3:12.3f} "
        f"{medians['ours'] * 1e3:12.3f} {ratio_call:7.2f}x  <= 1.10x"
    )
    print(
        f"{'async chat @' + str(args.concurrency) + ' in flight (calls/s)':44} "
        f"{raw_rate:12.0f} {our_rate:12.0f} {our_rate / raw_rate:7.2f}x  >= 0.90x"
    )
    per_chunk_raw = stream_medians["raw"] / events * 1e6
    per_chunk_ours = stream_medians["ours"] / events * 1e6
    print(
        f"{f'stream, per chunk ({events} events/stream) (us)':44} {per_chunk_raw:12.1f} "
        f"{per_chunk_ours:12.1f} {ratio_stream:7.2f}x"
    )


if __name__ == "__main__":
    main()
