"""The lean request path: only the phase timeouts the deadline does not cover; the request built."""

from __future__ import annotations

import httpx

from wenxin_core import AsyncWenxinClient
from wenxin_core.transport import post_request


def client(
    timeout: float | httpx.Timeout | None = None, total_timeout: float | None = 300.0
) -> AsyncWenxinClient:
    extra = {} if timeout is None else {"timeout": timeout}
    return AsyncWenxinClient(
        "ernie-4.5-turbo-32k",
        api_key="k",
        base_url="http://127.0.0.1:9/v2",
        total_timeout=total_timeout,
        **extra,  # type: ignore[arg-type]
    )


def test_defaults_arm_only_the_connect_timeout() -> None:
    c = client()  # 10 s connect, 300 s for the rest, 300 s in all
    assert c._extensions_for(c.timeout)["timeout"] == {
        "connect": 10.0,
        "read": None,
        "write": None,
        "pool": None,
    }


def test_phases_shorter_than_the_deadline_stay_armed() -> None:
    c = client(timeout=httpx.Timeout(5.0, read=30.0), total_timeout=20.0)
    assert c._extensions_for(c.timeout)["timeout"] == {
        "connect": 5.0,
        "read": None,
        "write": 5.0,
        "pool": 5.0,
    }


def test_without_a_deadline_every_phase_is_armed() -> None:
    c = client(timeout=300.0, total_timeout=None)
    assert c.timeout.read == 300.0
    assert c._extensions_for(c.timeout)["timeout"] == c.timeout.as_dict()


def test_a_per_call_timeout_is_armed_on_its_own_figures() -> None:
    c = client()
    assert c._extensions_for(httpx.Timeout(1.0))["timeout"]["read"] == 1.0
    assert c._extensions_for(c.timeout)["timeout"]["read"] is None  # the client's again


def test_the_lean_request_is_what_httpx_builds() -> None:
    url = httpx.URL("http://127.0.0.1:9/v2/chat/completions")
    headers = httpx.Headers([(b"Host", b"127.0.0.1:9"), (b"Content-Type", b"application/json")])
    extensions = {"timeout": {"connect": 10.0, "read": None, "write": None, "pool": None}}
    ours = post_request(url, headers, b'{"a":1}', extensions)
    theirs = httpx.Request(
        "POST", url, headers=headers, stream=httpx.ByteStream(b'{"a":1}'), extensions=extensions
    )
    theirs.read()
    assert set(vars(ours)) == set(vars(theirs))
    assert (ours.method, ours.url, ours.headers.raw) == (
        theirs.method,
        theirs.url,
        theirs.headers.raw,
    )
    assert ours.extensions == theirs.extensions
    assert ours.content == theirs.content == b'{"a":1}'
    assert type(ours.stream) is type(theirs.stream)
    ours.headers["Authorization"] = "Bearer x"  # auth writes its own copy, never the cache
    assert "Authorization" not in headers
