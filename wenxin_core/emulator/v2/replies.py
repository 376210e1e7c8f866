"""What a V2 reply says: text or tool calls, reasoning text, cuts, safety flag and tokens.

In order: a message with the unsafe trigger gets an empty flagged reply; a scripted answer (text
or tool calls) is used exactly; tool calls of :mod:`~wenxin_core.emulator.v2.tool_plan` when the
request offers tools; after tool results a text that uses them; a JSON object with
``response_format`` (:mod:`~wenxin_core.emulator.v2.structured`); else the default text.
"""

from __future__ import annotations

from dataclasses import dataclass

from wenxin_core.emulator.replies import (
    build_reply,
    char_counts,
    count_tokens,
    cut_to_tokens,
    default_text,
    tokens_from_counts,
)
from wenxin_core.emulator.scripts import Script
from wenxin_core.emulator.v2.structured import structured_text
from wenxin_core.emulator.v2.tool_plan import (
    PlannedCall,
    plan_tool_calls,
    scripted_calls,
    tool_result_text,
)
from wenxin_core.emulator.v2.validation import V2ChatRequest

__all__ = ["V2Reply", "calls_tokens", "plan_reply", "reasoning_text"]

_FINISH = {"normal": "stop", "stop": "stop", "length": "length"}


@dataclass(frozen=True)
class V2Reply:
    """A V2 reply ready to send.

    Attributes:
        text: the content (after ``stop`` and ``max_tokens`` cuts; ``""`` with tool calls).
        reasoning: the reasoning text (``""`` when the reply has none).
        finish_reason: ``stop``, ``length``, ``content_filter`` or ``tool_calls``.
        flag: the safety flag (0 safe, 2 for a message with the unsafe trigger).
        ban_round: the offending turn (-1: the current one).
        prompt_tokens: tokens of the input.
        reasoning_tokens: tokens of ``reasoning``.
        completion_tokens: tokens of ``text``, ``reasoning`` and ``tool_calls``.
        tool_calls: the calls the reply makes (empty for a text reply).

    """

    text: str
    reasoning: str
    finish_reason: str
    flag: int
    ban_round: int
    prompt_tokens: int
    reasoning_tokens: int
    completion_tokens: int
    tool_calls: tuple[PlannedCall, ...] = ()


def reasoning_text(model: str, last_user: str) -> str:
    """The reasoning of a reasoning model (thinking on): fixed sentences about the question."""
    return (
        f"The user wrote: {last_user}. I am {model} on the wenxin emulator. "
        "A deterministic answer is expected. I will answer now."
    )


def calls_tokens(calls: tuple[PlannedCall, ...]) -> int:
    """The completion tokens of tool calls (their names and arguments, counted as one text)."""
    cjk = other = 0
    for call in calls:
        for part in (call.name, call.arguments):
            a, b = char_counts(part)
            cjk += a
            other += b
    return tokens_from_counts(cjk, other)


def _content(request: V2ChatRequest, script: Script | None) -> tuple[str, tuple[PlannedCall, ...]]:
    """The reply's text and its tool calls (one of the two is empty)."""
    conversation = request.conversation
    options = request.options
    if isinstance(script, str):
        return script, ()
    if script is not None:
        return "", scripted_calls(script)
    calls = plan_tool_calls(conversation, options.tools)
    if calls:
        return "", calls
    if conversation.last_role == "tool" and conversation.tool_results:
        return tool_result_text(conversation), ()
    model = request.spec.name
    text = default_text(model, conversation.last_user, conversation.system)
    structured = structured_text(
        options.response_format, conversation.last_user, text, conversation.texts
    )
    return structured if structured is not None else text, ()


def plan_reply(request: V2ChatRequest, scripted: Script | None, unsafe_trigger: str) -> V2Reply:
    """The reply to ``request``: the ``scripted`` answer if given, else the emulator's own."""
    conversation = request.conversation
    options = request.options
    model = request.spec.name
    flagged = bool(unsafe_trigger) and any(unsafe_trigger in t for t in conversation.texts)
    calls: tuple[PlannedCall, ...] = ()
    if flagged:
        text = reasoning = ""
    else:
        text, calls = _content(request, scripted)
        reasoning = reasoning_text(model, conversation.last_user) if options.reasoning else ""
    if reasoning and options.thinking_budget is not None:
        reasoning = cut_to_tokens(reasoning, options.thinking_budget)
    prompt_texts = [*conversation.texts, options.tools.tokens_text]
    content = build_reply(
        text,
        prompt_texts=prompt_texts,
        stop=None if calls else options.stop,
        max_output_tokens=None if calls else options.max_tokens,
    )
    reasoning_tokens = count_tokens(reasoning)
    finish = "content_filter" if flagged else _FINISH[content.finish_reason]
    return V2Reply(
        text=content.text,
        reasoning=reasoning,
        finish_reason="tool_calls" if calls else finish,
        flag=2 if flagged else 0,
        ban_round=-1,
        prompt_tokens=content.prompt_tokens,
        reasoning_tokens=reasoning_tokens,
        completion_tokens=content.completion_tokens + reasoning_tokens + calls_tokens(calls),
        tool_calls=calls,
    )
