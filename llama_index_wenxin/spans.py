"""The instrumentation span of ``Wenxin.achat``, opened and closed inside ``achat`` itself.

LlamaIndex wraps every ``achat`` in ``Dispatcher.span`` (``DispatcherSpanMixin``): a ``wrapt``
wrapper whose own coroutine awaits ours and which computes ``inspect.signature`` of the bound
method on every call to bind its arguments. Both live across the request: two coroutines, a
``Signature`` with its parameter mapping, a bound wrapper... With many calls in flight each of
them is promoted and walked by the garbage collector. ``achat`` is marked as decorated (the span
decorator is idempotent and leaves it as it is) and calls the helpers below, which send the
span handlers what the wrapper sends them, in the same order, with the same arguments:

1. :func:`enter_span`: the id (``"<class>.achat-<uuid4>"``), the arguments bound to the method's
   signature (computed once), the active span set, ``span_enter`` with the parent and the
   instrument tags;
2. :func:`drop_span` on any exception (``SpanDropEvent``, then ``span_drop``), else
   :func:`exit_span` (``span_exit`` with the result);
3. ``active_span_id`` reset with the token :func:`enter_span` returned, in every case.

The parity test in ``tests/llama_index/test_llamaindex_achat_events.py`` runs this path and the
wrapper side by side and compares what every span handler sees.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from contextvars import Token
from typing import Any, TypeVar

from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.instrumentation.span import active_span_id
from llama_index_instrumentation.dispatcher import (
    DISPATCHER_SPAN_DECORATED_ATTR,
    Dispatcher,
    active_instrument_tags,
)
from llama_index_instrumentation.events.span import SpanDropEvent

from llama_index_wenxin._ids import new_id

__all__ = ["bound_signature", "drop_span", "enter_span", "exit_span", "spanned_inline"]

_F = TypeVar("_F", bound=Callable[..., Any])


def spanned_inline(method: _F) -> _F:
    """Mark ``method`` as span-decorated: it opens its own span (LlamaIndex leaves it as is)."""
    setattr(method, DISPATCHER_SPAN_DECORATED_ATTR, True)
    return method


def bound_signature(method: Callable[..., Any]) -> inspect.Signature:
    """The signature of ``method`` bound to an instance (``self`` left out), as the span sees it.

    ``inspect.signature`` of a bound method is the function's without its first parameter; it
    is made once here instead of on every call.
    """
    signature = inspect.signature(method)
    parameters = tuple(signature.parameters.values())[1:]
    return signature.replace(parameters=parameters)


_class_name = vars(type)["__name__"].__get__
"""``cls.__name__`` read by ``type``'s own descriptor: reading an attribute of a pydantic class
goes through its metaclass's ``__getattr__`` hook, which makes a method-wrapper object."""


def enter_span(
    dispatcher: Dispatcher,
    signature: inspect.Signature,
    instance: Any,
    name: str,
    messages: Sequence[ChatMessage],
    kwargs: dict[str, Any],
) -> tuple[str, inspect.BoundArguments, Token[str | None]]:
    """Open the span of ``instance.name(messages, **kwargs)``: its id, bound arguments, token.

    The bound arguments are those ``signature.bind(messages, **kwargs)`` gives: ``messages``,
    and the keywords as one new dict under ``kwargs`` when there are any.
    """
    arguments: dict[str, Any] = {"messages": messages}
    if kwargs:
        arguments["kwargs"] = dict(kwargs)
    bound = inspect.BoundArguments(signature, arguments)
    span_id = f"{_class_name(type(instance))}.{name}-{new_id()}"
    tags = active_instrument_tags.get()
    token = active_span_id.set(span_id)
    parent_id = None if token.old_value is Token.MISSING else token.old_value
    dispatcher.span_enter(
        id_=span_id, bound_args=bound, instance=instance, parent_id=parent_id, tags=tags
    )
    return span_id, bound, token


def exit_span(
    dispatcher: Dispatcher,
    span_id: str,
    bound: inspect.BoundArguments,
    instance: Any,
    result: Any,
) -> None:
    """Close the span with the call's ``result``."""
    dispatcher.span_exit(id_=span_id, bound_args=bound, instance=instance, result=result)


def drop_span(
    dispatcher: Dispatcher,
    span_id: str,
    bound: inspect.BoundArguments,
    instance: Any,
    error: BaseException,
) -> None:
    """Drop the span for the ``error`` the call raised (``SpanDropEvent`` first)."""
    dispatcher.event(SpanDropEvent(span_id=span_id, err_str=str(error)))
    dispatcher.span_drop(id_=span_id, bound_args=bound, instance=instance, err=error)
