"""A small deterministic, local embedding for offline demos: hashed bag of words.

It needs no download and no network. Retrieval quality is crude but real (documents sharing
words with the question score higher); swap in any LlamaIndex embedding model for real use.
"""

from __future__ import annotations

import hashlib
import math
import re

from llama_index.core.embeddings import BaseEmbedding

_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEmbedding(BaseEmbedding):
    """Hashes each lower-cased word into one of ``dimensions`` buckets; L2-normalised."""

    dimensions: int = 256

    @classmethod
    def class_name(cls) -> str:
        """Stable name for serialisation."""
        return "HashingEmbedding"

    def _embed(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        for word in _WORD.findall(text.lower()):
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=4).digest()
            vector[int.from_bytes(digest, "big") % self.dimensions] += 1.0
        norm = math.sqrt(sum(value * value for value in vector)) or 1.0
        return [value / norm for value in vector]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._embed(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed(text)
