"""Pytest fixtures for tests against the emulator.

Registered as the ``pytest11`` plugin ``wenxin_emulator``: ``wenxin_emulator_server``,
``wenxin_emulator`` and ``wenxin_emulator_env``.

Nothing heavy is imported here: uvicorn is only needed once a fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from wenxin_core.emulator.server import EmulatorServer

__all__ = ["wenxin_emulator", "wenxin_emulator_env", "wenxin_emulator_server"]


@pytest.fixture(scope="session")
def wenxin_emulator_server() -> Iterator[EmulatorServer]:
    """One emulator for the whole test session (thread, 127.0.0.1, a free port)."""
    from wenxin_core.emulator.server import EmulatorServer

    with EmulatorServer() as server:
        yield server


@pytest.fixture
def wenxin_emulator(wenxin_emulator_server: EmulatorServer) -> EmulatorServer:
    """The session emulator, reset (no faults, scripts, records or latency) for this test."""
    wenxin_emulator_server.reset()
    return wenxin_emulator_server


@pytest.fixture
def wenxin_emulator_env(
    wenxin_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> EmulatorServer:
    """The reset emulator, with ``QIANFAN_BASE_URL``, ``QIANFAN_AK`` and ``QIANFAN_SK`` set to it.

    The IAM variables (``QIANFAN_ACCESS_KEY``/``QIANFAN_SECRET_KEY``) are removed so the token
    mode is used.
    """
    monkeypatch.setenv("QIANFAN_BASE_URL", wenxin_emulator.base_url)
    monkeypatch.setenv("QIANFAN_AK", "emulator-api-key")
    monkeypatch.setenv("QIANFAN_SK", "emulator-secret-key")
    monkeypatch.delenv("QIANFAN_ACCESS_KEY", raising=False)
    monkeypatch.delenv("QIANFAN_SECRET_KEY", raising=False)
    monkeypatch.delenv("QIANFAN_ACCESS_TOKEN", raising=False)
    return wenxin_emulator
