"""Core errors surface as classes that are both the core's and LangChain's (emulator)."""

from __future__ import annotations

import pickle
import socket

import httpx
import pytest
from langchain_core import exceptions as lc
from langchain_core.messages import HumanMessage

from langchain_wenxin import ChatWenxin, errors
from langchain_wenxin.errors import translate_error
from tests.langchain.lc_helpers import make_llm, make_v1_llm
from wenxin_core import errors as core
from wenxin_core.emulator.config import DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY
from wenxin_core.emulator.server import EmulatorServer

V2_CASES = [
    (401, "invalid_iam_token", errors.InvalidIamTokenError, lc.ModelAuthenticationError),
    (401, "invalid_appid", errors.PermissionDeniedError, lc.ModelPermissionDeniedError),
    (403, "model_offline", errors.PermissionDeniedError, lc.ModelPermissionDeniedError),
    (403, "user_setting_unsafe", errors.ContentPolicyError, lc.ModelPermissionDeniedError),
    (429, "rpm_rate_limit_exceeded", errors.RateLimitError, lc.ModelRateLimitError),
    (400, "invalid_argument", errors.InvalidRequestError, lc.ModelInvalidRequestError),
    (500, "internal_error", errors.ServerError, lc.ModelAPIError),
]


@pytest.mark.parametrize(("status", "code", "cls", "lc_cls"), V2_CASES)
def test_v2_error_replies(
    wenxin_emulator: EmulatorServer,
    status: int,
    code: str,
    cls: type[Exception],
    lc_cls: type[Exception],
) -> None:
    wenxin_emulator.inject_v2_error(status, code, times=4)
    llm = make_llm(wenxin_emulator, max_retries=0)
    with pytest.raises(cls) as info:
        llm.invoke("Hello")
    err = info.value
    assert type(err) is cls
    assert isinstance(err, lc_cls) and isinstance(err, core.WenxinError)
    assert isinstance(err, getattr(core, cls.__name__))
    assert err.error_code == code and err.status_code == status and err.request_id
    assert "bce-v3/ALTAK" not in str(err) and "bce-v3/ALTAK" not in repr(err)
    with pytest.raises(cls):
        list(llm.stream("Hello"))


