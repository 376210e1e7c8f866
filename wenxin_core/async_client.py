"""``AsyncWenxinClient``: the asynchronous Qianfan chat client on a pooled ``httpx.AsyncClient``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Sequence,
)
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import httpx
from typing_extensions import Unpack

from wenxin_core._base import (
    EMBED_CONCURRENCY,
    UNSET,
    ChatOptions,
    ClientBase,
    ClientOptions,
    RetryState,
    TimeoutTypes,
    embeddings_of,
)
from wenxin_core._http.body import aiter_body, read_body
from wenxin_core._http.deadline import HAS_TIMEOUT_AT, AsyncBody, Deadline
from wenxin_core._http.deadline_watch import running_watch
from wenxin_core._http.errors import attempt_error, stream_failure
from wenxin_core._http.limits import DEFAULT_HEADERS
from wenxin_core._http.reuse import aforget_if_leftover
from wenxin_core.errors import WenxinError, scrub_error
from wenxin_core.messages import MessageLike
from wenxin_core.pools import LoopPools
from wenxin_core.ratelimit import engine as ratelimit
from wenxin_core.request import is_event_stream
from wenxin_core.stream import AsyncChatStream
from wenxin_core.transport import (
    authenticated_now,
    post_request,
    send_direct,
)
from wenxin_core.types import ChatChunk, ChatCompletion, Embeddings, RerankResult, Usage
from wenxin_core.vector_catalog import DEFAULT_EMBEDDING_MODEL, DEFAULT_RERANK_MODEL
from wenxin_core.wire import EventReader, PreparedChat, PreparedPost, final_chunk_of
from wenxin_core.wire.v2.vectors import parse_embeddings, parse_rerank

if TYPE_CHECKING:
    from wenxin_core.ratelimit.types import Reservation

__all__ = ["AsyncWenxinClient"]


class _ReadsWhole(Protocol):
    """A transport that sends a request and reads its body whole in one call (ours)."""

    async def send_read(self, request: httpx.Request, limit: int) -> tuple[httpx.Response, bytes]:
        """Send ``request``; the response (read) and its decoded body, at most ``limit``."""
        ...


_T = TypeVar("_T")


_OWN_HEADERS = (
    (b"Content-Type", b"application/json"),
    *((name.encode(), value.encode()) for name, value in DEFAULT_HEADERS),
)
"""Headers of requests sent through our own transport, after ``Host`` (auth adds its own)."""


class AsyncWenxinClient(ClientBase):
    """Asynchronous client for Qianfan chat models (same options and behaviour as WenxinClient).

    Example:
        >>> async with AsyncWenxinClient("ernie-4.5-turbo-32k") as client:  # doctest: +SKIP
        ...     print((await client.chat([{"role": "user", "content": "Hello"}])).result)

    Credentials come from the arguments or the environment (see :class:`Credentials`). The client
    validates and normalises every call before sending it, retries transient failures
    (``max_retries``, exponential backoff with jitter), fetches a rejected token again once
    (V1 access token, V2 IAM bearer),
    and raises typed :class:`~wenxin_core.errors.WenxinError` subclasses. Safe to share between
    tasks; its own connection pool is bound to the event loop that uses it, and a new one is
    made if it is used from another loop.

    Args:
        model: a V2 model id or a deployed service's API name (``"ernie-4.5-turbo-32k"``,
            ``"llama-2-13b-chat"``); with ``api="v1"`` a V1 catalog name.
        api: ``"v2"`` (the live service, the default) or ``"v1"`` (legacy, private deployments).
        endpoint: V1 only: a self-deployed service's endpoint suffix.
        api_key: V2: the console API Key (``QIANFAN_API_KEY``), sent as a bearer token.
        access_key: the account's IAM Access Key (``QIANFAN_ACCESS_KEY``), with ``secret_key``:
            on V2 they mint BCE-BEARER tokens; on V1 they sign requests.
        secret_key: the account's IAM Secret Key (``QIANFAN_SECRET_KEY``).
        app_id: V2: the application to bill (``QIANFAN_APP_ID``), sent as the ``appid`` header.
        iam_base_url: where bearer tokens are minted (``QIANFAN_IAM_BASE_URL``).
        qianfan_ak: V1: the application's API Key (``QIANFAN_AK``), with ``qianfan_sk``.
        qianfan_sk: V1: the application's Secret Key (``QIANFAN_SK``).
        access_token: V1: a ready access token (``QIANFAN_ACCESS_TOKEN``).
        base_url: the API base (``QIANFAN_BASE_URL``), default ``https://qianfan.baidubce.com/v2``
            (V1: ``https://aip.baidubce.com``).
        timeout: per phase of each attempt (connect, each read or write, waiting for a pooled
            connection); seconds or an ``httpx.Timeout`` (default: 10 s connect, 300 s read).
        total_timeout: seconds one attempt may take in all, token fetch, headers and the whole
            body or stream included (default 300, aiohttp's; ``None`` for no overall limit).
        max_connections: connections the client's own pool keeps at most (default 100).
        max_event_size: bytes one SSE line or event may hold (default 16 MiB); beyond it the
            stream fails with :class:`~wenxin_core._http.errors.ResponseTooLargeError`.
        max_decompressed_size: bytes a body may hold once decoded (gzip/deflate inflated),
            default 64 MiB; beyond it :class:`~wenxin_core._http.errors.ResponseTooLargeError`.
        max_retries: retries after the first attempt (default 2).
        overflow: ``"truncate"`` (drop the oldest turns, with a warning) or ``"error"``.
        http_client: an ``httpx.AsyncClient`` to use as is (not closed by :meth:`aclose`).
            By default the client makes its own (``httpx-aiohttp`` over aiohttp when installed,
            else httpx's own transport; see :mod:`wenxin_core.transport`).
        auth: an ``httpx.Auth`` to use instead of building one from credentials (share one
            between a sync and an async client to share the token cache).
        capabilities: overrides of the model's catalog capabilities (``ModelSpec`` fields),
            e.g. ``{"tools": True}`` for a deployed service the catalog does not know.
        rate_limit: a limiter (:mod:`wenxin_core.ratelimit`) every attempt of chat, stream,
            embed and rerank reserves from and settles with (waits are awaited); ``None``
            (default): none.

    """

    def __init__(
        self,
        model: str | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(model, **options)
        self._user_http = http_client
        self._pools = LoopPools(self.timeout, self.max_connections)
        self._call_headers = {**dict(DEFAULT_HEADERS), **self._request_headers}
        self._own_headers: dict[str, httpx.Headers] = {}
        self._has_length: dict[str, bool] = {}
        self._armed: tuple[httpx.Timeout, dict[str, Any]] | None = None

    @property
    def http_client(self) -> httpx.AsyncClient:
        """The ``httpx.AsyncClient`` used in the running event loop (made on first use).

        A caller-supplied client is returned as is; otherwise each event loop that uses this
        client gets its own pool (see :mod:`wenxin_core.pools`).
        """
        if self._user_http is not None:
            return self._user_http
        return self._pools.current().http

    async def _target(self) -> tuple[httpx.AsyncClient, httpx.AsyncBaseTransport | None]:
        """The client to send with and, for our own pool, the transport to send to directly."""
        target = self._target_now()
        if target is not None:
            return target
        pool = await self._pools.acquire()
        return pool.http, pool.transport

    def _target_now(self) -> tuple[httpx.AsyncClient, httpx.AsyncBaseTransport | None] | None:
        """:meth:`_target` without awaiting, once the running loop's pool is started."""
        if self._user_http is not None:
            return self._user_http, None
        pool = self._pools.started_pool()
        return None if pool is None else (pool.http, pool.transport)

    def __del__(self) -> None:
        # An unclosed client must not leak sockets or make aiohttp warn when it is collected.
        pools = getattr(self, "_pools", None)
        if pools is not None and len(pools):
            pools.release_all()

    async def chat(
        self, messages: Iterable[MessageLike], **options: Unpack[ChatOptions]
    ) -> ChatCompletion:
        """Send a conversation and return the complete answer.

        Args:
            messages: the conversation, oldest first (system/user/assistant/tool turns).
            **options: per-call options (:class:`~wenxin_core._base.ChatOptions`).

        Raises:
            WenxinValidationError: bad input, before anything is sent.
            WenxinError: a typed subclass for every failure of the service or the network.

        """
        prepared, attempt_timeout = self.prepare(messages, stream=False, options=options)
        http, transport = self._target_now() or await self._target()
        # The first attempt inline, and no closure in this frame: every object a call holds
        # while it waits is promoted by the collector, which costs at high concurrency.
        try:
            return await self._post_once(http, transport, prepared, attempt_timeout)
        except WenxinError as exc:
            failure = exc
        return await self._retry_chat(failure, http, transport, prepared, attempt_timeout)

    async def _retry_chat(
        self,
        failure: WenxinError,
        http: httpx.AsyncClient,
        transport: httpx.AsyncBaseTransport | None,
        prepared: PreparedChat,
        timeout: httpx.Timeout,
    ) -> ChatCompletion:
        """The retries of a chat call whose first attempt failed with ``failure``."""
        return await self._with_retries(
            lambda: self._post_once(http, transport, prepared, timeout), failure
        )

    async def _with_retries(
        self, attempt: Callable[[], Awaitable[_T]], failed: WenxinError | None = None
    ) -> _T:
        """The one retry loop: await ``attempt()`` until it succeeds or the policy gives up.

        ``failed``: the first attempt's error, when the caller made that attempt itself.
        """
        policy, auth = self.retry_policy, self.auth
        state: RetryState | None = None  # made on the first failure: none on a success path
        while True:
            if failed is None:
                try:
                    return await attempt()
                except WenxinError as exc:
                    failed = exc
            if state is None:
                state = RetryState(policy, auth)
            delay = state.next_delay(failed, failed.__dict__.pop("_request", None))
            if delay is None:
                raise failed
            failed = None
            if delay:
                await asyncio.sleep(delay)

    async def _post_once(
        self,
        http: httpx.AsyncClient,
        transport: httpx.AsyncBaseTransport | None,
        prepared: PreparedChat | PreparedPost,
        timeout: httpx.Timeout,
        parse: Callable[[httpx.Response, bytes], _T] | None = None,
    ) -> _T:
        """One attempt: send, read whole, raise the answer's typed error or parse it.

        ``parse`` reads a success; ``None``: a chat completion (``prepared`` is a chat).
        """
        limiter = self.rate_limit
        ticket = None if limiter is None else await ratelimit.areserve(limiter, prepared, timeout)
        request = self._request(http, transport, prepared, timeout)
        total = self.total_timeout
        # Plain floats while the call waits (a Deadline object is made only on a failure):
        # every object held across the await costs a promotion at high concurrency.
        ends = None if total is None else time.monotonic() + total
        limit = self.max_decompressed_size
        lean = self._lean(transport, request)
        exchange = (  # the common call: sent and read in one step
            lean.send_read(request, limit)
            if lean is not None
            else self._send_and_read(http, transport, request)
        )
        try:
            if ends is None:
                response, content = await exchange
            else:  # one timer per loop for every call's deadline, not one per call
                watch = running_watch()
                task = watch.enter(ends) if HAS_TIMEOUT_AT else None
                if task is None:  # Python 3.10 (no Task.uncancel), or not in a task
                    response, content = await Deadline.ending(total, ends).run(exchange)
                else:
                    try:
                        response, content = await exchange
                    except BaseException as exc:
                        watch.leave(task, exc)  # TimeoutError if it was the deadline's cancel
                        raise
                    watch.leave(task, None)
        except Exception as exc:
            failure = attempt_error(exc, request, Deadline.ending(total, ends))
            if failure is None:
                raise
            failure.__dict__["_request"] = request
            if ticket is not None:
                await ratelimit.asettle(ticket, failure)
            raise failure from exc
        error = self.wire.error_for_response(response, content)
        if error is None:
            if parse is None:  # a chat: no parse closure held for the whole wait
                spec = cast(PreparedChat, prepared).spec
                result = cast(_T, self.wire.parse_completion(response, content, spec))
            else:
                result = parse(response, content)
            if ticket is not None:
                await ratelimit.asettle(ticket, result, response)
            return result
        error.__dict__["_request"] = response.request
        if ticket is not None:
            await ratelimit.asettle(ticket, error, response)
        raise error

    async def embed(
        self,
        texts: Sequence[str],
        *,
        model: str = DEFAULT_EMBEDDING_MODEL,
        truncate: bool = False,
        timeout: TimeoutTypes | object = UNSET,
    ) -> Embeddings:
        """Embed ``texts`` (V2 ``/embeddings``): one vector per text, in input order.

        The texts are split into calls of at most 16 (``tao-8k``: 1), at most
        :data:`~wenxin_core._base.EMBED_CONCURRENCY` in flight; usage is summed.

        Raises:
            WenxinValidationError: no texts, or an empty one (naming its index).
            ContextOverflowError: a text over the model's character limit, unless ``truncate``.

        """
        spec, calls = self.embedding_calls(texts, model, truncate)
        attempt_timeout = self.timeout_for(timeout)
        http, transport = await self._target()
        gate = asyncio.Semaphore(EMBED_CONCURRENCY)

        async def one(call: tuple[PreparedPost, int]) -> tuple[list[list[float]], Usage]:
            prepared, count = call
            async with gate:
                return await self._with_retries(
                    lambda: self._post_once(
                        http,
                        transport,
                        prepared,
                        attempt_timeout,
                        lambda r, c: parse_embeddings(r, c, count),
                    )
                )

        results = await asyncio.gather(*(one(call) for call in calls))
        return embeddings_of(spec.name, results)

    async def rerank(
        self,
        query: str,
        documents: Sequence[str],
        *,
        top_n: int | None = None,
        model: str = DEFAULT_RERANK_MODEL,
        truncate: bool = False,
        timeout: TimeoutTypes | object = UNSET,
    ) -> RerankResult:
        """Rank ``documents`` by relevance to ``query`` (V2 ``/rerank``), best first.

        Raises:
            WenxinValidationError: an empty query or document, more than 64 documents.
            ContextOverflowError: the query or a document over its limit, unless ``truncate``.

        """
        spec, prepared, docs = self.rerank_call(query, documents, model, top_n, truncate)
        attempt_timeout = self.timeout_for(timeout)
        http, transport = await self._target()
        return await self._with_retries(
            lambda: self._post_once(
                http,
                transport,
                prepared,
                attempt_timeout,
                lambda r, c: parse_rerank(r, c, docs, spec.name),
            )
        )

    def stream(
        self, messages: Iterable[MessageLike], **options: Unpack[ChatOptions]
    ) -> AsyncChatStream:
        """Send a conversation and stream the answer chunk by chunk (``async for``).

        Validation happens here, at once; the request is sent when iteration starts. Failures
        before the first chunk are retried; once a chunk has reached the caller, never. A stream
        that ends before its final event raises :class:`StreamInterruptedError`. Takes the
        same arguments as :meth:`chat`.
        """
        prepared, attempt_timeout = self.prepare(messages, stream=True, options=options)
        return AsyncChatStream(self._iter_chunks(prepared, attempt_timeout))

    def _request(
        self,
        http: httpx.AsyncClient,
        transport: httpx.AsyncBaseTransport | None,
        prepared: PreparedChat | PreparedPost,
        timeout: httpx.Timeout,
    ) -> httpx.Request:
        url = self.url_for(prepared)
        if transport is not None:
            # What ``httpx.Request(content=...)`` builds (same headers, same order), without
            # re-parsing the URL and re-normalising the same headers on every call.
            headers = self._own_headers.get(prepared.path)
            if headers is None:
                headers = self._own_headers[prepared.path] = httpx.Headers(
                    [
                        (b"Host", url.netloc),
                        *_OWN_HEADERS,
                        *((k.encode(), v.encode()) for k, v in self.extra_headers.items()),
                    ]
                )
                self._has_length[prepared.path] = "Content-Length" in headers
            body = prepared.body
            request = post_request(url, headers, body, self._extensions_for(timeout))
            if self._has_length.get(prepared.path, True):
                request.headers["Content-Length"] = str(len(body))
            else:  # appended as ``headers["Content-Length"] = ...`` would, without its scan
                length = str(len(body)).encode()
                request.headers._list.append((b"Content-Length", b"content-length", length))
            return request
        return http.build_request(
            "POST",
            url,
            content=prepared.body,
            headers=self._call_headers,
            timeout=timeout,
        )

    def _extensions_for(self, timeout: httpx.Timeout) -> dict[str, Any]:
        """The extensions of a request to our transport: ``{"timeout": the armed timeouts}``.

        Armed: the per-phase timeouts shorter than ``total_timeout``. A phase timeout no
        shorter than the attempt's deadline can never fire first (the deadline bounds every
        phase too), so it is not armed: with the defaults (300 s read and pool, 300 s in all)
        that spares aiohttp a timer per read and one per pool wait. One dict per timeout,
        shared by the requests that use it (no transport or auth of ours writes to a
        request's extensions): one object fewer held by each call.
        """
        cached = self._armed
        if cached is not None and cached[0] is timeout:
            return cached[1]
        total = self.total_timeout
        armed = timeout.as_dict()
        if total is not None:
            armed = {
                phase: None if value is not None and value >= total else value
                for phase, value in armed.items()
            }
        extensions: dict[str, Any] = {"timeout": armed}
        self._armed = (timeout, extensions)
        return extensions

    async def _send(
        self,
        http: httpx.AsyncClient,
        transport: httpx.AsyncBaseTransport | None,
        request: httpx.Request,
    ) -> httpx.Response:
        """Send through our own transport directly, or through a caller's client as usual.

        The body is left unread, for the caller to stream.
        """
        if transport is None:
            return await http.send(request, auth=self.auth, stream=True)
        return await send_direct(transport, request, self.auth, self.max_decompressed_size)

    async def _send_and_read(
        self,
        http: httpx.AsyncClient,
        transport: httpx.AsyncBaseTransport | None,
        request: httpx.Request,
    ) -> tuple[httpx.Response, bytes]:
        """Send like :meth:`_send` and read the body whole (the connection is then free).

        The body is read raw and decompressed here, capped (``max_decompressed_size``).
        """
        if transport is None:
            response = await http.send(request, auth=self.auth, stream=True)
        else:  # as _send does, one coroutine less
            response = await send_direct(transport, request, self.auth, self.max_decompressed_size)
        return response, await read_body(response, self.max_decompressed_size)

    def _lean(
        self, transport: httpx.AsyncBaseTransport | None, request: httpx.Request
    ) -> _ReadsWhole | None:
        """``transport`` if it reads bodies whole (ours) and ``request`` is authenticated now.

        Then the request is sent and its answer read in one call; otherwise (a caller's
        client or transport, a token to fetch) it takes the general path.
        """
        if getattr(transport, "reads_whole", False) and authenticated_now(self.auth, request):
            return cast(_ReadsWhole, transport)
        return None

    async def _open(
        self,
        http: httpx.AsyncClient,
        transport: httpx.AsyncBaseTransport | None,
        prepared: PreparedChat,
        timeout: httpx.Timeout,
    ) -> tuple[httpx.Response, EventReader, list[ChatChunk], AsyncBody]:
        """Send the request and read up to the first chunk (errors here may be retried).

        The attempt's deadline (``total_timeout``) starts here and bounds the whole stream.
        """
        request = self._request(http, transport, prepared, timeout)
        deadline = Deadline(self.total_timeout)
        try:
            response = await deadline.run(self._send(http, transport, request))
        except Exception as exc:
            failure = attempt_error(exc, request, deadline)
            if failure is None:
                raise
            failure.__dict__["_request"] = request
            raise failure from exc
        try:
            if not is_event_stream(response):
                try:
                    content = await deadline.run(read_body(response, self.max_decompressed_size))
                except Exception as exc:
                    failure = attempt_error(exc, request, deadline)
                    if failure is None:
                        raise
                    failure.__dict__["_request"] = request
                    raise failure from exc
                error = self.wire.error_for_response(response, content)
                if error is not None:
                    error.__dict__["_request"] = response.request
                    raise error
                completion = self.wire.parse_completion(response, content, prepared.spec)
                final = final_chunk_of(completion)
                reader = self.wire.event_reader(response, prepared.spec)
                reader.done = True
                return response, reader, [final], AsyncBody(_no_bytes(), deadline)
            reader = self.wire.event_reader(
                response, prepared.spec, max_event_size=self.max_event_size
            )
            raw = AsyncBody(aiter_body(response, self.max_decompressed_size), deadline)
            first: list[ChatChunk] = []
            try:
                async for data in raw:
                    first = reader.feed(data)
                    if first:
                        break
                else:
                    first = reader.finish()
                    if not first:
                        reader.check_complete()
            except httpx.HTTPError as exc:
                await raw.aclose()
                raise stream_failure(reader, exc) from exc
            except BaseException:
                await raw.aclose()
                raise
            return response, reader, first, raw
        except BaseException:
            await response.aclose()
            raise

    async def _iter_chunks(
        self, prepared: PreparedChat, timeout: httpx.Timeout
    ) -> AsyncGenerator[ChatChunk, None]:
        http, transport = await self._target()
        tickets: list[Reservation | None] = [None]

        async def attempt() -> tuple[httpx.Response, EventReader, list[ChatChunk], AsyncBody]:
            tickets[0] = await ratelimit.areserve(self.rate_limit, prepared, timeout)
            try:
                return await self._open(http, transport, prepared, timeout)
            except WenxinError as exc:
                await ratelimit.asettle(tickets[0], exc)
                raise

        response, reader, first, raw = await self._with_retries(attempt)
        chunks = first
        try:
            while not reader.done:
                for chunk in chunks:
                    yield chunk
                reader.check_complete()
                try:
                    data = await anext(raw, None)
                except httpx.HTTPError as exc:
                    raise stream_failure(reader, exc) from exc
                chunks = reader.finish() if data is None else reader.feed(data)
            # Read the (empty) rest before handing out the last chunk, so the connection goes
            # back to the pool even if the caller stops iterating at the final chunk.
            await _drain(raw)
            for chunk in chunks:
                yield chunk
        except WenxinError as exc:  # a stream failing mid-way reaches the caller scrubbed
            scrub_error(exc, response.request)
            raise
        finally:
            await raw.aclose()
            await response.aclose()
            await aforget_if_leftover(response)
            if tickets[0] is not None:
                final = chunks[-1] if chunks and chunks[-1].is_final else None
                await ratelimit.asettle(tickets[0], final, response)

    async def models(self) -> list[str]:
        """The model ids this account can call: ``GET {base_url}/models`` (V2).

        Raises:
            WenxinValidationError: on a V1 client (V1 has no model list).
            WenxinError: a typed error for a failure of the service or the network.

        """
        url = self.models_url()
        http = self.http_client
        request = http.build_request(
            "GET", url, headers=dict(DEFAULT_HEADERS), timeout=self.timeout
        )
        deadline = Deadline(self.total_timeout)
        try:
            response = await deadline.run(http.send(request, auth=self.auth, stream=True))
            content = await deadline.run(read_body(response, self.max_decompressed_size))
        except Exception as exc:
            failure = attempt_error(exc, request, deadline)
            if failure is None:
                raise
            raise failure from exc
        return self.parse_models(response, content)

    async def aclose(self) -> None:
        """Close the pooled connections (a caller-supplied ``http_client`` is left open)."""
        await self._pools.aclose()

    async def __aenter__(self) -> AsyncWenxinClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def _no_bytes() -> AsyncGenerator[bytes, None]:
    """An empty byte stream (for a JSON answer that arrived instead of a stream)."""
    return
    yield b""  # pragma: no cover - makes this an async generator


async def _drain(raw: AsyncIterator[bytes]) -> None:
    """Consume what is left of a finished stream (normally nothing but the chunked trailer)."""
    try:
        async for _ in raw:
            pass
    except httpx.HTTPError:
        pass
