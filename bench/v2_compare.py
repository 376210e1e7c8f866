"""V2 side by side: our adapters and core against the OpenAI-compatible path, on one emulator.

The emulator runs in its own process and speaks V2 at ``{emulator}/v2``. In one run:
  1. per sync call (median, interleaved rounds): raw httpx, ``WenxinClient.chat``,
     ``ChatWenxin.invoke`` vs langchain-openai's ``ChatOpenAI.invoke``, ``Wenxin.chat`` vs
     llama-index's ``OpenAILike.chat``;
  2. per stream chunk, on one long stream (the emulator scripted to a reply of ``--chunks``
     sentences, one chunk each): raw httpx ``iter_lines`` + ``json.loads``,
     ``WenxinClient.stream``, ``ChatWenxin.stream`` vs ``ChatOpenAI.stream`` and the thinnest
     LangChain model over raw httpx, ``Wenxin.stream_chat`` vs ``OpenAILike.stream_chat`` and
     the thinnest LlamaIndex ``LLM`` over raw httpx;
  3. calls/s at ``--level`` (32) in flight: ``ChatWenxin.abatch`` vs ``ChatOpenAI.abatch``
     (``max_concurrency``), ``Wenxin.achat`` vs ``OpenAILike.achat`` gathered under a semaphore;
     each ratio taken within its round, the median over ``--rounds`` shown.
Printed as ratios with the issue 15 targets.

Run: ``python bench/v2_compare.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from collections.abc import Callable
from typing import Any, NamedTuple

import httpx
from _common import (
    API_KEY,
    MESSAGES,
    MODEL,
    PROMPT,
    Timing,
    emulator_process,
    gathered,
    interleaved_medians,
    iter_raw_sse,
    raw_chat,
    timed,
)
from _thin import ThinChatModel, ThinLLM
from langchain_openai import ChatOpenAI
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.llms.openai_like import OpenAILike  # type: ignore[import-untyped]

from langchain_wenxin import ChatWenxin
from llama_index_wenxin import Wenxin
from wenxin_core import WenxinClient

LI_MESSAGES = [ChatMessage(role=MessageRole.USER, content=PROMPT)]
"""The conversation as LlamaIndex messages."""
CONTEXT_WINDOW = 32768
"""What ``OpenAILike`` is told of the model (it cannot know a Qianfan id)."""


class Row(NamedTuple):
    """One comparison: ours, theirs (same unit), the target on ours / theirs."""

    label: str
    ours: float
    theirs: float
    unit: str
    target: str


def long_reply(chunks: int) -> str:
    """A reply of ``chunks`` short sentences: the emulator streams one chunk per sentence."""
    return "".join(f"Word {i}. " for i in range(chunks)).rstrip()


def openai_clients(base: str) -> tuple[ChatOpenAI, OpenAILike]:
    """``ChatOpenAI`` and ``OpenAILike`` pointed at the emulator's V2 URL, as users set them up."""
    chat_openai = ChatOpenAI(base_url=base, api_key=API_KEY, model=MODEL)  # type: ignore[arg-type]
    openai_like = OpenAILike(
        model=MODEL,
        api_base=base,
        api_key=API_KEY,
        is_chat_model=True,
        context_window=CONTEXT_WINDOW,
    )
    return chat_openai, openai_like


