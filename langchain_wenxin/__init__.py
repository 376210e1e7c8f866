"""LangChain integration of Baidu Qianfan (文心千帆) chat models, on :mod:`wenxin_core`.

>>> from langchain_wenxin import ChatWenxin
>>> llm = ChatWenxin(model="ernie-4.5-turbo-32k")  # doctest: +SKIP
"""

from langchain_wenxin._serialization import register_serializable
from langchain_wenxin.chat_models import (
    DEFAULT_MODEL,
    DEFAULT_V1_MODEL,
    MIN_TEMPERATURE,
    ChatWenxin,
)
from langchain_wenxin.embeddings import WenxinEmbeddings
from langchain_wenxin.rerank import WenxinRerank

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_V1_MODEL",
    "MIN_TEMPERATURE",
    "ChatWenxin",
    "WenxinEmbeddings",
    "WenxinRerank",
]

register_serializable(tuple(ChatWenxin.lc_id()))
register_serializable(tuple(WenxinEmbeddings.lc_id()))
register_serializable(tuple(WenxinRerank.lc_id()))
