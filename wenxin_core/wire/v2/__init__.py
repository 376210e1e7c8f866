"""Qianfan V2, the live interface: ``POST {base_url}/chat/completions``, OpenAI-compatible bodies.

``options`` checks and encodes the request options, ``messages`` repairs a history under V2's
order rules, ``chat`` reads answers and streams, ``errors`` maps HTTP status + ``error.code``
onto the typed hierarchy and parses the ``X-Ratelimit-*`` headers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from wenxin_core.catalog import Api, ModelSpec
from wenxin_core.errors import WenxinError
from wenxin_core.jsonfast import encode
from wenxin_core.types import ChatCompletion
from wenxin_core.wire.base import PreparedChat, Wire
from wenxin_core.wire.v2 import chat, errors, messages, options

__all__ = ["V2Wire"]

_STREAM_OPTIONS = {"include_usage": True}


class V2Wire(Wire):
    """The V2 protocol (the default)."""

    api: Api = "v2"
    reader_class = chat.V2EventReader
    option_names = options.OPTION_NAMES

    def prepare(
        self,
        spec: ModelSpec,
        messages_in: Iterable[Any],
        call_options: Mapping[str, Any],
        *,
        system: str | None,
        extra_body: Mapping[str, Any] | None,
        stream: bool,
        overflow: str,
    ) -> PreparedChat:
        """Validate a call and encode its V2 body (``stream_options.include_usage`` on streams)."""
        fields = options.body_fields(spec, call_options)
        extra = options.extra_fields(extra_body)
        normalized = messages.normalize_v2(messages_in, spec, system=system, overflow=overflow)
        body: dict[str, Any] = {"model": spec.name, "messages": normalized.messages}
        body.update(fields)
        body.update(extra)
        if stream:
            body["stream"] = True
            body["stream_options"] = _STREAM_OPTIONS
        return PreparedChat(
            spec=spec,
            body=encode(body),
            stream=stream,
            dropped_turns=normalized.dropped_turns,
        )

    def error_for_response(self, response: httpx.Response, content: bytes) -> WenxinError | None:
        """The typed error of a V2 answer, or ``None``."""
        return errors.error_for_response(response, content)

    def parse_completion(
        self, response: httpx.Response, content: bytes, spec: ModelSpec
    ) -> ChatCompletion:
        """The neutral completion of a V2 ``chat.completion`` body."""
        return chat.parse_completion(response, content, spec)
