"""Importing the core or an adapter leaves out what only some programs need (issue 14 item 7).

Each import runs in a fresh interpreter, which then lists which of the deferred modules got
loaded anyway: the async fast path (aiohttp), the emulator, Redis, V1's parameters and wire,
the other framework, and the adapters' classes and helpers that a chat program does not use
(embeddings, rerank, tool binding, structured output). A top-level import added back to any
module on the way fails here. The deferred names stay importable from the package.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

DEFERRED_BY_THE_CORE = (
    "wenxin_core._http.aio",  # the aiohttp transport: on the first async client that uses it
    "wenxin_core.emulator",
    "wenxin_core.ratelimit.redis_limiter",
    "wenxin_core.ratelimit.memory",
    "wenxin_core.params",  # V1's pydantic parameters
    "wenxin_core.wire.v1",
    "uvicorn",
    "redis",
)
"""Modules no import of ours loads before they are used."""

CASES = {
    "wenxin_core": (
        *DEFERRED_BY_THE_CORE,
        "aiohttp",
        "httpx_aiohttp",
        "langchain_core",
        "llama_index",
        "concurrent.futures.thread",  # the sync client's threads: only for a batch of embeddings
    ),
    "langchain_wenxin": (
        *DEFERRED_BY_THE_CORE,
        "llama_index",
        "langchain_wenxin.embeddings",
        "langchain_wenxin.rerank",
        "langchain_wenxin._tools",
        "langchain_wenxin._structured",
    ),
    "llama_index_wenxin": (
        *DEFERRED_BY_THE_CORE,
        "aiohttp",
        "httpx_aiohttp",
        "langchain_core",  # RateLimiter's LangChain base: the field checks LimiterBase
        "llama_index_wenxin.embeddings",
        "llama_index_wenxin.rerank",
        "llama_index_wenxin.structured",
    ),
}
"""Per imported package: the modules that must not be in ``sys.modules`` after importing it."""


def loaded_after(statement: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has loaded after running ``statement``."""
    probe = f"[m for m in {list(modules)!r} if m in sys.modules]"
    code = f"import json, sys\n{statement}\nprint(json.dumps({probe}))\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


@pytest.mark.parametrize("package", sorted(CASES))
def test_importing_a_package_leaves_the_deferred_modules_out(package: str) -> None:
    assert loaded_after(f"import {package}", CASES[package]) == []


@pytest.mark.parametrize(
    ("statement", "package"),
    [
        ("from langchain_wenxin import ChatWenxin", "langchain_wenxin"),
        ("from llama_index_wenxin import Wenxin", "llama_index_wenxin"),
        ("from wenxin_core import AsyncWenxinClient, WenxinClient", "wenxin_core"),
    ],
)
def test_the_main_classes_import_as_light(statement: str, package: str) -> None:
    assert loaded_after(statement, CASES[package]) == []


def test_the_check_sees_a_module_that_is_loaded() -> None:
    # the probe itself works: a deferred module imported on purpose is reported
    statement = "import langchain_wenxin; from langchain_wenxin import WenxinRerank"
    assert loaded_after(statement, CASES["langchain_wenxin"]) == ["langchain_wenxin.rerank"]


def test_deferred_langchain_classes_are_the_modules_own() -> None:
    import langchain_wenxin
    from langchain_wenxin.embeddings import WenxinEmbeddings
    from langchain_wenxin.rerank import WenxinRerank

    assert langchain_wenxin.WenxinEmbeddings is WenxinEmbeddings
    assert langchain_wenxin.WenxinRerank is WenxinRerank
    mappings = importlib.import_module("langchain_core.load.load").ALL_SERIALIZABLE_MAPPINGS
    for cls in (langchain_wenxin.ChatWenxin, WenxinEmbeddings, WenxinRerank):
        # registered for langchain_core.load before the class was imported, by its path
        assert tuple(cls.lc_id()) in mappings
    with pytest.raises(AttributeError, match="no attribute 'WenxinLLM'"):
        _ = langchain_wenxin.WenxinLLM


def test_deferred_llama_index_classes_are_the_modules_own() -> None:
    import llama_index_wenxin
    from llama_index_wenxin.embeddings import WenxinEmbedding
    from llama_index_wenxin.rerank import WenxinRerank

    assert llama_index_wenxin.WenxinEmbedding is WenxinEmbedding
    assert llama_index_wenxin.WenxinRerank is WenxinRerank
    with pytest.raises(AttributeError, match="no attribute 'WenxinLLM'"):
        _ = llama_index_wenxin.WenxinLLM


def test_the_llama_index_rate_limit_field_still_takes_only_limiters() -> None:
    from pydantic import ValidationError

    from llama_index_wenxin import Wenxin
    from wenxin_core.ratelimit import MemoryRateLimiter

    limiter = MemoryRateLimiter(requests=5)
    assert Wenxin(api_key="k", rate_limit=limiter).rate_limit is limiter
    with pytest.raises(ValidationError, match="rate_limit"):
        Wenxin(api_key="k", rate_limit=object())
