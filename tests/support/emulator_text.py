"""The emulator's default reply, written out independently of ``wenxin_core.emulator.replies``.

Tests compare what the clients return against this text, so a change to the emulator's replies
(or a client that mangles them) shows up as a failure rather than being mirrored.
"""

from __future__ import annotations

__all__ = ["reply_text"]


def reply_text(last_user: str, endpoint: str = "llama_2_13b", system: str | None = None) -> str:
    """The emulator's deterministic reply to ``last_user`` on ``endpoint`` (with ``system``)."""
    parts = [f"You said: {last_user}."]
    if system:
        parts.append(f"System: {system}.")
    parts.append(f"This is the wenxin emulator answering on {endpoint}.")
    parts.append("The reply is deterministic.")
    parts.append("It has several sentences, so a stream has several events.")
    return " ".join(parts)
