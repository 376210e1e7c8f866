"""Bare echoes of live secrets are masked: messages, error fields, log lines, pickles.

Patterns catch secrets of a known shape; the registry catches the exact values this process
holds (what the auths were built with and the tokens they obtained), whatever their shape.
"""

from __future__ import annotations

import logging
import pickle

import httpx
import pytest
from pydantic import SecretStr

from wenxin_core.auth import BearerAuth, FixedTokenAuth, TokenProvider
from wenxin_core.errors import BodyLimitError, WenxinError, scrub_error, scrub_request
from wenxin_core.redact import (
    MIN_SECRET_LENGTH,
    REDACTED,
    install_log_redaction,
    redact,
    register_secret,
)

ODD_KEY = "no-known-shape-key-5f1d3b"
"""A secret no pattern knows: only the registry can mask it."""


def test_a_registered_value_is_masked_with_its_escaped_forms() -> None:
    assert ODD_KEY in redact(f"echo {ODD_KEY}")  # not registered yet: no pattern knows it
    BearerAuth(SecretStr(ODD_KEY))
    assert redact(f"echo {ODD_KEY}.") == f"echo {REDACTED}."
    slashed = "odd/slashed+key=value-7e9a"
    register_secret(SecretStr(slashed))
    assert slashed not in redact(slashed)
    assert "odd%2Fslashed%2Bkey%3Dvalue-7e9a" not in redact("q=odd%2Fslashed%2Bkey%3Dvalue-7e9a")
    assert "odd\\/slashed" not in redact('{"k": "odd\\/slashed+key=value-7e9a"}')


def test_short_values_are_not_registered() -> None:
    register_secret("x" * (MIN_SECRET_LENGTH - 1))
    assert redact("x" * 20) == "x" * 20


def test_fetched_tokens_are_registered() -> None:
    provider = TokenProvider(
        SecretStr("app-key-reg-1a2b3c"), SecretStr("app-sk-reg-4d5e6f"), base_url="https://v1"
    )
    token = "24.freshly-fetched-token-0c9b8a"
    answer = httpx.Response(
        200, json={"access_token": token}, request=httpx.Request("POST", "https://v1/oauth")
    )
    provider.store(answer)
    assert token not in redact(f"token {token} rejected")
    assert "app-sk-reg-4d5e6f" not in redact("the key app-sk-reg-4d5e6f")


def test_error_fields_are_masked() -> None:
    FixedTokenAuth(SecretStr("fixed-token-reg-77aa88bb"))
    err = WenxinError(
        "bad fixed-token-reg-77aa88bb",
        error_code="code fixed-token-reg-77aa88bb",
        error_msg="msg fixed-token-reg-77aa88bb",
        request_id="rid fixed-token-reg-77aa88bb",
    )
    text = f"{err} {err!r} {err.error_code} {err.error_msg} {err.request_id}"
    assert "fixed-token-reg-77aa88bb" not in text


def test_log_lines_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    BearerAuth(SecretStr("log-line-key-3e4f5a6b"))
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("httpx").info("HTTP Request: %s", "key=log-line-key-3e4f5a6b")
        logging.getLogger("wenxin_core").debug("retry after log-line-key-3e4f5a6b")
    assert "log-line-key-3e4f5a6b" not in caplog.text
    assert caplog.text.count(REDACTED) == 2


def test_scrub_request_takes_every_credential_off() -> None:
    request = httpx.Request(
        "POST",
        "https://x.example/oauth?grant_type=client_credentials&client_id=a&client_secret=b"
        "&access_token=c",
        headers={"Authorization": "Bearer k", "Cookie": "s=1"},
    )
    scrub_request(request)
    assert request.headers["authorization"] == REDACTED
    assert request.headers["cookie"] == REDACTED
    assert "client_secret=***" in str(request.url) and "access_token=***" in str(request.url)
    assert "grant_type=client_credentials" in str(request.url)
    scrub_request(request)  # idempotent
    scrub_request(None)


def test_scrub_error_sanitises_a_foreign_cause_and_keeps_its_description() -> None:
    request = httpx.Request("POST", "https://x.example/v2", headers={"Authorization": "Bearer k"})
    try:
        raise httpx.ConnectError("connection refused", request=request)
    except httpx.ConnectError as cause:
        err = WenxinError("Connection failed")
        err.__cause__ = cause
    scrub_error(err)
    cause_after = err.__cause__
    assert isinstance(cause_after, httpx.ConnectError)
    assert str(cause_after) == "connection refused" and cause_after.__traceback__ is None
    assert cause_after.request.headers["authorization"] == REDACTED


def test_the_replay_request_is_never_pickled() -> None:
    err = BodyLimitError("too deep", limit=512, kind="depth", status_code=200)
    err.__dict__["_request"] = httpx.Request("POST", "https://x.example/?access_token=t0ken123")
    copy = pickle.loads(pickle.dumps(err))
    assert isinstance(copy, BodyLimitError) and copy.limit == 512 and copy.kind == "depth"
    assert "_request" not in copy.__dict__
