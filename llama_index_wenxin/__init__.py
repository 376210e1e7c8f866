"""llama_index_wenxin: Baidu Qianfan (文心千帆) chat models as a LlamaIndex ``LLM``.

``Wenxin`` drops into ``Settings.llm``, query engines and chat engines; the transport (auth,
validation, retries, streaming, typed errors) is :mod:`wenxin_core`'s.
"""

from llama_index_wenxin.base import DEFAULT_MODEL, Wenxin
from llama_index_wenxin.embeddings import WenxinEmbedding
from llama_index_wenxin.rerank import WenxinRerank

__all__ = ["DEFAULT_MODEL", "Wenxin", "WenxinEmbedding", "WenxinRerank"]
