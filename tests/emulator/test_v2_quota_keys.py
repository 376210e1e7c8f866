"""The emulator's quotas are metered per key, in a configurable window, refusals not counted."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.emulator.v2_helpers import body, error_of, post
from wenxin_core.emulator.config import DEFAULT_API_KEY, RateLimits

OTHER_KEY = "bce-v3/ALTAK-other/other-key"
KEYS = {DEFAULT_API_KEY, OTHER_KEY}


@pytest.mark.emulator_config(rate_limits=RateLimits(requests=2, enforce=True), v2_api_keys=KEYS)
def test_each_key_has_its_own_quota(own_client: httpx.Client) -> None:
    for _ in range(2):
        assert post(own_client, body()).status_code == 200
    assert error_of(post(own_client, body())) == (429, "rpm_rate_limit_exceeded")
    other = post(own_client, body(), key=OTHER_KEY)
    assert other.status_code == 200
    assert other.headers["x-ratelimit-remaining-requests"] == "1"


@pytest.mark.emulator_config(
    rate_limits=RateLimits(requests=2, enforce=True, per_key=False), v2_api_keys=KEYS
)
def test_a_shared_quota_is_everybody_s(own_client: httpx.Client) -> None:
    assert post(own_client, body()).status_code == 200
    assert post(own_client, body(), key=OTHER_KEY).status_code == 200
    assert error_of(post(own_client, body(), key=OTHER_KEY)) == (429, "rpm_rate_limit_exceeded")


@pytest.mark.emulator_config(rate_limits=RateLimits(requests=1, enforce=True, window=0.5))
def test_the_window_refills_and_refusals_use_no_quota(own_client: httpx.Client) -> None:
    assert post(own_client, body()).status_code == 200
    for _ in range(3):
        assert error_of(post(own_client, body())) == (429, "rpm_rate_limit_exceeded")
    time.sleep(0.6)
    refilled = post(own_client, body())
    assert refilled.status_code == 200
    assert refilled.headers["x-ratelimit-remaining-requests"] == "0"


@pytest.mark.emulator_config(rate_limits=RateLimits(tokens=10, enforce=True))
def test_combined_token_quota(own_client: httpx.Client) -> None:
    assert post(own_client, body("a long question " * 5)).status_code == 200
    assert error_of(post(own_client, body())) == (429, "tpm_rate_limit_exceeded")
