"""llama_index_wenxin: Baidu Qianfan (文心千帆) chat models as a LlamaIndex ``LLM``.

``Wenxin`` drops into ``Settings.llm``, query engines and chat engines; the transport (auth,
validation, retries, streaming, typed errors) is :mod:`wenxin_core`'s.

Needs LlamaIndex: ``pip install "wenxin-integrations[llama-index]"``.
"""

try:  # the framework is an extra: say which one when it is missing
    import llama_index.core  # noqa: F401
except ImportError as _missing:  # pragma: no cover - tested in a subprocess
    if _missing.name not in (None, "llama_index", "llama_index.core"):
        raise
    raise ImportError(
        "llama_index_wenxin needs LlamaIndex (llama-index-core), which is not installed: "
        'pip install "wenxin-integrations[llama-index]"',
        name="llama_index.core",
    ) from None


from typing import TYPE_CHECKING

from llama_index_wenxin.base import DEFAULT_MODEL, Wenxin
from wenxin_core._lazy import lazy_getattr

if TYPE_CHECKING:
    from llama_index_wenxin.embeddings import WenxinEmbedding
    from llama_index_wenxin.rerank import WenxinRerank

__all__ = ["DEFAULT_MODEL", "Wenxin", "WenxinEmbedding", "WenxinRerank"]

_LAZY = {"WenxinEmbedding": "embeddings", "WenxinRerank": "rerank"}
"""Public classes imported on first use (``llama_index_wenxin.<module>``), not with the package."""


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
"""Import ``WenxinEmbedding`` / ``WenxinRerank`` on first use (a chat app needs neither)."""
