"""Shared fixtures of the LangChain adapter tests: a clean QIANFAN_* environment."""

from __future__ import annotations

import pytest

from wenxin_core.auth import ENV_VARS

QIANFAN_ENV = tuple(sorted(set(ENV_VARS.values())))
"""Every variable the core and the adapter read (credentials, app id and URLs)."""


@pytest.fixture(autouse=True)
def _clean_qianfan_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's real credentials (and none reaches the real service)."""
    for name in QIANFAN_ENV:
        monkeypatch.delenv(name, raising=False)
