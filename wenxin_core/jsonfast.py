"""The JSON engine under the core: orjson when it is installed, else the standard library.

Encoding a request body and decoding an answer are a measurable part of a call's client CPU
(``bench/throughput.py``): orjson does each several times faster than ``json``. It is optional
(the ``[fast]`` extra brings it; LangChain installs it anyway), and the results are the same:

* :func:`encode` gives the JSON ``json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))``
  gives: compact UTF-8, the same values (a float may be spelled otherwise: ``1e-7`` for
  ``1e-07``). A value orjson refuses (an int over 64 bits, a non-string key) is encoded by
  ``json`` instead, with its rules.
* :func:`decode` returns what ``json.loads`` returns. Text orjson refuses (``NaN``, a lone
  surrogate, UTF-16...) is decoded by ``json.loads``, so its result or its error is the
  standard library's; so is text with a run of 19 digits or more (an integer orjson would
  turn into a float). Bounds (size, nesting) are :mod:`wenxin_core.jsonsafe`'s job.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["ORJSON", "decode", "encode"]

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised by tests that hide orjson
    _orjson = None  # type: ignore[assignment]

ORJSON = _orjson is not None
"""Whether orjson is installed (and used)."""


def _std_encode(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def _std_decode(data: bytes | str) -> Any:
    return json.loads(data)


if _orjson is not None:
    _orjson_dumps = _orjson.dumps
    _orjson_loads = _orjson.loads
    _EncodeError = _orjson.JSONEncodeError
    _DecodeError = _orjson.JSONDecodeError

    def encode(value: Any) -> bytes:
        """``value`` as compact UTF-8 JSON (orjson; ``json`` for what orjson refuses)."""
        try:
            return _orjson_dumps(value)
        except _EncodeError:
            return _std_encode(value)

    _DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
    _NINETEEN = b"0" * 19

    def _long_digit_run(data: bytes | str) -> bool:
        """Whether ``data`` has 19 digits in a row (two C passes: no regex per position)."""
        raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
        return _NINETEEN in raw.translate(_DIGITS_AS_ZERO)

    def decode(data: bytes | str) -> Any:
        """The value of a JSON text, exactly as ``json.loads`` gives it (orjson first)."""
        if _long_digit_run(data):
            return _std_decode(data)  # maybe an integer past 64 bits: Python's int
        try:
            return _orjson_loads(data)
        except _DecodeError:
            return _std_decode(data)

else:  # pragma: no cover - the standard library alone
    encode = _std_encode
    decode = _std_decode