def per_call(base: str, url: str, calls: int) -> list[Row]:
    """Median per sync call of every contender, interleaved."""
    raw = httpx.Client()
    core = WenxinClient(MODEL, api_key=API_KEY, base_url=base)
    ours_lc = ChatWenxin(model=MODEL, api_key=API_KEY, base_url=base)
    ours_li = Wenxin(model=MODEL, api_key=API_KEY, base_url=base)
    their_lc, their_li = openai_clients(base)
    expected = raw_chat(raw, url)
    assert core.chat(MESSAGES).text == ours_lc.invoke(PROMPT).content == expected
    assert their_lc.invoke(PROMPT).content == expected
    fns: dict[str, Callable[[], Any]] = {
        "raw": lambda: raw_chat(raw, url),
        "core": lambda: core.chat(MESSAGES).text,
        "ChatWenxin": lambda: ours_lc.invoke(PROMPT).content,
        "ChatOpenAI": lambda: their_lc.invoke(PROMPT).content,
        "Wenxin": lambda: ours_li.chat(LI_MESSAGES).message.content,
        "OpenAILike": lambda: their_li.chat(LI_MESSAGES).message.content,
    }
    m = interleaved_medians(fns, calls, warmup=min(30, calls))
    raw.close()
    core.close()
    ours_lc.close()
    ours_li.close()
    us = 1e6
    return [
        Row("WenxinClient.chat vs raw httpx", m["core"] * us, m["raw"] * us, "us", "<= 1.10x"),
        Row(
            "ChatWenxin.invoke vs ChatOpenAI",
            m["ChatWenxin"] * us,
            m["ChatOpenAI"] * us,
            "us",
            "<= 0.60x",
        ),
        Row("Wenxin.chat vs OpenAILike", m["Wenxin"] * us, m["OpenAILike"] * us, "us", "<= 0.60x"),
        Row("(ChatOpenAI.invoke vs raw httpx)", m["ChatOpenAI"] * us, m["raw"] * us, "us", ""),
    ]


def per_chunk(base: str, url: str, streams: int) -> tuple[int, list[Row]]:
    """Median per whole long stream of every contender, divided by its number of chunks."""
    raw = httpx.Client()
    core = WenxinClient(MODEL, api_key=API_KEY, base_url=base)
    ours_lc = ChatWenxin(model=MODEL, api_key=API_KEY, base_url=base)
    ours_li = Wenxin(model=MODEL, api_key=API_KEY, base_url=base)
    their_lc, their_li = openai_clients(base)
    thin_lc = ThinChatModel(url=url)
    thin_li = ThinLLM(url=url)
    chunks = sum(1 for _ in iter_raw_sse(raw, url))
    fns: dict[str, Callable[[], Any]] = {
        "raw": lambda: sum(1 for _ in iter_raw_sse(raw, url)),
        "core": lambda: sum(1 for _ in core.stream(MESSAGES)),
        "ChatWenxin": lambda: sum(1 for _ in ours_lc.stream(PROMPT)),
        "ChatOpenAI": lambda: sum(1 for _ in their_lc.stream(PROMPT)),
        "thin LangChain": lambda: sum(1 for _ in thin_lc.stream(PROMPT)),
        "Wenxin": lambda: sum(1 for _ in ours_li.stream_chat(LI_MESSAGES)),
        "OpenAILike": lambda: sum(1 for _ in their_li.stream_chat(LI_MESSAGES)),
        "thin LlamaIndex": lambda: sum(1 for _ in thin_li.stream_chat(LI_MESSAGES)),
    }
    for name, fn in fns.items():  # every contender really streams the long reply, chunk by chunk
        assert fn() >= chunks - 2, (name, chunks)
    m = {k: v / chunks * 1e6 for k, v in interleaved_medians(fns, streams, warmup=1).items()}
    for closable in (raw, core, ours_lc, ours_li, thin_lc, thin_li):
        closable.close()
    return chunks, [
        Row("WenxinClient.stream vs raw httpx", m["core"], m["raw"], "us", "<= 2.00x"),
        Row("ChatWenxin.stream vs ChatOpenAI", m["ChatWenxin"], m["ChatOpenAI"], "us", "<= 0.25x"),
        Row(
            "ChatWenxin.stream vs thin LangChain",
            m["ChatWenxin"],
            m["thin LangChain"],
            "us",
            "<= 1.30x",
        ),
        Row("Wenxin.stream_chat vs OpenAILike", m["Wenxin"], m["OpenAILike"], "us", "<= 0.25x"),
        Row(
            "Wenxin.stream_chat vs thin LlamaIndex",
            m["Wenxin"],
            m["thin LlamaIndex"],
            "us",
            "<= 1.30x",
        ),
        Row("(ChatOpenAI.stream vs raw httpx)", m["ChatOpenAI"], m["raw"], "us", ""),
        Row("(thin LangChain vs ChatOpenAI)", m["thin LangChain"], m["ChatOpenAI"], "us", ""),
        Row("(thin LlamaIndex vs OpenAILike)", m["thin LlamaIndex"], m["OpenAILike"], "us", ""),
    ]


