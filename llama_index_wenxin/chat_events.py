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
from datetime import datetime
from typing import Any, cast

from llama_index.core.base.llms.types import ChatMessage, ChatResponse
from llama_index.core.callbacks import CallbackManager, CBEventType, EventPayload
from llama_index.core.instrumentation.events.llm import LLMChatEndEvent, LLMChatStartEvent
from llama_index.core.llms.callbacks import dispatcher
from llama_index.core.llms.llm import LLM

from llama_index_wenxin._ids import new_id
from llama_index_wenxin._trusted import plain_model, trusted

__all__ = [
    "chat_end_event",
    "chat_ended",
    "chat_failed",
    "chat_start_event",
    "chat_started",
    "close_chat_trace",
    "open_chat_trace",
    "trace_failed",
]

_LLM = CBEventType.LLM
_MESSAGES = EventPayload.MESSAGES
_ADDITIONAL_KWARGS = EventPayload.ADDITIONAL_KWARGS
_SERIALIZED = EventPayload.SERIALIZED
_RESPONSE = EventPayload.RESPONSE
"""The members every call uses, read once: reading an ``Enum`` class's attribute goes through
its metaclass's ``__getattr__`` hook, which makes a method-wrapper object."""

TRACE_ID = "chat"
"""The callback manager's trace of a chat call (the decorator's)."""


_START_FIELDS = (
    "timestamp",
    "id_",
    "span_id",
    "tags",
    "messages",
    "additional_kwargs",
    "model_dict",
)
_END_FIELDS = ("timestamp", "id_", "span_id", "tags", "messages", "response")
_START_SET = frozenset({"span_id", "messages", "additional_kwargs", "model_dict"})
_END_SET = frozenset({"span_id", "messages", "response"})


_TRUSTED = {
    LLMChatStartEvent: plain_model(LLMChatStartEvent, _START_FIELDS),
    LLMChatEndEvent: plain_model(LLMChatEndEvent, _END_FIELDS),
}
"""Event classes built from their values without validation."""


def _as_list(messages: Sequence[ChatMessage]) -> list[ChatMessage] | None:
    """A new list of ``messages`` when validation would give one as it is; ``None`` if not.

    Validation keeps a ``ChatMessage`` (or subclass) instance as it is in a new list; anything
    else (a dict, a tuple of messages...) is left to validation.
    """
    if type(messages) is not list:
        return None
    for message in messages:
        if not isinstance(message, ChatMessage):
            return None
    return list(messages)


def chat_start_event(
    model_dict: dict[str, Any],
    messages: Sequence[ChatMessage],
    kwargs: dict[str, Any],
    span_id: str | None,
) -> LLMChatStartEvent:
    """``LLMChatStartEvent(model_dict=..., messages=..., additional_kwargs=..., span_id=...)``.

    Built without validation when the values are what validation would keep (a list of
    messages, the two dicts copied), else validated.
    """
    listed = _as_list(messages)
    if listed is None or not _TRUSTED[LLMChatStartEvent]:
        return LLMChatStartEvent(
            model_dict=model_dict,
            messages=_as_given(messages),
            additional_kwargs=kwargs,
            span_id=span_id,
        )
    values = _event_values(span_id, listed)
    values["additional_kwargs"] = dict(kwargs)
    values["model_dict"] = dict(model_dict)
    return trusted(LLMChatStartEvent, values, _START_SET)


def chat_end_event(
    messages: Sequence[ChatMessage], response: ChatResponse, span_id: str | None
) -> LLMChatEndEvent:
    """``LLMChatEndEvent(messages=..., response=..., span_id=...)``, validated when needed."""
    listed = _as_list(messages)
    if listed is None or type(response) is not ChatResponse or not _TRUSTED[LLMChatEndEvent]:
        return LLMChatEndEvent(messages=_as_given(messages), response=response, span_id=span_id)
    values = _event_values(span_id, listed)
    values["response"] = response
    return trusted(LLMChatEndEvent, values, _END_SET)


def _event_values(span_id: str | None, messages: list[ChatMessage]) -> dict[str, Any]:
    """The fields every chat event starts with, in the events' field order."""
    return {
        "timestamp": datetime.now(),
        "id_": new_id(),
        "span_id": span_id,
        "tags": {},
        "messages": messages,
    }


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
    dispatcher.event(chat_start_event(model_dict, messages, kwargs, span_id))
    payload: dict[str, Any] = {
        _MESSAGES: messages,
        _ADDITIONAL_KWARGS: kwargs,
        _SERIALIZED: model_dict,
    }
    if type(manager) is not CallbackManager:  # a subclass may make its ids its own way
        return manager.on_event_start(_LLM, payload=payload)
    # LlamaIndex's manager makes a missing id with str(uuid4()): the same text, made faster
    return manager.on_event_start(_LLM, payload=payload, event_id=new_id())


def chat_failed(manager: CallbackManager, event_id: str, error: BaseException) -> None:
    """End the LLM event with the ``error`` the call raised."""
    payload: dict[str, Any] = {EventPayload.EXCEPTION: error}
    manager.on_event_end(_LLM, payload=payload, event_id=event_id)


def chat_ended(
    manager: CallbackManager,
    event_id: str,
    messages: Sequence[ChatMessage],
    response: ChatResponse,
    span_id: str | None,
) -> None:
    """End the LLM event with ``response`` and fire ``LLMChatEndEvent``."""
    manager.on_event_end(
        _LLM,
        payload={_MESSAGES: messages, _RESPONSE: response},
        event_id=event_id,
    )
    dispatcher.event(chat_end_event(messages, response, span_id))


def trace_failed(manager: CallbackManager, error: Exception) -> None:
    """The trace's exception event, once per exception (``CallbackManager.as_trace``'s rule)."""
    if not hasattr(error, "event_added"):
        manager.on_event_start(CBEventType.EXCEPTION, payload={EventPayload.EXCEPTION: error})
        error.event_added = True  # type: ignore[attr-defined]


def close_chat_trace(manager: CallbackManager) -> None:
    """End the ``chat`` trace."""
    manager.end_trace(trace_id=TRACE_ID)
