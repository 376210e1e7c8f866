"""V2 embeddings and rerank: limits checked before sending, bodies, and answers read in order.

``POST {base_url}/embeddings`` takes at most ``batch_size`` texts per call (16; ``tao-8k``: 1), none
empty, each within the model's character limit; ``POST {base_url}/rerank`` takes at most 64
documents of at most 4,096 characters and a query of at most 1,600. Over a limit is a typed error
naming the index and the limit, unless the caller passes ``truncate=True`` (the text is then cut
to the limit). Answers are put back in input order by ``data[].index``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from wenxin_core import jsonsafe
from wenxin_core.errors import ContextOverflowError, WenxinError, WenxinValidationError
from wenxin_core.jsonfast import encode
from wenxin_core.redact import redact_url
from wenxin_core.request import request_id_of
from wenxin_core.types import RerankItem, RerankResult, Usage
from wenxin_core.vector_catalog import EmbeddingSpec, RerankSpec
from wenxin_core.wire.v2.chat import usage_of

__all__ = [
    "EMBEDDINGS_PATH",
    "RERANK_PATH",
    "embedding_batches",
    "embedding_body",
    "parse_embeddings",
    "parse_rerank",
    "rerank_body",
]

EMBEDDINGS_PATH = "/embeddings"
RERANK_PATH = "/rerank"


def _checked_texts(
    field: str, texts: Sequence[str], limit: int | None, truncate: bool, model: str
) -> list[str]:
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
        raise WenxinValidationError(field, "must be a list of strings")
    if not texts:
        raise WenxinValidationError(field, "must not be empty")
    out: list[str] = []
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise WenxinValidationError(f"{field}[{index}]", f"must be a string, not {text!r}")
        if not text.strip():
            raise WenxinValidationError(f"{field}[{index}]", "must not be empty or blank")
        if limit is not None and len(text) > limit:
            if not truncate:
                raise ContextOverflowError(
                    f"{field}[{index}]",
                    f"has {len(text)} characters, over {model}'s limit of {limit} per text "
                    "(pass truncate=True to cut it)",
                    limit=limit,
                    length=len(text),
                )
            text = text[:limit]
        out.append(text)
    return out


def embedding_batches(
    spec: EmbeddingSpec, texts: Sequence[str], *, truncate: bool = False
) -> list[list[str]]:
    """The texts checked and split into calls of at most ``spec.batch_size``.

    Raises:
        WenxinValidationError: no texts, or an empty one (naming its index).
        ContextOverflowError: a text over the model's limit, unless ``truncate``.

    """
    checked = _checked_texts("texts", texts, spec.max_chars, truncate, spec.name)
    size = max(spec.batch_size, 1)
    return [checked[i : i + size] for i in range(0, len(checked), size)]


def embedding_body(spec: EmbeddingSpec, batch: Sequence[str]) -> bytes:
    """The JSON body of one embeddings call."""
    return encode({"model": spec.name, "input": list(batch)})


def _unexpected(response: httpx.Response, what: str) -> WenxinError:
    return WenxinError(
        f"Unexpected response from {redact_url(response.request.url)}: {what}",
        status_code=response.status_code,
        request_id=request_id_of(response),
    )


def parse_embeddings(
    response: httpx.Response, content: bytes, count: int
) -> tuple[list[list[float]], Usage]:
    """The vectors of one embeddings answer in input order, and its usage.

    Raises:
        WenxinError: the answer is not an embeddings list of ``count`` vectors.

    """
    try:
        obj = jsonsafe.loads(content, what="embeddings answer", status_code=response.status_code)
        data = obj["data"]
        vectors: list[list[float] | None] = [None] * count
        for position, item in enumerate(data):
            index = item.get("index", position)
            vector = item["embedding"]
            if not isinstance(vector, list) or not isinstance(index, int):
                raise TypeError("bad item")
            vectors[index] = [float(x) for x in vector]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise _unexpected(response, "not an embeddings list") from None
    if any(v is None for v in vectors):
        raise _unexpected(response, f"{count} texts sent, fewer vectors received")
    usage = usage_of(obj.get("usage")) or Usage()
    return [v for v in vectors if v is not None], usage


def rerank_body(
    spec: RerankSpec,
    query: str,
    documents: Sequence[str],
    *,
    top_n: int | None = None,
    truncate: bool = False,
) -> tuple[bytes, list[str]]:
    """The JSON body of a rerank call and the documents as sent.

    Raises:
        WenxinValidationError: an empty query or document list, too many documents, a bad
            ``top_n``.
        ContextOverflowError: the query or a document over its limit, unless ``truncate``.

    """
    if not isinstance(query, str) or not query.strip():
        raise WenxinValidationError("query", "must be a non-empty string")
    if spec.max_query_chars is not None and len(query) > spec.max_query_chars:
        if not truncate:
            raise ContextOverflowError(
                "query",
                f"has {len(query)} characters, over {spec.name}'s limit of "
                f"{spec.max_query_chars} (pass truncate=True to cut it)",
                limit=spec.max_query_chars,
                length=len(query),
            )
        query = query[: spec.max_query_chars]
    docs = _checked_texts("documents", documents, spec.max_document_chars, truncate, spec.name)
    if len(docs) > spec.max_documents:
        raise WenxinValidationError(
            "documents", f"must be at most {spec.max_documents} per call (got {len(docs)})"
        )
    body: dict[str, Any] = {"model": spec.name, "query": query, "documents": docs}
    if top_n is not None:
        if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
            raise WenxinValidationError("top_n", f"must be a positive integer (got {top_n!r})")
        body["top_n"] = top_n
    return encode(body), docs


def parse_rerank(
    response: httpx.Response, content: bytes, documents: Sequence[str], model: str
) -> RerankResult:
    """The ranked documents of a rerank answer, best first.

    Raises:
        WenxinError: the answer is not a rerank result over these documents.

    """
    try:
        obj = jsonsafe.loads(content, what="rerank answer", status_code=response.status_code)
        raw = obj["results"]
        items: list[RerankItem] = []
        for entry in raw:
            if not isinstance(entry, Mapping):
                raise TypeError("bad item")
            index = entry["index"]
            if not isinstance(index, int) or not 0 <= index < len(documents):
                raise IndexError(index)
            document = entry.get("document")
            items.append(
                RerankItem(
                    index=index,
                    relevance_score=float(entry["relevance_score"]),
                    document=document if isinstance(document, str) else documents[index],
                )
            )
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise _unexpected(response, "not a rerank result") from None
    items.sort(key=lambda item: item.relevance_score, reverse=True)
    return RerankResult(results=items, model=model, usage=usage_of(obj.get("usage")) or Usage())
