"""The V2 normaliser's fast path for histories already in order, checked against the full rules.

``normalize_v2`` skips its turn objects for the common history (system text, then user and
assistant text turns alternating, ending with a user turn). Every history here goes through
both the fast path and the full rules (``_build_turns`` ... ``_render``), and must come out the
same, or fail the same way, so the fast path can never change what is sent.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from wenxin_core.catalog import resolve_model
from wenxin_core.errors import WenxinError
from wenxin_core.types import ChatMessage
from wenxin_core.wire.v2 import messages as v2_messages

SPEC = resolve_model("ernie-4.5-turbo-32k", api="v2")
CONTENTS: list[Any] = ["hi", "  ", "", "第二", [{"type": "text", "text": "part"}], None]
ROLES = ("system", "user", "assistant", "tool", "bogus")


def _full_rules(history: list[Any]) -> tuple[str, Any]:
    """What the rules without the fast path make of ``history`` (or the error they raise)."""
    original = v2_messages._already_in_order
    v2_messages._already_in_order = lambda *_: None
    try:
        return _outcome(history)
    finally:
        v2_messages._already_in_order = original


def _outcome(history: list[Any]) -> tuple[str, Any]:
    try:
        normalized = v2_messages.normalize_v2(history, SPEC)
    except WenxinError as exc:
        return "error", (type(exc), str(exc))
    return "ok", (normalized.messages, normalized.dropped_turns)


def _message(role: Any, content: Any, as_model: bool) -> Any:
    if as_model and role in ("system", "user", "assistant", "tool"):
        return ChatMessage(role=role, content=content if isinstance(content, str) else "x")
    return {"role": role, "content": content}


def _histories() -> list[list[Any]]:
    rng = random.Random(20261201)
    out: list[list[Any]] = []
    for length in range(1, 4):
        for roles in itertools.product(ROLES[:3], repeat=length):
            out.append([{"role": role, "content": "t"} for role in roles])
    for _ in range(400):
        out.append(
            [
                _message(rng.choice(ROLES), rng.choice(CONTENTS), rng.random() < 0.3)
                for _ in range(rng.randint(1, 5))
            ]
        )
    return out


@pytest.mark.parametrize("history", _histories())
def test_fast_path_matches_the_full_rules(history: list[Any]) -> None:
    assert _outcome(history) == _full_rules(history)


def test_in_order_histories_take_the_fast_path() -> None:
    history: list[Any] = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        ChatMessage(role="user", content="and?"),
    ]
    assert v2_messages._already_in_order(history, SPEC.max_input_chars) == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "and?"},
    ]


@pytest.mark.parametrize(
    "history",
    [
        [{"role": "assistant", "content": "lead"}, {"role": "user", "content": "q"}],
        [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
        [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        [{"role": "user", "content": "q"}, {"role": "system", "content": "late"}],
        [{"role": "user", "content": " "}],
        [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "", "tool_calls": [{"id": "c"}]},
        ],
    ],
)
def test_histories_needing_a_repair_or_an_error_take_the_rules(history: list[Any]) -> None:
    assert v2_messages._already_in_order(history, SPEC.max_input_chars) is None


def test_over_budget_takes_the_rules() -> None:
    long = "x" * (SPEC.max_input_chars + 1)
    assert (
        v2_messages._already_in_order([{"role": "user", "content": long}], SPEC.max_input_chars)
        is None
    )


def test_a_generator_is_read_once() -> None:
    history = ({"role": "user", "content": text} for text in ["only"])
    assert v2_messages.normalize_v2(history, SPEC).messages == [{"role": "user", "content": "only"}]
