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

import httpx
from _common import (
    MESSAGES,
    MODEL,
    PROMPT,
    emulator_target,
    interleaved_medians,
    iter_raw_sse,
    make_parser,
    raw_chat,
)
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from llama_index_wenxin import Wenxin
from wenxin_core import WenxinClient

LI_MESSAGES = [ChatMessage(role=MessageRole.USER, content=PROMPT)]
"""The conversation of :data:`_common.MESSAGES`, as LlamaIndex messages."""


def main() -> None:
    """Measure and print the table."""
    parser = make_parser(__doc__, calls=500)
    args = parser.parse_args()

    with emulator_target() as (base, key, url):
        raw = httpx.Client()
        core = WenxinClient(MODEL, api_key=key, base_url=base)
        llm = Wenxin(model=MODEL, api_key=key, base_url=base)

        def chat_raw() -> str:
            return raw_chat(raw, url)

        def chat_core() -> str:
            return core.chat(MESSAGES).text

        def chat_adapter() -> str:
            return llm.chat(LI_MESSAGES).message.content or ""

        def stream_raw() -> int:
            return sum(1 for _ in iter_raw_sse(raw, url))

        def stream_core() -> int:
            return sum(1 for _ in core.stream(MESSAGES))

        def stream_adapter() -> int:
            return sum(1 for _ in llm.stream_chat(LI_MESSAGES))

        assert chat_raw() == chat_core() == chat_adapter()
        events = stream_raw()
        assert stream_core() == stream_adapter() == events

        print(f"emulator {base} (own process); {args.calls} calls per client and mode\n")
        chat = interleaved_medians(
            {"raw": chat_raw, "core": chat_core, "adapter": chat_adapter}, args.calls
        )
        stream = interleaved_medians(
            {"raw": stream_raw, "core": stream_core, "adapter": stream_adapter},
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
