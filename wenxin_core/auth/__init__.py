"""Authentication for Qianfan: credential resolution and the httpx auth of each mode.

* :class:`Credentials` / :func:`build_auth`: explicit arguments over ``QIANFAN_*`` environment
  variables (:data:`ENV_VARS`); ``api="v2"`` (default) picks ``"api_key"`` or ``"iam_bearer"``,
  ``api="v1"`` picks ``"fixed_token"``, ``"iam"`` or ``"token"``; :func:`build_auth` builds the
  mode's httpx auth.
* V2: :class:`BearerAuth` sends the console API Key as ``Authorization: Bearer``;
  :class:`IamBearerAuth` + :class:`IamBearerProvider` mint a BCE-BEARER token from the account's
  IAM keys (signed with bce-auth-v1), cache it until shortly before it expires, and mint again
  after :meth:`~IamBearerAuth.rejected`.
* V1: :class:`AccessTokenAuth` + :class:`TokenProvider` exchange the application keys for a
  cached access token; :class:`FixedTokenAuth` sends a given token; :class:`BceSigningAuth` +
  :func:`build_authorization` sign each request with the IAM keys.
* :class:`RefreshingTokenAuth` / :class:`CachedTokenProvider`: the single-flight token cache the
  two refreshing auths share.

Every auth has ``apply_now(request) -> bool`` (authenticate at once when no I/O is needed) and
``rejected(request)``. Clients call ``rejected`` when the service refuses the token a request
carried (V1 110/111, V2 HTTP 401 ``invalid_iam_token``) and replay the request once, but only
for a :class:`RefreshingTokenAuth`: the other auths cannot refresh.
"""

from wenxin_core.auth.bearer import BearerAuth, bearer_of
from wenxin_core.auth.cached import CachedTokenProvider, RefreshingTokenAuth
from wenxin_core.auth.credentials import (
    DEFAULT_BASE_URL,
    DEFAULT_BASE_URLS,
    DEFAULT_IAM_BASE_URL,
    DEFAULT_V1_BASE_URL,
    ENV_VARS,
    ApiVersion,
    AuthMode,
    Credentials,
    build_auth,
)
from wenxin_core.auth.iam_bearer import (
    DEFAULT_IAM_TOKEN_LIFETIME,
    IamBearerAuth,
    IamBearerProvider,
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
    "DEFAULT_BASE_URLS",
    "DEFAULT_IAM_BASE_URL",
    "DEFAULT_IAM_TOKEN_LIFETIME",
    "DEFAULT_V1_BASE_URL",
    "ENV_VARS",
    "AccessTokenAuth",
    "ApiVersion",
    "AuthMode",
    "BceSigningAuth",
    "BearerAuth",
    "CachedTokenProvider",
    "Credentials",
    "FixedTokenAuth",
    "IamBearerAuth",
    "IamBearerProvider",
    "RefreshingTokenAuth",
    "TokenProvider",
    "bearer_of",
    "build_auth",
    "build_authorization",
    "canonical_request",
    "format_timestamp",
    "token_of",
    "uri_encode",
]
