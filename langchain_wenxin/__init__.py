"""LangChain integration of Baidu Qianfan (文心千帆) chat models, on :mod:`wenxin_core`.

>>> from langchain_wenxin import ChatWenxin
>>> llm = ChatWenxin(model="Llama-2-13b-chat")  # doctest: +SKIP
"""

from langchain_wenxin._serialization import register_serializable
from langchain_wenxin.chat_models import DEFAULT_MODEL, MIN_TEMPERATURE, ChatWenxin

__all__ = ["DEFAULT_MODEL", "MIN_TEMPERATURE", "ChatWenxin"]

register_serializable(tuple(ChatWenxin.lc_id()))
