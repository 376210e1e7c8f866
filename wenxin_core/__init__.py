"""wenxin_core: the thin transport core shared by langchain_wenxin and llama_index_wenxin.

It speaks Qianfan's chat API v1 over httpx: credentials and both auth modes, the model catalog,
request validation, message normalisation, sync and async clients with SSE streaming, typed
errors and retries. It imports neither LangChain nor LlamaIndex.
"""

from wenxin_core.catalog import ModelSpec, list_models, resolve_model
from wenxin_core.errors import *  # noqa: F403
from wenxin_core.errors import __all__ as _errors_all

__version__ = "0.1.0"

__all__ = ["ModelSpec", "__version__", "list_models", "resolve_model", *_errors_all]
