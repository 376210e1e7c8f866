"""The embedding and rerank models: dimensions and the per-call limits checked before sending.

The table ships as ``wenxin_core/data/qianfan-v2-embedding-models.csv`` (the V2 reference's
``/v2/embeddings`` and ``/v2/rerank`` limits). An id the table does not know passes through with
the reference's general limits (16 texts per call, 64 documents) and no length check.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from wenxin_core.errors import WenxinValidationError

__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "DEFAULT_RERANK_MODEL",
    "EmbeddingSpec",
    "RerankSpec",
    "embedding_models",
    "rerank_models",
    "resolve_embedding_model",
    "resolve_rerank_model",
]

DEFAULT_EMBEDDING_MODEL = "embedding-v1"
"""The embedding model used when none is given."""

DEFAULT_RERANK_MODEL = "bce-reranker-base"
"""The rerank model used when none is given."""


@dataclass(frozen=True)
class EmbeddingSpec:
    """What the client must know about one embedding model.

    Attributes:
        name: the model id.
        dimensions: the length of its vectors (``None`` for an unknown id).
        max_chars: the most characters one text may have (``None``: not checked).
        max_tokens: the most tokens one text may have, per the reference.
        batch_size: the most texts one call may carry (``tao-8k``: 1).
        known: False for an id the table does not know.

    """

    name: str
    dimensions: int | None
    max_chars: int | None
    max_tokens: int | None
    batch_size: int
    known: bool = True


@dataclass(frozen=True)
class RerankSpec:
    """What the client must know about one rerank model.

    Attributes:
        name: the model id.
        max_documents: the most documents one call may carry.
        max_document_chars: the most characters one document may have.
        max_query_chars: the most characters the query may have.
        known: False for an id the table does not know.

    """

    name: str
    max_documents: int
    max_document_chars: int | None
    max_query_chars: int | None
    known: bool = True


def _int(value: str) -> int | None:
    return int(value) if value.strip() else None


@lru_cache(maxsize=1)
def _rows() -> tuple[dict[str, EmbeddingSpec], dict[str, RerankSpec]]:
    text = (
        resources.files("wenxin_core")
        .joinpath("data/qianfan-v2-embedding-models.csv")
        .read_text(encoding="utf-8")
    )
    embeddings: dict[str, EmbeddingSpec] = {}
    rerankers: dict[str, RerankSpec] = {}
    for row in csv.DictReader(io.StringIO(text)):
        name = row["id"].strip()
        kind: Literal["embedding", "rerank"] = "rerank" if row["kind"] == "rerank" else "embedding"
        if kind == "embedding":
            embeddings[name.casefold()] = EmbeddingSpec(
                name=name,
                dimensions=_int(row["dimensions"]),
                max_chars=_int(row["max_chars"]),
                max_tokens=_int(row["max_tokens"]),
                batch_size=_int(row["batch_size"]) or 16,
            )
        else:
            rerankers[name.casefold()] = RerankSpec(
                name=name,
                max_documents=_int(row["max_documents"]) or 64,
                max_document_chars=_int(row["max_chars"]),
                max_query_chars=_int(row["max_query_chars"]),
            )
    return embeddings, rerankers


def _check_id(field: str, model: str) -> str:
    value = model.strip() if isinstance(model, str) else ""
    if not value or "/" in value or any(ch.isspace() for ch in value):
        raise WenxinValidationError(field, "must be a model id, without '/' or spaces")
    return value


def resolve_embedding_model(model: str = DEFAULT_EMBEDDING_MODEL) -> EmbeddingSpec:
    """The spec of an embedding model id (case-insensitive); an unknown id passes through."""
    value = _check_id("model", model)
    return _rows()[0].get(value.casefold()) or EmbeddingSpec(
        name=value, dimensions=None, max_chars=None, max_tokens=None, batch_size=16, known=False
    )


def resolve_rerank_model(model: str = DEFAULT_RERANK_MODEL) -> RerankSpec:
    """The spec of a rerank model id (case-insensitive); an unknown id passes through."""
    value = _check_id("model", model)
    return _rows()[1].get(value.casefold()) or RerankSpec(
        name=value,
        max_documents=64,
        max_document_chars=None,
        max_query_chars=None,
        known=False,
    )


def embedding_models() -> list[str]:
    """Every embedding model id of the table."""
    return [spec.name for spec in _rows()[0].values()]


def rerank_models() -> list[str]:
    """Every rerank model id of the table."""
    return [spec.name for spec in _rows()[1].values()]
