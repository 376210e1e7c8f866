from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from wenxin_core.emulator import DEFAULT_IAM_ACCESS_KEY, DEFAULT_IAM_SECRET_KEY, EmulatorServer
from wenxin_core.emulator.config import DEFAULT_API_KEY

GONE_IN_V2 = (
    "QIANFAN_AK",
    "QIANFAN_SK",
    "QIANFAN_ACCESS_TOKEN",
    "QIANFAN_ACCESS_KEY",
    "QIANFAN_SECRET_KEY",
    "QIANFAN_APP_ID",
)


@pytest.fixture
def dirty_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every credential variable set, as on a developer's machine."""
    for name in (*GONE_IN_V2, "QIANFAN_API_KEY"):
        monkeypatch.setenv(name, "leftover")


@pytest.mark.usefixtures("dirty_env")
def test_env_fixture_is_v2_with_the_api_key(wenxin_emulator_env: EmulatorServer) -> None:
    assert os.environ["QIANFAN_BASE_URL"] == wenxin_emulator_env.base_url + "/v2"
    assert os.environ["QIANFAN_BASE_URL"] == wenxin_emulator_env.v2_base_url
    assert os.environ["QIANFAN_API_KEY"] == DEFAULT_API_KEY
    assert os.environ["QIANFAN_IAM_BASE_URL"] == wenxin_emulator_env.base_url
    for name in GONE_IN_V2:
        assert name not in os.environ, name


@pytest.mark.usefixtures("dirty_env")
def test_env_iam_fixture(wenxin_emulator_env_iam: EmulatorServer) -> None:
    assert os.environ["QIANFAN_BASE_URL"] == wenxin_emulator_env_iam.v2_base_url
    assert os.environ["QIANFAN_IAM_BASE_URL"] == wenxin_emulator_env_iam.base_url
    assert os.environ["QIANFAN_ACCESS_KEY"] == DEFAULT_IAM_ACCESS_KEY
    assert os.environ["QIANFAN_SECRET_KEY"] == DEFAULT_IAM_SECRET_KEY
    for name in ("QIANFAN_API_KEY", "QIANFAN_AK", "QIANFAN_SK", "QIANFAN_ACCESS_TOKEN"):
        assert name not in os.environ, name


@pytest.mark.usefixtures("dirty_env")
def test_env_v1_fixture_is_the_old_environment(wenxin_emulator_env_v1: EmulatorServer) -> None:
    assert os.environ["QIANFAN_BASE_URL"] == wenxin_emulator_env_v1.base_url
    assert os.environ["QIANFAN_AK"] and os.environ["QIANFAN_SK"]
    for name in ("QIANFAN_API_KEY", "QIANFAN_ACCESS_KEY", "QIANFAN_SECRET_KEY", "QIANFAN_APP_ID"):
        assert name not in os.environ, name


def test_env_fixtures_reach_the_emulator(wenxin_emulator_env: EmulatorServer) -> None:
    body = {"model": "ernie-4.5-turbo-32k", "messages": [{"role": "user", "content": "hi"}]}
    headers = {"Authorization": "Bearer " + os.environ["QIANFAN_API_KEY"]}
    url = os.environ["QIANFAN_BASE_URL"] + "/chat/completions"
    response = httpx.post(url, json=body, headers=headers)
    assert response.status_code == 200, response.text


def test_fixture_is_reset(wenxin_emulator: EmulatorServer) -> None:
    wenxin_emulator.inject_error(2, times=5)
    assert wenxin_emulator.chat_calls == 0


def test_plugin_and_package_import_light() -> None:
    code = (
        "import sys, wenxin_core.emulator, wenxin_core.emulator.pytest_plugin;"
        "heavy = [m for m in ('uvicorn', 'langchain_core', 'llama_index') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


def test_emulator_sources_import_only_allowed_core_modules() -> None:
    import ast
    from pathlib import Path

    import wenxin_core.emulator as package

    allowed = {
        "wenxin_core.catalog",
        "wenxin_core.vector_catalog",
        "wenxin_core.errors",
        "wenxin_core.auth.signing",
    }
    for path in Path(package.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = node.module
            elif isinstance(node, ast.Import):
                module = node.names[0].name
            else:
                continue
            if module.startswith("wenxin_core") and not module.startswith("wenxin_core.emulator"):
                assert module in allowed, f"{path.name} imports {module}"
            assert not module.startswith(("langchain", "llama_index")), path.name


def test_emulator_never_imports_frameworks() -> None:
    code = (
        "import sys, httpx\n"
        "from wenxin_core.emulator import EmulatorServer\n"
        "with EmulatorServer() as s:\n"
        "    httpx.post(s.base_url + '/_emulator/reset')\n"
        "print([m for m in sys.modules if m.startswith(('langchain', 'llama_index'))])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"
