"""Unit tests of message normalisation (wenxin_core.messages.normalize_messages)."""

from __future__ import annotations

import random
import warnings
from dataclasses import replace
from typing import Any

import pytest

from wenxin_core.catalog import resolve_model
from wenxin_core.errors import ContextOverflowError, InvalidMessagesError
from wenxin_core.messages import ContextTruncatedWarning, normalize_messages
from wenxin_core.types import ChatMessage

LLAMA = resolve_model("Llama-2-13b-chat")
LLAMA_7B = resolve_model("Llama-2-7b-chat")
ERNIE = resolve_model("ERNIE-3.5-8K")
CUSTOM = resolve_model(endpoint="ngxxxol8_test1")


def u(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def a(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def s(text: str) -> dict[str, str]:
    return {"role": "system", "content": text}


def assert_strict_form(messages: list[dict[str, str]]) -> None:
    """Qianfan's rule: odd count, user first and last, strictly alternating, non-empty."""
    assert len(messages) % 2 == 1
    for index, message in enumerate(messages):
        assert set(message) == {"role", "content"}
        assert message["role"] == ("user" if index % 2 == 0 else "assistant")
        assert message["content"].strip()


# -- system text ---------------------------------------------------------------------------------


def test_system_goes_to_the_system_field_on_ernie() -> None:
    out = normalize_messages([s("Be brief."), u("Hi")], ERNIE)
    assert out.system == "Be brief."
    assert out.messages == [u("Hi")]


def test_system_is_prepended_to_the_first_user_turn_on_llama() -> None:
    out = normalize_messages([s("Be brief."), u("Hi"), a("Hello"), u("Bye")], LLAMA)
    assert out.system is None
    assert out.messages == [u("Be brief.\n\nHi"), a("Hello"), u("Bye")]


def test_system_on_a_custom_endpoint_is_prepended() -> None:
    out = normalize_messages([u("Hi")], CUSTOM, system="Sys")
    assert out.system is None
    assert out.messages == [u("Sys\n\nHi")]


def test_system_argument_and_system_turns_anywhere_are_joined_in_order() -> None:
    history = [s("one"), u("q1"), a("r1"), s("two"), u("q2")]
    out = normalize_messages(history, ERNIE, system="zero")
    assert out.system == "zero\n\none\n\ntwo"
    assert out.messages == [u("q1"), a("r1"), u("q2")]
    out = normalize_messages(history, LLAMA, system="zero")
    assert out.messages[0] == u("zero\n\none\n\ntwo\n\nq1")


def test_blank_system_text_is_ignored() -> None:
    out = normalize_messages([s("   "), u("Hi")], ERNIE, system=" ")
    assert out.system is None
    assert out.messages == [u("Hi")]


# -- shape ---------------------------------------------------------------------------------------


def test_consecutive_same_role_turns_are_merged_with_a_blank_line() -> None:
    history = [u("a"), u("b"), a("c"), a("d"), a("e"), u("f")]
    out = normalize_messages(history, LLAMA)
    assert out.messages == [u("a\n\nb"), a("c\n\nd\n\ne"), u("f")]


def test_leading_assistant_turn_is_kept_as_context() -> None:
    out = normalize_messages([a("Welcome!"), u("Hi")], LLAMA)
    assert out.messages == [u("Assistant: Welcome!\n\nHi")]
    out = normalize_messages([a("W1"), a("W2"), u("Hi"), a("r"), u("q")], ERNIE, system="S")
    assert out.messages == [u("Assistant: W1\n\nW2\n\nHi"), a("r"), u("q")]
    assert out.system == "S"


def test_leading_assistant_and_system_on_llama() -> None:
    out = normalize_messages([s("S"), a("Welcome"), u("Hi")], LLAMA)
    assert out.messages == [u("S\n\nAssistant: Welcome\n\nHi")]


def test_blank_turns_carry_nothing_and_are_skipped() -> None:
    out = normalize_messages([u("a"), a("  "), u("b"), a(""), u("c")], LLAMA)
    assert out.messages == [u("a\n\nb\n\nc")]


def test_chat_message_objects_are_accepted() -> None:
    history = [ChatMessage(role="user", content="q"), ChatMessage(role="assistant", content="r")]
    out = normalize_messages([*history, ChatMessage(role="user", content="q2")], LLAMA)
    assert out.messages == [u("q"), a("r"), u("q2")]


@pytest.mark.parametrize(
    "history",
    [
        [u("q"), a("r")],
        [u("q"), a("r"), s("sys")],
        [u("q"), a("r"), u("   ")],
    ],
)
def test_ending_with_an_assistant_turn_is_an_error(history: list[dict[str, str]]) -> None:
    with pytest.raises(InvalidMessagesError) as info:
        normalize_messages(history, LLAMA)
    assert info.value.field == "messages"
    assert "end with a user turn" in str(info.value)


@pytest.mark.parametrize(
    "history",
    [[], [s("sys")], [a("r")], [a("r"), s("x")], [u("  ")], [u(""), a("r")]],
)
def test_no_user_turn_is_an_error(history: list[dict[str, str]]) -> None:
    with pytest.raises(InvalidMessagesError) as info:
        normalize_messages(history, ERNIE)
    assert "at least one user turn" in str(info.value)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"role": "bot", "content": "x"}, "messages[1].role"),
        ({"content": "x"}, "messages[1].role"),
        ({"role": "user", "content": None}, "messages[1].content"),
        ({"role": "user", "content": ["x"]}, "messages[1].content"),
        ("user: x", "messages[1]"),
    ],
)
def test_malformed_turns_name_their_index(bad: Any, field: str) -> None:
    with pytest.raises(InvalidMessagesError) as info:
        normalize_messages([u("q"), bad, u("q")], LLAMA)
    assert info.value.field == field


