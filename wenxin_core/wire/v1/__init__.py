"""Qianfan V1 (legacy): the ``wenxinworkshop`` endpoints, for private deployments.

Baidu's public service shut V1 on 2026-08-31. Select it with ``api="v1"``; it takes the
application key pair (``qianfan_ak``/``qianfan_sk``), a ready ``access_token``, or IAM signing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from wenxin_core.catalog import Api, ModelSpec
from wenxin_core.errors import WenxinError
from wenxin_core.params import ChatParams
from wenxin_core.types import ChatCompletion
from wenxin_core.wire.base import PreparedChat, Wire
from wenxin_core.wire.v1 import chat

__all__ = ["V1Wire"]

_OPTIONS = frozenset(
    {"temperature", "top_p", "top_k", "penalty_score", "stop", "user_id", "max_output_tokens"}
)


class V1Wire(Wire):
    """The V1 protocol (legacy)."""

    api: Api = "v1"
    reader_class = chat.V1EventReader
    option_names = _OPTIONS

    def prepare(
        self,
        spec: ModelSpec,
        messages: Iterable[Any],
        options: Mapping[str, Any],
        *,
        system: str | None,
        extra_body: Mapping[str, Any] | None,
        stream: bool,
        overflow: str,
    ) -> PreparedChat:
        """Validate a call and encode its V1 body."""
        values = dict(options)
        if isinstance(values.get("stop"), (list, tuple)):
            values["stop"] = list(values["stop"])
        params = ChatParams.build(**values, extra_body=dict(extra_body) if extra_body else None)
        return chat.prepare_chat(
            spec,
            messages,
            params,
            system=system,
            stream=stream,
            overflow="error" if overflow == "error" else "truncate",
        )

    def error_for_response(self, response: httpx.Response, content: bytes) -> WenxinError | None:
        """The typed error of a V1 answer, or ``None``."""
        return chat.error_for_response(response, content)

    def parse_completion(
        self, response: httpx.Response, content: bytes, spec: ModelSpec
    ) -> ChatCompletion:
        """The neutral completion of a V1 answer."""
        return chat.parse_completion(response, content, spec)
