"""Execute the quickstart notebooks offline (bundled emulator) and check their key outputs.

Each notebook runs in a Jupyter kernel started from *this* interpreter (a kernelspec written to a
temporary directory points at ``sys.executable``), with every ``QIANFAN_*`` variable removed, so
the notebooks take their emulator branch and never reach the real service. The executed copy
stays in memory: nothing is written back into the repository.

To refresh the outputs stored in the notebooks (after editing them)::

    .venv/bin/python tests/notebooks/test_notebooks.py --write
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
KERNEL_NAME = "wenxin-notebook-tests"
CELL_TIMEOUT = 120
QIANFAN_ENV = (
    "QIANFAN_API_KEY",
    "QIANFAN_APP_ID",
    "QIANFAN_IAM_BASE_URL",
    "QIANFAN_AK",
    "QIANFAN_SK",
    "QIANFAN_ACCESS_TOKEN",
    "QIANFAN_ACCESS_KEY",
    "QIANFAN_SECRET_KEY",
    "QIANFAN_BASE_URL",
)
EMULATOR_LINE = re.compile(r"^Using the bundled Qianfan emulator at http://127\.0\.0\.1:\d+/v2$")


def _kernel_manager(kernel_dir: Path) -> KernelManager:
    """A kernel manager whose only kernelspec runs ipykernel on this interpreter."""
    spec_dir = kernel_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "wenxin notebook tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(kernel_dir / "kernels")])
    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)


def execute(name: str, workdir: Path) -> nbformat.NotebookNode:
    """Run ``notebooks/<name>`` top to bottom in ``workdir``; return the executed copy.

    Raises ``nbclient.exceptions.CellExecutionError`` on the first cell that fails.
    """
    nb: nbformat.NotebookNode = nbformat.read(  # type: ignore[no-untyped-call]
        NOTEBOOKS / name, as_version=4
    )
    client = NotebookClient(
        nb,
        km=_kernel_manager(workdir),
        timeout=CELL_TIMEOUT,
        record_timing=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute(cleanup_kc=True)  # shut the kernel down: we made the kernel manager
    return nb


def text_of(nb: nbformat.NotebookNode, cell_id: str) -> str:
    """The stdout/stderr text and text/plain results of the code cell with id ``cell_id``."""
    cell = next(c for c in nb.cells if c.get("id") == cell_id)
    parts: list[str] = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif output["output_type"] in ("execute_result", "display_data"):
            parts.append(output["data"].get("text/plain", ""))
    return "".join(parts)


def _assert_no_errors(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.get("execution_count") is not None, f"cell {cell.get('id')} did not run"
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"cell {cell.get('id')}: {output}"
            if output["output_type"] == "stream" and output["name"] == "stderr":
                pytest.fail(f"cell {cell.get('id')} wrote to stderr: {output['text']}")


@pytest.fixture(scope="module")
def offline_env() -> Iterator[Path]:
    """No QIANFAN_* credentials, an IPython profile dir of our own, a scratch working dir."""
    saved = {name: os.environ.pop(name) for name in QIANFAN_ENV if name in os.environ}
    saved_ipython = os.environ.get("IPYTHONDIR")
    with tempfile.TemporaryDirectory(prefix="wenxin-nb-") as tmp:
        os.environ["IPYTHONDIR"] = str(Path(tmp) / "ipython")
        try:
            yield Path(tmp)
        finally:
            os.environ.pop("IPYTHONDIR", None)
            if saved_ipython is not None:
                os.environ["IPYTHONDIR"] = saved_ipython
            os.environ.update(saved)


@pytest.fixture(scope="module")
def langchain_nb(offline_env: Path) -> nbformat.NotebookNode:
    return execute("langchain_quickstart.ipynb", offline_env)


@pytest.fixture(scope="module")
def llama_index_nb(offline_env: Path) -> nbformat.NotebookNode:
    return execute("llama_index_quickstart.ipynb", offline_env)


# -- LangChain ---------------------------------------------------------------------------------


def test_langchain_every_cell_runs(langchain_nb: nbformat.NotebookNode) -> None:
    _assert_no_errors(langchain_nb)


def test_langchain_says_emulator_first(langchain_nb: nbformat.NotebookNode) -> None:
    first_line = text_of(langchain_nb, "setup").splitlines()[0]
    assert EMULATOR_LINE.match(first_line), first_line


def test_langchain_calls_and_streams(langchain_nb: nbformat.NotebookNode) -> None:
    first = text_of(langchain_nb, "first-call")
    assert first.startswith("You said: Hello! In one sentence, what is the giant panda?")
    streamed = text_of(langchain_nb, "stream").strip()
    pieces = [p for p in streamed.split("|") if p]
    assert len(pieces) >= 3  # several chunks, printed as they came
    assert pieces[0].startswith("You said: Tell me a very short story about a red fox.")
    history = text_of(langchain_nb, "history")
    assert "assistant: You said: And what should I eat there?" in history


def test_langchain_chain_output(langchain_nb: nbformat.NotebookNode) -> None:
    chained = text_of(langchain_nb, "chain")
    assert "Good morning, how are you?" in chained
    assert "Chinese" in chained  # the system prompt reached the model (folded into the turn)
    assert text_of(langchain_nb, "chain-stream").count("|") >= 3


def test_langchain_usage_and_metadata(langchain_nb: nbformat.NotebookNode) -> None:
    usage = text_of(langchain_nb, "usage")
    match = re.search(
        r"'input_tokens': (\d+), 'output_tokens': (\d+), 'total_tokens': (\d+)", usage
    )
    assert match, usage
    prompt, completion, total = map(int, match.groups())
    assert prompt > 0 and completion > 0 and total == prompt + completion
    assert "'model_name': 'ernie-4.5-turbo-32k'" in usage
    assert "'finish_reason': 'stop'" in usage
    assert "'flag': 0, 'ban_round': -1" in usage
    assert re.search(r"'rate_limits': \{'limit_requests': \d+, 'remaining_requests': \d+", usage)
    assert "'output_token_details': {'reasoning': 0}" in usage
    streamed = text_of(langchain_nb, "stream-usage")
    assert re.search(r"usage_metadata: \{'input_tokens': [1-9]", streamed), streamed


def test_langchain_service_name_and_reasoning(langchain_nb: nbformat.NotebookNode) -> None:
    service = text_of(langchain_nb, "endpoint")
    assert "answering on llama-2-13b-chat" in service
    assert "model_name: llama-2-13b-chat" in service
    assert "{'tool_calling': False, 'reasoning_output': False}" in service
    reasoning = text_of(langchain_nb, "reasoning")
    assert re.search(r"^thinking: The user wrote: Is 91 a prime number\?", reasoning, re.M)
    assert re.search(r"^answer: +You said: Is 91 a prime number\?", reasoning, re.M)
    assert re.search(r"output_token_details: \{'reasoning': [1-9]\d*\}", reasoning)


def test_langchain_endpoint_errors_and_async(langchain_nb: nbformat.NotebookNode) -> None:
    assert "HTTP calls made: 2" in text_of(langchain_nb, "retry")
    quota = text_of(langchain_nb, "quota")
    assert "RateLimitError: HTTP 429 rpm_rate_limit_exceeded, retryable=True" in quota
    assert "remaining requests this minute: 0" in quota
    assert "also a LangChain ModelRateLimitError: True" in quota
    validation = text_of(langchain_nb, "validation")
    assert "temperature=0 is sent as 0.01" in validation
    assert "on 'temperature'" in validation
    assert "UnsupportedParameterError on 'reasoning'" in validation
    assert "InvalidMessagesError - must end with a user turn" in text_of(
        langchain_nb, "unknown-model"
    )
    assert "You said: Say hello asynchronously." in text_of(langchain_nb, "ainvoke")
    assert text_of(langchain_nb, "astream").count("|") >= 3
    batched = text_of(langchain_nb, "abatch").splitlines()
    assert [line.split(" -> ")[0] for line in batched] == [
        "What is ERNIE?",
        "What is Qianfan V2?",
        "What is a service API name?",
    ]


# -- LlamaIndex --------------------------------------------------------------------------------


def test_llama_index_every_cell_runs(llama_index_nb: nbformat.NotebookNode) -> None:
    _assert_no_errors(llama_index_nb)


def test_llama_index_says_emulator_first(llama_index_nb: nbformat.NotebookNode) -> None:
    first_line = text_of(llama_index_nb, "setup").splitlines()[0]
    assert EMULATOR_LINE.match(first_line), first_line


def test_llama_index_query_engine(llama_index_nb: nbformat.NotebookNode) -> None:
    answer = text_of(llama_index_nb, "query")
    assert "What does the giant panda eat?" in answer
    assert "eats bamboo" in answer  # the retrieved document reached the prompt
    assert "panda.txt" in text_of(llama_index_nb, "sources")
    streamed = text_of(llama_index_nb, "query-stream")
    assert streamed.count("|") >= 3
    assert "Where does the red fox live?" in streamed


def test_llama_index_chat_engine(llama_index_nb: nbformat.NotebookNode) -> None:
    chat = text_of(llama_index_nb, "chat")
    for question in ("What does the panda eat?", "And where does it live?"):
        assert f"user: {question}" in chat
    assert "assistant: You said: And where does it live?" in chat


def test_llama_index_settings_and_reasoning(llama_index_nb: nbformat.NotebookNode) -> None:
    settings = text_of(llama_index_nb, "settings")
    assert settings.startswith("ernie-4.5-turbo-32k | context window: 32768")
    reasoning = text_of(llama_index_nb, "reasoning").splitlines()
    assert reasoning[0].startswith("thinking: The user wrote: Is 91 a prime number?")
    assert reasoning[1].startswith("text: You said: Is 91 a prime number?")
    assert re.match(r"flag: 0 \| ban_round: -1 \| reasoning tokens: [1-9]\d*$", reasoning[2])
    assert re.match(r"remaining requests this minute: \d+$", reasoning[3])


def test_llama_index_token_counts(llama_index_nb: nbformat.NotebookNode) -> None:
    counts = text_of(llama_index_nb, "tokens")
    found = {
        key: int(value)
        for key, value in re.findall(
            r"^(LLM calls|prompt|completion|total|embedding)[^:]*: (\d+)$", counts, flags=re.M
        )
    }
    assert set(found) == {"LLM calls", "prompt", "completion", "total", "embedding"}, counts
    assert found["LLM calls"] >= 3
    assert found["prompt"] > 0 and found["completion"] > 0
    assert found["total"] == found["prompt"] + found["completion"]
    assert found["embedding"] > 0


def _write_outputs(names: list[str]) -> None:
    """Re-execute the notebooks offline and store their outputs in place (maintainers only)."""
    for name in QIANFAN_ENV:
        os.environ.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="wenxin-nb-") as tmp:
        os.environ["IPYTHONDIR"] = str(Path(tmp) / "ipython")
        for name in names:
            nb = execute(name, Path(tmp))
            nb.metadata["kernelspec"] = {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            }
            nb.metadata["language_info"] = {"name": "python"}  # no interpreter version churn
            nbformat.write(nb, NOTEBOOKS / name)  # type: ignore[no-untyped-call]
            print(f"wrote {NOTEBOOKS / name}")


def main(argv: list[str]) -> int:
    """``--write [NAME...]``: refresh the stored outputs of the notebooks (default: both)."""
    if not argv or argv[0] != "--write":
        print(__doc__)
        return 2
    _write_outputs(argv[1:] or ["langchain_quickstart.ipynb", "llama_index_quickstart.ipynb"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def test_langchain_tools_and_agent(langchain_nb: nbformat.NotebookNode) -> None:
    assert "tool call: add {'a': 17, 'b': 25}" in text_of(langchain_nb, "tools-bind")
    assert "Based on add: 42" in text_of(langchain_nb, "tools-result")
    assert "same calls as invoke: True" in text_of(langchain_nb, "tools-stream")
    assert "City(name='Chengdu', country='China')" in text_of(langchain_nb, "tools-structured")
    agent = text_of(langchain_nb, "tools-agent")
    assert "ToolMessage: 42" in agent
    assert "get_weather: sunny, 24 C in Paris" in agent


def test_llama_index_tools_and_agent(llama_index_nb: nbformat.NotebookNode) -> None:
    assert "predict_and_call -> 144" in text_of(llama_index_nb, "tools-call")
    assert "Animal(name='panda', food='bamboo')" in text_of(llama_index_nb, "structured")
    assert "tool multiply({'a': 6, 'b': 7}) -> 42" in text_of(llama_index_nb, "agent")
    assert "cannot continue after tool results" in text_of(llama_index_nb, "agent-default")


# -- Retrieval on Qianfan (embeddings and rerank) ------------------------------------------------


def _unchunked(text: str) -> str:
    """A streamed cell's text without the ``|`` marks printed between chunks."""
    return text.replace("|", "")


