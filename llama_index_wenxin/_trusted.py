"""Pydantic models built from values that validation would keep as they are.

For LlamaIndex's own models the adapter builds on every call (the chat events, the answer's
message and response), validation spends its time checking values the adapter made itself and
``model_construct`` runs a Python loop over the fields, slower still. :func:`trusted` sets what
both leave in an instance (the ``__dict__`` in field order, the fields set, no extra, no private
values) directly. A model is only built so when :func:`plain_model` says it is made of nothing
else, which a LlamaIndex release could change: the callers then validate.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["plain_model", "trusted"]

_Model = TypeVar("_Model", bound=BaseModel)

_SLOTS = vars(BaseModel)
_set_dict = _SLOTS["__dict__"].__set__
_set_fields_set = _SLOTS["__pydantic_fields_set__"].__set__
_set_extra = _SLOTS["__pydantic_extra__"].__set__
_set_private = _SLOTS["__pydantic_private__"].__set__
"""The setters of ``BaseModel``'s four slots, bound once: ``object.__setattr__`` makes a
method-wrapper object on every call, these make none."""


def plain_model(
    cls: type[BaseModel], fields: tuple[str, ...], validators: frozenset[str] = frozenset()
) -> bool:
    """Whether an instance of ``cls`` is only its ``__dict__`` of ``fields`` and its fields set.

    ``fields`` in this order, ``object.__new__``, no ``model_post_init``, no private attributes,
    no extra fields, and no validator but ``validators`` (those the caller knows leave its
    values as they are).
    """
    decorators = cls.__pydantic_decorators__
    found = {*decorators.model_validators, *decorators.field_validators}
    return (
        tuple(cls.model_fields) == fields
        and not cls.__pydantic_post_init__
        and not cls.__private_attributes__
        and not cls.__pydantic_root_model__
        and cls.model_config.get("extra") in (None, "ignore")
        and found <= validators
        and cls.__new__ is object.__new__
    )


def trusted(cls: type[_Model], values: dict[str, Any], fields_set: frozenset[str]) -> _Model:
    """An instance of ``cls`` (a :func:`plain_model`) holding ``values``, all its fields in order.

    What ``model_construct(**values)`` makes with ``fields_set`` as its fields set.
    """
    # not cls.__new__: an attribute read on a pydantic class makes a method-wrapper object
    instance = object.__new__(cls)
    _set_dict(instance, values)
    _set_fields_set(instance, set(fields_set))
    _set_extra(instance, None)
    _set_private(instance, None)
    return instance
