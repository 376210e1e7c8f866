"""with_structured_output and profile of ChatWenxin, against a scripted V2 service (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage
from langchain_core.utils.function_calling import convert_to_json_schema
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_wenxin import ChatWenxin
from langchain_wenxin._structured import default_method
from langchain_wenxin.errors import UnsupportedParameterError
from tests.langchain.tool_fakes import FakeV2, answer, call, chunk


class Joke(BaseModel):
    """A joke."""

    setup: str = Field(description="the question")
    punchline: str = Field(description="the answer")


class JokeDict(TypedDict):
    """A joke."""

    setup: str
    punchline: str


JOKE = '{"setup": "Why?", "punchline": "Because."}'
PARSED = {"setup": "Why?", "punchline": "Because."}


class _Options(BaseCallbackHandler):
    def __init__(self) -> None:
        self.options: list[dict[str, Any] | None] = []

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, options: dict[str, Any] | None = None, **kw: Any
    ) -> None:
        self.options.append(options)


@pytest.mark.parametrize(
    ("model", "method"),
    [
        ("deepseek-v3.2", "json_schema"),
        ("ernie-4.5-turbo-32k", "json_schema"),
        ("ernie-5.1", "function_calling"),
        ("ernie-x1-turbo-32k", "function_calling"),
        ("ernie-speed-pro-128k", "json_mode"),
    ],
)
def test_default_method_follows_the_catalog(model: str, method: str) -> None:
    assert default_method(ChatWenxin(model=model, api_key="k").model_spec) == method


def test_a_model_with_no_structured_output_is_refused() -> None:
    with pytest.raises(UnsupportedParameterError, match="no structured output"):
        ChatWenxin(model="llama-2-7b-chat", api_key="k").with_structured_output(Joke)


def test_json_schema_sends_the_schema_and_parses_the_text() -> None:
    fake = FakeV2([answer(JOKE)])
    handler = _Options()
    result = fake.llm().with_structured_output(Joke).invoke("joke", {"callbacks": [handler]})
    assert result == Joke(**PARSED)
    response_format = fake.last["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Joke"
    assert response_format["json_schema"]["schema"]["required"] == ["setup", "punchline"]
    assert "tools" not in fake.last
    options = handler.options[0]
    assert options is not None
    assert options["ls_structured_output_format"]["schema"] == convert_to_json_schema(Joke)
    assert options["ls_structured_output_format"]["kwargs"]["method"] == "json_schema"


@pytest.mark.parametrize("schema", [JokeDict, Joke.model_json_schema()], ids=["typed", "json"])
def test_json_schema_with_dict_schemas(schema: Any) -> None:
    fake = FakeV2([answer(JOKE)])
    assert fake.llm().with_structured_output(schema).invoke("joke") == PARSED


def test_strict_json_schema() -> None:
    fake = FakeV2([answer(JOKE)])
    fake.llm().with_structured_output(Joke, strict=True).invoke("joke")
    assert fake.last["response_format"]["json_schema"]["strict"] is True


def test_a_model_without_json_schema_never_receives_one() -> None:
    fake = FakeV2([answer(tool_calls=[call("c1", "Joke", JOKE)])])
    llm = fake.llm(model="ernie-5.1")
    assert llm.with_structured_output(Joke).invoke("joke") == Joke(**PARSED)
    assert "response_format" not in fake.last
    with pytest.raises(UnsupportedParameterError, match="json_schema"):
        llm.with_structured_output(Joke, method="json_schema")
    assert len(fake.bodies) == 1


def test_function_calling_forces_the_one_tool() -> None:
    fake = FakeV2([answer(tool_calls=[call("c1", "Joke", JOKE)])])
    handler = _Options()
    runnable = fake.llm().with_structured_output(Joke, method="function_calling")
    assert runnable.invoke("joke", {"callbacks": [handler]}) == Joke(**PARSED)
    assert [t["function"]["name"] for t in fake.last["tools"]] == ["Joke"]
    assert fake.last["tool_choice"] == {"type": "function", "function": {"name": "Joke"}}
    assert fake.last["parallel_tool_calls"] is False
    options = handler.options[0]
    assert options is not None
    assert options["ls_structured_output_format"]["kwargs"]["method"] == "function_calling"
    assert options["ls_structured_output_format"]["schema"] == convert_to_json_schema(Joke)


def test_function_calling_with_a_dict_schema_and_no_tool_choice() -> None:
    fake = FakeV2([answer(tool_calls=[call("c1", "JokeDict", JOKE)])])
    llm = fake.llm(capabilities={"tool_choice": False, "json_schema": False})
    assert llm.with_structured_output(JokeDict).invoke("joke") == PARSED
    assert "tool_choice" not in fake.last


def test_json_mode() -> None:
    fake = FakeV2([answer(JOKE)])
    llm = fake.llm(model="ernie-speed-pro-128k")
    assert llm.with_structured_output(Joke, method="json_mode").invoke("joke as JSON") == Joke(
        **PARSED
    )
    assert fake.last["response_format"] == {"type": "json_object"}
    assert llm.with_structured_output(None, method="json_mode").invoke("JSON") == PARSED


def test_streamed_structured_output_ends_with_the_object() -> None:
    pieces = [JOKE[:10], JOKE[10:25], JOKE[25:]]
    chunks = [chunk(content=p) for p in pieces] + [chunk(finish="stop", usage=True)]
    fake = FakeV2([chunks])
    results = list(fake.llm().with_structured_output(JokeDict).stream("joke"))
    assert results[-1] == PARSED


def test_include_raw_and_parsing_errors() -> None:
    fake = FakeV2([answer(JOKE), answer("not json")])
    runnable = fake.llm().with_structured_output(Joke, include_raw=True)
    good = runnable.invoke("joke")
    assert isinstance(good["raw"], AIMessage)
    assert good["parsed"] == Joke(**PARSED) and good["parsing_error"] is None
    bad = runnable.invoke("joke")
    assert bad["parsed"] is None and bad["parsing_error"] is not None
    assert bad["raw"].content == "not json"


def test_argument_errors() -> None:
    llm = FakeV2().llm()
    with pytest.raises(ValueError, match="schema must be given"):
        llm.with_structured_output(None)
    with pytest.raises(ValueError, match="strict"):
        llm.with_structured_output(Joke, method="json_mode", strict=True)
    with pytest.raises(ValueError, match="method must be one of"):
        llm.with_structured_output(Joke, method="xml")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("model", "tools", "choice", "structured"),
    [
        ("deepseek-v3.2", True, True, True),
        ("ernie-5.1", True, True, False),
        ("ernie-speed-pro-128k", False, False, False),
        ("llama-2-7b-chat", False, False, False),
    ],
)
def test_profile_is_truthful(model: str, tools: bool, choice: bool, structured: bool) -> None:
    profile = ChatWenxin(model=model, api_key="k").profile
    assert profile is not None
    assert profile.get("tool_calling") is tools
    assert profile.get("tool_choice") is choice
    assert profile.get("structured_output") is structured


def test_v1_profile_has_no_tools() -> None:
    profile = ChatWenxin(api="v1", model="ERNIE-Bot", qianfan_ak="a", qianfan_sk="b").profile
    assert profile is not None
    assert profile.get("tool_calling") is False and profile.get("structured_output") is False
