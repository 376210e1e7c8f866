"""``make demo`` (examples/demo.py) runs offline on V2 against the bundled emulator and says so.

Every part is on Qianfan: the retrieval parts embed with ``/v2/embeddings`` and rerank with
``/v2/rerank`` (the emulator's vectors and scores carry word overlap), and must retrieve the one
document that answers the question, and only it, into the model's prompt.

The demo runs in a fresh interpreter with no ``QIANFAN_*`` variable and every proxy variable
pointing at a closed local port (``NO_PROXY`` covering 127.0.0.1 only), so any attempt to reach
the network (the real service, a tokenizer download) fails the run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"
DEAD_PROXY = "http://127.0.0.1:9"


def run_demo(tmp_path: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run the demo as ``make demo`` does, offline, with ``extra_env`` added."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANFAN_")}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        env[name] = DEAD_PROXY
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, str(DEMO)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """One offline run of the demo, shared by the tests that read its output."""
    return run_demo(tmp_path_factory.mktemp("demo"))


def test_demo_runs_offline_on_the_v2_emulator(
    offline_run: subprocess.CompletedProcess[str],
) -> None:
    done = offline_run
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert re.match(
        r"^Using the bundled Qianfan emulator \(V2\) at http://127\.0\.0\.1:\d+/v2\.", lines[0]
    )
    out = done.stdout
    assert "== LangChain: prompt | ChatWenxin(ernie-4.5-turbo-32k) | StrOutputParser ==" in out
    assert "answering on ernie-4.5-turbo-32k" in out
    assert re.search(r"usage \(TokenCountingHandler\): prompt [1-9]\d*, completion [1-9]", out)
    assert re.search(r"== wenxin_core: WenxinClient.stream, multi-turn ==\nYou said: When", out)
    assert re.search(r"^usage: prompt [1-9]\d*, completion [1-9]\d*, total \d+$", out, re.M)
    assert "Traceback" not in done.stderr


def _section(out: str, title: str) -> str:
    """The demo's output from the heading ``== title ==`` to the next heading."""
    start = out.index(f"== {title} ==")
    end = out.find("\n== ", start + 1)
    return out[start : end if end != -1 else None]


RIGHT_DOC = "Qianfan V2 is Baidu's OpenAI-compatible model API"
OTHER_DOCS = ("Great Wall", "ERNIE is Baidu's family")


def test_demo_langchain_retrieval_finds_the_right_document(
    offline_run: subprocess.CompletedProcess[str],
) -> None:
    done = offline_run
    assert done.returncode == 0, done.stderr[-3000:]
    part = _section(
        done.stdout,
        "LangChain: retrieval chain: InMemoryVectorStore on WenxinEmbeddings(embedding-v1)"
        " | WenxinRerank(bce-reranker-base) | ChatWenxin(ernie-4.5-turbo-32k)",
    )
    candidates = re.findall(r"^candidate: (.*)$", part, re.M)
    assert len(candidates) == 2, part  # the vector store's k=2 nearest, by the embeddings
    assert candidates[0].startswith(RIGHT_DOC)  # the nearest is the one that answers
    retrieved = re.findall(r"^retrieved: \[(0\.\d{3}|1\.000)\] (.*)$", part, re.M)
    assert len(retrieved) == 1, part  # top_n=1 after the rerank
    assert retrieved[0][1].startswith(RIGHT_DOC)
    assert float(retrieved[0][0]) > 0.3
    answer = part[part.index("\nA: ") :]
    assert "redeployed on V2" in answer  # the retrieved document reached the prompt
    for other in OTHER_DOCS:
        assert other not in answer  # and nothing else did
    assert "answering on ernie-4.5-turbo-32k" in answer


def test_demo_llama_index_index_and_rerank_on_qianfan(
    offline_run: subprocess.CompletedProcess[str],
) -> None:
    done = offline_run
    assert done.returncode == 0, done.stderr[-3000:]
    part = _section(
        done.stdout,
        "LlamaIndex: VectorStoreIndex on WenxinEmbedding(embedding-v1), WenxinRerank"
        "(bce-reranker-base), query engine on ernie-4.5-turbo-32k",
    )
    sources = re.findall(r"^source: \[(\d\.\d{3})\] (.*)$", part, re.M)
    assert len(sources) == 1, part
    assert sources[0][1].startswith(RIGHT_DOC)
    lc_score = re.search(r"^retrieved: \[(\d\.\d{3})\]", done.stdout, re.M)
    assert lc_score is not None
    assert sources[0][0] == lc_score.group(1)  # the reranker's score, as in the LangChain part
    answer = part[part.index("\nA: ") : part.index("\nsource: ")]
    assert "redeployed on V2" in answer
    for other in OTHER_DOCS:
        assert other not in answer
    assert re.search(r"over 1 LLM call\(s\); 4 text\(s\) embedded$", part, re.M)


def test_demo_uses_no_local_embedding() -> None:
    examples = DEMO.parent
    assert not (examples / "offline_embedding.py").exists()
    source = DEMO.read_text(encoding="utf-8")
    assert "WenxinEmbedding(" in source and "WenxinEmbeddings(" in source
    assert source.count("WenxinRerank(model=rerank_model, top_n=1)") == 2
    assert "HashingEmbedding" not in source


def test_demo_says_v1_keys_no_longer_reach_the_service(tmp_path: Path) -> None:
    done = run_demo(tmp_path, QIANFAN_AK="old-app-key", QIANFAN_SK="old-secret")
    assert done.returncode == 0, done.stderr[-3000:]
    first = done.stdout.splitlines()[0]
    assert first.startswith("Using the bundled Qianfan emulator (V2)")
    assert "QIANFAN_AK, QIANFAN_SK are V1 credentials" in first
    assert "old-app-key" not in done.stdout + done.stderr


def test_demo_takes_a_service_name(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANFAN_")}
    done = subprocess.run(
        [sys.executable, str(DEMO), "--model", "llama-2-13b-chat"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ChatWenxin(llama-2-13b-chat)" in done.stdout
    assert "answering on llama-2-13b-chat" in done.stdout
