"""Typed errors: every code of the reference's table, gateway failures, and redaction."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import httpx
import pytest

from wenxin_core import WenxinClient
from wenxin_core.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    ServiceBusyError,
    TokenExpiredError,
    WenxinConnectionError,
    WenxinError,
    WenxinTimeoutError,
    error_class_for_code,
    error_from_body,
    error_from_status,
)

TOKEN = "24.8f1c0ffee0ddba11d00d5ecret.2592000.1700000000.282335-9876"
MESSAGES = [{"role": "user", "content": "hi"}]

# The reference's error table: code -> the documented class.
REFERENCE_TABLE: dict[int, type[WenxinError]] = {
    1: ServerError,
    2: ServerError,
    3: NotFoundError,
    4: RateLimitError,
    6: PermissionDeniedError,
    13: AuthenticationError,
    14: AuthenticationError,
    15: ServerError,
    17: QuotaExceededError,
    18: RateLimitError,
    19: QuotaExceededError,
    100: AuthenticationError,
    110: TokenExpiredError,
    111: TokenExpiredError,
    336000: ServerError,
    336001: InvalidRequestError,
    336002: InvalidRequestError,
    336003: InvalidRequestError,
    336004: PermissionDeniedError,
    336005: NotFoundError,
    336006: InvalidRequestError,
    336100: ServiceBusyError,
    336101: InvalidRequestError,
    336501: RateLimitError,
    336502: RateLimitError,
}


def mock_client(
    handler: Callable[[httpx.Request], httpx.Response], *, model: str = "Llama-2-13b-chat"
) -> WenxinClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return WenxinClient(model, api="v1", access_token=TOKEN, http_client=http, max_retries=0)


def assert_no_secret(err: BaseException) -> None:
    for text in (str(err), repr(err), *(str(a) for a in err.args)):
        assert TOKEN not in text
        assert "8f1c0ffee0ddba11" not in text


def test_the_table_is_complete() -> None:
    for code, cls in REFERENCE_TABLE.items():
        assert error_class_for_code(code) is cls, code
    assert error_class_for_code(None) is WenxinError
    assert error_class_for_code(424242) is WenxinError


def test_hierarchy() -> None:
    assert issubclass(ServiceBusyError, ServerError)
    assert issubclass(QuotaExceededError, RateLimitError)
    assert issubclass(TokenExpiredError, AuthenticationError)
    assert issubclass(NotFoundError, InvalidRequestError)
    for cls in set(REFERENCE_TABLE.values()) | {WenxinConnectionError, WenxinTimeoutError}:
        assert issubclass(cls, WenxinError)


@pytest.mark.parametrize("code", sorted(REFERENCE_TABLE))
@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
def test_every_code_through_the_client(code: int, stream: bool) -> None:
    message = f"message for {code}"

    def handler(request: httpx.Request) -> httpx.Response:
        body = {"error_code": code, "error_msg": message, "id": "as-err0000001"}
        return httpx.Response(200, json=body)  # errors come as JSON even for streams

    client = mock_client(handler)
    with pytest.raises(WenxinError) as info:
        if stream:
            list(client.stream(MESSAGES))
        else:
            client.chat(MESSAGES)
    err = info.value
    assert type(err) is REFERENCE_TABLE[code]
    assert err.error_code == code
    assert err.error_msg == message
    assert err.request_id == "as-err0000001"
    assert err.status_code == 200
    assert str(code) in str(err)
    assert message in str(err)
    assert "as-err0000001" in str(err)
    assert_no_secret(err)


def test_request_id_header_is_used_when_the_body_has_no_id() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={"error_code": 336003, "error_msg": "temperature range is (0, 1.0]"},
            headers={"X-Bce-Request-Id": "req-123"},
        )

    with pytest.raises(InvalidRequestError) as info:
        mock_client(handler).chat(MESSAGES)
    assert info.value.request_id == "req-123"


def test_hints_for_misleading_codes() -> None:
    err = error_from_body({"error_code": 14, "error_msg": "IAM Certification failed"})
    assert "QIANFAN_ACCESS_KEY" in str(err)
    err = error_from_body({"error_code": 336006, "error_msg": "must be an odd number"})
    assert "alternate" in str(err)
    err = error_from_body({"error_code": 3, "error_msg": "Unsupported openapi method"})
    assert "endpoint=" in str(err)


@pytest.mark.parametrize(
    ("status", "headers", "body", "cls", "code"),
    [
        (
            403,
            {
                "X-Bce-Error-Code": "IamSignatureInvalid",
                "X-Bce-Error-Message": "signature mismatch",
            },
            "",
            AuthenticationError,
            "IamSignatureInvalid",
        ),
        (
            400,
            {"X-Bce-Error-Code": "SignatureDoesNotMatch"},
            "",
            AuthenticationError,
            "SignatureDoesNotMatch",
        ),
        (401, {}, "", AuthenticationError, None),
        (403, {}, "", PermissionDeniedError, None),
        (404, {}, "", NotFoundError, None),
        (429, {"Retry-After": "3"}, "", RateLimitError, None),
        (400, {}, "bad", InvalidRequestError, None),
        (500, {}, "", ServerError, None),
        (503, {"X-Bce-Error-Code": "ServiceUnavailable"}, "", ServerError, "ServiceUnavailable"),
    ],
)
def test_non_2xx_gateway_failures(
    status: int, headers: dict[str, str], body: str, cls: type[WenxinError], code: str | None
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=body.encode())

    with pytest.raises(WenxinError) as info:
        mock_client(handler).chat(MESSAGES)
    err = info.value
    assert type(err) is cls
    assert err.status_code == status
    assert err.error_code == code
    assert f"HTTP {status}" in str(err)
    if code:
        assert code in str(err)
    if "X-Bce-Error-Message" in headers:
        assert headers["X-Bce-Error-Message"] in str(err)
        assert err.error_msg == headers["X-Bce-Error-Message"]
    if "Retry-After" in headers:
        assert err.retry_after == 3.0
    assert_no_secret(err)


def test_html_error_page_gives_a_short_excerpt() -> None:
    page = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>" + "x" * 5000 + "</body>"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, headers={"Content-Type": "text/html"}, content=page.encode())

    with pytest.raises(ServerError) as info:
        mock_client(handler).chat(MESSAGES)
    text = str(info.value)
    assert "HTTP 502" in text
    assert "502 Bad Gateway" in text
    assert "\n" not in text
    assert len(text) < 400


def test_a_2xx_answer_that_is_not_json_is_an_error_with_a_redacted_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<html>hi")

    with pytest.raises(WenxinError) as info:
        mock_client(handler).chat(MESSAGES)
    assert type(info.value) is WenxinError
    assert "access_token=***" in str(info.value)
    assert_no_secret(info.value)


def test_echoed_token_in_error_msg_is_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        msg = f"bad request {request.url}"  # a gateway echoing the full URL
        assert TOKEN in msg
        return httpx.Response(200, json={"error_code": 336003, "error_msg": msg})

    with pytest.raises(InvalidRequestError) as info:
        mock_client(handler).chat(MESSAGES)
    assert_no_secret(info.value)
    assert info.value.error_msg is not None
    assert TOKEN not in info.value.error_msg
    assert "access_token=***" in str(info.value)


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ConnectError, WenxinConnectionError),
        (httpx.ReadError, WenxinConnectionError),
        (httpx.RemoteProtocolError, WenxinConnectionError),
        (httpx.ConnectTimeout, WenxinTimeoutError),
        (httpx.ReadTimeout, WenxinTimeoutError),
        (httpx.PoolTimeout, WenxinTimeoutError),
    ],
)
def test_transport_errors_are_typed_and_redacted(exc: type[httpx.HTTPError], cls: type) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc(f"failure talking to {request.url}", request=request)  # type: ignore[call-arg]

    with pytest.raises(WenxinError) as info:
        mock_client(handler).chat(MESSAGES)
    assert type(info.value) is cls
    assert "access_token=***" in str(info.value)
    assert_no_secret(info.value)


def test_errors_pickle_with_their_attributes() -> None:
    err = error_from_status(
        429, gateway_code="TooMany", request_id="r-1", retry_after=2.5, body_excerpt="slow down"
    )
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is RateLimitError
    assert (copy.status_code, copy.error_code, copy.request_id, copy.retry_after) == (
        429,
        "TooMany",
        "r-1",
        2.5,
    )
    assert str(copy) == str(err)
    busy = error_from_body({"error_code": 336100, "error_msg": "busy", "id": "as-1"})
    assert repr(pickle.loads(pickle.dumps(busy))) == repr(busy)


def test_error_body_with_a_non_numeric_code_falls_back_to_the_status() -> None:
    err = error_from_body({"error_code": "oops", "error_msg": "x"}, status_code=503)
    assert type(err) is ServerError
    err = error_from_body({"error_code": 424242, "error_msg": "new"}, status_code=200)
    assert type(err) is WenxinError
    assert err.error_code == 424242
