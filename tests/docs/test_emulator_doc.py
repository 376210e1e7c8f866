"""docs/emulator.md stays true: every CLI flag and fixture is documented, its examples run.

A ```` ```python ```` block starts its own emulator, so it runs as pasted in a fresh interpreter
with no ``QIANFAN_*`` variable; ```` ```py ```` blocks (pytest examples) are shown, not run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from wenxin_core.emulator import pytest_plugin

pytestmark = pytest.mark.slow

DOC = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"
TEXT = DOC.read_text(encoding="utf-8")
SNIPPETS = re.findall(r"```python\n(.*?)```", TEXT, re.DOTALL)


def _cli_flags() -> list[str]:
    """The long options ``wenxin-emulator --help`` lists."""
    done = subprocess.run(
        [sys.executable, "-m", "wenxin_core.emulator", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return sorted(set(re.findall(r"(--[a-z][a-z0-9-]+)", done.stdout)) - {"--help"})


def test_every_cli_flag_is_documented() -> None:
    flags = _cli_flags()
    assert "--stream-tool-arguments" in flags  # the help really was read
    missing = [flag for flag in flags if f"`{flag}" not in TEXT]
    assert not missing, missing


def test_every_fixture_is_documented() -> None:
    fixtures = [name for name in pytest_plugin.__all__ if name.startswith("wenxin_emulator")]
    assert len(fixtures) == 5
    for name in fixtures:
        assert f"`{name}`" in TEXT, name


def test_v2_comes_first_and_v1_is_legacy() -> None:
    headings = re.findall(r"^## (.+)$", TEXT, re.M)
    assert headings[-1] == "V1 (legacy)"
    assert TEXT.index("/v2/chat/completions") < TEXT.index("## V1 (legacy)")
    for route in ("/v2/embeddings", "/v2/rerank", "/v2/models", "/v1/BCE-BEARER/token"):
        assert route in TEXT, route
    for control in ("script_tool_calls", "set_stream_tool_arguments", "inject_v2_error"):
        assert f"`{control}(" in TEXT, control


@pytest.mark.parametrize("index", range(len(SNIPPETS)))
def test_doc_snippet_runs(index: int, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANFAN_")}
    script = tmp_path / f"emulator_doc_{index}.py"
    script.write_text(SNIPPETS[index], encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"snippet {index}:\n{SNIPPETS[index]}\n{done.stderr}"
    assert done.stdout.strip()
    assert "Traceback" not in done.stderr


def test_doc_has_snippets() -> None:
    assert len(SNIPPETS) >= 2
