"""The one-pass header readers: request id and ``X-Ratelimit-*`` figures, edge cases included."""

from __future__ import annotations

import httpx
import pytest

from wenxin_core.request import request_id_of
from wenxin_core.types import RateLimits
from wenxin_core.wire.v2.errors import rate_limits_of


def response(*headers: tuple[str, str]) -> httpx.Response:
    request = httpx.Request("POST", "http://127.0.0.1/v2/chat/completions")
    return httpx.Response(200, headers=list(headers), request=request)


def test_no_rate_headers_is_none() -> None:
    assert rate_limits_of(response(("Content-Type", "application/json"))) is None


def test_every_figure_is_read_whatever_the_case_of_the_names() -> None:
    limits = rate_limits_of(
        response(
            ("X-RateLimit-Limit-Requests", "120"),
            ("x-ratelimit-remaining-requests", " 119 "),
            ("X-Ratelimit-Limit-Input-Tokens", "10000.0"),
            ("X-Ratelimit-Remaining-Input-Tokens", "-5"),
            ("X-Ratelimit-Limit-Output-Tokens", "nan"),
            ("X-Ratelimit-Remaining-Output-Tokens", "1" * 400),
        )
    )
    assert limits == RateLimits(
        limit_requests=120,
        remaining_requests=119,
        limit_input_tokens=10000,
        remaining_input_tokens=None,  # negative: not a count
        limit_output_tokens=None,  # not a number
        remaining_output_tokens=None,  # infinite as a float: not a count
    )


@pytest.mark.parametrize(
    ("value", "count"),
    [("123456789012345", 123456789012345), ("1234567890123456789", 1234567890123456768)],
)
def test_long_figures_follow_the_float_rules(value: str, count: int) -> None:
    limits = rate_limits_of(response(("X-Ratelimit-Limit-Requests", value)))
    assert limits is not None
    assert limits.limit_requests == count


def test_the_last_of_repeated_rate_headers_wins() -> None:
    limits = rate_limits_of(
        response(("X-Ratelimit-Limit-Requests", "1"), ("X-Ratelimit-Limit-Requests", "2"))
    )
    assert limits is not None
    assert limits.limit_requests == 2
    assert limits.remaining_requests is None


def test_request_id_by_the_order_of_names_not_of_headers() -> None:
    assert request_id_of(response(("Request-Id", "late"), ("X-Bce-Request-Id", "bce"))) == "bce"
    assert request_id_of(response(("X-Bce-Request-Id", ""), ("X-Request-Id", "plain"))) == "plain"
    assert request_id_of(response(("Content-Type", "application/json"))) is None
    assert request_id_of(response(("X-Request-Id", "a"), ("X-Request-Id", "b"))) == "b"


@pytest.mark.parametrize(
    "value",
    ["application/json", "caf\u00e9 \u6587\u5fc3".encode().decode("latin-1"), "\u00e9t\u00e9"],
    ids=["ascii", "utf-8 bytes", "latin-1"],
)
def test_headers_handed_to_aiohttp_decode_as_httpx_does(value: str) -> None:
    from wenxin_core._http.aio import _str_items

    headers = httpx.Headers([(b"Host", b"127.0.0.1"), (b"X-Extra", value.encode("latin-1"))])
    assert _str_items(headers) == [(k.lower(), v) for k, v in headers.multi_items()]
