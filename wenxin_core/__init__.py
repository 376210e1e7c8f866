"""wenxin_core: the thin transport core shared by langchain_wenxin and llama_index_wenxin.

It speaks Qianfan's V2 chat API (``https://qianfan.baidubce.com/v2``, the live service) and,
behind ``api="v1"``, the legacy V1 interface for private deployments, over httpx: credentials
and auth (API key, IAM-minted bearer tokens, V1 tokens and signing), the model catalog, request
validation, message normalisation, sync and async clients with SSE streaming, typed errors and
retries. It imports neither LangChain nor LlamaIndex.

Example:
    >>> from wenxin_core import WenxinClient
    >>> client = WenxinClient("ernie-4.5-turbo-32k")  # doctest: +SKIP
    >>> for chunk in client.stream([{"role": "user", "content": "Hi"}]):  # doctest: +SKIP
    ...     print(chunk.text, end="")

"""

from typing import TYPE_CHECKING, Any

from wenxin_core._http.limits import VERSION
from wenxin_core.async_client import AsyncWenxinClient
from wenxin_core.auth import (
    AccessTokenAuth,
    BceSigningAuth,
    Credentials,
    FixedTokenAuth,
    TokenProvider,
    build_auth,
)
from wenxin_core.catalog import ModelSpec, list_models, resolve_model
from wenxin_core.client import WenxinClient
from wenxin_core.errors import *  # noqa: F403
from wenxin_core.errors import __all__ as _errors_all
from wenxin_core.messages import ContextTruncatedWarning, NormalizedMessages, normalize_messages
from wenxin_core.request import DEFAULT_TIMEOUT
from wenxin_core.retry import RetryPolicy
from wenxin_core.stream import AsyncChatStream, ChatStream
from wenxin_core.types import (
    ChatChunk,
    ChatCompletion,
    ChatCompletionChunk,
    ChatMessage,
    Embeddings,
    RateLimits,
    RerankItem,
    RerankResult,
    ToolCall,
    ToolCallDelta,
    Usage,
)

if TYPE_CHECKING:
    from wenxin_core.params import ChatParams

__version__ = VERSION

__all__ = [
    "AsyncWenxinClient",
    "WenxinClient",
    "ChatStream",
    "AsyncChatStream",
    "ChatChunk",
    "ChatCompletion",
    "ChatCompletionChunk",
    "Embeddings",
    "RateLimits",
    "RerankItem",
    "RerankResult",
    "ToolCall",
    "ToolCallDelta",
    "ChatMessage",
    "Usage",
    "ChatParams",
    "ModelSpec",
    "list_models",
    "resolve_model",
    "normalize_messages",
    "NormalizedMessages",
    "ContextTruncatedWarning",
    "Credentials",
    "build_auth",
    "AccessTokenAuth",
    "BceSigningAuth",
    "FixedTokenAuth",
    "TokenProvider",
    "RetryPolicy",
    "DEFAULT_TIMEOUT",
    "__version__",
    *_errors_all,
]


def __getattr__(name: str) -> Any:
    """``ChatParams`` (V1's pydantic parameters) is imported on first use, not with the core."""
    if name == "ChatParams":
        from wenxin_core.params import ChatParams

        return ChatParams
    raise AttributeError(f"module 'wenxin_core' has no attribute {name!r}")
