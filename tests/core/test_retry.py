"""Unit tests of the retry policy (wenxin_core.retry) and the per-call retry bookkeeping."""

from __future__ import annotations

import logging
import random

import httpx
import pytest
from pydantic import SecretStr

from wenxin_core._base import RetryState
from wenxin_core.auth import AccessTokenAuth, FixedTokenAuth, TokenProvider
from wenxin_core.errors import (
    StreamInterruptedError,
    WenxinConnectionError,
    WenxinError,
    WenxinTimeoutError,
    WenxinValidationError,
    error_from_body,
    error_from_status,
)
from wenxin_core.retry import DEFAULT_MAX_RETRIES, RetryPolicy, parse_retry_after
from wenxin_core.wire.v1.chat import error_for_response

RETRIED_CODES = [2, 4, 15, 18, 336100, 336501, 336502]
SPARING_CODES = [1, 336000]
NEVER_CODES = [3, 6, 13, 14, 17, 19, 100, 336001, 336002, 336003, 336004, 336005, 336006, 336101]


def code_error(code: int) -> WenxinError:
    return error_from_body({"error_code": code, "error_msg": "x"}, status_code=200)


def test_default_is_two_retries() -> None:
    assert DEFAULT_MAX_RETRIES == 2
    assert RetryPolicy().max_retries == 2


@pytest.mark.parametrize("code", RETRIED_CODES)
def test_retryable_codes_are_retried_up_to_max_retries(code: int) -> None:
    policy = RetryPolicy(max_retries=3)
    error = code_error(code)
    assert [policy.should_retry(error, n) for n in range(5)] == [True, True, True, False, False]


@pytest.mark.parametrize("code", SPARING_CODES)
def test_sparing_codes_are_retried_at_most_once(code: int) -> None:
    policy = RetryPolicy(max_retries=5)
    error = code_error(code)
    assert [policy.should_retry(error, n) for n in range(3)] == [True, False, False]


@pytest.mark.parametrize("code", [*NEVER_CODES, 110, 111])
def test_quota_permission_auth_and_validation_codes_are_never_retried(code: int) -> None:
    assert not RetryPolicy(max_retries=5).should_retry(code_error(code), 0)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_http_429_and_5xx_are_retried(status: int) -> None:
    assert RetryPolicy().should_retry(error_from_status(status), 0)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_other_4xx_are_not_retried(status: int) -> None:
    assert not RetryPolicy().should_retry(error_from_status(status), 0)


def test_connection_errors_and_timeouts_are_retried() -> None:
    policy = RetryPolicy()
    assert policy.should_retry(WenxinConnectionError("reset"), 0)
    assert policy.should_retry(WenxinTimeoutError("slow"), 1)
    assert not policy.should_retry(WenxinTimeoutError("slow"), 2)


def test_other_errors_are_not_retried() -> None:
    policy = RetryPolicy()
    assert not policy.should_retry(WenxinError("???"), 0)
    assert not policy.should_retry(WenxinValidationError("temperature", "bad"), 0)


def test_max_retries_zero_disables_retrying() -> None:
    policy = RetryPolicy(max_retries=0)
    assert not policy.should_retry(code_error(336100), 0)
    assert not policy.should_retry(WenxinTimeoutError("slow"), 0)


def test_retry_after_is_honoured() -> None:
    policy = RetryPolicy()
    error = error_from_status(429, retry_after=3.0)
    assert policy.should_retry(error, 0)
    assert policy.delay(error, 0) == 3.0
    assert policy.delay(error, 1) == 3.0  # not the backoff
    busy = code_error(336100)
    busy.retry_after = 0.25
    assert policy.delay(busy, 1) == 0.25


def test_retry_after_longer_than_the_cap_fails_at_once_for_rate_limits() -> None:
    policy = RetryPolicy(max_retry_after=60)
    assert policy.should_retry(error_from_status(429, retry_after=60), 0)
    assert not policy.should_retry(error_from_status(429, retry_after=61), 0)


def test_retry_after_longer_than_the_cap_fails_at_once_for_server_errors() -> None:
    assert not RetryPolicy(max_retry_after=60).should_retry(
        error_from_status(503, retry_after=600), 0
    )


def test_backoff_grows_exponentially_and_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=0.25)
    error = code_error(336100)
    monkeypatch.setattr(random, "random", lambda: 0.0)
    assert [policy.delay(error, n) for n in range(7)] == [0.5, 1, 2, 4, 8, 8, 8]
    monkeypatch.setattr(random, "random", lambda: 1.0)
    assert [policy.delay(error, n) for n in range(6)] == [0.375, 0.75, 1.5, 3, 6, 6]


def test_jitter_stays_within_bounds() -> None:
    random.seed(1234)
    policy = RetryPolicy()
    error = WenxinConnectionError("x")
    for n in range(8):
        base = min(0.5 * 2**n, 8.0)
        samples = [policy.delay(error, n) for _ in range(200)]
        assert all(0.75 * base <= d <= base for d in samples)
        assert max(samples) - min(samples) > 0.1 * base  # there is jitter at all


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("", None),
        (None, None),
        ("-1", None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_retry_after_header_reaches_the_error() -> None:
    request = httpx.Request("POST", "http://h/x")
    response = httpx.Response(
        200,
        json={"error_code": 18, "error_msg": "qps"},
        headers={"Retry-After": "2"},
        request=request,
    )
    error = error_for_response(response, response.content)
    assert error is not None
    assert error.retry_after == 2.0


# -- RetryState: per-call bookkeeping --------------------------------------------------------------


def token_auth() -> AccessTokenAuth:
    provider = TokenProvider(SecretStr("ak"), SecretStr("sk"), base_url="http://h")
    return AccessTokenAuth(provider)


def test_token_rejection_is_replayed_once_without_counting_a_retry() -> None:
    state = RetryState(RetryPolicy(max_retries=0), token_auth())
    request = httpx.Request("POST", "http://h/x?access_token=old")
    assert state.next_delay(code_error(111), request) == 0.0
    assert state.retries == 0
    assert state.next_delay(code_error(110), request) is None


def test_token_rejection_with_a_fixed_token_is_not_replayed() -> None:
    state = RetryState(RetryPolicy(), FixedTokenAuth(SecretStr("fixed")))
    request = httpx.Request("POST", "http://h/x?access_token=fixed")
    assert state.next_delay(code_error(110), request) is None


def test_retry_state_counts_and_stops() -> None:
    state = RetryState(RetryPolicy(max_retries=2, initial_delay=0.01), token_auth())
    busy = code_error(336100)
    first = state.next_delay(busy)
    second = state.next_delay(busy)
    assert first is not None and second is not None
    assert 0.0075 <= first <= 0.01 and 0.015 <= second <= 0.02
    assert state.next_delay(busy) is None
    assert state.retries == 2


def test_stream_interruption_is_retried_only_before_the_first_chunk() -> None:
    state = RetryState(RetryPolicy(max_retries=2, initial_delay=0.01), token_auth())
    assert state.next_delay(StreamInterruptedError("x", chunks_received=0)) is not None
    assert state.next_delay(StreamInterruptedError("x", chunks_received=1)) is None


def test_retries_are_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    state = RetryState(RetryPolicy(initial_delay=0.01), token_auth())
    with caplog.at_level(logging.DEBUG, logger="wenxin_core"):
        state.next_delay(code_error(336100))
    records = [r for r in caplog.records if r.name == "wenxin_core"]
    assert len(records) == 1
    assert records[0].levelno == logging.DEBUG
    assert "retry 1/2" in records[0].getMessage()
    assert "ServiceBusyError" in records[0].getMessage()
