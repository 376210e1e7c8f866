from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.emulator.emulator_helpers import get_token
from wenxin_core.emulator import EmulatorServer


@pytest.fixture
def emu(wenxin_emulator: EmulatorServer) -> EmulatorServer:
    return wenxin_emulator


@pytest.fixture
def client(emu: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.base_url, timeout=10) as c:
        yield c


@pytest.fixture
def token(client: httpx.Client) -> str:
    return get_token(client)


@pytest.fixture
def own_emu(request: pytest.FixtureRequest) -> Iterator[EmulatorServer]:
    """A fresh emulator with the config options of ``@pytest.mark.emulator_config(...)``."""
    marker = request.node.get_closest_marker("emulator_config")
    options = dict(marker.kwargs) if marker else {}
    with EmulatorServer(**options) as server:
        yield server


@pytest.fixture
def own_client(own_emu: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own_emu.base_url, timeout=10) as c:
        yield c


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "emulator_config(**options): options of own_emu")
