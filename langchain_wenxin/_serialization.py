"""Let ``langchain_core.load`` revive :class:`ChatWenxin` with ``allowed_objects="all"``.

``load``/``loads`` only revive classes listed in langchain-core's serialisation mappings when
``allowed_objects="all"`` (the setting documented for trusted partner integrations); a class
outside them needs ``allowed_objects=[ChatWenxin]``. Registering our class path there makes
``"all"`` cover it too. Loading still requires ``valid_namespaces=["langchain_wenxin"]``.
"""

from __future__ import annotations

import importlib
import logging

__all__ = ["register_serializable"]

logger = logging.getLogger(__name__)


def register_serializable(class_path: tuple[str, ...]) -> None:
    """Add ``class_path`` (an ``lc_id``) to langchain-core's mapping of loadable classes."""
    try:
        lc_load = importlib.import_module("langchain_core.load.load")
    except ImportError:  # pragma: no cover - langchain-core always has it
        return
    mappings = getattr(lc_load, "ALL_SERIALIZABLE_MAPPINGS", None)
    if not isinstance(mappings, dict):  # pragma: no cover - a future langchain-core
        logger.debug("langchain_core.load has no ALL_SERIALIZABLE_MAPPINGS; not registered")
        return
    mappings.setdefault(class_path, class_path)
    cache = getattr(lc_load, "_default_class_paths_cache", None)
    if isinstance(cache, dict) and "all" in cache:
        cache["all"].add(class_path)
