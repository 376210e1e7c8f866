"""Tool-call round trip: ChatWenxin against langchain-openai's ChatOpenAI on one V2 emulator.

One round trip is what an agent step costs: ``bind_tools`` (done once), ``invoke`` (the model
calls a tool), run the tool, append the ``AIMessage`` and a ``ToolMessage``, ``invoke`` again
(the model answers with the result). The emulator runs in its own process, speaks V2 at
``{emulator}/v2`` and calls the tool the user names (``add``, with the numbers of the question).
``ChatWenxin`` and ``ChatOpenAI(base_url=f"{emulator}/v2")`` do the same round trips, measured
per round trip (two HTTP calls) as medians over interleaved rounds, and the ratio is printed.

Before timing, both clients' round trips are checked: the same tool call (name, arguments), a
final answer that uses the tool's result. ``--quick`` runs a few round trips only (a smoke test
that still checks every answer); the script exits non-zero when a check fails.

Run: ``python bench/tool_roundtrip.py [--quick] [--calls 300]``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from _common import API_KEY, emulator_process, interleaved_medians, make_parser
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from langchain_wenxin import ChatWenxin

MODEL = "deepseek-v3.2"
"""A tool-calling model that may continue after tool results (no user-last-turn rule)."""
PROMPT = "Use the add tool to add 17 and 25."
"""The user turn: it names the tool, so the emulator calls it."""
EXPECTED_ARGS = {"a": 17, "b": 25}
"""The arguments the tool call must carry."""
RESULT = "42"
"""What the tool returns, which the final answer must use."""


@tool
def add(a: int, b: int) -> int:
    """Add two integers a and b."""
    return a + b


def round_trip(bound: Runnable[Any, BaseMessage]) -> tuple[AIMessage, AIMessage]:
    """One round trip: the tool call, the tool run, the answer. Returns both model messages."""
    history: list[BaseMessage] = [HumanMessage(PROMPT)]
    first = bound.invoke(history)
    assert isinstance(first, AIMessage)
    calls = first.tool_calls
    history.append(first)
    for call in calls:
        history.append(ToolMessage(str(add.invoke(call["args"])), tool_call_id=call["id"]))
    second = bound.invoke(history)
    assert isinstance(second, AIMessage)
    return first, second


def check(name: str, bound: Runnable[Any, BaseMessage]) -> None:
    """Fail loudly unless ``bound`` does the round trip: one ``add`` call, an answer with 42."""
    first, second = round_trip(bound)
    calls = [(c["name"], c["args"]) for c in first.tool_calls]
    if calls != [("add", EXPECTED_ARGS)]:
        raise SystemExit(f"{name}: expected one add{EXPECTED_ARGS} call, got {calls}")
    if second.tool_calls or RESULT not in str(second.content):
        raise SystemExit(f"{name}: the answer after the tool result lacks it: {second.content!r}")


def contenders(base: str) -> dict[str, tuple[BaseChatModel, Runnable[Any, BaseMessage]]]:
    """Both chat models and their tool-bound runnables, on the emulator's V2 URL."""
    ours = ChatWenxin(model=MODEL, api_key=API_KEY, base_url=base)
    theirs = ChatOpenAI(base_url=base, api_key=API_KEY, model=MODEL)  # type: ignore[arg-type]
    return {
        "ChatWenxin": (ours, ours.bind_tools([add])),
        "ChatOpenAI": (theirs, theirs.bind_tools([add])),
    }


def main() -> None:
    """Start the emulator, check both round trips, time them and print the ratio."""
    parser = make_parser(__doc__, calls=300)
    parser.add_argument("--quick", action="store_true", help="a few round trips (smoke test)")
    args = parser.parse_args()
    calls = 5 if args.quick else args.calls
    with emulator_process() as emulator:
        models = contenders(emulator.v2_base_url)
        for name, (_, bound) in models.items():
            check(name, bound)
        fns: dict[str, Callable[[], Any]] = {
            name: partial(round_trip, bound) for name, (_, bound) in models.items()
        }
        medians = interleaved_medians(fns, calls, warmup=2 if args.quick else 20)
        ours_model = models["ChatWenxin"][0]
        assert isinstance(ours_model, ChatWenxin)
        ours_model.close()
    ours, theirs = medians["ChatWenxin"] * 1e6, medians["ChatOpenAI"] * 1e6
    print(f"tool-call round trip ({MODEL}, 2 HTTP calls each), median per round trip")
    print(f"{'contender':<12} {'us':>10}")
    print(f"{'ChatWenxin':<12} {ours:>10.0f}")
    print(f"{'ChatOpenAI':<12} {theirs:>10.0f}")
    print(f"ChatWenxin / ChatOpenAI: {ours / theirs:.2f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
