"""LangChain-flavoured twins of the core's errors.

Each class here subclasses both the :mod:`wenxin_core.errors` class of the same name and the
matching :mod:`langchain_core.exceptions` class, and mirrors the core's hierarchy among
themselves (every class here is a :class:`WenxinError`; the validation errors are
:class:`WenxinValidationError`), so ``except wenxin_core.RateLimitError`` and
``except langchain_core.exceptions.ModelRateLimitError`` (and LangChain's fallbacks / retries,
which read ``is_retryable``) both see what :class:`~langchain_wenxin.ChatWenxin` raises.
:func:`translate_error` turns a caught core error into its twin, keeping every attribute
(``error_code``, ``request_id``, ``retry_after``, ``rate_limits``, ``partial_text``, ...), the
message, the ``__cause__`` and the traceback; :func:`core_errors_translated` does it for a block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from langchain_core import exceptions as lc

from wenxin_core import errors as core

__all__ = [
    "AuthenticationError",
    "BodyLimitError",
    "ContentPolicyError",
    "ContextOverflowError",
    "DeadlineExceededError",
    "InvalidIamTokenError",
    "InvalidMessagesError",
    "InvalidRequestError",
    "MissingCredentialsError",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "ServiceBusyError",
    "StreamInterruptedError",
    "TLSVerificationError",
    "TokenExpiredError",
    "UnknownModelError",
    "UnsupportedParameterError",
    "WenxinConnectionError",
    "WenxinError",
    "WenxinProtocolError",
    "WenxinTimeoutError",
    "WenxinValidationError",
    "core_errors_translated",
    "translate_error",
]


class WenxinError(core.WenxinError, lc.ModelError):
    """An error of the service or the core with no more specific LangChain class."""


class WenxinValidationError(core.WenxinValidationError, WenxinError, lc.ModelInvalidRequestError):
    """Bad input caught before sending (a ``ValueError`` too); not retryable."""


class UnknownModelError(core.UnknownModelError, WenxinValidationError, lc.ModelNotFoundError):
    """The model name is not in the catalog (pass ``endpoint=`` for a deployed service)."""


class UnsupportedParameterError(
    core.UnsupportedParameterError, WenxinValidationError, lc.ModelInvalidRequestError
):
    """A parameter the chosen model does not accept (e.g. ``max_tokens`` on Llama-2)."""


class InvalidMessagesError(
    core.InvalidMessagesError, WenxinValidationError, lc.ModelInvalidRequestError
):
    """The conversation cannot be sent (non-text block, no user turn, unknown role, ...)."""


class ContextOverflowError(
    core.ContextOverflowError, WenxinValidationError, lc.ContextOverflowError
):
    """The conversation exceeds the model's input budget (with ``overflow="error"``)."""


class AuthenticationError(core.AuthenticationError, WenxinError, lc.ModelAuthenticationError):
    """Credentials are missing, wrong, or of the wrong kind (application vs IAM keys)."""


class MissingCredentialsError(core.MissingCredentialsError, AuthenticationError):
    """No usable credentials were given as arguments or found in the environment."""


class TokenExpiredError(core.TokenExpiredError, AuthenticationError):
    """The access token was still rejected after the core refreshed it once."""


class InvalidIamTokenError(core.InvalidIamTokenError, TokenExpiredError):
    """V2 refused the bearer token (HTTP 401 ``invalid_iam_token``) after the core's one re-mint."""


class PermissionDeniedError(core.PermissionDeniedError, WenxinError, lc.ModelPermissionDeniedError):
    """The application may not use this model or service."""


class ContentPolicyError(core.ContentPolicyError, PermissionDeniedError):
    """V2 refused the content (HTTP 403 ``system_unsafe``, ``user_setting_unsafe``...)."""


class RateLimitError(core.RateLimitError, WenxinError, lc.ModelRateLimitError):
    """A request-rate or token-rate limit was hit (retryable); ``rate_limits`` when sent."""


class QuotaExceededError(core.QuotaExceededError, RateLimitError):
    """A daily or total quota is exhausted: retrying soon will not help."""

    is_retryable = False


class InvalidRequestError(core.InvalidRequestError, WenxinError, lc.ModelInvalidRequestError):
    """The service rejected the request as malformed or invalid."""


class NotFoundError(core.NotFoundError, InvalidRequestError, lc.ModelNotFoundError):
    """The endpoint does not exist: a wrong model or endpoint name."""


