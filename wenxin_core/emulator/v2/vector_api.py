"""``/v2/embeddings`` and ``/v2/rerank`` bodies: the reference's limits and the answers.

Embeddings: ``{"model", "input": [...]}``; at most ``batch_size`` texts (16; ``tao-8k`` exactly
1), no empty list, no empty string, each text within the model's characters (400
``characters_too_long``) and tokens (400 ``tokens_too_long``). Rerank: ``{"model", "query",
"documents", "top_n"?}``; at most 64 documents of at most 4,096 characters, a query of at most
1,600. Limits come from :mod:`wenxin_core.vector_catalog`; an id it does not know is 400
``invalid_model`` unless ``allow_any_model`` (then the general limits and 1,024 dimensions).
"""

from __future__ import annotations

from typing import Any

from wenxin_core.emulator.replies import count_tokens
from wenxin_core.emulator.v2.errors import V2Error, bad_request
from wenxin_core.emulator.v2.vectors import embed_text, relevance
from wenxin_core.errors import WenxinValidationError
from wenxin_core.vector_catalog import (
    EmbeddingSpec,
    RerankSpec,
    resolve_embedding_model,
    resolve_rerank_model,
)

__all__ = ["UNKNOWN_DIMENSIONS", "embeddings_answer", "rerank_answer"]

UNKNOWN_DIMENSIONS = 1024
"""The vector length of an embedding model the catalog does not know (``allow_any_model``)."""


def _arg(message: str) -> V2Error:
    return bad_request("invalid_argument", message)


def _model_id(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        raise bad_request("invalid_model", "model is required")
    return model


def _embedding_spec(body: dict[str, Any], allow_any: bool) -> EmbeddingSpec:
    model = _model_id(body)
    try:
        spec = resolve_embedding_model(model)
    except WenxinValidationError:
        raise bad_request("invalid_model", f"invalid model id {model!r}") from None
    if not spec.known and not allow_any:
        raise bad_request("invalid_model", f"embedding model {model!r} does not exist")
    return spec


def _rerank_spec(body: dict[str, Any], allow_any: bool) -> RerankSpec:
    model = _model_id(body)
    try:
        spec = resolve_rerank_model(model)
    except WenxinValidationError:
        raise bad_request("invalid_model", f"invalid model id {model!r}") from None
    if not spec.known and not allow_any:
        raise bad_request("invalid_model", f"rerank model {model!r} does not exist")
    return spec


def _texts(body: dict[str, Any], spec: EmbeddingSpec) -> list[tuple[str, int]]:
    """The checked texts with their token counts."""
    raw = body.get("input")
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise _arg("input must be a non-empty list of strings")
    if spec.batch_size == 1 and len(raw) != 1:
        raise _arg(f"model {spec.name} takes exactly 1 text per call, got {len(raw)}")
    if len(raw) > spec.batch_size:
        raise _arg(f"input takes at most {spec.batch_size} texts, got {len(raw)}")
    checked: list[tuple[str, int]] = []
    for index, text in enumerate(raw):
        if not isinstance(text, str):
            raise _arg(f"input[{index}] must be a string")
        if not text:
            raise _arg(f"input[{index}] must not be empty")
        if spec.max_chars is not None and len(text) > spec.max_chars:
            raise bad_request(
                "characters_too_long",
                f"input[{index}] has {len(text)} characters; {spec.name} takes {spec.max_chars}",
            )
        tokens = count_tokens(text)
        if spec.max_tokens is not None and tokens > spec.max_tokens:
            raise bad_request(
                "tokens_too_long",
                f"input[{index}] has {tokens} tokens; {spec.name} takes {spec.max_tokens}",
            )
        checked.append((text, tokens))
    return checked


def embeddings_answer(body: dict[str, Any], *, allow_any_model: bool) -> tuple[dict[str, Any], int]:
    """The answer to an embeddings body and its input tokens; raise :class:`V2Error` (400)."""
    spec = _embedding_spec(body, allow_any_model)
    texts = _texts(body, spec)
    dimensions = spec.dimensions or UNKNOWN_DIMENSIONS
    data = [
        {"object": "embedding", "embedding": embed_text(text, dimensions, spec.name), "index": i}
        for i, (text, _) in enumerate(texts)
    ]
    tokens = sum(count for _, count in texts)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return {"object": "list", "data": data, "model": spec.name, "usage": usage}, tokens


def _documents(body: dict[str, Any], spec: RerankSpec) -> tuple[str, list[str], int | None]:
    query = body.get("query")
    if not isinstance(query, str) or not query:
        raise _arg("query must be a non-empty string")
    if spec.max_query_chars is not None and len(query) > spec.max_query_chars:
        raise bad_request(
            "characters_too_long",
            f"query has {len(query)} characters; {spec.name} takes {spec.max_query_chars}",
        )
    documents = body.get("documents")
    if not isinstance(documents, list) or not documents:
        raise _arg("documents must be a non-empty list of strings")
    if len(documents) > spec.max_documents:
        raise _arg(f"documents takes at most {spec.max_documents} texts, got {len(documents)}")
    limit = spec.max_document_chars
    for index, document in enumerate(documents):
        if not isinstance(document, str) or not document:
            raise _arg(f"documents[{index}] must be a non-empty string")
        if limit is not None and len(document) > limit:
            raise bad_request(
                "characters_too_long",
                f"documents[{index}] has {len(document)} characters; {spec.name} takes {limit}",
            )
    top_n = body.get("top_n")
    if top_n is not None and (not isinstance(top_n, int) or isinstance(top_n, bool) or top_n < 1):
        raise _arg("top_n must be a positive integer")
    return query, list(documents), top_n


def rerank_answer(body: dict[str, Any], *, allow_any_model: bool) -> tuple[dict[str, Any], int]:
    """The answer to a rerank body and its input tokens; raise :class:`V2Error` (400).

    Results are sorted best first (ties in input order), ``top_n`` of them (all by default).
    """
    spec = _rerank_spec(body, allow_any_model)
    query, documents, top_n = _documents(body, spec)
    scored = [(relevance(query, d), i, d) for i, d in enumerate(documents)]
    scored.sort(key=lambda item: (-item[0], item[1]))
    results = [
        {"index": i, "relevance_score": score, "document": document}
        for score, i, document in scored[: top_n or len(scored)]
    ]
    tokens = count_tokens(query) * len(documents) + sum(count_tokens(d) for d in documents)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return {"object": "rerank", "model": spec.name, "results": results, "usage": usage}, tokens
