"""The wire protocols behind the one request engine: ``v2`` (the default) and ``v1`` (legacy).

Each turns neutral calls (:mod:`wenxin_core.types`) into request bodies and the service's answers
back into neutral types; the engine and the adapters never see a protocol's field names.
"""

from __future__ import annotations

from functools import cache

from wenxin_core.catalog import Api
from wenxin_core.wire.base import EventReader, PreparedChat, PreparedPost, Wire, final_chunk_of

__all__ = ["EventReader", "PreparedChat", "PreparedPost", "Wire", "final_chunk_of", "wire_for"]


@cache
def wire_for(api: Api) -> Wire:
    """The protocol object for ``api`` (one per process; they hold no state)."""
    if api == "v2":
        from wenxin_core.wire.v2 import V2Wire

        return V2Wire()
    from wenxin_core.wire.v1 import V1Wire

    return V1Wire()
