"""Structured output: ``json_object`` answers a JSON object, ``json_schema`` one that conforms."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest

from tests.emulator.v2_helpers import MODEL, body, chunks, error_of, joined, post
from tests.support.emulator_text import reply_text
from wenxin_core.emulator import EmulatorServer

PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer", "minimum": 0},
        "height": {"type": "number"},
        "member": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "address": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
            "required": ["city", "zip"],
            "additionalProperties": False,
        },
        "level": {"type": "string", "enum": ["junior", "senior"]},
        "nickname": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "required": ["name", "age"],
    "additionalProperties": False,
}


def schema_format(schema: dict[str, Any], name: str = "person") -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


def content(client: httpx.Client, text: str, response_format: dict[str, Any], **kw: Any) -> str:
    response = post(client, body(text, response_format=response_format, **kw))
    assert response.status_code == 200, response.text
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "stop"
    return str(choice["message"]["content"])


def test_json_object_is_a_json_object(client: httpx.Client) -> None:
    data = json.loads(content(client, "answer in JSON", {"type": "json_object"}))
    assert data == {"answer": reply_text("answer in JSON", MODEL)}


def test_json_object_follows_a_schema_the_prompt_quotes(client: httpx.Client) -> None:
    system = "Answer as JSON following this schema: " + json.dumps(PERSON) + " Nothing else."
    messages = [{"role": "system", "content": system}, {"role": "user", "content": "Bob is 7"}]
    response = post(
        client, {"model": MODEL, "messages": messages, "response_format": {"type": "json_object"}}
    )
    data = json.loads(response.json()["choices"][0]["message"]["content"])
    jsonschema.validate(data, PERSON)
    assert data["name"] == "Bob" and data["age"] == 7


def test_json_schema_conforms_and_fills_from_the_text(client: httpx.Client) -> None:
    text = "Ada Lovelace is 36, a senior member from London"
    data = json.loads(content(client, text, schema_format(PERSON)))
    jsonschema.validate(data, PERSON)
    assert set(data) == set(PERSON["properties"])  # every property present
    assert data["name"] == "Ada Lovelace"
    assert data["age"] == 36
    assert data["level"] == "senior"
    assert len(data["tags"]) == 1
    assert set(data["address"]) == {"city", "zip"}


SCHEMAS: dict[str, dict[str, Any]] = {
    "empty object": {"type": "object"},
    "formats": {
        "type": "object",
        "properties": {
            "day": {"type": "string", "format": "date"},
            "at": {"type": "string", "format": "date-time"},
            "mail": {"type": "string", "format": "email"},
        },
        "required": ["day", "at", "mail"],
    },
    "bounded": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "minLength": 3, "maxLength": 5},
            "score": {"type": "number", "minimum": 10, "maximum": 20},
            "ids": {"type": "array", "items": {"type": "integer"}, "minItems": 2},
        },
        "required": ["code", "score", "ids"],
    },
    "refs": {
        "type": "object",
        "$defs": {
            "Item": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
        },
        "properties": {"items": {"type": "array", "items": {"$ref": "#/$defs/Item"}}},
        "required": ["items"],
    },
    "type lists and consts": {
        "type": "object",
        "properties": {"kind": {"const": "x"}, "maybe": {"type": ["string", "null"]}},
        "required": ["kind", "maybe"],
    },
}


@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=SCHEMAS.keys())
def test_schemas_of_every_shape(client: httpx.Client, schema: dict[str, Any]) -> None:
    data = json.loads(content(client, "x", schema_format(schema)))
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())


def test_json_schema_streams_valid_json(client: httpx.Client) -> None:
    response = post(client, body("Bob is 7", response_format=schema_format(PERSON), stream=True))
    data = json.loads(joined(chunks(response)))
    jsonschema.validate(data, PERSON)
    assert data["age"] == 7


def test_a_script_wins_over_the_format(client: httpx.Client, emu: EmulatorServer) -> None:
    emu.script('{"name": "Scripted", "age": 1}')
    assert content(client, "x", schema_format(PERSON)) == '{"name": "Scripted", "age": 1}'


def test_text_format_is_plain_text(client: httpx.Client) -> None:
    assert content(client, "hi", {"type": "text"}) == reply_text("hi", MODEL)


@pytest.mark.parametrize(
    ("model", "response_format"),
    [
        ("ernie-5.1", schema_format(PERSON)),  # json_object only
        ("ernie-x1-turbo-32k", {"type": "json_object"}),  # no response_format at all
        ("llama-2-13b-chat", {"type": "json_object"}),
        (MODEL, {"type": "xml"}),
        (MODEL, {"type": "json_schema", "json_schema": {"name": "x"}}),
        (MODEL, {"type": "json_schema", "json_schema": {"name": "", "schema": {}}}),
    ],
)
def test_formats_a_model_does_not_take(
    client: httpx.Client, model: str, response_format: dict[str, Any]
) -> None:
    response = post(client, body("x", model=model, response_format=response_format))
    assert error_of(response) == (400, "invalid_argument")