class ServerError(core.ServerError, WenxinError, lc.ModelAPIError):
    """The service failed (after the core's retries)."""


class ServiceBusyError(core.ServiceBusyError, ServerError):
    """The service is overloaded (336100)."""


class WenxinConnectionError(core.WenxinConnectionError, WenxinError, lc.ModelConnectionError):
    """The service could not be reached, or the connection was lost."""


class WenxinTimeoutError(core.WenxinTimeoutError, WenxinError, lc.ModelTimeoutError):
    """A connect, read, write or pool timeout expired."""


class StreamInterruptedError(
    core.StreamInterruptedError, WenxinError, lc.ModelConnectionError, lc.ModelAPIError
):
    """A stream closed before its final event; ``partial_text`` holds what arrived."""


class WenxinProtocolError(core.WenxinProtocolError, WenxinConnectionError):
    """The server broke HTTP (malformed status line, bad chunked framing...); retried."""


class ResponseTooLargeError(core.ResponseTooLargeError, WenxinProtocolError):
    """A response went over one of the client's size limits; not retried."""


class TLSVerificationError(core.TLSVerificationError, WenxinConnectionError):
    """The server's TLS certificate did not verify; not retried."""


class DeadlineExceededError(core.DeadlineExceededError, WenxinTimeoutError):
    """An attempt ran past ``total_timeout``."""


class BodyLimitError(core.BodyLimitError, WenxinError, lc.ModelAPIError):
    """A body from the service went over a documented size or nesting bound."""


# Most specific first: the first class the error is an instance of wins.
_TWINS: tuple[tuple[type[core.WenxinError], type[core.WenxinError]], ...] = (
    (core.UnknownModelError, UnknownModelError),
    (core.UnsupportedParameterError, UnsupportedParameterError),
    (core.InvalidMessagesError, InvalidMessagesError),
    (core.ContextOverflowError, ContextOverflowError),
    (core.WenxinValidationError, WenxinValidationError),
    (core.MissingCredentialsError, MissingCredentialsError),
    (core.InvalidIamTokenError, InvalidIamTokenError),
    (core.TokenExpiredError, TokenExpiredError),
    (core.AuthenticationError, AuthenticationError),
    (core.ContentPolicyError, ContentPolicyError),
    (core.PermissionDeniedError, PermissionDeniedError),
    (core.QuotaExceededError, QuotaExceededError),
    (core.RateLimitError, RateLimitError),
    (core.NotFoundError, NotFoundError),
    (core.InvalidRequestError, InvalidRequestError),
    (core.ServiceBusyError, ServiceBusyError),
    (core.ServerError, ServerError),
    (core.DeadlineExceededError, DeadlineExceededError),
    (core.WenxinTimeoutError, WenxinTimeoutError),
    (core.ResponseTooLargeError, ResponseTooLargeError),
    (core.WenxinProtocolError, WenxinProtocolError),
    (core.TLSVerificationError, TLSVerificationError),
    (core.WenxinConnectionError, WenxinConnectionError),
    (core.StreamInterruptedError, StreamInterruptedError),
    (core.BodyLimitError, BodyLimitError),
    (core.WenxinError, WenxinError),
)


def translate_error(err: BaseException) -> BaseException:
    """Return the LangChain-flavoured twin of a core error (other exceptions unchanged).

    The twin is a new instance of the class from this module that matches the most specific
    core class of ``err``; it has the same ``args``, the same attributes (``message``,
    ``error_code``, ``error_msg``, ``request_id``, ``status_code`` and any subclass extras),
    the same ``__cause__`` / ``__context__`` and the same traceback. An error that already is
    a twin, or that is not a core error, is returned as is.
    """
    if not isinstance(err, core.WenxinError) or isinstance(err, lc.ModelError):
        return err
    twin_cls = next(twin for base, twin in _TWINS if isinstance(err, base))
    twin = twin_cls.__new__(twin_cls)
    twin.args = err.args
    twin.__dict__.update(err.__dict__)
    twin.__cause__ = err.__cause__
    twin.__context__ = err.__context__
    twin.__suppress_context__ = err.__suppress_context__
    return twin.with_traceback(err.__traceback__)


@contextmanager
def core_errors_translated() -> Iterator[None]:
    """Re-raise core errors as their LangChain-flavoured twins (same attributes and cause)."""
    try:
        yield
    except core.WenxinError as exc:
        raise translate_error(exc) from exc.__cause__
