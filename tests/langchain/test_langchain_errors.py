"""Core errors surface as classes that are both the core's and LangChain's (emulator)."""

from __future__ import annotations

import pickle

import httpx
import pytest
from langchain_core import exceptions as lc
from langchain_core.messages import HumanMessage
from lc_helpers import make_llm

from langchain_wenxin import errors
from langchain_wenxin.errors import translate_error
from wenxin_core import errors as core
from wenxin_core.emulator.server import EmulatorServer

CODE_CASES = [
    (14, errors.AuthenticationError, lc.ModelAuthenticationError),
    (6, errors.PermissionDeniedError, lc.ModelPermissionDeniedError),
    (18, errors.RateLimitError, lc.ModelRateLimitError),
    (17, errors.QuotaExceededError, lc.ModelRateLimitError),
    (336003, errors.InvalidRequestError, lc.ModelInvalidRequestError),
    (336005, errors.NotFoundError, lc.ModelNotFoundError),
    (336000, errors.ServerError, lc.ModelAPIError),
    (336100, errors.ServiceBusyError, lc.ModelAPIError),
]


@pytest.mark.parametrize(("code", "cls", "lc_cls"), CODE_CASES)
def test_service_error_codes(
    wenxin_emulator: EmulatorServer, code: int, cls: type[Exception], lc_cls: type[Exception]
) -> None:
    wenxin_emulator.inject_error(code, times=5)
    llm = make_llm(wenxin_emulator, max_retries=0)
    with pytest.raises(cls) as info:
        llm.invoke("Hello")
    err = info.value
    assert type(err) is cls
    assert isinstance(err, lc_cls) and isinstance(err, core.WenxinError)
    assert isinstance(err, getattr(core, cls.__name__))
    assert err.error_code == code and err.request_id
    with pytest.raises(cls):
        list(llm.stream("Hello"))


def test_quota_is_not_retryable_but_rate_limit_is() -> None:
    assert errors.RateLimitError.is_retryable is True
    assert errors.QuotaExceededError.is_retryable is False
    assert errors.ServerError.is_retryable is True
    assert errors.AuthenticationError.is_retryable is False


