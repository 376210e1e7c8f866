"""``Wenxin.achat`` fires what LlamaIndex's ``llm_chat_callback`` fires, in the same order.

``achat`` fires its events from plain calls (:mod:`llama_index_wenxin.chat_events`) instead of
the decorator. ``Reference`` is ``Wenxin`` with the decorator on the same request. Each case runs
on both, on the emulator, with one recorder as instrumentation event handler, span handler and
callback handler; the two records must be the same once ids and class names are numbered. A
LlamaIndex release that changes what the decorator fires fails here.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ImageBlock,
    MessageRole,
    TextBlock,
)
from llama_index.core.callbacks import CallbackManager, CBEventType
from llama_index.core.callbacks.base_handler import BaseCallbackHandler
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.span import SimpleSpan
from llama_index.core.instrumentation.span_handlers import BaseSpanHandler
from llama_index.core.llms.callbacks import llm_chat_callback
from llama_index.core.rate_limiter import TokenBucketRateLimiter
from llama_index_instrumentation import get_dispatcher
from llama_index_instrumentation.dispatcher import instrument_tags

from llama_index_wenxin import Wenxin
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.errors import InvalidMessagesError, PermissionDeniedError

Record = list[tuple[Any, ...]]

_DISPATCHER = get_dispatcher(__name__)

USER = [ChatMessage(role=MessageRole.USER, content="Say hi")]
IMAGE = [ChatMessage(role=MessageRole.USER, blocks=[ImageBlock(url="https://x.invalid/a.png")])]


class Reference(Wenxin):
    """``Wenxin`` with LlamaIndex's decorator on the request ``achat`` makes."""

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """The request under ``llm_chat_callback``."""
        return await self._achat(messages, **kwargs)


class _Events(BaseEventHandler):
    record: Any = None

    @classmethod
    def class_name(cls) -> str:
        return "AchatParityEvents"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        fields = {k: getattr(event, k) for k in type(event).model_fields if k != "timestamp"}
        shape = {k: type(v).__name__ for k, v in vars(event).items()}  # in field order
        skip = {"timestamp", "id_", "span_id", "response"}  # the response: compared apart
        dumped = event.model_dump(exclude=skip, exclude_unset=True)
        self.record.append(("event", type(event).__name__, fields, shape, dumped))
        self.record.append(("event set", sorted(event.model_fields_set), kwargs))
        self.record.append(("event rest", event.__pydantic_extra__, event.__pydantic_private__))


class _Spans(BaseSpanHandler[SimpleSpan]):
    record: Any = None

    @classmethod
    def class_name(cls) -> str:
        return "AchatParitySpans"

    def new_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        parent_span_id: str | None = None,
        tags: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> SimpleSpan:
        self.record.append(("span", id_, dict(bound_args.arguments), parent_span_id, tags))
        self.record.append(("span args", str(bound_args.signature), list(bound_args.arguments)))
        self.record.append(("span of", type(instance).__name__, bound_args.args, kwargs))
        return SimpleSpan(id_=id_, parent_id=parent_span_id)

    def prepare_to_exit_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        result: Any | None = None,
        **kwargs: Any,
    ) -> None:
        self.record.append(("span exit", id_, result))

    def prepare_to_drop_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        err: BaseException | None = None,
        **kwargs: Any,
    ) -> None:
        self.record.append(("span drop", id_, err))


class _Callbacks(BaseCallbackHandler):
    def __init__(self, record: Record) -> None:
        super().__init__(event_starts_to_ignore=[], event_ends_to_ignore=[])
        self.record = record

    def on_event_start(
        self,
        event_type: CBEventType,
        payload: dict[str, Any] | None = None,
        event_id: str = "",
        parent_id: str = "",
        **kwargs: Any,
    ) -> str:
        self.record.append(("cb start", event_type, payload, event_id, parent_id, kwargs))
        return event_id

    def on_event_end(
        self,
        event_type: CBEventType,
        payload: dict[str, Any] | None = None,
        event_id: str = "",
        **kwargs: Any,
    ) -> None:
        self.record.append(("cb end", event_type, payload, event_id, kwargs))

    def start_trace(self, trace_id: str | None = None) -> None:
        self.record.append(("trace start", trace_id))

    def end_trace(
        self, trace_id: str | None = None, trace_map: dict[str, list[str]] | None = None
    ) -> None:
        self.record.append(("trace end", trace_id, trace_map))


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_REQUEST_ID = re.compile(r"request_id=\w+")


