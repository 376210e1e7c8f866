from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from emulator_helpers import get_token

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
