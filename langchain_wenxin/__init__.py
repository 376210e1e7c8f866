"""LangChain integration of Baidu Qianfan (文心千帆) chat models, on :mod:`wenxin_core`.

>>> from langchain_wenxin import ChatWenxin
>>> llm = ChatWenxin(model="ernie-4.5-turbo-32k")  # doctest: +SKIP

Needs LangChain: ``pip install "wenxin-integrations[langchain]"``.
"""

try:  # the framework is an extra: say which one when it is missing
    import langchain_core  # noqa: F401
except ImportError as _missing:  # pragma: no cover - tested in a subprocess
    if _missing.name not in (None, "langchain_core"):
        raise
    raise ImportError(
        "langchain_wenxin needs LangChain (langchain-core), which is not installed: "
        'pip install "wenxin-integrations[langchain]"',
        name="langchain_core",
    ) from None


from typing import TYPE_CHECKING

from langchain_wenxin._serialization import register_serializable
from langchain_wenxin.chat_models import (
    DEFAULT_MODEL,
    DEFAULT_V1_MODEL,
    MIN_TEMPERATURE,
    ChatWenxin,
)
from wenxin_core._lazy import lazy_getattr

if TYPE_CHECKING:
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

_LAZY = {"WenxinEmbeddings": "embeddings", "WenxinRerank": "rerank"}
"""Public classes imported on first use (``langchain_wenxin.<module>``), not with the package."""

register_serializable(tuple(ChatWenxin.lc_id()))
for _name, _module in _LAZY.items():  # their lc_id: the class path, known without importing it
    register_serializable(("langchain_wenxin", _module, _name))


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
"""Import ``WenxinEmbeddings`` / ``WenxinRerank`` on first use (a chat app needs neither)."""
