"""Public names a package imports on first use (a module ``__getattr__``), not with itself."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(
    package: str, lazy: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` importing ``name`` from ``package.<lazy[name]>`` on first use.

    The value is stored in ``namespace`` (the package's globals), so later lookups are plain.
    Any other name raises ``AttributeError``, as a module without ``__getattr__`` would.
    """

    def module_getattr(name: str) -> Any:
        module = lazy.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return module_getattr
