"""The JSON engine gives the standard library's results, whichever library does the work."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from wenxin_core import jsonfast

STD_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

VALUES: list[Any] = [
    {"model": "ernie-4.5-turbo-32k", "messages": [{"role": "user", "content": "长城有多长？"}]},
    {"temperature": 0.1, "top_p": 1e-7, "penalty_score": 1.0, "n": [1, 2.5, -3]},
    {"text": 'quote " backslash \\ newline \n tab \t nul \u0000 emoji 🐼'},
    {"big": 2**70, "negative": -(2**65)},  # past 64 bits: the standard library encodes it
    {1: "int key", "nested": {"deep": [[[{"x": None, "y": True, "z": False}]]]}},
    [],
    "plain",
]


@pytest.mark.parametrize("value", VALUES)
def test_encode_matches_the_standard_encoder(value: Any) -> None:
    ours, std = jsonfast.encode(value), STD_ENCODER.encode(value).encode("utf-8")
    assert json.loads(ours) == json.loads(std)
    assert len(ours) <= len(std)  # as compact: no spaces, non-ASCII kept as UTF-8


def test_encode_keeps_text_as_utf8_and_floats_exact() -> None:
    assert jsonfast.encode({"q": "长城", "t": 0.1}) == '{"q":"长城","t":0.1}'.encode()


TEXTS: list[bytes | str] = [
    b'{"choices":[{"message":{"content":"\xe9\x95\xbf\xe5\x9f\x8e"}}],"usage":{"total_tokens":3}}',
    '{"a": [1, 2.5e10, -0.0, null, true, false, "\\u00e9"]}',
    b'{"huge": 123456789012345678901234567890, "edge": -9999999999999999999}',
    b'{"u64": 18446744073709551615, "digits": "1234567890123456789012"}',
    b'{"f": 0.1234567890123456789, "e": 1.5e-300}',
    b'{"nan": NaN, "inf": Infinity}',  # not JSON, but json.loads takes it: so do we
    b'{"lone": "\\ud800"}',  # a lone surrogate: json.loads keeps it
    b'\xef\xbb\xbf{"bom": 1}',  # a UTF-8 BOM on bytes: json.loads accepts it
    '{"dup": 1, "dup": 2}',
    '{"a": 1}'.encode("utf-16"),
]


@pytest.mark.parametrize("text", TEXTS)
def test_decode_matches_json_loads(text: bytes | str) -> None:
    assert repr(jsonfast.decode(text)) == repr(json.loads(text))


@pytest.mark.parametrize("text", [b"", b"{", b'{"a":}', "\ufeff{}", b"[1,]", b"\xff\xfe\x00"])
def test_decode_fails_as_json_loads_does(text: bytes | str) -> None:
    with pytest.raises(ValueError) as ours:
        jsonfast.decode(text)
    with pytest.raises(ValueError) as std:
        json.loads(text)
    assert type(ours.value) is type(std.value)
    assert str(ours.value) == str(std.value)


def test_orjson_is_used_when_installed() -> None:
    pytest.importorskip("orjson")
    assert jsonfast.ORJSON


def test_without_orjson_the_standard_library_does_it() -> None:
    code = (
        "import sys; sys.modules['orjson'] = None\n"
        "from wenxin_core import jsonfast\n"
        "assert not jsonfast.ORJSON\n"
        "assert jsonfast.encode({'q': '长城'}) == '{\"q\":\"长城\"}'.encode()\n"
        "assert jsonfast.decode(b'{\"n\": 18446744073709551616}') == {'n': 2**64}\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
