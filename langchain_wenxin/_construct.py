"""Pydantic models of LangChain built from values that are ours and valid, without validation.

``AIMessage(...)`` runs its validators (some 15 us: the tool-call compatibility pass, the chunk
checks) and pydantic's ``model_construct`` is slower still where it fills a default from a
factory (it inspects the factory's signature each time). :func:`construct` builds the same
object ``model_construct`` would, from every field's value, in some 1.5 us: the instance's
``__dict__`` in field order, its set fields, no extra values (or an empty dict where the model
allows extras), no private values. A model with private attributes or a post-init hook, or
values that are not exactly its fields (another langchain-core's model), goes through
``model_construct``, which knows them. The tests compare the results with validated twins.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["construct"]

_M = TypeVar("_M", bound=BaseModel)

_set = object.__setattr__


_NOT_PLAIN = object()
"""The extras of a class whose instances need ``model_construct`` (see :func:`_extras_of`)."""

_EXTRAS: dict[type[BaseModel], object] = {}
"""Each class's ``__pydantic_extra__`` for a new instance, or :data:`_NOT_PLAIN` (per class)."""


def _extras_of(cls: type[BaseModel]) -> object:
    """``cls``'s new instances' extras: ``{}`` where it allows extras, else None.

    :data:`_NOT_PLAIN` when its instances hold more than their fields' values (private
    attributes, a post-init hook): those are ``model_construct``'s to set up.
    """
    if cls.__private_attributes__ or cls.__pydantic_post_init__ is not None:
        return _NOT_PLAIN
    return {} if cls.model_config.get("extra") == "allow" else None


def construct(cls: type[_M], values: dict[str, Any], fields_set: set[str]) -> _M:
    """``cls.model_construct(fields_set, **values)``, where ``values`` has every field in order.

    ``values`` becomes the instance's ``__dict__`` (not copied) and ``fields_set`` its set
    fields: both must be new to this instance. (``__pydantic_fields__`` is what the
    ``model_fields`` class property returns, read without going through the property.)
    """
    extras = _EXTRAS.get(cls)
    if extras is None and cls not in _EXTRAS:
        extras = _EXTRAS[cls] = _extras_of(cls)
    if extras is _NOT_PLAIN or values.keys() != cls.__pydantic_fields__.keys():
        return cls.model_construct(fields_set, **values)
    instance = cls.__new__(cls)
    _set(instance, "__dict__", values)
    _set(instance, "__pydantic_fields_set__", fields_set)
    _set(instance, "__pydantic_extra__", {} if extras is not None else None)
    _set(instance, "__pydantic_private__", None)
    return instance
