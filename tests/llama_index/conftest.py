"""Fixtures: one emulator for the module (reset per test), models wired to it, clean Settings."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from li_helpers import (
    AsyncRecordingTransport,
    EventCollector,
    HashEmbedding,
    RecordingTransport,
    WireLog,
)
from llama_index.core import Settings
from llama_index_instrumentation import get_dispatcher

from llama_index_wenxin import Wenxin
from wenxin_core.emulator.server import EmulatorServer

_ENV_VARS = (
    "QIANFAN_AK",
    "QIANFAN_SK",
    "QIANFAN_ACCESS_TOKEN",
    "QIANFAN_ACCESS_KEY",
    "QIANFAN_SECRET_KEY",
    "QIANFAN_BASE_URL",
)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """The shared emulator, with no faults, scripts or records left by another test."""
    emulator_server.reset()
    yield emulator_server
    emulator_server.reset()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees real credentials (CI unsets them too; this guards local runs)."""
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emulator_env(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    """Credentials and base URL of the emulator in the environment."""
    monkeypatch.setenv("QIANFAN_AK", "env-api-key")
    monkeypatch.setenv("QIANFAN_SK", "env-secret-key")
    monkeypatch.setenv("QIANFAN_BASE_URL", emulator.base_url)
    return emulator


@pytest.fixture(autouse=True)
def restore_settings() -> Iterator[None]:
    """Each test gets LlamaIndex's global Settings back as they were."""
    saved = dict(vars(Settings))
    yield
    for key in list(vars(Settings)):
        if key not in saved:
            delattr(Settings, key)
    for key, value in saved.items():
        setattr(Settings, key, value)


@pytest.fixture
def wire() -> WireLog:
    return WireLog()


@pytest_asyncio.fixture
async def make_llm(emulator: EmulatorServer, wire: WireLog) -> AsyncIterator[Any]:
    """Build Wenxin models on the emulator whose HTTP clients record the server's answers."""
    made: list[tuple[httpx.Client, httpx.AsyncClient]] = []

    def factory(**kwargs: Any) -> Wenxin:
        http = httpx.Client(transport=RecordingTransport(wire))
        ahttp = httpx.AsyncClient(transport=AsyncRecordingTransport(wire))
        made.append((http, ahttp))
        options: dict[str, Any] = {
            "model": "Llama-2-13b-chat",
            "api_key": "test-api-key",
            "secret_key": "test-secret-key",
            "base_url": emulator.base_url,
            "http_client": http,
            "async_http_client": ahttp,
        }
        options.update(kwargs)
        return Wenxin(**options)

    yield factory
    for http, ahttp in made:
        http.close()
        # A test that ran the async client under its own asyncio.run left connections bound
        # to a loop that is gone; closing those is best effort.
        with contextlib.suppress(RuntimeError):
            await ahttp.aclose()


@pytest.fixture
def llm(make_llm: Any) -> Wenxin:
    model: Wenxin = make_llm()
    return model


@pytest.fixture
def events() -> Iterator[EventCollector]:
    """Every instrumentation event of the test, from the root dispatcher."""
    root = get_dispatcher()
    collector = EventCollector()
    root.add_event_handler(collector)
    yield collector
    root.event_handlers.remove(collector)


@pytest.fixture
def embed_model() -> HashEmbedding:
    return HashEmbedding()


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