def test_rate_limit_then_success(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.inject_error(18, times=1)
    result = make_llm(wenxin_emulator, max_retries=2).invoke("Hello")
    assert result.content
    assert wenxin_emulator.chat_calls == 2


def test_rate_limit_then_success_with_langchain_retry(wenxin_emulator: EmulatorServer) -> None:
    """With the core's retries off, LangChain's ``with_retry`` sees a ModelRateLimitError."""
    wenxin_emulator.inject_error(336501, times=2)
    llm = make_llm(wenxin_emulator, max_retries=0).with_retry(
        retry_if_exception_type=(lc.ModelRateLimitError,),
        stop_after_attempt=3,
        wait_exponential_jitter=False,
    )
    assert llm.invoke("Hello").content
    assert wenxin_emulator.chat_calls == 3


def test_fallback_sees_the_error(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.inject_error(336100, times=1)
    primary = make_llm(wenxin_emulator, max_retries=0)
    backup = make_llm(wenxin_emulator, model="Llama-2-7b-chat")
    chain = primary.with_fallbacks([backup], exceptions_to_handle=(lc.ModelAPIError,))
    result = chain.invoke("Hello")
    assert result.response_metadata["model_name"] == "Llama-2-7B-Chat"


def test_http_5xx_is_a_server_error(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.inject_http_status(503, times=3)
    with pytest.raises(errors.ServerError) as info:
        make_llm(wenxin_emulator, max_retries=0).invoke("Hello")
    assert info.value.status_code == 503


def test_http_429_is_a_rate_limit(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.inject_http_status(429, times=3, headers={"Retry-After": "0"})
    with pytest.raises(lc.ModelRateLimitError):
        make_llm(wenxin_emulator, max_retries=0).invoke("Hello")


def test_bad_application_keys(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, api_key="", secret_key="")
    with pytest.raises(errors.MissingCredentialsError) as info:
        llm.invoke("Hello")
    assert isinstance(info.value, lc.ModelAuthenticationError)


async def test_timeout(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.set_latency(request=1.0)
    llm = make_llm(wenxin_emulator, timeout=0.2, max_retries=0)
    with pytest.raises(errors.WenxinTimeoutError) as info:
        llm.invoke("Hello")
    assert isinstance(info.value, lc.ModelTimeoutError)
    assert isinstance(info.value.__cause__, httpx.TimeoutException)
    with pytest.raises(lc.ModelTimeoutError):
        await llm.ainvoke("Hello")
    await llm.aclose()


def test_connection_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    from langchain_wenxin import ChatWenxin

    llm = ChatWenxin(
        model="Llama-2-13b-chat",
        access_token="fixed-token",
        base_url=f"http://127.0.0.1:{port}",
        max_retries=0,
    )
    with pytest.raises(errors.WenxinConnectionError) as info:
        llm.invoke("Hello")
    assert isinstance(info.value, lc.ModelConnectionError)


def test_stream_interrupted(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.script("One. Two. Three. Four.")
    wenxin_emulator.drop_stream_after(2)
    llm = make_llm(wenxin_emulator, max_retries=0)
    received: list[str] = []
    with pytest.raises(errors.StreamInterruptedError) as info:
        for chunk in llm.stream("Hello"):
            received.append(str(chunk.content))
    err = info.value
    assert isinstance(err, lc.ModelConnectionError) and isinstance(err, lc.ModelAPIError)
    assert err.chunks_received == 2 and err.partial_text == "".join(received)


async def test_async_stream_interrupted(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.script("One. Two. Three. Four.")
    wenxin_emulator.drop_stream_after(1)
    llm = make_llm(wenxin_emulator, max_retries=0)
    with pytest.raises(errors.StreamInterruptedError):
        async for _ in llm.astream("Hello"):
            pass
    await llm.aclose()


def test_context_overflow(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, overflow="error")
    with pytest.raises(errors.ContextOverflowError) as info:
        llm.invoke([HumanMessage("x" * 6000)])
    assert isinstance(info.value, lc.ContextOverflowError)
    assert info.value.limit == 4800
    assert wenxin_emulator.chat_calls == 0


def test_unsupported_parameter(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, model="ERNIE-3.5-8K", top_k=3)
    with pytest.raises(errors.UnsupportedParameterError) as info:
        llm.invoke("Hello")
    assert isinstance(info.value, lc.ModelInvalidRequestError)
    assert info.value.field == "top_k"


def test_invalid_value(wenxin_emulator: EmulatorServer) -> None:
    with pytest.raises(errors.WenxinValidationError) as info:
        make_llm(wenxin_emulator).invoke("Hello", temperature=1.5)
    assert isinstance(info.value, lc.ModelInvalidRequestError)
    assert info.value.field == "temperature"


def test_image_block_is_a_clear_error(wenxin_emulator: EmulatorServer) -> None:
    message = HumanMessage(
        content=[
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        ]
    )
    with pytest.raises(errors.InvalidMessagesError, match="image_url"):
        make_llm(wenxin_emulator).invoke([message])


def test_translate_keeps_attributes_cause_and_pickles() -> None:
    root = httpx.ReadTimeout("slow")
    try:
        try:
            raise root
        except httpx.ReadTimeout as exc:
            raise core.WenxinTimeoutError("Read timed out", request_id="as-1") from exc
    except core.WenxinError as exc:
        twin = translate_error(exc)
        original = exc
    assert isinstance(twin, errors.WenxinTimeoutError)
    assert twin.__cause__ is root and twin.request_id == "as-1"
    assert str(twin) == str(original)
    assert translate_error(twin) is twin
    plain = ValueError("x")
    assert translate_error(plain) is plain
    clone = pickle.loads(pickle.dumps(twin))
    assert type(clone) is errors.WenxinTimeoutError and clone.request_id == "as-1"

    stream_err = core.StreamInterruptedError("cut", partial_text="ab", chunks_received=2)
    twin2 = translate_error(stream_err)
    assert isinstance(twin2, errors.StreamInterruptedError)
    assert (twin2.partial_text, twin2.chunks_received) == ("ab", 2)

    rate = core.error_from_status(429, retry_after=3.0)
    twin3 = translate_error(rate)
    assert isinstance(twin3, errors.RateLimitError) and twin3.retry_after == 3.0


def test_twins_mirror_the_core_hierarchy() -> None:
    """``except langchain_wenxin.errors.WenxinError`` catches every twin, as in the core."""
    from langchain_wenxin import errors as lc_errors

    for name in lc_errors.__all__:
        twin = getattr(lc_errors, name)
        if not isinstance(twin, type):
            continue
        assert issubclass(twin, lc_errors.WenxinError), name
        core_base = getattr(core, name)
        for core_parent in core_base.__mro__:
            twin_parent = getattr(lc_errors, core_parent.__name__, None)
            if isinstance(twin_parent, type) and core_parent.__module__ == core.__name__:
                assert issubclass(twin, twin_parent), (name, core_parent.__name__)