# -- budget --------------------------------------------------------------------------------------


def test_within_budget_nothing_is_dropped() -> None:
    history = [u("x" * 2000), a("y" * 2000), u("z" * 800)]  # exactly 4800
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = normalize_messages(history, LLAMA)
    assert out.dropped_turns == 0
    assert len(out.messages) == 3


def test_oldest_pairs_go_first_with_a_warning_naming_the_count() -> None:
    history = [u("1" * 1500), a("2" * 1500), u("3" * 1500), a("4" * 1500), u("5" * 1000)]
    with pytest.warns(ContextTruncatedWarning, match=r"Dropped the 2 oldest turns") as record:
        out = normalize_messages(history, LLAMA)
    assert "4800" in str(record[0].message)
    assert out.dropped_turns == 2
    assert out.messages == [u("3" * 1500), a("4" * 1500), u("5" * 1000)]


def test_truncation_drops_several_pairs_when_needed() -> None:
    history = [u("o" * 1000), a("p" * 1000)] * 5 + [u("last" * 100)]
    with pytest.warns(ContextTruncatedWarning, match=r"Dropped the 6 oldest turns"):
        out = normalize_messages(history, LLAMA)
    assert out.dropped_turns == 6  # 10,400 -> 4,400 characters
    assert out.messages == [u("o" * 1000), a("p" * 1000)] * 2 + [u("last" * 100)]


def test_truncation_keeps_the_system_text_and_the_last_user_turn() -> None:
    system = "S" * 1000
    history = [u("q" * 2000), a("r" * 2000), u("last" * 500)]
    with pytest.warns(ContextTruncatedWarning, match="Dropped the 2 oldest"):
        out = normalize_messages(history, LLAMA, system=system)
    assert out.messages == [u(system + "\n\n" + "last" * 500)]
    with pytest.warns(ContextTruncatedWarning):
        out = normalize_messages([s(system), *history], replace(ERNIE, max_input_chars=4000))
    assert out.system == system
    assert out.messages == [u("last" * 500)]


def test_overflow_error_raises_instead_of_truncating() -> None:
    history = [u("1" * 3000), a("2" * 1000), u("3" * 1000)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ContextOverflowError) as info:
            normalize_messages(history, LLAMA, overflow="error")
    assert info.value.limit == 4800
    assert info.value.length == 5000
    assert "5000" in str(info.value)
    assert "4800" in str(info.value)


def test_system_and_last_turn_alone_over_budget_is_an_error() -> None:
    with pytest.raises(ContextOverflowError) as info:
        normalize_messages([u("a"), a("b"), u("x" * 4000)], LLAMA, system="s" * 900)
    assert info.value.limit == 4800
    assert info.value.length == 4902  # system + blank line + last turn


