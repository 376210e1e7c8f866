"""Context window and output budget of a catalog model, in LlamaIndex's terms.

LlamaIndex sizes prompts in tokens of its own tokenizer (``context_window`` = input + output);
Qianfan limits the *characters* of the input (``max_input_chars``) and, for the ERNIE family, also
its tokens (``max_input_tokens``). The input budget reported here is the smaller of the token
limit and ``max_input_chars / CHARS_PER_TOKEN``: a conservative ratio, so that a prompt LlamaIndex
packs to the window stays within the service's character limit for English and Chinese text.
"""

from __future__ import annotations

from wenxin_core.catalog import ModelSpec

__all__ = [
    "CHARS_PER_TOKEN",
    "ERNIE_NUM_OUTPUT",
    "OPEN_MODEL_NUM_OUTPUT",
    "context_window_for",
    "default_num_output",
    "input_token_budget",
]

CHARS_PER_TOKEN = 5
"""Characters per token assumed when converting a character budget (conservative for English,
where one cl100k token is about 4 characters, and for Chinese, where it is about 1)."""

ERNIE_NUM_OUTPUT = 2048
"""Output budget of models that take ``max_output_tokens`` (its documented maximum)."""

OPEN_MODEL_NUM_OUTPUT = 256
"""Output budget reserved for open models (Llama-2, ...), LlamaIndex's default."""


def default_num_output(spec: ModelSpec, max_output_tokens: int | None = None) -> int:
    """The output budget: ``max_output_tokens`` when set, else the model family's default."""
    if max_output_tokens is not None:
        return max_output_tokens
    return ERNIE_NUM_OUTPUT if spec.accepts_max_output_tokens else OPEN_MODEL_NUM_OUTPUT


def input_token_budget(spec: ModelSpec) -> int:
    """The input budget in tokens: min(token limit, character limit / CHARS_PER_TOKEN)."""
    by_chars = max(1, spec.max_input_chars // CHARS_PER_TOKEN)
    if spec.max_input_tokens is None:
        return by_chars
    return min(spec.max_input_tokens, by_chars)


def context_window_for(spec: ModelSpec, num_output: int) -> int:
    """LlamaIndex's ``context_window``: the input budget plus the output budget."""
    return input_token_budget(spec) + num_output
