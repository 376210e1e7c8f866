"""Sampling options, validated locally before any request is sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

from wenxin_core.catalog import ModelSpec
from wenxin_core.errors import UnsupportedParameterError, WenxinValidationError

__all__ = ["RULES", "ChatParams"]

RULES: dict[str, str] = {
    "temperature": "must be a number in (0, 1]: above 0 and at most 1",
    "top_p": "must be a number in [0, 1]",
    "top_k": "must be a positive integer",
    "penalty_score": "must be a number in [1, 2]",
    "stop": "must be a list of at most 4 strings, each at most 20 characters",
    "user_id": "must be a string",
    "max_output_tokens": "must be a positive integer",
    "system": "must be a string",
    "extra_body": "must be a mapping of field names to JSON values",
}
"""The rule of each field, in words, as error messages quote it."""

_BODY_FIELDS = ("temperature", "top_p", "top_k", "penalty_score", "stop", "user_id")


class ChatParams(BaseModel):
    """The optional body fields of a chat request.

    ``extra_body`` holds model-specific fields (``disable_search``, ``response_format``...) that are
    sent as they are, after checking the model accepts them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: float | None = Field(default=None, gt=0, le=1)
    top_p: float | None = Field(default=None, ge=0, le=1)
    top_k: StrictInt | None = Field(default=None, gt=0)
    penalty_score: float | None = Field(default=None, ge=1, le=2)
    stop: list[str] | None = Field(default=None, max_length=4)
    user_id: str | None = None
    max_output_tokens: StrictInt | None = Field(default=None, gt=0)
    extra_body: dict[str, Any] = Field(default_factory=dict)

    @field_validator("stop", mode="before")
    @classmethod
    def _one_stop_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        if isinstance(value, tuple):
            return list(value)
        return value

    @field_validator("stop")
    @classmethod
    def _short_stops(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            for item in value:
                if not item or len(item) > 20:
                    raise ValueError("each stop string must have 1 to 20 characters")
        return value

    @classmethod
    def build(cls, **values: Any) -> ChatParams:
        """Validate ``values`` (``None`` means unset) into params.

        Raises:
            WenxinValidationError: naming the first offending field and its rule.

        """
        given = {k: v for k, v in values.items() if v is not None}
        if not given:
            return _NO_PARAMS
        unknown = sorted(set(given) - set(cls.model_fields))
        if unknown:
            raise WenxinValidationError(
                unknown[0],
                "is not a chat parameter; pass model-specific fields in extra_body",
            )
        try:
            return cls(**given)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else "params"
            rule = RULES.get(field, first["msg"])
            bad = given.get(field)
            raise WenxinValidationError(
                field,
                f"{rule} (got {bad!r})",
                message=f"Invalid value for '{field}': {rule} (got {bad!r})",
            ) from None

    def check_supported(self, spec: ModelSpec) -> None:
        """Raise UnsupportedParameterError for a field ``spec`` does not accept.

        The service rejects or silently ignores unknown fields depending on the model; either
        way the caller's intent would be lost, so we say so before sending.
        """
        names = [f for f in (*_BODY_FIELDS, "max_output_tokens") if getattr(self, f) is not None]
        for name in names:
            if not spec.accepts(name):
                raise UnsupportedParameterError(
                    name,
                    f"is not accepted by {spec.name} (it accepts: "
                    f"{', '.join(sorted(spec.accepted_fields - {'stream'}))})",
                )
        if not spec.is_custom_endpoint:
            for name in self.extra_body:
                if name in {"messages", "stream"}:
                    raise UnsupportedParameterError(
                        f"extra_body.{name}", "is set by the client; do not pass it"
                    )
                if not spec.accepts(name):
                    raise UnsupportedParameterError(
                        f"extra_body.{name}", f"is not accepted by {spec.name}"
                    )

    def body_fields(self) -> dict[str, Any]:
        """The JSON body fields these params contribute (unset ones omitted)."""
        body: dict[str, Any] = {}
        for name in (*_BODY_FIELDS, "max_output_tokens"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        body.update(self.extra_body)
        return body

    def merged(self, overrides: Mapping[str, Any]) -> ChatParams:
        """A copy with the non-``None`` ``overrides`` applied (validated)."""
        values = self.model_dump(exclude_defaults=True)
        for key, value in overrides.items():
            if value is None:
                continue
            if key == "extra_body":
                values["extra_body"] = {**values.get("extra_body", {}), **value}
            else:
                values[key] = value
        return ChatParams.build(**values)


_NO_PARAMS = ChatParams()
"""The params of a call that sets none (shared: the model is frozen, and nothing mutates it)."""
