"""The base of the V2 service classes (:class:`~langchain_wenxin.WenxinEmbeddings`, rerank).

:class:`WenxinServiceBase` is the credentials and core clients of
:class:`~langchain_wenxin._clients.CoreClients`, served by V2 only, as a serialisable LangChain
object: the secrets stay out of ``dumps`` (``lc_secrets`` names their variables).
"""

from __future__ import annotations

from langchain_core.load.serializable import Serializable
from pydantic import ConfigDict, Field

from langchain_wenxin._clients import CoreClients

__all__ = ["WenxinServiceBase"]


class WenxinServiceBase(CoreClients, Serializable):
    """The credentials, connection options and core clients of a V2 service class.

    Credentials follow :class:`~langchain_wenxin.ChatWenxin`'s rule (arguments win entirely,
    else ``QIANFAN_API_KEY`` or the IAM pair from the environment); the secrets are
    ``SecretStr`` fields that no repr or ``dumps`` shows (``lc_secrets`` names their variables).
    The sync and the async client are made on first use and share one auth (one token cache).

    Each public subclass declares its own ``__init__(self, **data: Any)`` (as ``ChatWenxin``
    does): without one, type checkers see the ``__init__`` pydantic's ``dataclass_transform``
    makes from the fields (aliases, ``SecretStr``-only secrets) instead of that contract.
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    max_retries: int = Field(default=2, ge=0)
    """Retries after the first attempt, for transient failures."""

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Serialisable with ``dumpd``/``dumps`` (secrets left out, named by their variables)."""
        return True
