"""Context window and output budget of a model, in LlamaIndex's terms.

LlamaIndex sizes prompts with ``context_window`` (input + output, in tokens) and reserves
``num_output`` tokens of it for the answer.

- V2: the catalog gives the model's context window and its largest output in tokens. The
  reserved output is ``max_tokens`` when set, else :data:`DEFAULT_NUM_OUTPUT` capped at the
  model's maximum and at a quarter of its window (a 64k-output model must not leave a
  prompt no room). An id the catalog does not know (a user's service) gets LlamaIndex's own
  conservative defaults unless ``capabilities`` says more.
- V1 (legacy): Qianfan limits the *characters* of the input (``max_input_chars``) and, for the
  ERNIE family, also its tokens (``max_input_tokens``). The input budget is the smaller of the
  token limit and ``max_input_chars / CHARS_PER_TOKEN``, a conservative ratio, so that a prompt
  packed to the window stays within the character limit for English and Chinese text.
"""

from __future__ import annotations

from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW
from llama_index.core.constants import DEFAULT_NUM_OUTPUTS as LLAMA_INDEX_NUM_OUTPUT

from wenxin_core.catalog import ModelSpec

__all__ = [
    "CHARS_PER_TOKEN",
    "DEFAULT_NUM_OUTPUT",
    "ERNIE_NUM_OUTPUT",
    "OPEN_MODEL_NUM_OUTPUT",
    "context_window_for",
    "default_num_output",
    "input_token_budget",
]

CHARS_PER_TOKEN = 5
"""V1: characters per token assumed when converting a character budget (conservative for
English, where one cl100k token is about 4 characters, and for Chinese, where it is about 1)."""

DEFAULT_NUM_OUTPUT = 2048
"""V2: output tokens reserved when ``max_tokens`` is not set (before the caps)."""

ERNIE_NUM_OUTPUT = 2048
"""V1: output budget of models that take ``max_output_tokens`` (its documented maximum)."""

OPEN_MODEL_NUM_OUTPUT = LLAMA_INDEX_NUM_OUTPUT
"""V1: output budget reserved for open models (Llama-2, ...), LlamaIndex's default (256)."""


def default_num_output(spec: ModelSpec, max_tokens: int | None = None) -> int:
    """The output budget: ``max_tokens`` when set, else the model's sane default."""
    if max_tokens is not None:
        return max_tokens
    if spec.api == "v1":
        return ERNIE_NUM_OUTPUT if spec.accepts_max_output_tokens else OPEN_MODEL_NUM_OUTPUT
    if spec.context_window is None:
        return LLAMA_INDEX_NUM_OUTPUT
    budget = min(DEFAULT_NUM_OUTPUT, max(1, spec.context_window // 4))
    if spec.max_output_tokens is not None:
        budget = min(budget, spec.max_output_tokens)
    return budget


def input_token_budget(spec: ModelSpec) -> int:
    """V1: the input budget in tokens, min(token limit, character limit / CHARS_PER_TOKEN)."""
    by_chars = max(1, spec.max_input_chars // CHARS_PER_TOKEN)
    if spec.max_input_tokens is None:
        return by_chars
    return min(spec.max_input_tokens, by_chars)


def context_window_for(spec: ModelSpec, num_output: int) -> int:
    """LlamaIndex's ``context_window``: the model's window (V2), or input + output budget (V1).

    A V2 id without a known window gets LlamaIndex's default window.
    """
    if spec.api == "v2":
        return spec.context_window or DEFAULT_CONTEXT_WINDOW
    return input_token_budget(spec) + num_output
