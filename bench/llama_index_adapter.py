"""Cost of the LlamaIndex adapter: ``Wenxin.chat`` / ``.stream_chat`` vs the core vs raw httpx.

One run, one emulator in its own process, the three clients measured in interleaved rounds:
  1. chat: median per call of a raw ``httpx.Client`` POST, ``WenxinClient.chat`` and
     ``Wenxin.chat`` (LlamaIndex callbacks and instrumentation included, as users get them);
  2. stream: median per whole stream of raw httpx streaming + SSE line parsing,
     ``WenxinClient.stream`` and ``Wenxin.stream_chat``, every event consumed.
Printed as times and ratios (adapter / core, adapter / raw, core / raw).

Run: ``python bench/llama_index_adapter.py [--calls 500]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from llama_index_wenxin import Wenxin
from wenxin_core import WenxinClient
from wenxin_core.emulator import EmulatorProcess

MODEL = "Llama-2-13b-chat"
PATH = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/llama_2_13b"
TEXT = "Tell me about the Great Wall."
MESSAGES = [{"role": "user", "content": TEXT}]
LI_MESSAGES = [ChatMessage(role=MessageRole.USER, content=TEXT)]
BODY = json.dumps({"messages": MESSAGES}).encode()
STREAM_BODY = json.dumps({"messages": MESSAGES, "stream": True}).encode()
_JSON = {"Content-Type": "application/json"}


def fetch_token(base_url: str) -> str:
    """One access token from the emulator, shared by the three clients."""
    response = httpx.post(
        f"{base_url}/oauth/2.0/token",
        params={"grant_type": "client_credentials", "client_id": "bench", "client_secret": "s"},
    )
    return str(response.json()["access_token"])


def interleaved_medians(
    fns: dict[str, Callable[[], Any]], calls: int, rounds: int = 5, warmup: int = 50
) -> dict[str, float]:
    """Median per-call seconds of each function, measured in interleaved rounds."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            for _ in range(max(1, calls // rounds)):
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()

    with EmulatorProcess() as emulator:
        base = emulator.base_url
        token = fetch_token(base)
        url = f"{base}{PATH}?access_token={token}"
        raw = httpx.Client()
        core = WenxinClient(MODEL, access_token=token, base_url=base)
        llm = Wenxin(model=MODEL, access_token=token, base_url=base)

        def raw_chat() -> str:
            return str(raw.post(url, content=BODY, headers=_JSON).json()["result"])

        def core_chat() -> str:
            return core.chat(MESSAGES).result

        def adapter_chat() -> str:
            return llm.chat(LI_MESSAGES).message.content or ""

        def raw_stream() -> int:
            count = 0
            with raw.stream("POST", url, content=STREAM_BODY, headers=_JSON) as response:
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        json.loads(line[5:])
                        count += 1
            return count

        def core_stream() -> int:
            return sum(1 for _ in core.stream(MESSAGES))

        def adapter_stream() -> int:
            return sum(1 for _ in llm.stream_chat(LI_MESSAGES))

        assert raw_chat() == core_chat() == adapter_chat()
        events = raw_stream()
        assert core_stream() == adapter_stream() == events

        print(f"emulator {base} (own process); {args.calls} calls per client and mode\n")
        chat = interleaved_medians(
            {"raw": raw_chat, "core": core_chat, "adapter": adapter_chat}, args.calls
        )
        stream = interleaved_medians(
            {"raw": raw_stream, "core": core_stream, "adapter": adapter_stream},
            max(50, args.calls // 2),
        )
        raw.close()
        core.close()
        llm.close()

    header = (
        f"{'median per call (ms)':34} {'raw httpx':>10} {'core':>10} {'Wenxin':>10} "
        f"{'Wenxin/core':>12} {'Wenxin/raw':>11} {'core/raw':>9}"
    )
    print(header)
    for label, row in (("Wenxin.chat", chat), (f"Wenxin.stream_chat ({events} events)", stream)):
        print(
            f"{label:34} {row['raw'] * 1e3:10.3f} {row['core'] * 1e3:10.3f} "
            f"{row['adapter'] * 1e3:10.3f} {row['adapter'] / row['core']:11.2f}x "
            f"{row['adapter'] / row['raw']:10.2f}x {row['core'] / row['raw']:8.2f}x"
        )


if __name__ == "__main__":
    main()