def test_rate_limit_error_carries_the_quota_figures(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.inject_v2_error(429, "rpm_rate_limit_exceeded")
    with pytest.raises(errors.RateLimitError) as info:
        make_llm(wenxin_emulator, max_retries=0).invoke("Hello")
    limits = info.value.rate_limits
    assert limits is not None and limits.remaining_requests == 0


def test_rate_limit_then_success(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.inject_v2_error(429, "tpm_rate_limit_exceeded", times=1)
    result = make_llm(wenxin_emulator, max_retries=2).invoke("Hello")
    assert result.content
    assert wenxin_emulator.chat_calls == 2


def test_rate_limit_then_success_with_langchain_retry(wenxin_emulator: EmulatorServer) -> None:
    """With the core's retries off, LangChain's ``with_retry`` sees a ModelRateLimitError."""
    wenxin_emulator.inject_v2_error(429, "rpm_rate_limit_exceeded", times=2)
    llm = make_llm(wenxin_emulator, max_retries=0).with_retry(
        retry_if_exception_type=(lc.ModelRateLimitError,),
        stop_after_attempt=3,
        wait_exponential_jitter=False,
    )
    assert llm.invoke("Hello").content
    assert wenxin_emulator.chat_calls == 3


def test_fallback_sees_the_error(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.inject_v2_error(500, "internal_error", times=1)
    primary = make_llm(wenxin_emulator, max_retries=0)
    backup = make_llm(wenxin_emulator, model="ernie-speed-pro-128k")
    chain = primary.with_fallbacks([backup], exceptions_to_handle=(lc.ModelAPIError,))
    result = chain.invoke("Hello")
    assert result.response_metadata["model_name"] == "ernie-speed-pro-128k"


def test_a_wrong_api_key_is_an_error_without_the_key(wenxin_emulator: EmulatorServer) -> None:
    secret = "bce-v3/ALTAK-wrong/not-the-key"
    with pytest.raises(errors.InvalidIamTokenError) as info:
        make_llm(wenxin_emulator, api_key=secret, max_retries=0).invoke("Hello")
    err = info.value
    assert err.status_code == 401
    for text in (str(err), repr(err), str(err.args), str(vars(err))):
        assert secret not in text and "not-the-key" not in text


def test_iam_token_rejected_once_is_minted_again(wenxin_emulator: EmulatorServer) -> None:
    llm = ChatWenxin(
        access_key=DEFAULT_IAM_ACCESS_KEY,
        secret_key=DEFAULT_IAM_SECRET_KEY,
        iam_base_url=wenxin_emulator.base_url,
        base_url=wenxin_emulator.v2_base_url,
        max_retries=0,
    )
    assert llm.invoke("Hello").content
    wenxin_emulator.invalidate_tokens()
    assert llm.invoke("Hello").content
    assert wenxin_emulator.bearer_token_requests == 2


def test_missing_credentials(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, api_key="")
    with pytest.raises(errors.MissingCredentialsError) as info:
        llm.invoke("Hello")
    assert isinstance(info.value, lc.ModelAuthenticationError)
    assert "QIANFAN_API_KEY" in str(info.value)


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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    llm = ChatWenxin(api_key="k", base_url=f"http://127.0.0.1:{port}/v2", max_retries=0)
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
    assert err.partial_text == "".join(received) and received


async def test_async_stream_interrupted(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.script("One. Two. Three. Four.")
    wenxin_emulator.drop_stream_after(1)
    llm = make_llm(wenxin_emulator, max_retries=0)
    with pytest.raises(errors.StreamInterruptedError):
        async for _ in llm.astream("Hello"):
            pass
    await llm.aclose()


def test_context_overflow(wenxin_emulator: EmulatorServer) -> None:
    llm = make_llm(wenxin_emulator, model="llama-2-13b-chat", overflow="error")
    with pytest.raises(errors.ContextOverflowError) as info:
        llm.invoke([HumanMessage("many words " * 5000)])
    assert isinstance(info.value, lc.ContextOverflowError)
    assert wenxin_emulator.chat_calls == 0


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


# -- V1 (legacy) ------------------------------------------------------------------------------

V1_CASES = [
    (14, errors.AuthenticationError, lc.ModelAuthenticationError),
    (6, errors.PermissionDeniedError, lc.ModelPermissionDeniedError),
    (18, errors.RateLimitError, lc.ModelRateLimitError),
    (17, errors.QuotaExceededError, lc.ModelRateLimitError),
    (336003, errors.InvalidRequestError, lc.ModelInvalidRequestError),
    (336100, errors.ServiceBusyError, lc.ModelAPIError),
]


@pytest.mark.parametrize(("code", "cls", "lc_cls"), V1_CASES)
def test_v1_service_error_codes(
    wenxin_emulator: EmulatorServer, code: int, cls: type[Exception], lc_cls: type[Exception]
) -> None:
    wenxin_emulator.inject_error(code, times=5)
    llm = make_v1_llm(wenxin_emulator, max_retries=0)
    with pytest.raises(cls) as info:
        llm.invoke("Hello")
    err = info.value
    assert type(err) is cls and isinstance(err, lc_cls) and isinstance(err, core.WenxinError)
    assert err.error_code == code and err.request_id


def test_v1_context_overflow(wenxin_emulator: EmulatorServer) -> None:
    llm = make_v1_llm(wenxin_emulator, overflow="error")
    with pytest.raises(errors.ContextOverflowError) as info:
        llm.invoke([HumanMessage("x" * 6000)])
    assert info.value.limit == 4800
    assert wenxin_emulator.chat_calls == 0


# -- the twins --------------------------------------------------------------------------------


def test_quota_is_not_retryable_but_rate_limit_is() -> None:
    assert errors.RateLimitError.is_retryable is True
    assert errors.QuotaExceededError.is_retryable is False
    assert errors.ServerError.is_retryable is True
    assert errors.AuthenticationError.is_retryable is False
    assert errors.ContentPolicyError.is_retryable is False


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

    iam = translate_error(core.InvalidIamTokenError("bad token", status_code=401))
    assert type(iam) is errors.InvalidIamTokenError
    assert isinstance(iam, errors.TokenExpiredError) and isinstance(
        iam, lc.ModelAuthenticationError
    )
    unsafe = translate_error(core.ContentPolicyError("unsafe", status_code=403))
    assert type(unsafe) is errors.ContentPolicyError
    assert isinstance(unsafe, lc.ModelPermissionDeniedError)


def test_twins_mirror_the_core_hierarchy() -> None:
    """``except langchain_wenxin.errors.WenxinError`` catches every twin, as in the core."""
    for name in errors.__all__:
        twin = getattr(errors, name)
        if not isinstance(twin, type):
            continue
        assert issubclass(twin, errors.WenxinError), name
        core_base = getattr(core, name)
        for core_parent in core_base.__mro__:
            twin_parent = getattr(errors, core_parent.__name__, None)
            if isinstance(twin_parent, type) and core_parent.__module__ == core.__name__:
                assert issubclass(twin, twin_parent), (name, core_parent.__name__)


def test_every_core_error_class_has_a_twin() -> None:
    core_classes = {
        name
        for name in core.__all__
        if isinstance(getattr(core, name), type) and issubclass(getattr(core, name), Exception)
    }
    assert core_classes <= set(errors.__all__), sorted(core_classes - set(errors.__all__))
