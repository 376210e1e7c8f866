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


def _plain(cls: type[BaseModel]) -> bool:
    """Whether ``cls``'s instances hold nothing but their fields' values (and extras)."""
    return not cls.__private_attributes__ and cls.__pydantic_post_init__ is None


def construct(cls: type[_M], values: dict[str, Any], fields_set: set[str]) -> _M:
    """``cls.model_construct(fields_set, **values)``, where ``values`` has every field in order.

    ``values`` becomes the instance's ``__dict__`` (not copied) and ``fields_set`` its set
    fields: both must be new to this instance. (``__pydantic_fields__`` is what the
    ``model_fields`` class property returns, read without going through the property.)
    """
    if values.keys() != cls.__pydantic_fields__.keys() or not _plain(cls):
        return cls.model_construct(fields_set, **values)
    instance = cls.__new__(cls)
    _set(instance, "__dict__", values)
    _set(instance, "__pydantic_fields_set__", fields_set)
    _set(instance, "__pydantic_extra__", {} if cls.model_config.get("extra") == "allow" else None)
    _set(instance, "__pydantic_private__", None)
    return instance
