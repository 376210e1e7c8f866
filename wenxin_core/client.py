"""``WenxinClient``: the synchronous Qianfan chat client on one pooled ``httpx.Client``."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

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
from wenxin_core._http.body import iter_body, read_body_sync
from wenxin_core._http.deadline import Deadline, SyncBody
from wenxin_core._http.errors import attempt_error, stream_failure
from wenxin_core._http.limits import DEFAULT_HEADERS
from wenxin_core._http.reuse import forget_if_leftover
from wenxin_core.errors import WenxinError, scrub_error
from wenxin_core.messages import MessageLike
from wenxin_core.ratelimit import engine as ratelimit
from wenxin_core.request import is_event_stream
from wenxin_core.stream import ChatStream
from wenxin_core.transport import make_http_client, send_direct_sync, transport_for
from wenxin_core.types import ChatChunk, ChatCompletion, Embeddings, RerankResult, Usage
from wenxin_core.vector_catalog import DEFAULT_EMBEDDING_MODEL, DEFAULT_RERANK_MODEL
from wenxin_core.wire import EventReader, PreparedChat, PreparedPost, final_chunk_of
from wenxin_core.wire.v2.vectors import parse_embeddings, parse_rerank

if TYPE_CHECKING:
    from wenxin_core.ratelimit.types import Reservation

__all__ = ["WenxinClient"]

_T = TypeVar("_T")


class WenxinClient(ClientBase):
    """Synchronous client for Qianfan chat models.

    Example:
        >>> with WenxinClient("ernie-4.5-turbo-32k") as client:  # doctest: +SKIP
        ...     print(client.chat([{"role": "user", "content": "Hello"}]).text)

    Credentials come from the arguments or the environment (see :class:`Credentials`). The client
    validates and normalises every call before sending it, retries transient failures
    (``max_retries``, exponential backoff with jitter), fetches a rejected token again once
    (V1 access token, V2 IAM bearer),
    and raises typed :class:`~wenxin_core.errors.WenxinError` subclasses. Thread-safe.

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
        http_client: an ``httpx.Client`` to use (not closed by :meth:`close`).
        auth: an ``httpx.Auth`` to use instead of building one from credentials (share one
            between a sync and an async client to share the token cache).
        capabilities: overrides of the model's catalog capabilities (``ModelSpec`` fields),
            e.g. ``{"tools": True}`` for a deployed service the catalog does not know.
        rate_limit: a limiter (:mod:`wenxin_core.ratelimit`) every attempt of chat, stream,
            embed and rerank reserves from and settles with; ``None`` (default): none.

    """

    def __init__(
        self,
        model: str | None = None,
        *,
        http_client: httpx.Client | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(model, **options)
        self._owns_http = http_client is None
        self._http = http_client or make_http_client(
            self.timeout, max_connections=self.max_connections
        )
        self._call_headers = {**dict(DEFAULT_HEADERS), **self._request_headers}

    @property
    def http_client(self) -> httpx.Client:
        """The underlying ``httpx.Client``."""
        return self._http

    def chat(
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
        return self._with_retries(lambda: self._chat_once(prepared, attempt_timeout))

    def _with_retries(self, attempt: Callable[[], _T]) -> _T:
        """The one retry loop: run ``attempt`` until it succeeds or the policy gives up."""
        state = RetryState(self.retry_policy, self.auth)
        while True:
            try:
                return attempt()
            except WenxinError as exc:
                delay = state.next_delay(exc, exc.__dict__.pop("_request", None))
                if delay is None:
                    raise
            if delay:
                time.sleep(delay)

    def _chat_once(self, prepared: PreparedChat, timeout: httpx.Timeout) -> ChatCompletion:
        return self._post_once(
            prepared, timeout, lambda r, c: self.wire.parse_completion(r, c, prepared.spec)
        )

    def _post_once(
        self,
        prepared: PreparedChat | PreparedPost,
        timeout: httpx.Timeout,
        parse: Callable[[httpx.Response, bytes], _T],
    ) -> _T:
        """One attempt: send, read whole, raise the answer's typed error or parse it."""
        ticket = ratelimit.reserve(self.rate_limit, prepared, timeout)
        request = self._request(prepared, timeout)
        deadline = Deadline(self.total_timeout)
        try:
            with deadline.sync_scope():
                response = self._send(request)
                content = read_body_sync(response, self.max_decompressed_size)
        except Exception as exc:
            failure = attempt_error(exc, request, deadline)
            if failure is None:
                raise
            failure.__dict__["_request"] = request
            ratelimit.settle(ticket, failure)
            raise failure from exc
        error = self.wire.error_for_response(response, content)
        if error is None:
            result = parse(response, content)
            ratelimit.settle(ticket, result, response)
            return result
        error.__dict__["_request"] = response.request
        ratelimit.settle(ticket, error, response)
        raise error

    def embed(
        self,
        texts: Sequence[str],
        *,
        model: str = DEFAULT_EMBEDDING_MODEL,
        truncate: bool = False,
        timeout: TimeoutTypes | object = UNSET,
    ) -> Embeddings:
        """Embed ``texts`` (V2 ``/embeddings``): one vector per text, in input order.

        The texts are split into calls of at most 16 (``tao-8k``: 1), at most
        :data:`~wenxin_core._base.EMBED_CONCURRENCY` in flight; usage is summed. Each call has
        the client's retries and typed errors.

        Raises:
            WenxinValidationError: no texts, or an empty one (naming its index).
            ContextOverflowError: a text over the model's character limit, unless ``truncate``
                (then it is cut to the limit).

        """
        spec, calls = self.embedding_calls(texts, model, truncate)
        attempt_timeout = self.timeout_for(timeout)

        def one(call: tuple[PreparedPost, int]) -> tuple[list[list[float]], Usage]:
            prepared, count = call
            return self._with_retries(
                lambda: self._post_once(
                    prepared, attempt_timeout, lambda r, c: parse_embeddings(r, c, count)
                )
            )

        if len(calls) == 1:
            results = [one(calls[0])]
        else:
            from concurrent.futures import ThreadPoolExecutor  # threads only for a batch

            with ThreadPoolExecutor(min(EMBED_CONCURRENCY, len(calls))) as pool:
                results = list(pool.map(one, calls))
        return embeddings_of(spec.name, results)

    def rerank(
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
        return self._with_retries(
            lambda: self._post_once(
                prepared, attempt_timeout, lambda r, c: parse_rerank(r, c, docs, spec.name)
            )
        )

    def stream(self, messages: Iterable[MessageLike], **options: Unpack[ChatOptions]) -> ChatStream:
        """Send a conversation and stream the answer chunk by chunk.

        Validation happens here, at once; the request is sent when iteration starts. Failures
        before the first chunk are retried; once a chunk has reached the caller, never. A stream
        that ends before its final event raises :class:`StreamInterruptedError`. Takes the
        same arguments as :meth:`chat`.
        """
        prepared, attempt_timeout = self.prepare(messages, stream=True, options=options)
        return ChatStream(self._iter_chunks(prepared, attempt_timeout))

    def _request(
        self, prepared: PreparedChat | PreparedPost, timeout: httpx.Timeout
    ) -> httpx.Request:
        return self._http.build_request(
            "POST",
            self.url_for(prepared),
            content=prepared.body,
            headers=self._call_headers,
            timeout=timeout,
        )

    def _send(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` (body unread): straight to our own pool, or through a caller's client.

        Our own client's requests skip ``Client.send`` (see :func:`send_direct_sync`); the
        transport is the one httpx picks for the URL, a proxy's included.
        """
        if not self._owns_http:
            return self._http.send(request, auth=self.auth, stream=True)
        transport = transport_for(self._http, request.url)
        return send_direct_sync(transport, request, self.auth, self.max_decompressed_size)

    def _open(
        self, prepared: PreparedChat, timeout: httpx.Timeout
    ) -> tuple[httpx.Response, EventReader, list[ChatChunk], Iterator[bytes]]:
        """Send the request and read up to the first chunk (errors here may be retried).

        The attempt's deadline (``total_timeout``) starts here and bounds the whole stream.
        """
        request = self._request(prepared, timeout)
        deadline = Deadline(self.total_timeout)
        try:
            with deadline.sync_scope():
                response = self._send(request)
        except Exception as exc:
            failure = attempt_error(exc, request, deadline)
            if failure is None:
                raise
            failure.__dict__["_request"] = request
            raise failure from exc
        try:
            if not is_event_stream(response):
                try:
                    with deadline.sync_scope():
                        content = read_body_sync(response, self.max_decompressed_size)
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
                return response, reader, [final], iter(())
            reader = self.wire.event_reader(
                response, prepared.spec, max_event_size=self.max_event_size
            )
            raw = SyncBody(iter_body(response, self.max_decompressed_size), deadline)
            first: list[ChatChunk] = []
            try:
                for data in raw:
                    first = reader.feed(data)
                    if first:
                        break
                else:
                    first = reader.finish()
                    if not first:
                        reader.check_complete()
            except httpx.HTTPError as exc:
                raise stream_failure(reader, exc) from exc
            return response, reader, first, raw
        except BaseException:
            response.close()
            raise

    def _iter_chunks(
        self, prepared: PreparedChat, timeout: httpx.Timeout
    ) -> Generator[ChatChunk, None, None]:
        tickets: list[Reservation | None] = [None]

        def attempt() -> tuple[httpx.Response, EventReader, list[ChatChunk], Iterator[bytes]]:
            tickets[0] = ratelimit.reserve(self.rate_limit, prepared, timeout)
            try:
                return self._open(prepared, timeout)
            except WenxinError as exc:
                ratelimit.settle(tickets[0], exc)
                raise

        response, reader, first, raw = self._with_retries(attempt)
        chunks = first
        try:
            while not reader.done:
                yield from chunks
                reader.check_complete()
                try:
                    data = next(raw, None)
                except httpx.HTTPError as exc:
                    raise stream_failure(reader, exc) from exc
                chunks = reader.finish() if data is None else reader.feed(data)
            # Read the (empty) rest before handing out the last chunk, so the connection goes
            # back to the pool even if the caller stops iterating at the final chunk.
            _drain(raw)
            yield from chunks
        except WenxinError as exc:  # a stream failing mid-way reaches the caller scrubbed
            scrub_error(exc, response.request)
            raise
        finally:
            response.close()
            forget_if_leftover(response)
            if tickets[0] is not None:
                final = chunks[-1] if chunks and chunks[-1].is_final else None
                ratelimit.settle(tickets[0], final, response)

    def models(self) -> list[str]:
        """The model ids this account can call: ``GET {base_url}/models`` (V2).

        :func:`wenxin_core.list_models` shows the shipped catalog; this asks the service.

        Raises:
            WenxinValidationError: on a V1 client (V1 has no model list).
            WenxinError: a typed error for a failure of the service or the network.

        """
        url = self.models_url()
        request = self._http.build_request(
            "GET", url, headers=dict(DEFAULT_HEADERS), timeout=self.timeout
        )
        deadline = Deadline(self.total_timeout)
        try:
            with deadline.sync_scope():
                response = self._http.send(request, auth=self.auth, stream=True)
                content = read_body_sync(response, self.max_decompressed_size)
        except Exception as exc:
            failure = attempt_error(exc, request, deadline)
            if failure is None:
                raise
            raise failure from exc
        return self.parse_models(response, content)

    def close(self) -> None:
        """Close the pooled connections (a caller-supplied ``http_client`` is left open)."""
        if self._owns_http:
            self._http.close()

    def __del__(self) -> None:
        # A client collected without close() must not leave its sockets open.
        if getattr(self, "_owns_http", False):
            with contextlib.suppress(Exception):
                self._http.close()

    def __enter__(self) -> WenxinClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _drain(raw: Iterator[bytes]) -> None:
    """Consume what is left of a finished stream (normally nothing but the chunked trailer)."""
    try:
        for _ in raw:
            pass
    except httpx.HTTPError:
        pass
