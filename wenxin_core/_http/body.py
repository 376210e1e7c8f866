"""Reading response bodies: raw bytes from the transport, decompressed here, with a size cap.

Every body (identity or compressed) may hold at most ``max_decompressed_size`` bytes once
decoded (64 MiB by default); a longer one is refused as it arrives, never held whole.

httpx inflates whatever ``Content-Encoding`` a server sends, without a limit on the result. Our
clients read the raw bytes instead and decode only the codings they ask for
(:data:`~wenxin_core._http.limits.DEFAULT_HEADERS`: gzip and deflate), stopping at
``max_decompressed_size``; any other coding is a typed protocol error, never passed on.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from wenxin_core._http.errors import ResponseTooLargeError, WenxinProtocolError
from wenxin_core._http.limits import DEFAULT_MAX_DECOMPRESSED_SIZE
from wenxin_core._http.reuse import aforget_if_leftover, forget_if_leftover

__all__ = [
    "Inflater",
    "aiter_body",
    "content_coding",
    "inflater_for",
    "iter_body",
    "read_body",
    "read_body_sync",
    "read_response",
]


def content_coding(response: httpx.Response) -> str:
    """The response's ``Content-Encoding``, lower-cased and stripped (``""`` for none)."""
    for _, key, value in response.headers._list:  # (raw, lower-cased, value): no copy
        if key == b"content-encoding":
            return value.decode("latin-1").strip().lower()
    return ""


class Inflater:
    """Incremental gzip/deflate decoding that refuses to produce more than ``limit`` bytes."""

    def __init__(self, coding: str, limit: int) -> None:
        self.coding = coding
        self.limit = limit
        self.produced = 0
        wbits = 16 + zlib.MAX_WBITS if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._raw_deflate_tried = coding != "deflate"
        self._z = zlib.decompressobj(wbits)
        self._first = True

    def decode(self, data: bytes) -> bytes:
        """Inflate the next piece of the body."""
        room = self.limit - self.produced
        try:
            out = self._z.decompress(data, room + 1)
        except zlib.error:
            if self._first and not self._raw_deflate_tried:
                # "deflate" is sometimes sent without its zlib wrapper (as httpx accepts too).
                self._raw_deflate_tried = True
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.decode(data)
            raise WenxinProtocolError(f"The body is not valid {self.coding} data") from None
        self._first = False
        self.produced += len(out)
        if self.produced > self.limit:
            raise ResponseTooLargeError(
                f"The {self.coding} body inflates past max_decompressed_size={self.limit} bytes",
                limit=self.limit,
            )
        return out

    def flush(self) -> bytes:
        """The last bytes of the body (after the input ended)."""
        try:
            out = self._z.flush()
        except zlib.error:
            raise WenxinProtocolError(f"The body is not valid {self.coding} data") from None
        self.produced += len(out)
        if self.produced > self.limit:
            raise ResponseTooLargeError(
                f"The {self.coding} body inflates past max_decompressed_size={self.limit} bytes",
                limit=self.limit,
            )
        return out


def inflater_for(response: httpx.Response, limit: int) -> Inflater | None:
    """The decoder for ``response``'s body, ``None`` for an identity body.

    Raises:
        WenxinProtocolError: a content coding we never asked for (br, zstd, stacked codings),
            or an HTTP 101 (a protocol switch nobody asked for).

    """
    if response.status_code == 101:
        raise WenxinProtocolError(
            "The server switched protocols (HTTP 101) though no upgrade was asked for",
            status_code=101,
        )
    coding = content_coding(response)
    if not coding or coding == "identity":
        return None
    if coding in ("gzip", "x-gzip", "deflate"):
        return Inflater(coding, limit)
    raise WenxinProtocolError(
        f"The server sent Content-Encoding {coding[:40]!r}, which was not asked for "
        "(Accept-Encoding: gzip, deflate)",
        status_code=response.status_code,
    )


def _too_large(limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"The body is over max_decompressed_size={limit} bytes", limit=limit
    )


def _declared_length(response: httpx.Response) -> int | None:
    """The body's ``Content-Length`` (``None`` when absent, chunked or malformed)."""
    for _, key, value in response.headers._list:  # (raw, lower-cased, value): no copy
        if key == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _already_read(response: httpx.Response, limit: int) -> bytes | None:
    """The body of a response made with its content (a mock transport's), else ``None``."""
    content: bytes | None = getattr(response, "_content", None)
    if content is not None and len(content) > limit:
        raise ResponseTooLargeError(
            f"The body is over max_decompressed_size={limit} bytes", limit=limit
        )
    return content


