"""Fixtures: models wired to the plugin's session emulator (reset per test), clean Settings.

``make_llm`` / ``llm`` build V2 models (the default API) with the emulator's API key;
``make_llm_v1`` / ``llm_v1`` build legacy V1 models (``api="v1"``) with application keys.
``emulator_env`` puts the V2 credentials and base URL in the environment, ``emulator_env_v1``
the V1 ones.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from llama_index.core import Settings
from llama_index_instrumentation import get_dispatcher

from llama_index_wenxin import Wenxin
from tests.llama_index.li_helpers import (
    V1_SECRETS,
    AsyncRecordingTransport,
    EventCollector,
    HashEmbedding,
    RecordingTransport,
    WireLog,
)
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer


@pytest.fixture
def emulator(wenxin_emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    """The plugin's session emulator, reset before the test (and after it)."""
    yield wenxin_emulator
    wenxin_emulator.reset()


@pytest.fixture
def emulator_env(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    """The emulator's V2 API key and V2 base URL in the environment."""
    monkeypatch.setenv("QIANFAN_API_KEY", DEFAULT_API_KEY)
    monkeypatch.setenv("QIANFAN_BASE_URL", emulator.v2_base_url)
    return emulator


@pytest.fixture
def emulator_env_v1(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    """V1 application keys and the emulator's V1 base URL in the environment."""
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


def _factory(
    made: list[tuple[httpx.Client, httpx.AsyncClient]], wire: WireLog, defaults: dict[str, Any]
) -> Any:
    def factory(**kwargs: Any) -> Wenxin:
        http = httpx.Client(transport=RecordingTransport(wire))
        ahttp = httpx.AsyncClient(transport=AsyncRecordingTransport(wire))
        made.append((http, ahttp))
        options = {**defaults, "http_client": http, "async_http_client": ahttp, **kwargs}
        return Wenxin(**options)

    return factory


async def _close(made: list[tuple[httpx.Client, httpx.AsyncClient]]) -> None:
    for http, ahttp in made:
        http.close()
        # A test that ran the async client under its own asyncio.run left connections bound
        # to a loop that is gone; closing those is best effort.
        with contextlib.suppress(RuntimeError):
            await ahttp.aclose()


@pytest_asyncio.fixture
async def make_llm(emulator: EmulatorServer, wire: WireLog) -> AsyncIterator[Any]:
    """Build V2 Wenxin models on the emulator whose HTTP clients record the server's answers."""
    made: list[tuple[httpx.Client, httpx.AsyncClient]] = []
    defaults = {"api_key": DEFAULT_API_KEY, "base_url": emulator.v2_base_url}
    yield _factory(made, wire, defaults)
    await _close(made)


@pytest_asyncio.fixture
async def make_llm_v1(emulator: EmulatorServer, wire: WireLog) -> AsyncIterator[Any]:
    """Build legacy V1 Wenxin models (Llama-2-13b-chat by default) on the emulator."""
    made: list[tuple[httpx.Client, httpx.AsyncClient]] = []
    defaults = {
        "api": "v1",
        "model": "Llama-2-13b-chat",
        "qianfan_ak": V1_SECRETS[0],
        "qianfan_sk": V1_SECRETS[1],
        "base_url": emulator.base_url,
    }
    yield _factory(made, wire, defaults)
    await _close(made)


@pytest.fixture
def llm(make_llm: Any) -> Wenxin:
    """A V2 model (the default, ernie-4.5-turbo-32k) on the emulator."""
    model: Wenxin = make_llm()
    return model


@pytest.fixture
def llm_v1(make_llm_v1: Any) -> Wenxin:
    """A V1 Llama-2-13b-chat on the emulator."""
    model: Wenxin = make_llm_v1()
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
