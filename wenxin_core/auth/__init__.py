"""Authentication for Qianfan: credential resolution and the three httpx auth modes.

* :class:`Credentials` / :func:`build_auth`: explicit arguments over ``QIANFAN_*`` environment
  variables; picks ``"fixed_token"``, ``"iam"`` or ``"token"`` mode and builds its httpx auth.
* :class:`AccessTokenAuth` + :class:`TokenProvider`: the application's API Key / Secret Key
  exchanged for a cached access token (single-flight fetch, compare-and-clear invalidation).
* :class:`FixedTokenAuth`: a user-supplied access token, never refreshed.
* :class:`BceSigningAuth` + :func:`build_authorization`: bce-auth-v1 signing with the account's
  IAM Access Key / Secret Key.

Clients call ``auth.rejected(request)`` (present on the two token auths) when the service answers
110/111, then replay the request once.
"""

from wenxin_core.auth.credentials import (
    DEFAULT_BASE_URL,
    ENV_VARS,
    AuthMode,
    Credentials,
    build_auth,
)
from wenxin_core.auth.signing import (
    BceSigningAuth,
    build_authorization,
    canonical_request,
    format_timestamp,
    uri_encode,
)
from wenxin_core.auth.token import AccessTokenAuth, FixedTokenAuth, TokenProvider, token_of

__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_VARS",
    "AccessTokenAuth",
    "AuthMode",
    "BceSigningAuth",
    "Credentials",
    "FixedTokenAuth",
    "TokenProvider",
    "build_auth",
    "build_authorization",
    "canonical_request",
    "format_timestamp",
    "token_of",
    "uri_encode",
]
