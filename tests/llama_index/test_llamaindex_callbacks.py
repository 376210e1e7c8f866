"""One HTTP call = one LLM event: TokenCountingHandler and the instrumentation dispatcher."""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.callbacks import CallbackManager, CBEventType, TokenCountingHandler
from llama_index.core.callbacks.base_handler import BaseCallbackHandler

from tests.llama_index.li_helpers import EventCollector, WireLog
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer

USER = [ChatMessage(role="user", content="Count my tokens")]
SYNC = ["chat", "complete", "stream_chat", "stream_complete"]
ASYNC = ["achat", "acomplete", "astream_chat", "astream_complete"]


class LLMEventCounter(BaseCallbackHandler):
    """Counts LLM start/end callback events."""

    def __init__(self) -> None:
        super().__init__([], [])
        self.starts = 0
        self.ends = 0
        self.exceptions: list[BaseException] = []

    def on_event_start(
        self,
        event_type: Any,
        payload: Any = None,
        event_id: str = "",
        parent_id: str = "",
        **kwargs: Any,
    ) -> str:
        if event_type == CBEventType.LLM:
            self.starts += 1
        return event_id

    def on_event_end(
        self, event_type: Any, payload: Any = None, event_id: str = "", **kwargs: Any
    ) -> None:
        if event_type == CBEventType.LLM:
            self.ends += 1
            if payload and "exception" in payload:
                self.exceptions.append(payload["exception"])

    def start_trace(self, trace_id: str | None = None) -> None:
        return None

    def end_trace(self, trace_id: str | None = None, trace_map: Any = None) -> None:
        return None


def _call_sync(llm: Any, method: str) -> None:
    arg: Any = USER if method.endswith("chat") else "Count my tokens"
    result = getattr(llm, method)(arg)
    if method.startswith("stream"):
        list(result)


async def _call_async(llm: Any, method: str) -> None:
    arg: Any = USER if method.endswith("chat") else "Count my tokens"
    result = await getattr(llm, method)(arg)
    if method.startswith("astream"):
        [r async for r in result]


def _handlers(make_llm: Any) -> tuple[Any, TokenCountingHandler, LLMEventCounter]:
    counter = TokenCountingHandler(tokenizer=lambda text: text.split())
    events = LLMEventCounter()
    llm = make_llm(callback_manager=CallbackManager([counter, events]))
    return llm, counter, events


@pytest.mark.parametrize("method", SYNC)
def test_token_counts_sync(make_llm: Any, wire: WireLog, method: str) -> None:
    llm, counter, events = _handlers(make_llm)
    _call_sync(llm, method)
    _call_sync(llm, method)
    prompt, completion = wire.totals()
    assert len(wire.usages()) == 2
    assert (events.starts, events.ends) == (2, 2)
    assert len(counter.llm_token_counts) == 2
    assert counter.prompt_llm_token_count == prompt
    assert counter.completion_llm_token_count == completion
    assert counter.total_llm_token_count == prompt + completion


@pytest.mark.parametrize("method", ASYNC)
async def test_token_counts_async(make_llm: Any, wire: WireLog, method: str) -> None:
    llm, counter, events = _handlers(make_llm)
    await _call_async(llm, method)
    prompt, completion = wire.totals()
    assert (events.starts, events.ends) == (1, 1)
    assert len(counter.llm_token_counts) == 1
    assert counter.prompt_llm_token_count == prompt
    assert counter.completion_llm_token_count == completion


@pytest.mark.parametrize("placement", ["separate", "last_chunk"])
def test_stream_token_counts_wherever_v2_puts_the_usage(
    make_llm: Any, emulator: EmulatorServer, wire: WireLog, placement: str
) -> None:
    """A chunk of its own with empty choices, or the last content chunk: counted once."""
    emulator.set_usage_placement(placement)
    llm, counter, events = _handlers(make_llm)
    responses = list(llm.stream_chat([ChatMessage(role="user", content="long question " * 20)]))
    list(llm.stream_complete("another question"))
    prompt, completion = wire.totals()
    assert len(wire.usages()) == 2 and completion > 0
    assert (events.starts, events.ends) == (2, 2)
    assert counter.prompt_llm_token_count == prompt
    assert counter.completion_llm_token_count == completion
    assert responses[-1].additional_kwargs["total_tokens"] == sum(wire.usages()[0])
    assert sum("total_tokens" in r.additional_kwargs for r in responses) == 1


