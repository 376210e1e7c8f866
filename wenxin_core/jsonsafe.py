"""Bounded JSON decoding of what the service sends: a size cap and a nesting cap.

Every JSON body and event the core decodes (chat, embeddings, rerank, errors, the V1 token and
IAM BCE-BEARER answers) goes through :func:`loads`. A body over :data:`MAX_JSON_BYTES` or nested
deeper than :data:`MAX_JSON_DEPTH` is a typed :class:`~wenxin_core.errors.BodyLimitError`; a
``RecursionError`` never escapes.

Decoding is :func:`wenxin_core.jsonfast.decode` (orjson when installed, with ``json.loads``'s
results and errors). The fast path skips the depth scan: a body with at most
:data:`MAX_JSON_DEPTH` opening brackets cannot be nested deeper, and counting them is a
C-speed byte count. Only a body with more brackets than that is scanned for its real depth
(strings stripped, then one linear pass).
"""

from __future__ import annotations

import operator
import re
from itertools import accumulate
from typing import Any

from wenxin_core.errors import BodyLimitError
from wenxin_core.jsonfast import decode

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_TOKEN_JSON_BYTES",
    "check",
    "loads",
    "nesting_depth",
    "too_deep",
]

MAX_JSON_BYTES = 64 * 1024 * 1024
"""The largest JSON body decoded (64 MiB): far above any chat, embeddings or rerank answer."""

MAX_JSON_DEPTH = 512
"""The deepest nesting decoded (512 levels of arrays/objects); real answers use under 10."""

MAX_TOKEN_JSON_BYTES = 1024 * 1024
"""The largest token answer decoded (1 MiB): a V1 token or IAM BCE-BEARER answer is < 2 KiB."""

_STRING_BYTES = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_STRING_TEXT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_KEEP = b"[]{}"
_DROP = bytes(b for b in range(256) if b not in _KEEP)
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def _openers(data: bytes | str) -> int:
    if isinstance(data, bytes):
        return data.count(b"[") + data.count(b"{")
    return data.count("[") + data.count("{")


def nesting_depth(data: bytes | str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets in strings ignored).

    Linear in the size of ``data`` and iterative (no recursion, whatever the depth). Malformed
    text gives a meaningful figure too: the most brackets open at once.
    """
    raw = data if isinstance(data, bytes) else None
    if raw is None:
        stripped_text = _STRING_TEXT.sub("", data)  # type: ignore[arg-type]
        raw = stripped_text.encode("utf-8", "surrogatepass")
    else:
        raw = _STRING_BYTES.sub(b"", raw)
    steps = raw.translate(_STEPS, _DROP)  # 2 per opener, 0 per closer
    if not steps:
        return 0
    # depth after i+1 brackets = 2 * openers so far - (i + 1)
    deepest: int = max(map(operator.sub, accumulate(steps), range(1, len(steps) + 1)))
    return max(0, deepest)


def check(
    data: bytes | str,
    *,
    what: str = "response body",
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
    status_code: int | None = None,
    request_id: str | None = None,
) -> None:
    """Raise :class:`BodyLimitError` if ``data`` is over ``max_bytes`` or nested too deep."""
    if len(data) > max_bytes:
        raise BodyLimitError(
            f"The {what} is {len(data)} bytes, over the {max_bytes}-byte limit for JSON",
            limit=max_bytes,
            kind="size",
            status_code=status_code,
            request_id=request_id,
        )
    if _openers(data) > max_depth and nesting_depth(data) > max_depth:
        raise too_deep(what, max_depth, status_code=status_code, request_id=request_id)


def too_deep(
    what: str,
    max_depth: int = MAX_JSON_DEPTH,
    *,
    status_code: int | None = None,
    request_id: str | None = None,
) -> BodyLimitError:
    """The :class:`BodyLimitError` of a ``what`` nested deeper than ``max_depth``."""
    return BodyLimitError(
        f"The {what} is JSON nested deeper than {max_depth} levels",
        limit=max_depth,
        kind="depth",
        status_code=status_code,
        request_id=request_id,
    )


def loads(
    data: bytes | str,
    *,
    what: str = "response body",
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
    status_code: int | None = None,
    request_id: str | None = None,
) -> Any:
    """``json.loads`` (as :func:`wenxin_core.jsonfast.decode`) within the size and nesting caps.

    Raises:
        BodyLimitError: ``data`` is over ``max_bytes`` or nested deeper than ``max_depth``
            (also when decoding ran out of stack: never a ``RecursionError``).
        ValueError: ``data`` is not JSON (``json.JSONDecodeError``, ``UnicodeDecodeError``),
            exactly as ``json.loads`` raises it.

    """
    check(
        data,
        what=what,
        max_bytes=max_bytes,
        max_depth=max_depth,
        status_code=status_code,
        request_id=request_id,
    )
    try:
        return decode(data)
    except RecursionError:
        raise too_deep(what, max_depth, status_code=status_code, request_id=request_id) from None