async def throughput_rounds(
    base: str, calls: int, level: int, rounds: int
) -> list[dict[str, Timing]]:
    """``rounds`` rounds at ``level`` in flight, on one event loop (the OpenAI clients cache
    their httpx clients): each contender in turn per round, from a collected heap."""
    ours_lc = ChatWenxin(model=MODEL, api_key=API_KEY, base_url=base)
    ours_li = Wenxin(model=MODEL, api_key=API_KEY, base_url=base)
    their_lc, their_li = openai_clients(base)
    warmup = min(calls, max(2 * level, 64))

    def batch(model: Any) -> Callable[[int], Any]:
        async def run(n: int) -> Any:
            return await model.abatch([PROMPT] * n, config={"max_concurrency": level})

        return run

    def gather(llm: Any) -> Callable[[int], Any]:
        return gathered(lambda: llm.achat(LI_MESSAGES), level)

    results: list[dict[str, Timing]] = []
    try:
        for _ in range(rounds):
            results.append(
                {
                    "ChatWenxin": await timed(batch(ours_lc), calls, warmup),
                    "ChatOpenAI": await timed(batch(their_lc), calls, warmup),
                    "Wenxin": await timed(gather(ours_li), calls, warmup),
                    "OpenAILike": await timed(gather(their_li), calls, warmup),
                }
            )
    finally:
        await ours_lc.aclose()
        await ours_li.aclose()
        await their_lc.root_async_client.close()
        await their_li._get_aclient().close()
    return results


def throughput(base: str, calls: int, level: int, rounds: int) -> list[Row]:
    """Calls/s at ``level`` in flight; each ratio taken within its round, medians shown."""
    results = asyncio.run(throughput_rounds(base, calls, level, rounds))

    def row(label: str, ours: str, theirs: str) -> Row:
        ratio = statistics.median(r[ours].rate / r[theirs].rate for r in results)
        their_rate = statistics.median(r[theirs].rate for r in results)
        return Row(label, ratio * their_rate, their_rate, "calls/s", ">= 5.00x")

    return [
        row(f"ChatWenxin.abatch vs ChatOpenAI @{level}", "ChatWenxin", "ChatOpenAI"),
        row(f"Wenxin.achat vs OpenAILike @{level}", "Wenxin", "OpenAILike"),
    ]


def print_rows(title: str, rows: list[Row]) -> None:
    """One table: label, ours, theirs, ratio, target."""
    print(f"\n{title}")
    print(f"{'comparison':42}{'ours':>11}{'theirs':>11}{'ratio':>8}  target")
    for r in rows:
        ratio = r.ours / r.theirs
        print(f"{r.label:42}{r.ours:11.1f}{r.theirs:11.1f}{ratio:7.2f}x  {r.target}".rstrip())


def main() -> None:
    """Run the three parts against one emulator process and print the tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts (about 20 s)")
    parser.add_argument("--calls", type=int, default=None, help="sync calls per contender")
    parser.add_argument("--streams", type=int, default=None, help="long streams per contender")
    parser.add_argument("--chunks", type=int, default=1000, help="chunks of the long stream")
    parser.add_argument("--batch", type=int, default=None, help="async calls per cell")
    parser.add_argument("--level", type=int, default=32, help="calls in flight")
    parser.add_argument("--rounds", type=int, default=None, help="throughput rounds")
    args = parser.parse_args()
    calls = args.calls or (100 if args.quick else 500)
    streams = args.streams or (5 if args.quick else 25)
    batch = args.batch or (200 if args.quick else 1000)
    rounds = args.rounds or (1 if args.quick else 3)

    with emulator_process() as emulator:
        base = emulator.v2_base_url
        url = f"{base}/chat/completions"
        print(
            f"emulator {base} in its own process; {calls} sync calls, {streams} streams of "
            f"{args.chunks} sentences, {batch} async calls x {rounds} rounds at {args.level}"
        )
        sync_rows = per_call(base, url, calls)
        emulator.script(long_reply(args.chunks), times=10**9)
        chunks, stream_rows = per_chunk(base, url, streams)
        emulator.reset()
        async_rows = throughput(base, batch, args.level, rounds)

    print_rows("per sync call, median (us)", sync_rows)
    print_rows(f"per stream chunk, median over a {chunks}-chunk stream (us)", stream_rows)
    print_rows(f"throughput at {args.level} in flight (calls/s)", async_rows)


if __name__ == "__main__":
    main()
