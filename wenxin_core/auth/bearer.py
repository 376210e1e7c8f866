"""V2 API-key mode: the console API Key sent as ``Authorization: Bearer <key>``."""

from __future__ import annotations

from collections.abc import Generator

import httpx
from pydantic import SecretStr

from wenxin_core.redact import register_secret

__all__ = ["BearerAuth", "bearer_of"]

_PREFIX = "Bearer "


def bearer_of(request: httpx.Request) -> str | None:
    """Return the token of a request's ``Authorization: Bearer <token>`` header, if any."""
    value = request.headers.get("authorization")
    if value is None or value[:7].lower() != "bearer ":
        return None
    return value[7:].strip() or None


class BearerAuth(httpx.Auth):
    """httpx auth that sends a fixed V2 API Key (``QIANFAN_API_KEY``) as a bearer token.

    An API Key is permanent until revoked in the console: it is never refreshed, so
    :meth:`rejected` does nothing and the client surfaces a 401 as it is.
    """

    requires_request_body = False
    requires_response_body = False
    refreshable = False
    """Never: an API Key cannot be refreshed, so a rejection is final."""

    def __init__(self, api_key: SecretStr) -> None:
        register_secret(api_key)
        self._header = SecretStr(_PREFIX + api_key.get_secret_value())

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Set ``Authorization: Bearer <key>`` on the request and send it."""
        self.apply_now(request)
        yield request

    def apply_now(self, request: httpx.Request) -> bool:
        """Set ``Authorization: Bearer <key>`` on ``request`` (what the flow does); always True."""
        request.headers["Authorization"] = self._header.get_secret_value()
        return True

    def rejected(self, request: httpx.Request) -> None:
        """Do nothing: an API Key cannot be refreshed."""

    def __repr__(self) -> str:
        return "BearerAuth(api_key=SecretStr('**********'))"