def test_llama_7b_last_message_limit_is_2000_characters() -> None:
    ok = normalize_messages([u("x" * 2000)], LLAMA_7B)
    assert ok.messages == [u("x" * 2000)]
    for policy in ("truncate", "error"):
        with pytest.raises(ContextOverflowError) as info:
            normalize_messages([u("q"), a("r"), u("x" * 2001)], LLAMA_7B, overflow=policy)
        assert info.value.field == "messages[-1].content"
        assert info.value.limit == 2000
        assert info.value.length == 2001
    # 13b has no separate last-message limit
    assert normalize_messages([u("x" * 2001)], LLAMA).messages == [u("x" * 2001)]


def test_llama_7b_forgets_history_beyond_2000_characters() -> None:
    history = [u("a" * 800), a("b" * 800), u("c" * 1000)]
    with pytest.warns(ContextTruncatedWarning, match="Dropped the 2 oldest"):
        out = normalize_messages(history, LLAMA_7B)
    assert out.messages == [u("c" * 1000)]


# -- randomized invariants -----------------------------------------------------------------------


def _random_history(rng: random.Random, budget: int) -> list[dict[str, str]]:
    length = rng.randint(0, 12)
    history = []
    for _ in range(length):
        role = rng.choice(["system", "user", "user", "assistant", "assistant"])
        size = rng.choice([0, 1, 5, 50, budget // 12, budget // 3, budget * 2 // 3])
        word = "".join(rng.choice("ab c\n中文") for _ in range(7)) + "x"
        content = rng.choice(["", " ", "\n"]) if size == 0 else (word * size)[:size]
        history.append({"role": role, "content": content})
    if rng.random() < 0.5:
        history.append({"role": "user", "content": "final question"})
    return history


@pytest.mark.parametrize("spec", [LLAMA, LLAMA_7B, ERNIE, CUSTOM], ids=lambda sp: sp.name)
def test_random_histories_always_come_out_in_strict_form(spec: Any) -> None:
    rng = random.Random(20240607)
    outcomes = {"ok": 0, "truncated": 0, "invalid": 0, "overflow": 0}
    for _ in range(600):
        history = _random_history(rng, spec.max_input_chars)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = normalize_messages(history, spec)
            except InvalidMessagesError:
                real = [m for m in history if m["role"] != "system" and m["content"].strip()]
                assert (
                    not real or real[-1]["role"] != "user" or all(m["role"] != "user" for m in real)
                )
                outcomes["invalid"] += 1
                continue
            except ContextOverflowError as err:
                assert err.length > err.limit
                outcomes["overflow"] += 1
                continue
        assert_strict_form(out.messages)
        # the last user turn is always kept, verbatim at the end
        real = [m for m in history if m["role"] != "system" and m["content"].strip()]
        last_run: list[str] = []
        for m in reversed(real):
            if m["role"] != "user":
                break
            last_run.insert(0, m["content"])
        assert out.messages[-1]["content"].endswith("\n\n".join(last_run))
        # the system text is never lost
        system_parts = [m["content"] for m in history if m["role"] == "system"]
        system_parts = [p for p in system_parts if p.strip()]
        if system_parts:
            joined = "\n\n".join(system_parts)
            if spec.accepts_system:
                assert out.system == joined
            else:
                assert out.system is None
                assert out.messages[0]["content"].startswith(joined + "\n\n")
        # the budget holds, and truncation is announced exactly when turns went
        total = sum(len(m["content"]) for m in out.messages) + len(out.system or "")
        assert total <= spec.max_input_chars
        truncation = [w for w in caught if issubclass(w.category, ContextTruncatedWarning)]
        assert bool(truncation) == (out.dropped_turns > 0)
        assert out.dropped_turns % 2 == 0
        if truncation:
            assert f"Dropped the {out.dropped_turns} oldest turns" in str(truncation[0].message)
            outcomes["truncated"] += 1
        else:
            outcomes["ok"] += 1
    # the generator exercises every branch (a test that only ever hits one proves little)
    assert all(count > 10 for count in outcomes.values()), outcomes