class _Numbering:
    """Ids numbered by first appearance; span ids' class name and request ids made neutral."""

    def __init__(self, class_name: str) -> None:
        self.class_name = class_name
        self.ids: dict[str, str] = {}

    def __call__(self, value: Any) -> Any:
        if value == self.class_name:
            return "<LLM>"
        if isinstance(value, Wenxin):
            return "<LLM instance>"
        if isinstance(value, str):
            value = value.replace(f"{self.class_name}.", "<LLM>.")
            value = value.replace(f"{self.class_name}(", "<LLM>(")
            value = _REQUEST_ID.sub("request_id=<request>", value)
            return _UUID.sub(lambda m: self.ids.setdefault(m[0], f"<id{len(self.ids)}>"), value)
        if isinstance(value, ChatResponse):
            extra = {k: v for k, v in value.additional_kwargs.items() if k in ("finish_reason",)}
            return ("ChatResponse", value.message.content, sorted(value.additional_kwargs), extra)
        if isinstance(value, BaseException):
            return ("error", type(value).__name__, getattr(value, "event_added", None))
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self(v) for v in value)
        return value


@pytest.fixture
def recorders() -> Iterator[tuple[Record, _Callbacks]]:
    """One record fed by an event handler and a span handler on the root dispatcher."""
    record: Record = []
    root = get_dispatcher()
    events, spans = _Events(), _Spans()
    events.record = spans.record = record
    root.add_event_handler(events)
    root.add_span_handler(spans)
    yield record, _Callbacks(record)
    root.event_handlers.remove(events)
    root.span_handlers.remove(spans)


async def _run(
    cls: type[Wenxin],
    case: str,
    emulator: EmulatorServer,
    record: Record,
    callbacks: _Callbacks,
) -> Any:
    options: dict[str, Any] = {"api_key": DEFAULT_API_KEY, "base_url": emulator.v2_base_url}
    if case == "rate limited":
        options["rate_limiter"] = TokenBucketRateLimiter(requests_per_minute=6000)
    llm = cls(max_retries=0, callback_manager=CallbackManager([callbacks]), **options)
    record.clear()
    emulator.reset()
    if case == "server error":
        emulator.inject_v2_error(403, "account_overdue")
    response: Any
    try:
        response = await _call(llm, case)
    except Exception as error:  # the same error on both, compared below
        response = error
    finally:
        await llm.aclose()
    numbering = _Numbering(cls.__name__)
    return numbering(list(record)), numbering(response)


async def _call(llm: Wenxin, case: str) -> Any:
    """The ``achat`` call of ``case``."""
    if case == "nested trace":
        with llm.callback_manager.as_trace("outer"):
            return await llm.achat(USER, temperature=0.5)
    if case == "no keywords":
        return await llm.achat(USER)
    if case == "messages by keyword":
        return await llm.achat(messages=USER, top_p=0.5)
    if case == "tuple of messages":
        return await llm.achat(tuple(USER))
    if case == "mapping messages":  # the events validate them into messages, the request fails
        return await llm.achat([{"role": "user", "content": "Say hi"}])  # type: ignore[list-item]
    if case == "parent span":
        return await _outer(llm)
    if case == "instrument tags":
        with instrument_tags({"tenant": "t1"}):
            return await llm.achat(USER, top_p=0.5)
    return await llm.achat(IMAGE if case == "invalid messages" else USER, top_p=0.5)


@_DISPATCHER.span
async def _outer(llm: Wenxin) -> ChatResponse:
    """An instrumented caller: ``achat``'s span is its child."""
    return await llm.achat(USER, top_p=0.5)


CASES = [
    "answer",
    "invalid messages",
    "server error",
    "nested trace",
    "rate limited",
    "no keywords",
    "messages by keyword",
    "tuple of messages",
    "mapping messages",
    "parent span",
    "instrument tags",
]


@pytest.mark.parametrize("case", CASES)
async def test_achat_fires_what_the_decorator_fires(
    case: str, emulator: EmulatorServer, recorders: tuple[Record, _Callbacks]
) -> None:
    record, callbacks = recorders
    expected = await _run(Reference, case, emulator, record, callbacks)
    got = await _run(Wenxin, case, emulator, record, callbacks)
    for index, (entry, wanted) in enumerate(zip(got[0], expected[0], strict=False)):
        assert (index, entry) == (index, wanted)  # the first entry that differs, alone
    assert got == expected
    kinds = [entry[0] for entry in expected[0]]
    assert kinds.count("event") >= 2 and "trace start" in kinds and "cb start" in kinds
    if case in ("invalid messages", "server error"):
        error = InvalidMessagesError if case == "invalid messages" else PermissionDeniedError
        assert got[1][1] == error.__name__ and "span drop" in kinds
    elif case == "mapping messages":
        assert got[1][0] == "error" and "span drop" in kinds
    else:
        assert got[1][0] == "ChatResponse" and "span exit" in kinds


async def test_achat_gives_a_model_without_callback_manager_one(
    emulator: EmulatorServer,
) -> None:
    options: dict[str, Any] = {"api_key": DEFAULT_API_KEY, "base_url": emulator.v2_base_url}
    for cls in (Reference, Wenxin):
        llm = cls(**options)
        object.__setattr__(llm, "callback_manager", None)
        response = await llm.achat(USER)
        assert isinstance(llm.callback_manager, CallbackManager)
        assert isinstance(response.message.blocks[0], TextBlock)
        await llm.aclose()
