"""Embedding 1,000 short texts: calls made, wall time and client CPU, side by side.

The emulator runs in its own process (``POST {emulator}/v2/embeddings``, ``embedding-v1``, the
default API Key). Every contender embeds the same ``--texts`` short texts in calls of 16 with 4
in flight where it can:

  (a) ``AsyncWenxinClient.embed`` (the core: split by 16, 4 calls in flight, input order),
  (b) raw ``httpx.AsyncClient`` doing the same batching under a semaphore of 4 (pre-encoded
      bodies, ``json.loads``, vectors sorted by ``index``): the floor,
  (c) langchain-openai's ``OpenAIEmbeddings(base_url=f"{emu}/v2", model="embedding-v1",
      check_embedding_ctx_length=False, chunk_size=16)``, ``aembed_documents`` as users call it
      (its calls go one after the other), and the same split into 4 concurrent
      ``aembed_documents`` calls (4 in flight, like the others),

and the adapters on the core: ``WenxinEmbeddings.aembed_documents`` (LangChain) and
``WenxinEmbedding.aget_text_embedding_batch`` (LlamaIndex, ``num_workers`` 4). Each round runs
every contender once, in turn, from a collected heap; the medians over ``--rounds`` are shown,
with ratios to raw httpx and to ``OpenAIEmbeddings``. ``calls`` is what the emulator recorded for
one run. ``--latency`` adds server-side seconds per call (a network stand-in).

Note on (c): the openai SDK asks for ``encoding_format: "base64"``; the emulator (like the V2
reference, which documents float lists only) answers float lists, which the SDK then builds
float by float through its model machinery: most of ``OpenAIEmbeddings``' client CPU is there.

Run: ``python bench/embeddings.py [--quick] [--texts 1000] [--rounds 5] [--latency 0]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import httpx
from _common import API_KEY, JSON_HEADERS, emulator_process

from wenxin_core import AsyncWenxinClient

MODEL = "embedding-v1"
"""The embedding model every contender asks for."""
BATCH = 16
"""Texts per call (the V2 limit)."""
CONCURRENCY = 4
"""Calls in flight (the core's bound per ``embed()`` call)."""

Run = Callable[[list[str]], Awaitable[list[list[float]]]]
"""One contender: embed these texts, return their vectors in order."""


class Row(NamedTuple):
    """The medians of one contender over the rounds."""

    name: str
    calls: int
    wall_ms: float
    cpu_ms: float


def make_texts(count: int) -> list[str]:
    """``count`` short, distinct texts (a few words each)."""
    topics = ("river", "mountain", "tea", "panda", "market", "festival", "wall", "city")
    return [
        f"short text {i} about the {topics[i % len(topics)]} and {i % 13}" for i in range(count)
    ]


def batches(texts: list[str]) -> list[list[str]]:
    """``texts`` in calls of :data:`BATCH`."""
    return [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]


def raw_httpx(client: httpx.AsyncClient, url: str) -> Run:
    """Raw httpx: the same batching, :data:`CONCURRENCY` calls in flight, order by ``index``."""

    async def run(texts: list[str]) -> list[list[float]]:
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(batch: list[str]) -> list[list[float]]:
            body = json.dumps({"model": MODEL, "input": batch}).encode()
            async with gate:
                response = await client.post(url, content=body, headers=JSON_HEADERS)
            response.raise_for_status()
            data = sorted(json.loads(response.content)["data"], key=lambda d: d["index"])
            return [item["embedding"] for item in data]

        parts = await asyncio.gather(*(one(b) for b in batches(texts)))
        return [vector for part in parts for vector in part]

    return run


def core(client: AsyncWenxinClient) -> Run:
    """``AsyncWenxinClient.embed``."""

    async def run(texts: list[str]) -> list[list[float]]:
        return (await client.embed(texts, model=MODEL)).vectors

    return run


def openai_embeddings(base: str, *, split: int) -> Run | None:
    """``OpenAIEmbeddings.aembed_documents`` over ``split`` concurrent slices (None if absent)."""
    try:
        from langchain_openai import OpenAIEmbeddings
    except ImportError:
        return None
    model = OpenAIEmbeddings(
        base_url=base,
        api_key=API_KEY,  # type: ignore[arg-type]
        model=MODEL,
        check_embedding_ctx_length=False,
        chunk_size=BATCH,
    )

    async def run(texts: list[str]) -> list[list[float]]:
        if split == 1:
            return await model.aembed_documents(texts)
        # Slices of whole batches, so each call still carries 16 texts.
        size = -(-len(texts) // (split * BATCH)) * BATCH
        slices = [texts[i : i + size] for i in range(0, len(texts), size)]
        parts = await asyncio.gather(*(model.aembed_documents(s) for s in slices))
        return [vector for part in parts for vector in part]

    return run


def langchain_adapter(base: str) -> Run:
    """``WenxinEmbeddings.aembed_documents``."""
    from langchain_wenxin import WenxinEmbeddings

    model = WenxinEmbeddings(model=MODEL, api_key=API_KEY, base_url=base)
    return model.aembed_documents


def llama_index_adapter(base: str) -> Run | None:
    """``WenxinEmbedding.aget_text_embedding_batch`` (None without LlamaIndex)."""
    try:
        from llama_index_wenxin import WenxinEmbedding
    except ImportError:
        return None
    model = WenxinEmbedding(model_name=MODEL, api_key=API_KEY, base_url=base)
    return model.aget_text_embedding_batch


async def timed(run: Run, texts: list[str]) -> tuple[float, float, list[list[float]]]:
    """Wall and client CPU seconds of one run, from a collected heap."""
    gc.collect()
    cpu = time.process_time()
    start = time.perf_counter()
    vectors = await run(texts)
    return time.perf_counter() - start, time.process_time() - cpu, vectors


def embedding_calls(emulator: Any) -> int:
    """How many ``/v2/embeddings`` calls the emulator recorded since its last reset."""
    return sum(1 for r in emulator.requests if r["path"] == "/v2/embeddings")


async def measure(emulator: Any, texts: list[str], rounds: int) -> list[Row]:
    """Every contender once per round, in turn; medians per contender."""
    base = emulator.v2_base_url
    async with httpx.AsyncClient() as http, AsyncWenxinClient(api_key=API_KEY, base_url=base) as c:
        contenders: dict[str, Run | None] = {
            "raw httpx (16 x 4)": raw_httpx(http, f"{base}/embeddings"),
            "AsyncWenxinClient.embed": core(c),
            "OpenAIEmbeddings.aembed_documents": openai_embeddings(base, split=1),
            "OpenAIEmbeddings x4 slices": openai_embeddings(base, split=CONCURRENCY),
            "WenxinEmbeddings.aembed_documents": langchain_adapter(base),
            "WenxinEmbedding.aget_text_embedding_batch": llama_index_adapter(base),
        }
        runs = {name: run for name, run in contenders.items() if run is not None}
        expected: list[list[float]] | None = None
        calls: dict[str, int] = {}
        for name, run in runs.items():  # warm-up: connections opened, answers checked
            emulator.reset()
            vectors = await run(texts)
            calls[name] = embedding_calls(emulator)
            expected = expected or vectors
            if len(vectors) != len(texts) or vectors != expected:
                raise SystemExit(f"{name}: vectors differ from the others'")
        walls: dict[str, list[float]] = {name: [] for name in runs}
        cpus: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(rounds):
            for name, run in runs.items():
                emulator.reset()
                wall, cpu, _vectors = await timed(run, texts)
                walls[name].append(wall)
                cpus[name].append(cpu)
        emulator.reset()
    return [
        Row(
            name,
            calls[name],
            statistics.median(walls[name]) * 1e3,
            statistics.median(cpus[name]) * 1e3,
        )
        for name in runs
    ]


def report(rows: list[Row], texts: int, rounds: int) -> None:
    """The side-by-side table, ratios to raw httpx and to OpenAIEmbeddings."""
    by_name = {row.name: row for row in rows}
    raw = by_name["raw httpx (16 x 4)"]
    openai = by_name.get("OpenAIEmbeddings.aembed_documents")
    print(f"embedding {texts} short texts ({MODEL}), median of {rounds} rounds")
    header = (
        f"{'contender':<44}{'calls':>6}{'wall ms':>10}{'CPU ms':>9}{'wall/raw':>10}{'CPU/raw':>9}"
    )
    print(header)
    for row in rows:
        print(
            f"{row.name:<44}{row.calls:>6}{row.wall_ms:>10.1f}{row.cpu_ms:>9.1f}"
            f"{row.wall_ms / raw.wall_ms:>9.2f}x{row.cpu_ms / raw.cpu_ms:>8.2f}x"
        )
    if openai is None:
        print("langchain-openai not installed: no OpenAIEmbeddings comparison")
        return
    print()
    print(f"{'ours / OpenAIEmbeddings':<80}{'wall':>8}{'CPU':>8}")
    sliced = by_name["OpenAIEmbeddings x4 slices"]
    for ours, theirs in (
        ("AsyncWenxinClient.embed", openai),
        ("WenxinEmbeddings.aembed_documents", openai),
        ("WenxinEmbeddings.aembed_documents", sliced),
        ("WenxinEmbedding.aget_text_embedding_batch", openai),
    ):
        if ours in by_name:
            mine = by_name[ours]
            label = f"{ours} / {theirs.name}"
            print(
                f"{label:<80}{mine.wall_ms / theirs.wall_ms:>7.2f}x"
                f"{mine.cpu_ms / theirs.cpu_ms:>7.2f}x"
            )


def main() -> None:
    """Parse the options, start the emulator, measure and print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--quick", action="store_true", help="200 texts, 1 round")
    args = parser.parse_args()
    if args.quick:
        args.texts, args.rounds = min(args.texts, 200), 1
    emulator_args = ("--latency", str(args.latency)) if args.latency else ()
    with emulator_process(*emulator_args) as emulator:
        rows = asyncio.run(measure(emulator, make_texts(args.texts), args.rounds))
    report(rows, args.texts, args.rounds)


if __name__ == "__main__":
    main()