@pytest.mark.parametrize("style", ["per_event", "final_only"])
def test_v1_stream_token_counts_for_both_usage_styles(style: str) -> None:
    """Llama-2-7b docs: completion per event; Llama-2-13b docs: 0 until the end. Same counts."""
    import httpx

    from llama_index_wenxin import Wenxin
    from tests.llama_index.li_helpers import RecordingTransport

    wire = WireLog()
    with (
        EmulatorServer(stream_usage_style=style) as server,
        httpx.Client(transport=RecordingTransport(wire)) as http,
    ):
        counter = TokenCountingHandler(tokenizer=lambda text: text.split())
        llm = Wenxin(
            api="v1",
            qianfan_ak="k",
            qianfan_sk="s",
            base_url=server.base_url,
            http_client=http,
            callback_manager=CallbackManager([counter]),
        )
        responses = list(llm.stream_chat([ChatMessage(role="user", content="long question " * 20)]))
        list(llm.stream_complete("another question"))
    prompt, completion = wire.totals()
    assert completion > 0
    assert counter.prompt_llm_token_count == prompt
    assert counter.completion_llm_token_count == completion
    assert (
        responses[-1].additional_kwargs["total_tokens"] == wire.usages()[0][0] + wire.usages()[0][1]
    )


def _one_llm_call(names: list[str], kind: str, streaming: bool) -> None:
    start = f"LLM{kind}StartEvent"
    progress = f"LLM{kind}InProgressEvent"
    end = f"LLM{kind}EndEvent"
    assert names.count(start) == 1
    assert names.count(end) == 1
    assert names[0] == start and names[-1] == end
    if streaming:
        assert names.count(progress) >= 2
    else:
        assert names.count(progress) == 0
    other = {"Chat", "Completion"} - {kind}
    for name in names:
        for o in other:
            assert not name.startswith(f"LLM{o}")


@pytest.mark.parametrize("method", SYNC)
def test_instrumentation_events_sync(llm: Any, events: EventCollector, method: str) -> None:
    _call_sync(llm, method)
    kind = "Chat" if method.endswith("chat") else "Completion"
    _one_llm_call(events.names(), kind, method.startswith("stream"))


@pytest.mark.parametrize("method", ASYNC)
async def test_instrumentation_events_async(llm: Any, events: EventCollector, method: str) -> None:
    await _call_async(llm, method)
    kind = "Chat" if method.endswith("chat") else "Completion"
    _one_llm_call(events.names(), kind, method.startswith("astream"))


def test_end_event_carries_final_usage(llm: Any, events: EventCollector, wire: WireLog) -> None:
    list(llm.stream_chat(USER))
    end = next(e for e in events.events if type(e).__name__ == "LLMChatEndEvent")
    prompt, completion = wire.usages()[-1]
    assert end.response.raw["usage"]["prompt_tokens"] == prompt
    assert end.response.raw["usage"]["completion_tokens"] == completion
    deltas = [
        e.response.delta for e in events.events if type(e).__name__ == "LLMChatInProgressEvent"
    ]
    assert "".join(deltas) == end.response.message.content


def test_start_event_payload_has_no_secret(llm: Any, events: EventCollector) -> None:
    llm.complete("hi", temperature=0.5)
    start = next(e for e in events.events if type(e).__name__ == "LLMCompletionStartEvent")
    assert start.additional_kwargs == {"temperature": 0.5}
    assert start.model_dict["class_name"] == "Wenxin_LLM"
    assert DEFAULT_API_KEY not in str(start.model_dict)


def test_failed_call_is_one_event_with_exception(
    make_llm: Any, emulator: EmulatorServer, events: EventCollector
) -> None:
    from wenxin_core.errors import PermissionDeniedError

    llm, _, counter = _handlers(make_llm)
    emulator.inject_v2_error(403, "account_overdue")
    with pytest.raises(PermissionDeniedError):
        llm.complete("hi")
    assert (counter.starts, counter.ends) == (1, 1)
    assert isinstance(counter.exceptions[0], PermissionDeniedError)


def test_retried_call_is_still_one_event(
    make_llm: Any, emulator: EmulatorServer, wire: WireLog
) -> None:
    llm, counter, events = _handlers(make_llm)
    emulator.inject_http_status(429, headers={"Retry-After": "0"})
    llm.chat(USER)
    assert emulator.chat_calls == 2
    assert (events.starts, events.ends) == (1, 1)
    prompt, completion = wire.totals()
    assert counter.total_llm_token_count == prompt + completion
