"""``achat``'s answers built without validation are the answers validation builds.

The message, its text block and the ``ChatResponse`` are built from their values
(``llama_index_wenxin._trusted``). Each case calls the emulator over HTTP and compares the
answer with the one LlamaIndex's validating constructors make of the same values, and with the
one the adapter's fallback (validation) makes of the same completion.
"""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ContentBlock,
    MessageRole,
    TextBlock,
)
from llama_index.core.tools import FunctionTool

from llama_index_wenxin import Wenxin, base, responses
from wenxin_core.emulator.config import DEFAULT_API_KEY
from wenxin_core.emulator.server import EmulatorServer
from wenxin_core.types import ChatCompletion

USER = [ChatMessage(role=MessageRole.USER, content="What is 2 + 3?")]


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def _validated(response: ChatResponse) -> ChatResponse:
    """``response`` rebuilt by the validating constructors from its values."""
    message = response.message
    blocks = [_validated_block(block) for block in message.blocks]
    return ChatResponse(
        message=ChatMessage(
            role=message.role, blocks=blocks, additional_kwargs=dict(message.additional_kwargs)
        ),
        raw=response.raw,
        delta=None,
        additional_kwargs=dict(response.additional_kwargs),
    )


def _validated_block(block: ContentBlock) -> ContentBlock:
    """The block as its constructor makes it: ``TextBlock(text=...)``, others from their fields."""
    if isinstance(block, TextBlock):
        return TextBlock(text=block.text)
    values = block.model_dump(include=block.model_fields_set)  # validated in both paths
    validated: ContentBlock = type(block).model_validate(values)
    return validated


def _shape(response: ChatResponse) -> list[Any]:
    """What equality does not compare: fields set and field order of every model."""
    models = [response, response.message, *response.message.blocks]
    return [(type(m), sorted(m.model_fields_set), list(vars(m))) for m in models]


def _fallback(completion: ChatCompletion, monkeypatch: pytest.MonkeyPatch) -> ChatResponse:
    """The response the adapter's validating fallback builds of ``completion``."""
    with monkeypatch.context() as patch:
        for flag in ("_MESSAGE_TRUSTED", "_TEXT_TRUSTED", "_RESPONSE_TRUSTED"):
            patch.setattr(responses, flag, False)
        return responses.chat_response(completion)


@pytest.mark.parametrize("case", ["answer", "reasoning", "tool call", "keywords"])
async def test_achat_answer_is_the_validated_answer(
    case: str, emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    completions: list[ChatCompletion] = []

    def recording(completion: ChatCompletion) -> ChatResponse:
        completions.append(completion)
        return responses.chat_response(completion)

    monkeypatch.setattr(base, "chat_response", recording)
    model = "ernie-x1.1" if case == "reasoning" else "deepseek-v3.2"
    llm = Wenxin(model=model, api_key=DEFAULT_API_KEY, base_url=emulator.v2_base_url)
    try:
        if case == "tool call":
            tool = FunctionTool.from_defaults(fn=add)
            response = await llm.achat_with_tools([tool], user_msg="2+3?", tool_required=True)
            assert llm.get_tool_calls_from_response(response)[0].tool_name == "add"
        elif case == "keywords":
            response = await llm.achat(USER, temperature=0.5, max_tokens=64)
        else:
            response = await llm.achat(USER)
    finally:
        await llm.aclose()
    expected = _validated(response)
    assert response == expected
    assert _shape(response) == _shape(expected)
    assert response.model_dump_json() == expected.model_dump_json()
    assert ChatResponse.model_validate(response.model_dump()) == response
    fallback = _fallback(completions[-1], monkeypatch)
    assert response == fallback and _shape(response) == _shape(fallback)
    assert response.message.content == completions[-1].text
    if case == "reasoning":
        assert response.message.additional_kwargs["reasoning_content"]
