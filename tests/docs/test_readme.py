"""Every Python snippet of the README runs as pasted into a fresh interpreter (emulator, V2).

A snippet is a ```` ```python ```` block; it runs with the environment a V2 user has
(``QIANFAN_BASE_URL`` = the emulator's ``/v2`` URL, ``QIANFAN_API_KEY`` = its default key, no
other ``QIANFAN_*`` variable). A ```` ```py ```` block is shown but not run (pytest examples that
need a test of their own around them).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from wenxin_core.emulator.config import DEFAULT_API_KEY

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[2] / "README.md"
TEXT = README.read_text(encoding="utf-8")
SNIPPETS = re.findall(r"```python\n(.*?)```", TEXT, re.DOTALL)


def test_readme_has_snippets() -> None:
    assert len(SNIPPETS) >= 14


def _section(title: str) -> str:
    """The README's ``## title`` section, up to the next ``## `` heading."""
    start = TEXT.index(f"\n## {title}\n")
    end = TEXT.find("\n## ", start + 1)
    return TEXT[start : end if end != -1 else None]


def test_readme_documents_tools_and_agents() -> None:
    part = _section("Tool calling, structured output and agents")
    for name in (
        "bind_tools",
        "with_structured_output",
        "create_agent",
        "chat_with_tools",
        "predict_and_call",
        "structured_predict",
        "FunctionAgent",
        "last_turn_user_only",
        "ernie-4.5-turbo-32k",
        "ernie-x1-turbo-32k",
        "deepseek-v3.2",
    ):
        assert name in part, name
    assert "continue after tool results" in part


def test_readme_documents_embeddings_and_rerank() -> None:
    part = _section("Embeddings and rerank: RAG on Qianfan")
    for name in (
        "WenxinEmbeddings",
        "WenxinEmbedding(",
        "WenxinRerank",
        "truncate=True",
        "at most 16",
        "64 documents",
        "1,600",
        "4,096",
        "384",
        "tao-8k",
        "relevance_score",
        "node_postprocessors",
        "client.embed(",
        "client.rerank(",
    ):
        assert name in part, name


def test_readme_documents_the_emulator_controls() -> None:
    part = _section("The emulator, for your own tests")
    for name in (
        "script_tool_calls",
        "set_stream_tool_arguments",
        "--stream-tool-arguments",
        "/v2/embeddings",
        "/v2/rerank",
        "embedding_calls",
        "wenxin_emulator_env_iam",
    ):
        assert name in part, name


def test_readme_keeps_the_benchmark_figures() -> None:
    part = _section("Benchmarks")
    assert part.count("\n| ") >= 25  # the five tables' rows
    assert "ChatWenxin.invoke` vs `ChatOpenAI.invoke`" in part


def test_readme_says_v1_is_gone_up_front() -> None:
    opening = TEXT[:1500]
    assert "2026-08-31" in opening
    assert "V2" in opening and 'api="v1"' in opening
    assert 'ChatWenxin(model="<service API name>")' in opening


def test_readme_documents_the_v2_credentials() -> None:
    for name in (
        "QIANFAN_API_KEY",
        "QIANFAN_ACCESS_KEY",
        "QIANFAN_SECRET_KEY",
        "QIANFAN_APP_ID",
        "QIANFAN_AK",
        "QIANFAN_SK",
        "wenxin_emulator_env_v1",
        "make demo",
        "make test",
    ):
        assert name in TEXT, name


@pytest.mark.parametrize("index", range(len(SNIPPETS)))
def test_readme_snippet_runs(index: int, wenxin_emulator_server: object, tmp_path: Path) -> None:
    v2_url = wenxin_emulator_server.v2_base_url  # type: ignore[attr-defined]
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANFAN_")}
    env.update(QIANFAN_BASE_URL=v2_url, QIANFAN_API_KEY=DEFAULT_API_KEY)
    script = tmp_path / f"snippet_{index}.py"
    script.write_text(SNIPPETS[index], encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"snippet {index} failed:\n{SNIPPETS[index]}\n{result.stderr}"
    assert result.stdout.strip(), f"snippet {index} printed nothing"
    assert "Traceback" not in result.stderr
