"""The main job, end to end, on Qianfan V2: chat, embeddings and rerank in LangChain and LlamaIndex.

Everything runs on Qianfan: a LangChain chain, a LangChain retrieval chain (an in-memory vector
store on ``WenxinEmbeddings``, ``WenxinRerank`` as its compressor, ``ChatWenxin`` answering), a
LlamaIndex ``VectorStoreIndex`` on ``WenxinEmbedding`` whose query engine reranks with
``WenxinRerank``, and the core client alone. Answers stream.

Against the real Qianfan V2 service when credentials are in the environment (QIANFAN_API_KEY, or
QIANFAN_ACCESS_KEY and QIANFAN_SECRET_KEY, which mint bearer tokens); otherwise against the
bundled emulator, started in-process on 127.0.0.1 (no network needed). The first line says which.
V1 application keys (QIANFAN_AK / QIANFAN_SK) no longer reach the public service (V1 was shut on
2026-08-31): with only those set, the demo says so and uses the emulator.

Run: ``make demo`` (or ``python examples/demo.py [--model ID] [--embedding-model ID]
[--rerank-model ID]``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator

V2_CREDENTIAL_SETS = (("QIANFAN_API_KEY",), ("QIANFAN_ACCESS_KEY", "QIANFAN_SECRET_KEY"))
"""Environment variables of which one complete set reaches the real V2 service."""
V1_ONLY = ("QIANFAN_AK", "QIANFAN_SK", "QIANFAN_ACCESS_TOKEN")
"""V1 credentials: the public V1 interface is gone."""
CREDENTIAL_VARIABLES = (*V1_ONLY, "QIANFAN_API_KEY", "QIANFAN_ACCESS_KEY", "QIANFAN_SECRET_KEY")
"""Every credential variable the clients read (hidden while the emulator runs)."""
DEFAULT_MODEL = "ernie-4.5-turbo-32k"
"""The chat model the demo asks for unless ``--model`` says otherwise."""
DEFAULT_EMBEDDING_MODEL = "embedding-v1"
"""The embedding model unless ``--embedding-model`` says otherwise (384 dimensions)."""
DEFAULT_RERANK_MODEL = "bce-reranker-base"
"""The rerank model unless ``--rerank-model`` says otherwise."""
QUESTION = "How does a Llama-2 user reach a redeployed model on Qianfan V2?"
"""The question both retrieval parts answer from DOCUMENTS (the second one holds the answer)."""

DOCUMENTS = [
    "The Great Wall of China is a series of fortifications built over many centuries to protect "
    "Chinese states from northern invasions. Its best-preserved parts date from the Ming dynasty.",
    "Qianfan V2 is Baidu's OpenAI-compatible model API at qianfan.baidubce.com/v2. The V1 "
    "interface was shut on 2026-08-31; self-deployed models such as Llama-2 or Dolly are "
    "redeployed on V2 and called by their service's API name.",
    "ERNIE is Baidu's family of large language models; ernie-4.5-turbo-32k has a 32k context.",
]
"""The documents the retrieval parts search: a few sentences standing in for your files."""


def short(text: str, width: int = 60) -> str:
    """``text`` on one line, cut to ``width`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def has_v2_credentials() -> bool:
    """Whether the environment holds a complete set of Qianfan V2 credentials."""
    return any(all(os.environ.get(name) for name in names) for names in V2_CREDENTIAL_SETS)


@contextlib.contextmanager
def qianfan_service() -> Iterator[str]:
    """Yield a one-line description of the service used, starting the emulator if needed."""
    if has_v2_credentials():
        mode = "API Key" if os.environ.get("QIANFAN_API_KEY") else "IAM pair, bearer tokens"
        yield f"Using the real Qianfan V2 service ({mode} from the environment)."
        return
    from wenxin_core.emulator import EmulatorServer
    from wenxin_core.emulator.config import DEFAULT_API_KEY

    stale = [name for name in V1_ONLY if os.environ.get(name)]
    saved = {name: os.environ.pop(name) for name in CREDENTIAL_VARIABLES if name in os.environ}
    saved_url = os.environ.pop("QIANFAN_BASE_URL", None)
    with EmulatorServer(chunk_delay=0.02) as server:
        os.environ["QIANFAN_BASE_URL"] = server.v2_base_url
        os.environ["QIANFAN_API_KEY"] = DEFAULT_API_KEY
        note = (
            f" {', '.join(stale)} are V1 credentials, which the public service no longer takes;"
            " set QIANFAN_API_KEY for the real service."
            if stale
            else " Set QIANFAN_API_KEY (or QIANFAN_ACCESS_KEY and QIANFAN_SECRET_KEY) for the real"
            " service."
        )
        try:
            yield f"Using the bundled Qianfan emulator (V2) at {server.v2_base_url}.{note}"
        finally:
            os.environ.pop("QIANFAN_BASE_URL", None)
            os.environ.pop("QIANFAN_API_KEY", None)
            os.environ.update(saved)
            if saved_url is not None:
                os.environ["QIANFAN_BASE_URL"] = saved_url


def run_langchain(model: str) -> None:
    """A prompt | ChatWenxin | StrOutputParser chain, streamed token by token."""
    from langchain_core.callbacks import get_usage_metadata_callback
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    from langchain_wenxin import ChatWenxin

    llm = ChatWenxin(model=model, temperature=0.7)
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You are a concise travel guide."),
            ("human", "Suggest one {season} road trip in China, in three sentences."),
        ]
    )
    chain = prompt | llm | StrOutputParser()
    print(f"\n== LangChain: prompt | ChatWenxin({llm.model}) | StrOutputParser ==")
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


def run_langchain_retrieval(model: str, embedding_model: str, rerank_model: str) -> None:
    """Retrieve on WenxinEmbeddings, rerank with WenxinRerank, answer with ChatWenxin, streamed."""
    from langchain_core.documents import Document
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnableLambda, RunnablePassthrough
    from langchain_core.vectorstores import InMemoryVectorStore

    from langchain_wenxin import ChatWenxin, WenxinEmbeddings, WenxinRerank

    embeddings = WenxinEmbeddings(model=embedding_model)
    reranker = WenxinRerank(model=rerank_model, top_n=1)
    llm = ChatWenxin(model=model)
    store = InMemoryVectorStore.from_texts(DOCUMENTS, embeddings)  # one /v2/embeddings call
    retriever = store.as_retriever(search_kwargs={"k": 2})

    def retrieve(question: str) -> list[Document]:
        """The store's 2 nearest documents, reranked; the best one kept."""
        candidates = retriever.invoke(question)
        for doc in candidates:
            print(f"candidate: {short(doc.page_content)}")
        best = list(reranker.compress_documents(candidates, question))
        for doc in best:
            print(f"retrieved: [{doc.metadata['relevance_score']:.3f}] {short(doc.page_content)}")
        return best

    def as_context(docs: list[Document]) -> str:
        return "\n\n".join(doc.page_content for doc in docs)

    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Answer from the context only, in two sentences."),
            ("human", "Context:\n{context}\n\nQuestion: {question}"),
        ]
    )
    chain = (
        {"context": RunnableLambda(retrieve) | as_context, "question": RunnablePassthrough()}
        | prompt
        | llm
        | StrOutputParser()
    )
    print(
        f"\n== LangChain: retrieval chain: InMemoryVectorStore on WenxinEmbeddings"
        f"({embedding_model}) | WenxinRerank({rerank_model}) | ChatWenxin({llm.model}) =="
    )
    print(f"Q: {QUESTION}")
    answer = chain.stream(QUESTION)
    first = next(answer, "")  # retrieval runs (and prints) before the answer starts
    print("A: " + first, end="", flush=True)
    for piece in answer:
        print(piece, end="", flush=True)
    print()
    for closeable in (embeddings, reranker, llm):
        closeable.close()


def run_llama_index(model: str, embedding_model: str, rerank_model: str) -> None:
    """A VectorStoreIndex on WenxinEmbedding, reranked by WenxinRerank, streamed; token counts."""
    from llama_index.core import Document, Settings, VectorStoreIndex
    from llama_index.core.base.response.schema import StreamingResponse
    from llama_index.core.callbacks import CallbackManager, TokenCountingHandler

    from llama_index_wenxin import Wenxin, WenxinEmbedding, WenxinRerank

    counter = TokenCountingHandler()
    Settings.llm = Wenxin(model=model, temperature=0.7)
    Settings.embed_model = WenxinEmbedding(model_name=embedding_model)
    Settings.callback_manager = CallbackManager([counter])
    index = VectorStoreIndex.from_documents([Document(text=text) for text in DOCUMENTS])
    reranker = WenxinRerank(model=rerank_model, top_n=1)
    engine = index.as_query_engine(
        streaming=True, similarity_top_k=2, node_postprocessors=[reranker]
    )
    model_name = Settings.llm.metadata.model_name
    print(
        f"\n== LlamaIndex: VectorStoreIndex on WenxinEmbedding({embedding_model}), WenxinRerank"
        f"({rerank_model}), query engine on {model_name} =="
    )
    print(f"Q: {QUESTION}\nA: ", end="")
    response = engine.query(QUESTION)
    assert isinstance(response, StreamingResponse)
    response.print_response_stream()
    print()
    for source in response.source_nodes:
        print(f"source: [{source.score or 0.0:.3f}] {short(source.node.get_content())}")
    print(
        f"usage (TokenCountingHandler): prompt {counter.prompt_llm_token_count}, completion "
        f"{counter.completion_llm_token_count}, total {counter.total_llm_token_count} "
        f"over {len(counter.llm_token_counts)} LLM call(s); "
        f"{len(counter.embedding_token_counts)} text(s) embedded"
    )
    reranker.close()
    Settings.embed_model.close()
    Settings.llm.close()


def run_core(model: str) -> None:
    """The transport core alone: a multi-turn chat, streamed."""
    from wenxin_core import WenxinClient

    history = [
        {"role": "user", "content": "Name one famous Chinese landmark."},
        {"role": "assistant", "content": "The Great Wall."},
        {"role": "user", "content": "When were its best-preserved parts built?"},
    ]
    print("\n== wenxin_core: WenxinClient.stream, multi-turn ==")
    with WenxinClient(model) as client:
        stream = client.stream(history)
        for chunk in stream:
            print(chunk.text, end="", flush=True)
        print()
        if stream.usage is not None:
            u = stream.usage
            print(
                f"usage: prompt {u.prompt_tokens}, completion {u.completion_tokens}, "
                f"total {u.total_tokens}"
            )


def main() -> None:
    """Parse options and run the four parts."""
    parser = argparse.ArgumentParser(description="wenxin-integrations demo (Qianfan V2)")
    parser.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help=f"a V2 chat model id or your deployed service's API name (default {DEFAULT_MODEL})",
    )
    parser.add_argument(
        "--embedding-model",
        default=DEFAULT_EMBEDDING_MODEL,
        help=f"a V2 embedding model id (default {DEFAULT_EMBEDDING_MODEL})",
    )
    parser.add_argument(
        "--rerank-model",
        default=DEFAULT_RERANK_MODEL,
        help=f"a V2 rerank model id (default {DEFAULT_RERANK_MODEL})",
    )
    args = parser.parse_args()
    with qianfan_service() as description:
        print(description)
        run_langchain(args.model)
        run_langchain_retrieval(args.model, args.embedding_model, args.rerank_model)
        run_llama_index(args.model, args.embedding_model, args.rerank_model)
        run_core(args.model)


if __name__ == "__main__":
    main()
