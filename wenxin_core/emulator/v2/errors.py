"""V2 error answers: real HTTP statuses with ``{"error": {"code", "message", "type"}, "id"}``."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ERROR_TYPES",
    "V2_ERROR_MESSAGES",
    "V2Error",
    "bad_request",
    "error_type",
    "v2_error_body",
]

ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "access_denied",
    403: "access_denied",
    404: "invalid_request_error",
    405: "invalid_request_error",
    429: "rate_limit_exceeded",
    500: "server_error",
    503: "server_error",
}
"""The ``error.type`` the emulator gives each HTTP status (``server_error`` for other 5xx)."""

V2_ERROR_MESSAGES: dict[str, str] = {
    "malformed_json": "Request body is not valid JSON",
    "invalid_argument": "Invalid argument",
    "invalid_messages": "Invalid messages",
    "characters_too_long": "Input exceeds the maximum number of characters",
    "tokens_too_long": "Input exceeds the maximum number of tokens",
    "invalid_model": "Invalid model",
    "invalid_iam_token": "IAM token is invalid or expired",
    "invalid_appid": "Invalid appid",
    "no_parameter_permission": "No permission for the parameter",
    "account_overdue": "Account is overdue",
    "model_offline": "Model is offline",
    "system_unsafe": "Input is unsafe",
    "user_setting_unsafe": "Input is unsafe (user setting)",
    "functions_unsafe": "Functions are unsafe",
    "rpm_rate_limit_exceeded": "Rate limit reached for RPM",
    "tpm_rate_limit_exceeded": "Rate limit reached for TPM",
    "input_tpm_rate_limit_exceeded": "Rate limit reached for input TPM",
    "output_tpm_rate_limit_exceeded": "Rate limit reached for output TPM",
    "user_rate_limit_exceeded": "Rate limit reached for the user",
    "internal_error": "Internal error",
    "dispatch_internal_error": "Dispatch internal error",
    "not_found": "No such route",
    "method_not_allowed": "Method not allowed",
}
"""A default ``error.message`` for each V2 ``error.code`` of the reference table."""


def error_type(status: int) -> str:
    """The ``error.type`` of an answer with HTTP ``status``."""
    if status in ERROR_TYPES:
        return ERROR_TYPES[status]
    return "server_error" if status >= 500 else "invalid_request_error"


class V2Error(Exception):
    """A V2 error answer: HTTP ``status`` and ``error.code`` / ``message`` / ``type``."""

    def __init__(
        self, status: int, code: str, message: str | None = None, type_: str | None = None
    ) -> None:
        """An error with the reference's default message and type unless given."""
        self.status = status
        self.code = code
        self.message = message if message is not None else V2_ERROR_MESSAGES.get(code, code)
        self.type = type_ if type_ is not None else error_type(status)
        super().__init__(f"{status} {code}: {self.message}")

    def body(self, completion_id: str) -> dict[str, Any]:
        """The JSON body of this error."""
        return v2_error_body(self.code, self.message, self.type, completion_id)


def v2_error_body(code: str, message: str, type_: str, completion_id: str) -> dict[str, Any]:
    """``{"error": {"code", "message", "type"}, "id"}``."""
    return {"error": {"code": code, "message": message, "type": type_}, "id": completion_id}


def bad_request(code: str, message: str) -> V2Error:
    """An HTTP 400 with ``code`` and ``message``."""
    return V2Error(400, code, message)