def test_notebooks_embed_on_qianfan_only() -> None:
    for name in ("langchain_quickstart.ipynb", "llama_index_quickstart.ipynb"):
        raw = (NOTEBOOKS / name).read_text(encoding="utf-8")
        assert "HashingEmbedding" not in raw and "hashlib" not in raw, name
        assert "WenxinRerank(" in raw, name
    assert "Settings.embed_model = WenxinEmbedding(" in (
        NOTEBOOKS / "llama_index_quickstart.ipynb"
    ).read_text(encoding="utf-8")


def test_langchain_retrieval_section(langchain_nb: nbformat.NotebookNode) -> None:
    embedded = text_of(langchain_nb, "rag-embed").splitlines()
    assert embedded == ["dimensions: 384", "40 texts -> 40 vectors, in calls of at most 16"]
    hits = re.findall(
        r"^(\w+\.txt)  similarity=(-?\d\.\d{3})$", text_of(langchain_nb, "rag-store"), re.M
    )
    assert [source for source, _ in hits] == ["panda.txt", "fox.txt"]  # nearest first
    assert float(hits[0][1]) > float(hits[1][1])
    reranked = re.findall(
        r"^(\w+\.txt)  relevance_score=(\d\.\d{3})$", text_of(langchain_nb, "rag-rerank"), re.M
    )
    assert len(reranked) == 1 and reranked[0][0] == "fox.txt", reranked  # top_n=1, the fox
    assert float(reranked[0][1]) > 0.3
    rag = text_of(langchain_nb, "rag-chain")
    assert rag.count("|") >= 3  # streamed
    answer = _unchunked(rag)
    assert "[panda.txt] The giant panda lives in the mountains of Sichuan" in answer
    assert "fox.txt" not in answer and "qianfan.txt" not in answer  # only the best document
    assert "retrieval section done" in text_of(langchain_nb, "rag-close")


def test_llama_index_index_on_qianfan_embeddings(llama_index_nb: nbformat.NotebookNode) -> None:
    assert text_of(llama_index_nb, "embedding").strip() == (
        "embedding-v1 dimensions: 384 | texts per call: 16"
    )
    answer = text_of(llama_index_nb, "query")
    assert "file_name: panda.txt" in answer
    assert "fox.txt" not in answer and "qianfan.txt" not in answer  # the reranker kept one
    sources = re.findall(
        r"^(\w+\.txt) score=(\d\.\d\d) - ", text_of(llama_index_nb, "sources"), re.M
    )
    assert len(sources) == 1 and sources[0][0] == "panda.txt", sources
    assert 0.3 < float(sources[0][1]) <= 1.0
    streamed = text_of(llama_index_nb, "query-stream")
    assert "retrieved: ['fox.txt']" in streamed
    assert "eats rodents" in _unchunked(streamed) and "bamboo" not in streamed
    chat = text_of(llama_index_nb, "chat")
    assert chat.count("file_name: panda.txt") >= 2  # the panda turns retrieved the panda
