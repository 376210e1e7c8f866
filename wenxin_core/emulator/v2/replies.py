"""What a V2 reply says: the deterministic text, reasoning text, cuts, safety flag and tokens.

No tool is ever called: a request with ``tools`` gets a text reply (the emulator stays
tools-free until the tool-calling issue).
"""

from __future__ import annotations

from dataclasses import dataclass

from wenxin_core.emulator.replies import build_reply, count_tokens, cut_to_tokens, default_text
from wenxin_core.emulator.v2.validation import V2ChatRequest

__all__ = ["V2Reply", "plan_reply", "reasoning_text"]

_FINISH = {"normal": "stop", "stop": "stop", "length": "length"}


@dataclass(frozen=True)
class V2Reply:
    """A V2 reply ready to send.

    Attributes:
        text: the content (after ``stop`` and ``max_tokens`` cuts).
        reasoning: the reasoning text (``""`` when the reply has none).
        finish_reason: ``stop``, ``length`` or ``content_filter``.
        flag: the safety flag (0 safe, 2 for a message with the unsafe trigger).
        ban_round: the offending turn (-1: the current one).
        prompt_tokens: tokens of the input.
        reasoning_tokens: tokens of ``reasoning``.
        completion_tokens: tokens of ``text`` and ``reasoning``.

    """

    text: str
    reasoning: str
    finish_reason: str
    flag: int
    ban_round: int
    prompt_tokens: int
    reasoning_tokens: int
    completion_tokens: int


def reasoning_text(model: str, last_user: str) -> str:
    """The reasoning of a reasoning model (thinking on): fixed sentences about the question."""
    return (
        f"The user wrote: {last_user}. I am {model} on the wenxin emulator. "
        "A deterministic answer is expected. I will answer now."
    )


def plan_reply(request: V2ChatRequest, scripted: str | None, unsafe_trigger: str) -> V2Reply:
    """The reply to ``request``: ``scripted`` text if given, else the default text."""
    conversation = request.conversation
    options = request.options
    model = request.spec.name
    flagged = bool(unsafe_trigger) and any(unsafe_trigger in t for t in conversation.texts)
    if flagged:
        text = reasoning = ""
    else:
        text = (
            scripted
            if scripted is not None
            else default_text(model, conversation.last_user, conversation.system)
        )
        reasoning = reasoning_text(model, conversation.last_user) if options.reasoning else ""
    if reasoning and options.thinking_budget is not None:
        reasoning = cut_to_tokens(reasoning, options.thinking_budget)
    content = build_reply(
        text,
        prompt_texts=conversation.texts,
        stop=options.stop,
        max_output_tokens=options.max_tokens,
    )
    reasoning_tokens = count_tokens(reasoning)
    return V2Reply(
        text=content.text,
        reasoning=reasoning,
        finish_reason="content_filter" if flagged else _FINISH[content.finish_reason],
        flag=2 if flagged else 0,
        ban_round=-1,
        prompt_tokens=content.prompt_tokens,
        reasoning_tokens=reasoning_tokens,
        completion_tokens=content.completion_tokens + reasoning_tokens,
    )
