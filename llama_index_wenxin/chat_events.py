"""The events of one non-stream async chat call, as LlamaIndex's ``llm_chat_callback`` fires them.

``llm_chat_callback`` wraps the call in two generator-based context managers (the callback
manager's set-up and its ``chat`` trace) and keeps five closure cells for its stream path: ten
objects per call that live across the request. With 256 calls in flight every object held across
the request is promoted by the garbage collector and walked by its full collections, so these
ten cost more than the work they do. ``Wenxin.achat`` fires the same events, in the same order,
from plain calls to the helpers below, holding none of them:

1. :func:`open_chat_trace`: the callback manager (a new one when the model has none), its
   ``chat`` trace started;
2. :func:`chat_started`: ``LLMChatStartEvent`` and the callback manager's LLM event;
3. the rate limiter, the request, the answer's ``ChatResponse``; a failure there ends the LLM
   event with the exception (:func:`chat_failed`);
4. :func:`chat_ended`: the LLM event's end and ``LLMChatEndEvent``;
5. :func:`trace_failed` on an ``Exception`` (the trace's exception event, once per exception),
   and :func:`close_chat_trace` in every case.

The dispatcher events go through ``llama_index.core.llms.callbacks``' own dispatcher, as the
decorator's do, so every handler that sees the decorator's events sees these. Every other
endpoint keeps the decorators: the sync ones hold nothing across an await, and a stream's events
come from the decorator's own generator around ours. A test runs this path and the decorator side
by side and compares what every handler sees, so a LlamaIndex release that changes the decorator
fails it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from llama_index.core.base.llms.types import ChatMessage, ChatResponse
from llama_index.core.callbacks import CallbackManager, CBEventType, EventPayload
from llama_index.core.instrumentation.events.llm import LLMChatEndEvent, LLMChatStartEvent
from llama_index.core.llms.callbacks import dispatcher
from llama_index.core.llms.llm import LLM

__all__ = [
    "chat_ended",
    "chat_failed",
    "chat_started",
    "close_chat_trace",
    "open_chat_trace",
    "trace_failed",
]

TRACE_ID = "chat"
"""The callback manager's trace of a chat call (the decorator's)."""


def _as_given(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """The caller's messages, given to the events as they are (the decorator's typing gap)."""
    return cast(list[ChatMessage], messages)


def open_chat_trace(llm: LLM) -> CallbackManager:
    """The model's callback manager (set to a new one when it has none), ``chat`` trace started."""
    if not isinstance(getattr(llm, "callback_manager", None), CallbackManager):
        llm.callback_manager = CallbackManager()
    manager = llm.callback_manager
    manager.start_trace(trace_id=TRACE_ID)
    return manager


def chat_started(
    llm: LLM,
    manager: CallbackManager,
    messages: Sequence[ChatMessage],
    kwargs: dict[str, Any],
    span_id: str | None,
) -> str:
    """Fire ``LLMChatStartEvent`` and start the callback manager's LLM event; its id."""
    model_dict = llm.to_payload()
    dispatcher.event(
        LLMChatStartEvent(
            model_dict=model_dict,
            messages=_as_given(messages),
            additional_kwargs=kwargs,
            span_id=span_id,
        )
    )
    return manager.on_event_start(
        CBEventType.LLM,
        payload={
            EventPayload.MESSAGES: messages,
            EventPayload.ADDITIONAL_KWARGS: kwargs,
            EventPayload.SERIALIZED: model_dict,
        },
    )


def chat_failed(manager: CallbackManager, event_id: str, error: BaseException) -> None:
    """End the LLM event with the ``error`` the call raised."""
    payload: dict[str, Any] = {EventPayload.EXCEPTION: error}
    manager.on_event_end(CBEventType.LLM, payload=payload, event_id=event_id)


def chat_ended(
    manager: CallbackManager,
    event_id: str,
    messages: Sequence[ChatMessage],
    response: ChatResponse,
    span_id: str | None,
) -> None:
    """End the LLM event with ``response`` and fire ``LLMChatEndEvent``."""
    manager.on_event_end(
        CBEventType.LLM,
        payload={EventPayload.MESSAGES: messages, EventPayload.RESPONSE: response},
        event_id=event_id,
    )
    dispatcher.event(
        LLMChatEndEvent(messages=_as_given(messages), response=response, span_id=span_id)
    )


def trace_failed(manager: CallbackManager, error: Exception) -> None:
    """The trace's exception event, once per exception (``CallbackManager.as_trace``'s rule)."""
    if not hasattr(error, "event_added"):
        manager.on_event_start(CBEventType.EXCEPTION, payload={EventPayload.EXCEPTION: error})
        error.event_added = True  # type: ignore[attr-defined]


def close_chat_trace(manager: CallbackManager) -> None:
    """End the ``chat`` trace."""
    manager.end_trace(trace_id=TRACE_ID)
