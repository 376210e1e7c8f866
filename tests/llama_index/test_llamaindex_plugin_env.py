"""``Wenxin()`` with no argument under the emulator plugin's environment fixtures (users' way)."""

from __future__ import annotations

import asyncio

from llama_index_wenxin import DEFAULT_MODEL, Wenxin
from wenxin_core.emulator.server import EmulatorServer


def test_v2_api_key_from_the_plugin_env(wenxin_emulator_env: EmulatorServer) -> None:
    llm = Wenxin()
    assert llm.complete("hello").text
    request = wenxin_emulator_env.requests[-1]
    assert (request["api"], request["body"]["model"]) == ("v2", DEFAULT_MODEL)


def test_v2_iam_pair_from_the_plugin_env(wenxin_emulator_env_iam: EmulatorServer) -> None:
    llm = Wenxin(model="ernie-x1.1")
    assert llm.access_key is not None and llm.api_key is None
    assert llm.complete("one").text
    assert asyncio.run(llm.acomplete("two")).text
    assert wenxin_emulator_env_iam.bearer_token_requests == 1


def test_v1_from_the_plugin_env(wenxin_emulator_env_v1: EmulatorServer) -> None:
    llm = Wenxin(api="v1")
    assert llm.metadata.model_name == "Llama-2-13B-Chat"
    assert "".join(r.delta or "" for r in llm.stream_complete("hello"))
    assert wenxin_emulator_env_v1.requests[-1]["api"] == "v1"