async def _close_read(response: httpx.Response) -> None:
    """``response.aclose()`` for a body our transport's ``read_all`` read whole.

    What httpx's ``aclose`` does (close the stream once, give a transport error the request),
    without its per-call context manager.
    """
    if response.is_closed:
        return
    response.is_closed = True
    try:
        await response.stream.aclose()  # type: ignore[union-attr]
    except httpx.RequestError as exc:
        request = getattr(response, "_request", None)
        if request is not None:
            exc.request = request
        raise


def _raw_async(response: httpx.Response) -> AsyncIterator[bytes]:
    stream = response.stream
    if isinstance(stream, httpx.AsyncByteStream) and not response.is_stream_consumed:
        # Straight from the transport: Response.aiter_raw wraps every piece in re-chunking
        # and byte counting, about as much client CPU as the rest of a call's reading.
        response.is_stream_consumed = True
        return stream.__aiter__()
    return response.aiter_raw()


async def aiter_body(
    response: httpx.Response, limit: int = DEFAULT_MAX_DECOMPRESSED_SIZE
) -> AsyncIterator[bytes]:
    """The decoded body of ``response`` piece by piece (capped), as it arrives."""
    done = _already_read(response, limit)
    if done is not None:
        if done:
            yield done
        return
    inflater = inflater_for(response, limit)
    raw = _raw_async(response)
    if inflater is None:
        size = 0
        async for part in raw:
            size += len(part)
            if size > limit:
                raise _too_large(limit)
            yield part
        return
    async for part in raw:
        out = inflater.decode(part)
        if out:
            yield out
    tail = inflater.flush()
    if tail:
        yield tail


async def read_body(response: httpx.Response, limit: int = DEFAULT_MAX_DECOMPRESSED_SIZE) -> bytes:
    """Read the body of ``response`` whole (decoded, capped), then close the response."""
    done = _already_read(response, limit)
    if done is not None:
        await response.aclose()
        return done
    try:
        inflater = inflater_for(response, limit)
        read_all = getattr(response.stream, "read_all", None)
        if inflater is None and read_all is not None and not response.is_stream_consumed:
            length = _declared_length(response)
            if length is not None and length <= limit:
                response.is_stream_consumed = True
                content: bytes = await read_all()
                await _close_read(response)
                return content
        parts: list[bytes] = []
        raw = _raw_async(response)
        if inflater is None:
            size = 0
            async for part in raw:
                size += len(part)
                if size > limit:
                    raise _too_large(limit)
                parts.append(part)
        else:
            parts = [inflater.decode(part) async for part in raw]
            parts.append(inflater.flush())
    finally:
        await response.aclose()
        await aforget_if_leftover(response)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def iter_body(
    response: httpx.Response, limit: int = DEFAULT_MAX_DECOMPRESSED_SIZE
) -> Iterator[bytes]:
    """Sync twin of :func:`aiter_body`."""
    done = _already_read(response, limit)
    if done is not None:
        if done:
            yield done
        return
    inflater = inflater_for(response, limit)
    raw = response.iter_raw()
    if inflater is None:
        size = 0
        for part in raw:
            size += len(part)
            if size > limit:
                raise _too_large(limit)
            yield part
        return
    for part in raw:
        out = inflater.decode(part)
        if out:
            yield out
    tail = inflater.flush()
    if tail:
        yield tail


def read_body_sync(response: httpx.Response, limit: int = DEFAULT_MAX_DECOMPRESSED_SIZE) -> bytes:
    """Sync twin of :func:`read_body`."""
    try:
        parts = list(iter_body(response, limit))
    finally:
        response.close()
        forget_if_leftover(response)
    return parts[0] if len(parts) == 1 else b"".join(parts)


_READ_STREAM = httpx.ByteStream(b"")
"""The stream of every :func:`read_response`: never read, the body is in ``content``."""


def read_response(
    request: httpx.Request,
    status_code: int,
    headers: httpx.Headers,
    content: bytes,
    extensions: dict[str, Any],
) -> httpx.Response:
    """``httpx.Response(status_code, headers=headers, stream=..., request=request)``, read.

    What httpx's constructor and ``read()`` leave (closed, consumed, ``content`` set), for a
    body a transport read whole, without copying ``headers`` and ``extensions`` (made for this
    response) or wrapping the body in a stream of its own: objects fewer per call.
    """
    response = httpx.Response.__new__(httpx.Response)
    response.status_code = status_code
    response.headers = headers
    response._request = request
    response.next_request = None
    response.extensions = extensions
    response.history = []
    response.is_closed = True
    response.is_stream_consumed = True
    response.default_encoding = "utf-8"
    response.stream = _READ_STREAM
    response._content = content
    response._num_bytes_downloaded = len(content)
    return response
