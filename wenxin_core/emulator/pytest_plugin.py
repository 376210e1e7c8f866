"""Pytest fixtures for tests against the emulator.

Registered as the ``pytest11`` plugin ``wenxin_emulator``: ``wenxin_emulator_server``,
``wenxin_emulator``, ``wenxin_emulator_env`` (V2, the API Key), ``wenxin_emulator_env_iam`` (V2,
the IAM pair minting BCE-BEARER tokens) and ``wenxin_emulator_env_v1`` (legacy V1).

Each fixture is the :class:`~wenxin_core.emulator.server.EmulatorServer` itself, so a test
scripts exact answers with ``script(text)`` and ``script_tool_calls([{"name", "arguments"}])``
and injects faults (``inject_v2_error``...) on chat, embeddings and rerank alike.

Nothing heavy is imported here: uvicorn is only needed once a fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from wenxin_core.emulator.server import EmulatorServer

__all__ = [
    "CREDENTIAL_VARIABLES",
    "wenxin_emulator",
    "wenxin_emulator_env",
    "wenxin_emulator_env_iam",
    "wenxin_emulator_env_v1",
    "wenxin_emulator_server",
]

CREDENTIAL_VARIABLES = (
    "QIANFAN_API_KEY",
    "QIANFAN_AK",
    "QIANFAN_SK",
    "QIANFAN_ACCESS_TOKEN",
    "QIANFAN_ACCESS_KEY",
    "QIANFAN_SECRET_KEY",
    "QIANFAN_APP_ID",
)
"""Every credential variable the clients read; each env fixture removes those it does not set."""


def _clear_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


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
    """The reset emulator as a V2 service reached with the default API Key.

    ``QIANFAN_BASE_URL`` = its ``/v2`` URL, ``QIANFAN_API_KEY`` =
    :data:`~wenxin_core.emulator.config.DEFAULT_API_KEY`. ``QIANFAN_IAM_BASE_URL`` points
    at the emulator too (it serves the BCE-BEARER endpoint); every other credential variable
    (:data:`CREDENTIAL_VARIABLES`) is removed.
    """
    from wenxin_core.emulator.config import DEFAULT_API_KEY

    _clear_credentials(monkeypatch)
    monkeypatch.setenv("QIANFAN_BASE_URL", wenxin_emulator.v2_base_url)
    monkeypatch.setenv("QIANFAN_IAM_BASE_URL", wenxin_emulator.base_url)
    monkeypatch.setenv("QIANFAN_API_KEY", DEFAULT_API_KEY)
    return wenxin_emulator


@pytest.fixture
def wenxin_emulator_env_iam(
    wenxin_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> EmulatorServer:
    """The reset emulator as a V2 service reached with the IAM pair (BCE-BEARER tokens).

    ``QIANFAN_BASE_URL`` = its ``/v2`` URL, ``QIANFAN_IAM_BASE_URL`` = its base URL,
    ``QIANFAN_ACCESS_KEY`` / ``QIANFAN_SECRET_KEY`` = the default IAM pair; the other credential
    variables are removed.
    """
    from wenxin_core.emulator.config import DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY

    _clear_credentials(monkeypatch)
    monkeypatch.setenv("QIANFAN_BASE_URL", wenxin_emulator.v2_base_url)
    monkeypatch.setenv("QIANFAN_IAM_BASE_URL", wenxin_emulator.base_url)
    monkeypatch.setenv("QIANFAN_ACCESS_KEY", DEFAULT_IAM_ACCESS_KEY)
    monkeypatch.setenv("QIANFAN_SECRET_KEY", DEFAULT_IAM_SECRET_KEY)
    return wenxin_emulator


@pytest.fixture
def wenxin_emulator_env_v1(
    wenxin_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> EmulatorServer:
    """The reset emulator as the legacy V1 service (the OAuth token mode).

    ``QIANFAN_BASE_URL`` = its base URL, ``QIANFAN_AK`` / ``QIANFAN_SK`` = V1 application keys.
    Every other credential variable is removed; the client must be told ``api="v1"``.
    """
    _clear_credentials(monkeypatch)
    monkeypatch.delenv("QIANFAN_IAM_BASE_URL", raising=False)
    monkeypatch.setenv("QIANFAN_BASE_URL", wenxin_emulator.base_url)
    monkeypatch.setenv("QIANFAN_AK", "emulator-api-key")
    monkeypatch.setenv("QIANFAN_SK", "emulator-secret-key")
    return wenxin_emulator
