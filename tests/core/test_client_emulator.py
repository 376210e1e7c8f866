"""Integration tests of ``WenxinClient`` over real HTTP to the emulator on 127.0.0.1."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest

from tests.support.clients import V1_API_KEY, V1_SECRET_KEY, ClientFactory, fast
from tests.support.emulator_text import reply_text
from wenxin_core import WenxinClient
from wenxin_core.auth import AccessTokenAuth
from wenxin_core.emulator.config import DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.errors import (
    AuthenticationError,
    InvalidRequestError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    ServiceBusyError,
    StreamInterruptedError,
    TokenExpiredError,
    WenxinError,
    WenxinTimeoutError,
)

API_KEY = V1_API_KEY
SECRET_KEY = V1_SECRET_KEY
QUESTION = "How far is the moon?"
MESSAGES = [{"role": "user", "content": QUESTION}]


@pytest.fixture
def server(wenxin_emulator: EmulatorServer) -> EmulatorServer:
    return wenxin_emulator


@pytest.fixture
def make_client(make_client: ClientFactory) -> Callable[..., WenxinClient]:
    """V1 sync clients (Llama-2-13b-chat unless named) with the V1 application keys."""
    return partial(make_client, "sync", api="v1")


def cached_token(client: WenxinClient) -> str:
    assert isinstance(client.auth, AccessTokenAuth)
    token = client.auth.provider.current()
    assert token
    return token


# -- chat and stream on three kinds of endpoint ---------------------------------------------------


def test_chat_llama_2_13b(server: EmulatorServer, make_client: Any) -> None:
    completion = make_client().chat(MESSAGES, temperature=0.5, top_k=3)
    assert completion.result == reply_text(QUESTION, "llama_2_13b")
    assert completion.model == "Llama-2-13B-Chat"
    assert completion.id.startswith("as-")
    assert completion.usage is not None
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert completion.usage.completion_tokens > 0
    (request,) = server.requests
    assert request["endpoint"] == "llama_2_13b"
    assert request["body"] == {"messages": MESSAGES, "temperature": 0.5, "top_k": 3}
    assert request["query"]["access_token"] == "***"


def test_stream_llama_2_13b_matches_chat(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()
    completion = client.chat(MESSAGES)
    with client.stream(MESSAGES) as stream:
        chunks = list(stream)
    assert len(chunks) == 4  # one event per sentence ("?." ends one sentence)
    assert [c.raw["sentence_id"] for c in chunks] == [0, 1, 2, 3]
    assert [c.is_end for c in chunks] == [False] * 3 + [True]
    assert chunks[0].result == "You said: How far is the moon?. "
    assert stream.text == completion.result
    assert stream.usage == completion.usage
    assert server.requests[-1]["body"]["stream"] is True


def test_ernie_gets_the_system_field(server: EmulatorServer, make_client: Any) -> None:
    client = make_client("ERNIE-3.5-8K")
    history = [{"role": "system", "content": "Answer briefly"}, *MESSAGES]
    completion = client.chat(history, max_output_tokens=500)
    assert completion.result == reply_text(QUESTION, "completions", "Answer briefly")
    assert completion.finish_reason == "stop"  # V1's "normal", neutral
    assert completion.raw["finish_reason"] == "normal"
    body = server.requests[-1]["body"]
    assert body["system"] == "Answer briefly"
    assert body["messages"] == MESSAGES
    assert body["max_output_tokens"] == 500
    chunks = list(client.stream(history))
    assert "".join(c.result for c in chunks) == completion.result
    assert server.requests[-1]["body"]["system"] == "Answer briefly"


def test_llama_gets_the_system_text_in_the_first_user_turn(
    server: EmulatorServer, make_client: Any
) -> None:
    completion = make_client().chat(MESSAGES, system="Answer briefly")
    body = server.requests[-1]["body"]
    assert "system" not in body
    assert body["messages"] == [{"role": "user", "content": f"Answer briefly\n\n{QUESTION}"}]
    assert completion.result == reply_text(f"Answer briefly\n\n{QUESTION}", "llama_2_13b")


def test_custom_endpoint(server: EmulatorServer, make_client: Any) -> None:
    client = make_client(None, endpoint="ngxxxol8_test1")
    completion = client.chat(MESSAGES, top_k=2)
    assert completion.result == reply_text(QUESTION, "ngxxxol8_test1")
    assert completion.model == "ngxxxol8_test1"
    stream = client.stream(MESSAGES)
    assert "".join(c.result for c in stream) == completion.result
    assert [r["endpoint"] for r in server.requests] == ["ngxxxol8_test1"] * 2


def test_multi_turn_history_is_normalised_before_sending(
    server: EmulatorServer, make_client: Any
) -> None:
    history = [
        {"role": "assistant", "content": "Welcome"},
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"},
        {"role": "assistant", "content": "c"},
        {"role": "user", "content": "d"},
    ]
    make_client().chat(history)
    assert server.requests[-1]["body"]["messages"] == [
        {"role": "user", "content": "Assistant: Welcome\n\na\n\nb"},
        {"role": "assistant", "content": "c"},
        {"role": "user", "content": "d"},
    ]


# -- tokens ----------------------------------------------------------------------------------------


def test_token_is_fetched_once_and_cached(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()
    for _ in range(3):
        client.chat(MESSAGES)
    list(client.stream(MESSAGES))
    client.chat(MESSAGES, model="ERNIE-3.5-8K")
    assert server.token_requests == 1
    assert server.chat_calls == 5


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
@pytest.mark.parametrize("how", ["expire", "invalidate"])
def test_rejected_token_is_refreshed_once_then_the_call_succeeds(
    server: EmulatorServer, make_client: Any, how: str, stream: bool
) -> None:
    client = make_client(max_retries=0)  # the replay is not a retry
    client.chat(MESSAGES)
    old = cached_token(client)
    server.expire_tokens() if how == "expire" else server.invalidate_tokens()
    if stream:
        assert "".join(c.result for c in client.stream(MESSAGES)) == reply_text(
            QUESTION, "llama_2_13b"
        )
    else:
        assert client.chat(MESSAGES).result == reply_text(QUESTION, "llama_2_13b")
    assert server.token_requests == 2
    assert server.chat_calls == 3  # ok, rejected, replayed
    assert cached_token(client) != old


def test_a_token_rejected_twice_is_refreshed_only_once(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client()
    client.chat(MESSAGES)
    server.expire_tokens()
    server.inject_error(111)  # the replay with the fresh token is rejected again
    with pytest.raises(TokenExpiredError) as info:
        client.chat(MESSAGES)
    assert info.value.error_code == 111
    assert server.token_requests == 2
    assert server.chat_calls == 3


def test_50_threads_on_a_cold_cache_fetch_one_token(
    server: EmulatorServer, make_client: Any
) -> None:
    client: WenxinClient = make_client()
    barrier = threading.Barrier(50)

    def call(i: int) -> str:
        barrier.wait()
        return client.chat([{"role": "user", "content": f"question {i}"}]).result

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(call, range(50)))
    assert results == [reply_text(f"question {i}", "llama_2_13b") for i in range(50)]
    assert server.token_requests == 1
    assert server.chat_calls == 50


def test_50_threads_after_expiry_refresh_once(server: EmulatorServer, make_client: Any) -> None:
    client: WenxinClient = make_client()
    client.chat(MESSAGES)
    server.expire_tokens()
    barrier = threading.Barrier(50)

    def call(i: int) -> str:
        barrier.wait()
        return client.chat([{"role": "user", "content": f"q{i}"}]).result

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(call, range(50)))
    assert results == [reply_text(f"q{i}", "llama_2_13b") for i in range(50)]
    assert server.token_requests == 2  # the first fetch and exactly one refresh


def test_sync_threads_32_concurrent_calls_and_streams(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client()

    def call(i: int) -> tuple[str, str]:
        question = [{"role": "user", "content": f"thread {i}"}]
        return client.chat(question).result, "".join(c.result for c in client.stream(question))

    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(call, range(64)))
    for i, (chat, streamed) in enumerate(results):
        assert chat == streamed == reply_text(f"thread {i}", "llama_2_13b")
    assert server.chat_calls == 128
    assert server.token_requests == 1


# -- other auth modes ------------------------------------------------------------------------------


def test_iam_signing_is_accepted(server: EmulatorServer, make_client: Any) -> None:
    client = make_client(access_key=DEFAULT_IAM_ACCESS_KEY, secret_key=DEFAULT_IAM_SECRET_KEY)
    assert client.chat(MESSAGES).result == reply_text(QUESTION, "llama_2_13b")
    assert "".join(c.result for c in client.stream(MESSAGES, model="ERNIE-3.5-8K")) == (
        reply_text(QUESTION, "completions")
    )
    assert server.token_requests == 0
    for request in server.requests:
        assert request["headers"]["authorization"].startswith(
            f"bce-auth-v1/{DEFAULT_IAM_ACCESS_KEY}/"
        )
        assert "access_token" not in request["query"]


def test_wrong_iam_secret_is_an_authentication_error(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client(access_key=DEFAULT_IAM_ACCESS_KEY, secret_key="wrong-iam-secret")
    with pytest.raises(AuthenticationError) as info:
        client.chat(MESSAGES)
    assert info.value.error_code == 14
    assert "QIANFAN_ACCESS_KEY" in str(info.value)  # says which pair is concerned
    assert "wrong-iam-secret" not in str(info.value) + repr(info.value)
    assert server.chat_calls == 1  # not retried


def test_wrong_application_keys_are_an_authentication_error(server: EmulatorServer) -> None:
    strict = EmulatorServer(api_keys={"good-ak": "good-sk"})
    with (
        strict,
        WenxinClient(
            "Llama-2-13b-chat",
            api="v1",
            qianfan_ak="good-ak",
            qianfan_sk="bad-sk",
            base_url=strict.base_url,
        ) as client,
    ):
        with pytest.raises(AuthenticationError) as info:
            client.chat(MESSAGES)
        assert "invalid_client" in str(info.value)
        assert "bad-sk" not in str(info.value) + repr(info.value)
        assert strict.token_requests == 1
        assert strict.chat_calls == 0


def test_fixed_access_token(server: EmulatorServer, make_client: Any) -> None:
    token = server.issue_token()
    client = make_client(access_token=token)
    assert client.chat(MESSAGES).result == reply_text(QUESTION, "llama_2_13b")
    assert server.token_requests == 0
    server.expire_tokens()
    with pytest.raises(TokenExpiredError) as info:  # a fixed token cannot be refreshed
        client.chat(MESSAGES)
    assert token not in str(info.value) + repr(info.value)
    assert server.chat_calls == 2
    assert server.token_requests == 0


# -- retries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [336100, 18, 2, 4, 15, 336501, 336502])
@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_retry_then_succeed_on_retryable_codes(
    server: EmulatorServer, make_client: Any, code: int, stream: bool
) -> None:
    client = make_client()
    server.inject_error(code, times=2)
    if stream:
        text = "".join(c.result for c in client.stream(MESSAGES))
    else:
        text = client.chat(MESSAGES).result
    assert text == reply_text(QUESTION, "llama_2_13b")
    assert server.chat_calls == 3


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_retry_then_succeed_on_http_503(
    server: EmulatorServer, make_client: Any, stream: bool
) -> None:
    client = make_client()
    server.inject_http_status(503, body="<html>Service Unavailable</html>")
    result = (
        "".join(c.result for c in client.stream(MESSAGES))
        if stream
        else client.chat(MESSAGES).result
    )
    assert result == reply_text(QUESTION, "llama_2_13b")
    assert server.chat_calls == 2


def test_429_retry_after_is_honoured(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()  # backoff 10 ms: only Retry-After explains a longer wait
    server.inject_http_status(429, headers={"Retry-After": "0.3"})
    start = time.monotonic()
    assert client.chat(MESSAGES).result == reply_text(QUESTION, "llama_2_13b")
    assert time.monotonic() - start >= 0.3
    assert server.chat_calls == 2


def test_retries_are_exhausted(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()
    server.inject_error(336100, times=5)
    with pytest.raises(ServiceBusyError) as info:
        client.chat(MESSAGES)
    assert info.value.error_code == 336100
    assert server.chat_calls == 3  # max_retries=2 by default


def test_429_exhausted_is_a_rate_limit_error(server: EmulatorServer, make_client: Any) -> None:
    client = make_client(max_retries=1)
    server.inject_http_status(429, times=3, headers={"Retry-After": "0.05"})
    with pytest.raises(RateLimitError) as info:
        client.chat(MESSAGES)
    assert info.value.status_code == 429
    assert info.value.retry_after == 0.05
    assert server.chat_calls == 2


@pytest.mark.parametrize("code", [1, 336000])
def test_sparing_codes_are_retried_once(
    server: EmulatorServer, make_client: Any, code: int
) -> None:
    client = make_client(max_retries=5)
    server.inject_error(code, times=3)
    with pytest.raises(ServerError):
        client.chat(MESSAGES)
    assert server.chat_calls == 2


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (336003, InvalidRequestError),
        (336006, InvalidRequestError),
        (17, QuotaExceededError),
        (19, QuotaExceededError),
        (6, PermissionDeniedError),
        (14, AuthenticationError),
    ],
)
@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_no_retry_on_invalid_request_quota_and_permission(
    server: EmulatorServer, make_client: Any, code: int, cls: type[WenxinError], stream: bool
) -> None:
    client = make_client(max_retries=5)
    server.inject_error(code, times=5)
    with pytest.raises(cls) as info:
        list(client.stream(MESSAGES)) if stream else client.chat(MESSAGES)
    assert info.value.error_code == code
    assert info.value.request_id and info.value.request_id.startswith("as-")
    assert server.chat_calls == 1


def test_max_retries_zero(server: EmulatorServer, make_client: Any) -> None:
    client = make_client(max_retries=0)
    server.inject_error(336100)
    with pytest.raises(ServiceBusyError):
        client.chat(MESSAGES)
    assert server.chat_calls == 1
    server.inject_http_status(503)
    with pytest.raises(ServerError):
        list(client.stream(MESSAGES))
    assert server.chat_calls == 2


def test_service_side_validation_error_is_typed(server: EmulatorServer, make_client: Any) -> None:
    client = make_client(None, endpoint="ngxxxol8_test1")
    strict = EmulatorServer(custom_endpoints={"known_one"})
    with (
        strict,
        WenxinClient(
            endpoint="other_one",
            api="v1",
            qianfan_ak=API_KEY,
            qianfan_sk=SECRET_KEY,
            base_url=strict.base_url,
        ) as other,
    ):
        with pytest.raises(InvalidRequestError) as info:
            other.chat(MESSAGES)
        assert info.value.error_code == 336005
        assert strict.chat_calls == 1
    assert client.chat(MESSAGES).result  # the shared emulator accepts any endpoint


# -- streams ---------------------------------------------------------------------------------------


def test_stream_dropped_after_chunks_is_interrupted_and_not_retried(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client(max_retries=5)
    server.drop_stream_after(2)
    expected = reply_text(QUESTION, "llama_2_13b")
    seen: list[str] = []
    with pytest.raises(StreamInterruptedError) as info:
        for chunk in client.stream(MESSAGES):
            seen.append(chunk.result)
    err = info.value
    assert len(seen) == 2
    assert err.partial_text == "".join(seen)
    assert expected.startswith(err.partial_text)
    assert err.partial_text == (
        "You said: How far is the moon?. This is the wenxin emulator answering on llama_2_13b. "
    )
    assert err.chunks_received == 2
    assert server.chat_calls == 1


def test_stream_dropped_before_the_first_chunk_is_retried(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client()
    server.drop_stream_after(0)
    assert "".join(c.result for c in client.stream(MESSAGES)) == reply_text(QUESTION, "llama_2_13b")
    assert server.chat_calls == 2


def test_stream_dropped_before_the_first_chunk_every_time(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client()
    server.drop_stream_after(0, times=3)
    with pytest.raises(StreamInterruptedError) as info:
        list(client.stream(MESSAGES))
    assert info.value.partial_text == ""
    assert info.value.chunks_received == 0
    assert server.chat_calls == 3


def test_error_body_instead_of_a_stream(server: EmulatorServer, make_client: Any) -> None:
    client = make_client()
    server.inject_error(336003, message="temperature range is (0, 1.0]")
    with pytest.raises(InvalidRequestError) as info:
        list(client.stream(MESSAGES))
    assert info.value.error_msg == "temperature range is (0, 1.0]"
    assert server.requests[-1]["stream"] is True


def test_stream_not_started_sends_nothing(server: EmulatorServer, make_client: Any) -> None:
    stream = make_client().stream(MESSAGES)
    assert server.chat_calls == 0
    stream.close()
    assert server.chat_calls == 0


def test_stream_closed_early_releases_the_connection(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client()
    for _ in range(5):
        with client.stream(MESSAGES) as stream:
            next(stream)
    assert client.chat(MESSAGES).result == reply_text(QUESTION, "llama_2_13b")


# -- timeouts --------------------------------------------------------------------------------------


def test_timeout_applies_per_attempt_and_is_retried(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client(timeout=0.15)
    client.chat(MESSAGES)  # warm the token cache
    server.set_latency(request=0.5)
    start = time.monotonic()
    with pytest.raises(WenxinTimeoutError) as info:
        client.chat(MESSAGES)
    elapsed = time.monotonic() - start
    assert server.chat_calls == 4  # warm-up + three attempts
    assert 0.45 <= elapsed < 1.4  # three 0.15 s attempts, not one 0.45 s budget
    assert "access_token=***" in str(info.value)


def test_per_call_timeout_and_no_retry(server: EmulatorServer, make_client: Any) -> None:
    client = make_client(max_retries=0)  # default timeout: generous
    server.set_latency(request=0.3)
    with pytest.raises(WenxinTimeoutError):
        client.chat(MESSAGES, timeout=0.1)
    assert server.chat_calls == 1
    assert client.chat(MESSAGES).result  # the client's own timeout is longer than 0.3 s


def test_stream_timeout_before_the_first_chunk_is_retried(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client(timeout=0.15, max_retries=1)
    server.set_latency(request=0.4)
    with pytest.raises(WenxinTimeoutError):
        list(client.stream(MESSAGES))
    assert server.chat_calls == 2


def test_stream_timeout_after_a_chunk_is_an_interruption(
    server: EmulatorServer, make_client: Any
) -> None:
    client = make_client(timeout=0.15)
    server.set_latency(chunk=0.4)
    with pytest.raises(StreamInterruptedError) as info:
        list(client.stream(MESSAGES))
    assert info.value.chunks_received == 1
    assert info.value.partial_text == "You said: How far is the moon?. "
    assert server.chat_calls == 1


# -- secrets ---------------------------------------------------------------------------------------


def test_no_secret_in_debug_logs_errors_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    # A server of its own: stray traffic of other tests must not consume the injected faults.
    with EmulatorServer() as server:
        client = fast(
            WenxinClient(
                "Llama-2-13b-chat",
                api="v1",
                qianfan_ak=API_KEY,
                qianfan_sk=SECRET_KEY,
                base_url=server.base_url,
                timeout=0.2,
            )
        )
        try:
            _log_secrets_scenario(server, client, caplog)
        finally:
            client.close()


def _log_secrets_scenario(
    server: EmulatorServer, client: WenxinClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="wenxin_core"):
        client.chat(MESSAGES)
        token = cached_token(client)
        server.inject_error(336100)
        server.inject_http_status(503)
        client.chat(MESSAGES)  # two retries, logged
        server.expire_tokens()
        client.chat(MESSAGES)  # a refresh, logged
        new_token = cached_token(client)
        server.set_latency(request=0.5)
        with pytest.raises(WenxinTimeoutError) as timeout:
            client.chat(MESSAGES)
        server.set_latency()
        server.inject_error(336003, times=1)
        with pytest.raises(InvalidRequestError) as invalid:
            client.chat(MESSAGES)
    records = [r for r in caplog.records if r.name.startswith("wenxin_core")]
    retry_lines = [r.getMessage() for r in records if "retry" in r.getMessage()]
    assert any("ServiceBusyError" in line for line in retry_lines), retry_lines
    assert any("HTTP 503" in line for line in retry_lines), retry_lines
    assert sum("WenxinTimeoutError" in line for line in retry_lines) == 2, retry_lines
    assert any("refreshing once" in r.getMessage() for r in records)
    assert all(r.levelno == logging.DEBUG for r in records)
    texts = [r.getMessage() for r in records] + [caplog.text]
    for err in (timeout.value, invalid.value):
        texts += [str(err), repr(err), *map(str, err.args)]
    assert isinstance(client.auth, AccessTokenAuth)
    texts += [repr(client), repr(client.auth), repr(client.auth.provider)]
    for secret in (token, new_token, API_KEY, SECRET_KEY):
        for text in texts:
            assert secret not in text


def test_no_secret_in_any_log_at_info(
    server: EmulatorServer, make_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client()
    with caplog.at_level(logging.INFO):
        client.chat(MESSAGES)
    token = cached_token(client)
    assert token not in caplog.text
    assert SECRET_KEY not in caplog.text
