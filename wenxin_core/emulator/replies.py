"""Deterministic reply texts, ``stop`` / ``max_output_tokens`` cuts, token counts and pieces.

A reply is a pure function of the endpoint, the messages and the parameters, so tests can assert
exact texts. Token counting is a stand-in: a CJK character is one token, any other run of up to
four characters is one token, and a non-empty text has at least one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Reply",
    "build_reply",
    "char_counts",
    "count_tokens",
    "cut_to_tokens",
    "default_text",
    "split_pieces",
    "tokens_from_counts",
]

_SENTENCE_END = ".!?。！？"


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x3000 <= code <= 0x303F
        or 0xFF00 <= code <= 0xFFEF
        or 0x20000 <= code <= 0x2FFFF
        or 0xF900 <= code <= 0xFAFF
    )


def char_counts(text: str) -> tuple[int, int]:
    """``(cjk, other)``: how many CJK and other characters ``text`` holds."""
    cjk = 0
    for char in text:
        if _is_cjk(char):
            cjk += 1
    return cjk, len(text) - cjk


def tokens_from_counts(cjk: int, other: int) -> int:
    """The token count of a text with ``cjk`` CJK and ``other`` other characters."""
    if cjk == 0 and other == 0:
        return 0
    return max(1, cjk + (other + 3) // 4)


def count_tokens(text: str) -> int:
    """Deterministic token count: CJK char = 1, other chars 4 per token (rounded up); >= 1."""
    return tokens_from_counts(*char_counts(text))


def cut_to_tokens(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose :func:`count_tokens` is at most ``limit``."""
    cjk = 0
    other = 0
    for index, char in enumerate(text):
        if _is_cjk(char):
            cjk += 1
        else:
            other += 1
        if max(1, cjk + (other + 3) // 4) > limit:
            return text[:index]
    return text


def default_text(endpoint: str, last_user: str, system: str | None) -> str:
    """The emulator's reply when no reply was scripted."""
    parts = [f"You said: {last_user}."]
    if system:
        parts.append(f"System: {system}.")
    parts.append(f"This is the wenxin emulator answering on {endpoint}.")
    parts.append("The reply is deterministic.")
    parts.append("It has several sentences, so a stream has several events.")
    return " ".join(parts)


@dataclass(frozen=True)
class Reply:
    """A reply ready to send.

    Attributes:
        text: the full reply text (after cuts).
        finish_reason: ``"normal"``, ``"stop"`` (a stop string was met) or ``"length"``.
        is_truncated: the text was cut by ``max_output_tokens``.
        prompt_tokens: tokens of the input (messages and system).
        completion_tokens: tokens of ``text``.

    """

    text: str
    finish_reason: str
    is_truncated: bool
    prompt_tokens: int
    completion_tokens: int


def build_reply(
    text: str,
    *,
    prompt_texts: Sequence[str],
    stop: Sequence[str] | None = None,
    max_output_tokens: int | None = None,
) -> Reply:
    """Apply ``stop`` (cut before the first stop string) and ``max_output_tokens`` to ``text``."""
    finish_reason = "normal"
    is_truncated = False
    if stop:
        cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
        if cut >= 0:
            text = text[:cut]
            finish_reason = "stop"
    if max_output_tokens is not None and count_tokens(text) > max_output_tokens:
        text = cut_to_tokens(text, max_output_tokens)
        finish_reason = "length"
        is_truncated = True
    prompt = max(1, sum(count_tokens(t) for t in prompt_texts))
    return Reply(text, finish_reason, is_truncated, prompt, count_tokens(text))


def split_pieces(text: str) -> list[str]:
    """Split ``text`` into stream pieces, one per sentence (trailing spaces stay attached).

    The pieces concatenate to ``text``; an empty text gives one empty piece.
    """
    pieces: list[str] = []
    start = 0
    index = 0
    length = len(text)
    while index < length:
        if text[index] in _SENTENCE_END:
            end = index + 1
            while end < length and text[end] in _SENTENCE_END:
                end += 1
            while end < length and text[end] == " ":
                end += 1
            pieces.append(text[start:end])
            start = index = end
            continue
        index += 1
    if start < length:
        pieces.append(text[start:])
    return pieces or [""]
