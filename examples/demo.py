"""The main job, end to end: a LangChain chain and a LlamaIndex query engine, streaming.

Against the real Qianfan service when credentials are in the environment (QIANFAN_AK and
QIANFAN_SK, or QIANFAN_ACCESS_KEY and QIANFAN_SECRET_KEY, or QIANFAN_ACCESS_TOKEN); otherwise
against the bundled emulator, started in-process. The first line says which.

Run: ``make demo`` (or ``python examples/demo.py [--model NAME | --endpoint NAME]``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

CREDENTIAL_SETS = (
    ("QIANFAN_AK", "QIANFAN_SK"),
    ("QIANFAN_ACCESS_KEY", "QIANFAN_SECRET_KEY"),
    ("QIANFAN_ACCESS_TOKEN",),
)

DOCUMENTS = [
    "The Great Wall of China is a series of fortifications built over many centuries to protect "
    "Chinese states from northern invasions. Its best-preserved parts date from the Ming dynasty.",
    "Llama-2-13b-chat is an open chat model by Meta AI, offered on Baidu Qianfan as a preset "
    "service; its endpoint is llama_2_13b and its input is limited to 4,800 characters.",
    "ERNIE is Baidu's family of large language models. ERNIE models accept a system field.",
]


def has_credentials() -> bool:
    """Whether the environment holds a complete set of Qianfan credentials."""
    return any(all(os.environ.get(name) for name in names) for names in CREDENTIAL_SETS)


@contextlib.contextmanager
def qianfan_service() -> Iterator[str]:
    """Yield a one-line description of the service used, starting the emulator if needed."""
    if has_credentials():
        yield "Using the real Qianfan service (credentials from the environment)."
        return
    from wenxin_core.emulator import EmulatorServer

    with EmulatorServer(chunk_delay=0.03) as server:
        os.environ["QIANFAN_BASE_URL"] = server.base_url
        os.environ["QIANFAN_AK"] = "demo-api-key"
        os.environ["QIANFAN_SK"] = "demo-secret-key"
        try:
            yield (
                f"Using the bundled Qianfan emulator at {server.base_url} "
                "(no QIANFAN_* credentials set)."
            )
        finally:
            for name in ("QIANFAN_BASE_URL", "QIANFAN_AK", "QIANFAN_SK"):
                os.environ.pop(name, None)


def run_langchain(model: str | None, endpoint: str | None) -> None:
    """A prompt | ChatWenxin | StrOutputParser chain, streamed token by token."""
    from langchain_core.callbacks import get_usage_metadata_callback
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    from langchain_wenxin import ChatWenxin

    llm = ChatWenxin(model=model, endpoint=endpoint, temperature=0.7)
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You are a concise travel guide."),
            ("human", "Suggest one {season} road trip in China, in three sentences."),
        ]
    )
    chain = prompt | llm | StrOutputParser()
    print(f"\n== LangChain: prompt | ChatWenxin({llm.model or llm.endpoint}) | StrOutputParser ==")
    with get_usage_metadata_callback() as usage:
        for piece in chain.stream({"season": "autumn"}):
            print(piece, end="", flush=True)
    print()
    for name, counts in usage.usage_metadata.items():
        print(
            f"usage ({name}): input {counts['input_tokens']}, output {counts['output_tokens']}, "
            f"total {counts['total_tokens']}"
        )
    llm.close()


def run_llama_index(model: str | None, endpoint: str | None) -> None:
    """A VectorStoreIndex query engine with streaming=True, then its token counts."""
    from llama_index.core import Document, Settings, VectorStoreIndex
    from llama_index.core.base.response.schema import StreamingResponse
    from llama_index.core.callbacks import CallbackManager, TokenCountingHandler

    from llama_index_wenxin import Wenxin

    sys.path.insert(0, str(Path(__file__).parent))
    from offline_embedding import HashingEmbedding

    counter = TokenCountingHandler()
    Settings.llm = Wenxin(model=model, endpoint=endpoint, temperature=0.7)
    Settings.embed_model = HashingEmbedding()
    Settings.callback_manager = CallbackManager([counter])
    index = VectorStoreIndex.from_documents([Document(text=text) for text in DOCUMENTS])
    engine = index.as_query_engine(streaming=True, similarity_top_k=2)
    question = "What is the endpoint of Llama-2-13b-chat and its input limit?"
    model_name = Settings.llm.metadata.model_name
    print(f"\n== LlamaIndex: VectorStoreIndex query engine on {model_name} ==")
    print(f"Q: {question}\nA: ", end="")
    response = engine.query(question)
    assert isinstance(response, StreamingResponse)
    response.print_response_stream()
    print()
    print(
        f"usage (TokenCountingHandler): prompt {counter.prompt_llm_token_count}, completion "
        f"{counter.completion_llm_token_count}, total {counter.total_llm_token_count} "
        f"over {len(counter.llm_token_counts)} LLM call(s)"
    )


def run_core(model: str | None, endpoint: str | None) -> None:
    """The transport core alone: a multi-turn chat, streamed."""
    from wenxin_core import WenxinClient

    history = [
        {"role": "user", "content": "Name one famous Chinese landmark."},
        {"role": "assistant", "content": "The Great Wall."},
        {"role": "user", "content": "When were its best-preserved parts built?"},
    ]
    print("\n== wenxin_core: WenxinClient.stream, multi-turn ==")
    with WenxinClient(model, endpoint=endpoint) as client:
        stream = client.stream(history)
        for chunk in stream:
            print(chunk.result, end="", flush=True)
        print()
        if stream.usage is not None:
            u = stream.usage
            print(
                f"usage: prompt {u.prompt_tokens}, completion {u.completion_tokens}, "
                f"total {u.total_tokens}"
            )


def main() -> None:
    """Parse options and run the three parts."""
    parser = argparse.ArgumentParser(description="wenxin-integrations demo")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--model", default=None, help="catalog model (default Llama-2-13b-chat)")
    group.add_argument("--endpoint", default=None, help="a self-deployed service's endpoint")
    args = parser.parse_args()
    model = args.model or (None if args.endpoint else "Llama-2-13b-chat")
    with qianfan_service() as description:
        print(description)
        run_langchain(model, args.endpoint)
        run_llama_index(model, args.endpoint)
        run_core(model, args.endpoint)


if __name__ == "__main__":
    main()
