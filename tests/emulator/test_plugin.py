from __future__ import annotations

import os
import subprocess
import sys

from wenxin_core.emulator import EmulatorServer


def test_env_fixture_points_at_emulator(wenxin_emulator_env: EmulatorServer) -> None:
    assert os.environ["QIANFAN_BASE_URL"] == wenxin_emulator_env.base_url
    assert os.environ["QIANFAN_AK"] and os.environ["QIANFAN_SK"]
    assert "QIANFAN_ACCESS_KEY" not in os.environ


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

    allowed = {"wenxin_core.catalog", "wenxin_core.errors", "wenxin_core.auth.signing"}
    for path in Path(package.__file__).parent.glob("*.py"):
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
