"""Shared fixtures of the LangChain adapter tests: a clean QIANFAN_* environment."""

from __future__ import annotations

import pytest

QIANFAN_ENV = (
    "QIANFAN_AK",
    "QIANFAN_SK",
    "QIANFAN_ACCESS_TOKEN",
    "QIANFAN_ACCESS_KEY",
    "QIANFAN_SECRET_KEY",
    "QIANFAN_BASE_URL",
)


@pytest.fixture(autouse=True)
def _clean_qianfan_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's real credentials (and none reaches the real service)."""
    for name in QIANFAN_ENV:
        monkeypatch.delenv(name, raising=False)
