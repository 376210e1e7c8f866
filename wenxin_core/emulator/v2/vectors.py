"""Deterministic embeddings and rerank scores that carry some meaning.

An embedding is a hashed bag of features, L2-normalised: every word (CJK characters are words)
weighs 1 (a stop word 0.2), every CJK character pair 0.7 and every character trigram of a word
0.3, each hashed (BLAKE2b, salted with the model id) to a signed dimension. Texts sharing words
share features, so their cosine similarity is higher; the same text always gives the same
vector. A rerank score is the share of the query's meaningful words found in the document,
plus a little of their cosine similarity, in [0, 1].
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Iterator
from functools import lru_cache

from wenxin_core.emulator.v2.words import STOP_WORDS, cjk_bigrams, meaningful, words

__all__ = ["cosine", "embed_text", "features", "relevance"]

_WORD = 1.0
_STOP = 0.2
_PAIR = 0.7
_TRIGRAM = 0.3


def features(text: str) -> Iterator[tuple[str, float]]:
    """``(feature, weight)`` of every feature of ``text`` (words, CJK pairs, trigrams)."""
    for word in words(text):
        yield "w:" + word, _STOP if word in STOP_WORDS else _WORD
        if len(word) > 3 and word.isascii():
            padded = f"<{word}>"
            for i in range(len(padded) - 2):
                yield "t:" + padded[i : i + 3], _TRIGRAM
    for pair in cjk_bigrams(text):
        yield "p:" + pair, _PAIR


@lru_cache(maxsize=1 << 15)
def _slot(feature: str, salt: bytes, dimensions: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8, key=salt).digest()
    (number,) = struct.unpack("<Q", digest)
    return number % dimensions, 1.0 if number >> 63 else -1.0


def embed_text(text: str, dimensions: int, model: str) -> list[float]:
    """The unit vector of ``text`` with ``dimensions`` components for ``model``."""
    salt = model.casefold().encode("utf-8")[:64]
    vector = [0.0] * dimensions
    seen = False
    for feature, weight in features(text):
        index, sign = _slot(feature, salt, dimensions)
        vector[index] += sign * weight
        seen = True
    if not seen:  # only punctuation or spaces: still a fixed, non-zero vector
        index, sign = _slot("raw:" + text, salt, dimensions)
        vector[index] = sign
    scale = 1.0 / (math.sqrt(sum(v * v for v in vector)) or 1.0)
    return [round(v * scale, 6) if v else 0.0 for v in vector]


def cosine(a: list[float], b: list[float]) -> float:
    """The cosine similarity of two vectors of the same length."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _terms(text: str) -> set[str]:
    return set(meaningful(text)) | set(cjk_bigrams(text))


def relevance(query: str, document: str) -> float:
    """How well ``document`` answers ``query``, in [0, 1] (word overlap, then similarity)."""
    wanted = _terms(query)
    have = _terms(document)
    overlap = len(wanted & have) / len(wanted) if wanted else 0.0
    similarity = max(0.0, cosine(embed_text(query, 256, ""), embed_text(document, 256, "")))
    return round(0.85 * overlap + 0.15 * similarity, 6)
